// The Kubernetes API emulator checked with the real kubectl client: what it
// answers must be what kubectl expects from a real API server. Checked with
// kubectl 1.20 (Debian 12) and 1.32; skipped, saying why, without a kubectl
// or with an older one.
#include "tests/lab/kube_api_emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::lab {
namespace {

using ::testing::HasSubstr;

struct KubectlRun {
  int code;
  std::string output;  // stdout and stderr
};

// The oldest kubectl these checks have passed with (Debian 12's
// kubernetes-client, 1.20); they were written against 1.32.
constexpr int kOldestKubectlMinor = 20;

// The output of a shell command (stdout and stderr) and its exit status.
KubectlRun Shell(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  KubectlRun run{-1, ""};
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) {
    run.output.append(buffer.data(), n);
  }
  run.code = pclose(pipe.release());
  return run;
}

// The minor version of the kubectl on PATH ("1.20" -> 20), or why there is
// none to use.
absl::StatusOr<int> KubectlMinorVersion() {
  const KubectlRun run = Shell("timeout 30 kubectl version --client -o json");
  if (run.code != 0) return absl::NotFoundError("no usable kubectl on PATH: " + run.output);
  const nlohmann::json version = nlohmann::json::parse(run.output, nullptr, false);
  const nlohmann::json* client = version.is_object() && version.contains("clientVersion")
                                     ? &version["clientVersion"]
                                     : nullptr;
  if (client == nullptr || !client->is_object() || !(*client)["major"].is_string() ||
      !(*client)["minor"].is_string()) {
    return absl::NotFoundError("kubectl printed no client version: " + run.output);
  }
  const std::string major = (*client)["major"];
  const std::string minor = (*client)["minor"];  // "20", or "20+" on some builds
  if (major != "1" || minor.empty() || !std::isdigit(static_cast<unsigned char>(minor[0]))) {
    return absl::NotFoundError("kubectl " + major + "." + minor + " is not a 1.x release");
  }
  return std::stoi(minor);
}

class KubectlFidelity : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::StatusOr<int> minor = KubectlMinorVersion();
    if (!minor.ok()) GTEST_SKIP() << minor.status().message();
    if (*minor < kOldestKubectlMinor) {
      GTEST_SKIP() << "kubectl 1." << *minor << " found; these checks need >= 1."
                   << kOldestKubectlMinor;
    }
    api_.AddToken("deployer", true);
    api_.AddToken("viewer", false);
    UseToken("deployer");
  }
  // kubectl talks to `server` as the kubeconfig user `user` (a YAML map).
  void WriteKubeconfig(const std::string& server, const std::string& user) {
    std::ofstream(kubeconfig_)
        << "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
        << "contexts: [{name: lab, context: {cluster: lab, user: u, namespace: shop}}]\n"
        << "clusters: [{name: lab, cluster: {server: '" << server << "', certificate-authority: '"
        << certificate_.certificate_file() << "'}}]\n"
        << "users: [{name: u, user: " << user << "}]\n";
  }
  void UseToken(const std::string& token) { WriteKubeconfig(api_.url(), "{token: " + token + "}"); }
  // Runs kubectl with a bounded time; every call is one process.
  KubectlRun Kubectl(const std::string& arguments) {
    return Shell("timeout 30 kubectl --kubeconfig=" + kubeconfig_ + " --cache-dir=" + kubeconfig_ +
                 ".cache " + arguments);
  }

  const TestCertificate certificate_;
  KubeApiEmulator api_{certificate_.certificate_file(), certificate_.key_file()};
  const std::string kubeconfig_ =
      std::string(::testing::TempDir()) + "kanarya-kubectl-" + std::to_string(getpid()) + ".yaml";
};

constexpr char kVirtualService[] = R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: primary
    route:
    - destination: {host: reviews, subset: stable}
      weight: 100
    - destination: {host: reviews, subset: canary}
      weight: 0
)";

TEST_F(KubectlFidelity, ApplyGetAndBothPatchTypes) {
  const std::string manifest = std::string(::testing::TempDir()) + "vs.yaml";
  std::ofstream(manifest) << kVirtualService;
  KubectlRun run = Kubectl("apply --validate=false -f " + manifest);
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("virtualservice.networking.istio.io/reviews created"));

  run = Kubectl("get virtualservices.networking.istio.io -o json");
  ASSERT_EQ(run.code, 0) << run.output;
  const auto list = nlohmann::json::parse(run.output);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["spec"]["http"][0]["route"][0]["weight"], 100);
  EXPECT_TRUE(list["items"][0]["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/last-applied-configuration"));

  run = Kubectl(
      R"(patch virtualservices.networking.istio.io reviews --type=json -p '[{"op":"replace","path":"/spec/http/0/route/1/weight","value":10},{"op":"replace","path":"/spec/http/0/route/0/weight","value":90}]')");
  ASSERT_EQ(run.code, 0) << run.output;
  run = Kubectl(
      R"(patch virtualservices.networking.istio.io reviews --type=merge -p '{"metadata":{"labels":{"canary":"running"}}}')");
  ASSERT_EQ(run.code, 0) << run.output;
  run = Kubectl(
      "get virtualservices.networking.istio.io reviews -o "
      "jsonpath='{.spec.http[0].route[1].weight} {.metadata.labels.canary}'");
  EXPECT_EQ(run.output, "10 running");

  // Across namespaces, with kubectl's own table.
  run = Kubectl("get virtualservices.networking.istio.io --all-namespaces");
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output,
              ::testing::MatchesRegex("NAMESPACE +NAME +AGE\nshop +reviews +[0-9]+s\n"));

  // Re-applying the manifest puts the weights back, as a real server would.
  ASSERT_EQ(Kubectl("apply --validate=false -f " + manifest).code, 0);
  run = Kubectl(
      "get virtualservices.networking.istio.io reviews -o "
      "jsonpath='{.spec.http[0].route[1].weight}'");
  EXPECT_EQ(run.output, "0");
}

TEST_F(KubectlFidelity, ErrorsReadLikeARealServer) {
  KubectlRun run = Kubectl("get virtualservices.networking.istio.io missing");
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(
      run.output,
      HasSubstr(
          R"(Error from server (NotFound): virtualservices.networking.istio.io "missing" not found)"));

  std::ofstream(std::string(::testing::TempDir()) + "vs.yaml") << kVirtualService;
  ASSERT_EQ(
      Kubectl("apply --validate=false -f " + std::string(::testing::TempDir()) + "vs.yaml").code,
      0);
  run = Kubectl(
      R"(patch virtualservices.networking.istio.io reviews --type=json -p '[{"op":"test","path":"/metadata/resourceVersion","value":"1"}]')");
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.output, HasSubstr("The request is invalid"));

  UseToken("viewer");
  run = Kubectl(
      R"(patch virtualservices.networking.istio.io reviews --type=merge -p '{"metadata":{"labels":{"x":"y"}}}')");
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.output, HasSubstr("Forbidden"));
  UseToken("stranger");
  run = Kubectl("get virtualservices.networking.istio.io");
  EXPECT_NE(run.code, 0);
  // kubectl words it "(Unauthorized)" up to 1.2x and "(the server has asked
  // for the client to provide credentials)" since.
  EXPECT_THAT(run.output, HasSubstr("error: You must be logged in to the server ("));
}

TEST_F(KubectlFidelity, DiscoveryLeasesAndEvents) {
  KubectlRun run = Kubectl("api-versions");
  ASSERT_EQ(run.code, 0) << run.output;
  for (const char* version :
       {"coordination.k8s.io/v1", "networking.istio.io/v1", "networking.istio.io/v1beta1", "v1"}) {
    EXPECT_THAT(run.output, HasSubstr(version));
  }
  api_.ServeIstioVersions({"v1beta1"});
  EXPECT_THAT(Kubectl("api-versions").output,
              ::testing::Not(HasSubstr("networking.istio.io/v1\n")));
  api_.ServeIstioVersions({"v1", "v1beta1"});

  const std::string manifest = std::string(::testing::TempDir()) + "lease-and-event.yaml";
  std::ofstream(manifest) << R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: kanaryad}
spec: {holderIdentity: kanaryad-0, leaseDurationSeconds: 15, leaseTransitions: 2}
---
apiVersion: v1
kind: Event
metadata: {name: reviews.1}
involvedObject: {apiVersion: kanarya.dev/v1alpha1, kind: Rollout, namespace: shop, name: reviews}
type: Warning
reason: RolledBack
message: all traffic to stable
count: 1
)";
  run = Kubectl("create --validate=false -f " + manifest);
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("lease.coordination.k8s.io/kanaryad created"));
  EXPECT_THAT(run.output, HasSubstr("event/reviews.1 created"));
  run = Kubectl("get lease kanaryad -o jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}'");
  EXPECT_EQ(run.output, "kanaryad-0 2");
  run = Kubectl("get events -o jsonpath='{.items[0].involvedObject.kind} {.items[0].reason}'");
  EXPECT_EQ(run.output, "Rollout RolledBack");

  // An event must live in its subject's namespace.
  std::ofstream(manifest) << R"(apiVersion: v1
kind: Event
metadata: {name: elsewhere.1}
involvedObject: {kind: Rollout, namespace: other, name: reviews}
reason: RolledBack
)";
  run = Kubectl("create --validate=false -f " + manifest);
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.output,
              HasSubstr("involvedObject.namespace: Invalid value: \"other\": does not match "
                        "event.namespace"));
}

TEST_F(KubectlFidelity, ClientCertificatesAuthenticate) {
  KubeApiEmulator mtls(certificate_.certificate_file(), certificate_.key_file(),
                       certificate_.certificate_file());
  mtls.AddCertificateUser("deployer", true);
  const auto use_certificate = [&](const TestCertificate::Issued& issued) {
    WriteKubeconfig(mtls.url(), "{client-certificate: '" + issued.certificate_file +
                                    "', client-key: '" + issued.key_file + "'}");
  };
  use_certificate(certificate_.IssueClientCertificate("deployer"));
  KubectlRun run = Kubectl("get virtualservices.networking.istio.io -o json");
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(nlohmann::json::parse(run.output)["items"].size(), 0u);

  use_certificate(certificate_.IssueClientCertificate("stranger"));  // signed, but unknown
  run = Kubectl("get virtualservices.networking.istio.io");
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.output, HasSubstr("You must be logged in to the server"));
}

}  // namespace
}  // namespace kanarya::lab
