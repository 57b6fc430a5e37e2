// Test equipment: runs an httplib server on a free 127.0.0.1 port in its own
// thread, from Start() until destruction; HTTPS when given a certificate,
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
  // Binds a free port and serves; returns once the server accepts requests.
  void Start();
  std::string url() const;  // http(s)://127.0.0.1:PORT

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LOOPBACK_SERVER_H_
