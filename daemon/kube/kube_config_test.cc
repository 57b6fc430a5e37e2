#include "daemon/kube/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace kanarya::kube {
namespace {

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(InClusterConfig, ReadsTheServiceAccountAndBracketsIpv6Hosts) {
  const std::string sa = TempDir("kanarya-sa");
  std::ofstream(sa + "/token") << "abc";
  std::ofstream(sa + "/ca.crt") << "pem";
  std::ofstream(sa + "/namespace") << "canary-system\n";
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  const auto getenv = [&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto config = InClusterConfig(getenv, sa);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->namespace_name, "canary-system");
  EXPECT_EQ(config->endpoint.bearer_token_file, sa + "/token");
  EXPECT_EQ(config->endpoint.ca_file, sa + "/ca.crt");

  env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  EXPECT_EQ(InClusterConfig(getenv, sa)->server, "https://10.96.0.1:443");
  env.erase("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(InClusterConfig(getenv, sa).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(KubeconfigFile, UsesTheCurrentContextWithItsClusterAndUser) {
  const std::string dir = TempDir("kanarya-kubeconfig");
  std::ofstream(dir + "/config") << R"(
apiVersion: v1
kind: Config
current-context: lab
contexts:
  - name: other
    context: {cluster: nowhere, user: nobody}
  - name: lab
    context: {cluster: lab-cluster, user: deployer, namespace: shop}
clusters:
  - name: lab-cluster
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: LS0tLS1CRUdJTg==
users:
  - name: deployer
    user: {token: s3cret, client-certificate: /c.pem, client-key: /k.pem}
)";
  auto config = KubeconfigFile(dir + "/config");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->namespace_name, "shop");
  EXPECT_EQ(config->endpoint.ca_pem, "-----BEGIN");
  ASSERT_EQ(config->endpoint.extra_headers.size(), 1u);
  EXPECT_EQ(config->endpoint.extra_headers[0].second, "Bearer s3cret");
  EXPECT_EQ(config->endpoint.client_certificate_file, "/c.pem");
  EXPECT_EQ(KubeconfigFile(dir + "/config", "other").status().message(),
            "clusters: no cluster \"nowhere\"");
  EXPECT_EQ(KubeconfigFile(dir + "/config", "missing").status().message(),
            "contexts: no context \"missing\"");
}

TEST(KubeconfigFile, NamesTheFieldOfBadCredentials) {
  const std::string dir = TempDir("kanarya-kubeconfig-bad");
  const auto load = [&](const std::string& user) {
    std::ofstream(dir + "/config") << "current-context: c\n"
                                   << "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
                                   << "clusters: [{name: k, cluster: {server: https://k:6443}}]\n"
                                   << "users: [{name: u, user: " << user << "}]\n";
    return KubeconfigFile(dir + "/config");
  };
  EXPECT_EQ(load("{client-certificate-data: '%%%'}").status().message(),
            "users[u].client-certificate-data: not base64");
  EXPECT_EQ(load("{client-certificate-data: LS0t}").status().message(),
            "users[u].client-certificate-data: given without client-key-data");
  EXPECT_EQ(load("{client-key: /k.pem}").status().message(),
            "users[u].client-key: given without client-certificate");
  EXPECT_EQ(load("{exec: {command: aws, args: [eks, get-token]}}").status().message(),
            "users[u].exec: credential plugins are not supported; use a token, a tokenFile or a "
            "client certificate");
  const auto both = load("{client-certificate-data: LS0tQw==, client-key-data: LS0tSw==}");
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->endpoint.client_certificate_pem, "---C");
  EXPECT_EQ(both->endpoint.client_key_pem, "---K");
}

TEST(KubeconfigText, MalformedDocumentsAreErrorsNamingWhatIsWrong) {
  const std::string tail =
      "clusters: [{name: k, cluster: {server: https://k:6443}}]\n"
      "users: [{name: u, user: {token: t}}]\n";
  const std::pair<std::string, std::string> cases[] = {
      {"just some text", "the document is not a YAML map"},
      {"[1, 2, 3]", "the document is not a YAML map"},
      {"current-context: [c]\n", "current-context: not set"},
      {"current-context: c\ncontexts: [{name: {a: b}, context: {cluster: k}}]\n",
       "contexts: no context \"c\""},
      {"current-context: c\ncontexts: 5\n", "contexts: no context \"c\""},
      {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: https://k}]\n",
       "clusters[k].cluster: not a map"},
      {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: https://k}}]\nusers: [{name: u, user: [t]}]\n",
       "users[u].user: not a map"},
      {"current-context: c\ncontexts: [{name: c, context: [k]}]\n" + tail,
       "clusters: no cluster \"\""},
      {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: {host: k}}}]\n",
       "clusters[k].server: not set"},
      {"a: [unclosed",
       "<kubeconfig>: yaml-cpp: error at line 1, column 1: end of sequence flow not found"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<KubeConfig> config = KubeconfigText(text, "<kubeconfig>");
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(std::string(config.status().message()), message) << text;
  }
  EXPECT_EQ(KubeconfigFile("/nonexistent/kubeconfig").status().message(),
            "/nonexistent/kubeconfig: cannot be read");
}

}  // namespace
}  // namespace kanarya::kube
