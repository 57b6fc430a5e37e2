// Test equipment: an HTTP server on a free loopback port whose answers a test
// scripts (status, body, delay, a body cut short, an answer held until the
// test releases it), counting the requests it got. Used to put faults between
// a client and a real server. Never product code.
#ifndef KANARYA_TESTS_LAB_SCRIPTED_HTTP_SERVER_H_
#define KANARYA_TESTS_LAB_SCRIPTED_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/lab/loopback_server.h"

namespace kanarya::lab {

struct ScriptedAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::multimap<std::string, std::string> headers;  // extra response headers
  int delay_ms = 0;
  // Hold the answer until Release() (or at most 10 s, or the server stops).
  bool hold = false;
  // Close the connection after this many bytes of a larger declared body.
  long cut_after_bytes = -1;  // NOLINT(google-runtime-int)
  // When set ("http://127.0.0.1:PORT"), the request is passed on to this
  // upstream after the delay and its answer returned: a delaying proxy.
  std::string forward_to;
};

struct ScriptedRequest {
  int number;  // from 0, in arrival order
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> headers;  // as httplib reports them
  std::string body;
};

class ScriptedHttpServer {
 public:
  // Every request, whatever its path, is answered by script(request). With
  // TLS, serves HTTPS with the PEM certificate and key files given.
  explicit ScriptedHttpServer(std::function<ScriptedAnswer(const ScriptedRequest&)> script);
  ScriptedHttpServer(std::function<ScriptedAnswer(const ScriptedRequest&)> script,
                     const std::string& tls_certificate, const std::string& tls_key);

  ~ScriptedHttpServer();  // releases held answers

  std::string url() const { return server_.url(); }  // http:// or https://127.0.0.1:PORT
  int requests() const { return requests_.load(); }
  // Blocks until `count` answers are being held (at most 10 s); false on timeout.
  bool AwaitHeld(int count) ABSL_LOCKS_EXCLUDED(mutex_);
  // Lets every held answer go.
  void Release() ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  void Serve(std::function<ScriptedAnswer(const ScriptedRequest&)> script);
  void Hold() ABSL_LOCKS_EXCLUDED(mutex_);

  std::atomic<int> requests_{0};
  absl::Mutex mutex_;
  int held_ ABSL_GUARDED_BY(mutex_) = 0;
  bool released_ ABSL_GUARDED_BY(mutex_) = false;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_SCRIPTED_HTTP_SERVER_H_
