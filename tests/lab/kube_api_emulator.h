// Test equipment: an emulator of the Kubernetes API server for what Kanarya
// uses: discovery (/api, /apis, group-version resource lists), namespaced
// VirtualServices and DestinationRules (networking.istio.io v1 and v1beta1),
// Leases (coordination.k8s.io/v1) and Events (v1); GET, LIST (in a namespace
// or across all), POST, PUT,
// merge-patch and JSON-patch, DELETE; resourceVersion semantics (409 on a
// stale update; 422 Invalid without causes, as kube-apiserver answers, when a
// JSON patch cannot be applied); Status error bodies; bearer
// tokens and client certificates (401 unknown, 403 read-only on writes). Every
// namespace exists; there is no OpenAPI document (kubectl apply needs
// --validate=false). Tests can inject faults: error answers, answers held back
// after the request took effect, and a client cut off (a partition). Never
// product code.
#ifndef KANARYA_TESTS_LAB_KUBE_API_EMULATOR_H_
#define KANARYA_TESTS_LAB_KUBE_API_EMULATOR_H_

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/lab/loopback_server.h"

namespace kanarya::lab {

class KubeApiEmulator {
 public:
  // Plain HTTP on `port` (0: a free one; port() is 0 when it cannot be
  // bound), or HTTPS with the given PEM certificate and key (kubectl sends
  // bearer tokens over HTTPS only), accepting client certificates signed by
  // `client_ca` when given.
  explicit KubeApiEmulator(int port = 0);
  KubeApiEmulator(const std::string& tls_certificate, const std::string& tls_key,
                  const std::string& client_ca = "", int port = 0);
  ~KubeApiEmulator();  // releases requests held by a partition

  std::string url() const { return server_.url(); }  // http(s)://127.0.0.1:PORT
  int port() const { return server_.port(); }
  // Tokens the server accepts; read-only ones get 403 on writes.
  void AddToken(const std::string& token, bool can_write);
  void RemoveToken(const std::string& token);
  // The networking.istio.io versions served (v1 and v1beta1 by default; older
  // Istio releases serve v1beta1 and v1alpha3 only).
  void ServeIstioVersions(const std::vector<std::string>& versions);
  // A client certificate whose subject CN is `common_name` authenticates.
  void AddCertificateUser(const std::string& common_name, bool can_write);

  // Faults. The next `count` requests get this HTTP status and a Status body
  // without being served.
  void FailNext(int count, int http_status);
  // The next `count` updates (PUT, PATCH) of existing objects are refused as
  // a validation failure (a schema or an admission policy) refuses them: 422
  // Invalid naming `field`, with details.causes.
  void RejectNextUpdates(int count, const std::string& field, const std::string& detail);
  // The next `count` writes take effect, but their answers are held back for
  // `delay` (a client that gives up first cannot know its write landed).
  void DelayNextWriteAnswers(int count, absl::Duration delay);
  // Requests bearing `token` get no answer while it is cut off (each is held
  // for up to 5 s, then answered 503).
  void CutOff(const std::string& token, bool cut_off);

  // Direct access for tests: the stored object, or null; the objects of a
  // namespace, by name; removal.
  nlohmann::json Get(const std::string& group, const std::string& resource, const std::string& ns,
                     const std::string& name);
  std::vector<nlohmann::json> List(const std::string& group, const std::string& resource,
                                   const std::string& ns);
  void Delete(const std::string& group, const std::string& resource, const std::string& ns,
              const std::string& name);

 private:
  using Key =
      std::tuple<std::string, std::string, std::string, std::string>;  // group, resource, ns, name
  void Serve(int port);
  std::vector<std::string> istio_versions() ABSL_LOCKS_EXCLUDED(mutex_);

  absl::Mutex mutex_;
  absl::CondVar partition_changed_;
  std::vector<std::string> istio_versions_ ABSL_GUARDED_BY(mutex_) = {"v1", "v1beta1"};
  // Credentials ("token:…" or "cn:…") and whether they may write.
  std::map<std::string, bool> users_ ABSL_GUARDED_BY(mutex_);
  std::set<std::string> cut_off_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  int failures_left_ ABSL_GUARDED_BY(mutex_) = 0;
  int failure_status_ ABSL_GUARDED_BY(mutex_) = 0;
  int delays_left_ ABSL_GUARDED_BY(mutex_) = 0;
  int rejections_left_ ABSL_GUARDED_BY(mutex_) = 0;
  std::string rejected_field_ ABSL_GUARDED_BY(mutex_);
  std::string rejection_detail_ ABSL_GUARDED_BY(mutex_);
  absl::Duration answer_delay_ ABSL_GUARDED_BY(mutex_);
  std::map<Key, nlohmann::json> objects_ ABSL_GUARDED_BY(mutex_);
  int64_t resource_version_ ABSL_GUARDED_BY(mutex_) = 1000;
  int64_t uid_ ABSL_GUARDED_BY(mutex_) = 0;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_KUBE_API_EMULATOR_H_
