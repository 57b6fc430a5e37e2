// Test equipment: runs an httplib server on 127.0.0.1 (a free port, or the one
// asked for) in its own thread, from Start() until destruction; HTTPS when given a certificate,
// asking clients for certificates signed by `client_ca` when that is given
// (optional for the client, as the Kubernetes API server does).
// The lab's servers register their routes on http() and then Start().
#ifndef KANARYA_TESTS_LAB_LOOPBACK_SERVER_H_
#define KANARYA_TESTS_LAB_LOOPBACK_SERVER_H_

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace kanarya::lab {

class LoopbackServer {
 public:
  LoopbackServer();
  LoopbackServer(const std::string& tls_certificate, const std::string& tls_key,
                 const std::string& client_ca = "");
  ~LoopbackServer();  // stops serving and joins the thread

  httplib::Server& http() { return *server_; }
  // Binds `port` (0: a free one) and serves; returns once the server accepts
  // requests. When the port cannot be bound, nothing serves and port() is 0.
  void Start(int port = 0);
  int port() const { return port_; }
  std::string url() const;  // http(s)://127.0.0.1:PORT

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LOOPBACK_SERVER_H_
