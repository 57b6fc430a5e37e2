#include "daemon/config/daemon_config.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::config {
namespace {

using ::testing::HasSubstr;

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << contents;
  return path;
}

TEST(DaemonConfigTest, EmptyDocumentIsTheEmptyConfiguration) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig("");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->providers.empty());
  EXPECT_FALSE(config->kubernetes.has_value());
}

TEST(DaemonConfigTest, ReadsProvidersKubernetesAndDefaults) {
  const std::string password = WriteTempFile("loki-password", "s3cret\n");
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(R"(
providers:
  prom:
    type: prometheus
    url: http://127.0.0.1:9090
    auth: {bearer_token_file: /var/run/token}
    headers: {X-Team: shop}
  logs:
    type: loki
    url: https://loki.example:3100
    tenant: team-a
    auth: {basic_auth_user: kanarya, basic_auth_password_file: )" +
                                                          password + R"(}
    tls: {ca_file: /etc/ca.pem, insecure_skip_tls_verify: false}
kubernetes:
  kubeconfig: /home/sre/.kube/config
  context: staging
  request_timeout: 5s
defaults:
  istio_api_version: v1beta1
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->providers.size(), 2u);
  const metrics::ProviderConfig& prom = config->providers.at("prom");
  EXPECT_EQ(prom.type, "prometheus");
  EXPECT_EQ(prom.url, "http://127.0.0.1:9090");
  EXPECT_EQ(prom.endpoint.bearer_token_file, "/var/run/token");
  ASSERT_EQ(prom.endpoint.extra_headers.size(), 1u);
  EXPECT_EQ(prom.endpoint.extra_headers[0].first, "X-Team");
  EXPECT_EQ(prom.endpoint.extra_headers[0].second, "shop");
  const metrics::ProviderConfig& logs = config->providers.at("logs");
  EXPECT_EQ(logs.tenant, "team-a");
  EXPECT_EQ(logs.endpoint.basic_auth_user, "kanarya");
  EXPECT_EQ(logs.endpoint.basic_auth_password, "s3cret");
  EXPECT_EQ(logs.endpoint.ca_file, "/etc/ca.pem");
  ASSERT_TRUE(config->kubernetes.has_value());
  EXPECT_FALSE(config->kubernetes->in_cluster);
  EXPECT_EQ(config->kubernetes->kubeconfig, "/home/sre/.kube/config");
  EXPECT_EQ(config->kubernetes->context, "staging");
  EXPECT_EQ(config->kubernetes->request_timeout, absl::Seconds(5));
  EXPECT_EQ(config->defaults.istio_api_version, "v1beta1");
}

TEST(DaemonConfigTest, EveryBadFieldIsNamedByItsPath) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(R"(
providers:
  prom:
    type: graphite
    url: ftp://x
    tls: {insecure_skip_tls_verify: maybe}
    colour: blue
kubernetes:
  in_cluster: true
  kubeconfig: /x
  request_timeout: soon
logging: verbose
)");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("providers.prom.type: must be \"prometheus\" or \"loki\", got "
                                 "\"graphite\""));
  EXPECT_THAT(message, HasSubstr("providers.prom.url: must start with http:// or https://"));
  EXPECT_THAT(message, HasSubstr("providers.prom.tls.insecure_skip_tls_verify: must be true or "
                                 "false, got \"maybe\""));
  EXPECT_THAT(message, HasSubstr("providers.prom.colour: unknown field"));
  EXPECT_THAT(message, HasSubstr("kubernetes.kubeconfig: must be empty when in_cluster is true"));
  EXPECT_THAT(message, HasSubstr("kubernetes.request_timeout: must be a positive duration"));
  EXPECT_THAT(message, HasSubstr("logging: unknown field"));
}

TEST(DaemonConfigTest, WrongShapesAreErrorsNotExceptions) {
  for (const char* document :
       {"providers: [a, b]", "providers: {p: 3}", "kubernetes: yes", "- a\n- b",
        "providers: {p: {type: [1], url: {a: b}}}", "defaults: {istio_api_version: [v1]}",
        "{unclosed",
        // One document split over two lines, not two documents.
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
        "providers: {p: {type: loki, url: 'http://x', auth: {basic_auth_password_file: "
        "/nonexistent/pw}}}"}) {
    absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(document);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << document;
  }
  EXPECT_THAT(std::string(ParseDaemonConfig("kubernetes: {}").status().message()),
              HasSubstr("kubernetes: set in_cluster: true or a kubeconfig file"));
  EXPECT_THAT(std::string(ParseDaemonConfig("{unclosed").status().message()),
              HasSubstr("config: invalid YAML"));
}

TEST(DaemonConfigTest, LoadNamesTheFile) {
  const std::string path = WriteTempFile("bad.yaml", "providers: {p: {type: x, url: http://a}}");
  absl::StatusOr<DaemonConfig> config = LoadDaemonConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr(path + ": providers.p.type: must be"));
  EXPECT_EQ(LoadDaemonConfig("/nonexistent/kanaryad.yaml").status().message(),
            "config: /nonexistent/kanaryad.yaml cannot be read");
}

TEST(DaemonConfigTest, MakeProvidersBuildsEachByName) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(
      "providers: {prom: {type: prometheus, url: 'http://127.0.0.1:1'}, logs: {type: loki, url: "
      "'http://127.0.0.1:2'}}");
  ASSERT_TRUE(config.ok()) << config.status();
  auto providers = MakeProviders(*config);
  ASSERT_TRUE(providers.ok()) << providers.status();
  EXPECT_EQ(providers->size(), 2u);
  EXPECT_NE(providers->at("prom"), nullptr);
  EXPECT_NE(providers->at("logs"), nullptr);
}

TEST(DaemonConfigTest, ResolveKubeConfigPrefixesErrorsWithKubernetes) {
  KubernetesSettings settings;
  settings.kubeconfig = "/nonexistent/kubeconfig";
  absl::StatusOr<kube::KubeConfig> resolved = ResolveKubeConfig(settings);
  ASSERT_FALSE(resolved.ok());
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("kubernetes: "));
}

TEST(DaemonConfigTest, ResolveKubeConfigReadsTheKubeconfig) {
  const std::string path = WriteTempFile("kubeconfig", R"(
apiVersion: v1
kind: Config
current-context: lab
contexts:
- name: lab
  context: {cluster: lab, user: sre, namespace: shop}
clusters:
- name: lab
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: sre
  user: {token: abc}
)");
  KubernetesSettings settings;
  settings.kubeconfig = path;
  settings.request_timeout = absl::Seconds(3);
  absl::StatusOr<kube::KubeConfig> resolved = ResolveKubeConfig(settings);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->server, "https://127.0.0.1:6443");
  EXPECT_EQ(resolved->request_timeout, absl::Seconds(3));
}

TEST(DaemonConfigTest, ReadsRoleBindings) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(R"(
auth:
  bindings:
    - {principal: alice, role: approver, namespaces: [shop, bank]}
    - group: sre
      role: operator
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->auth.bindings.size(), 2u);
  const auth::RoleBinding& alice = config->auth.bindings[0];
  EXPECT_EQ(alice.principal, "alice");
  EXPECT_TRUE(alice.group.empty());
  EXPECT_EQ(alice.role, auth::Role::kApprover);
  EXPECT_EQ(alice.namespaces, (std::vector<std::string>{"shop", "bank"}));
  const auth::RoleBinding& sre = config->auth.bindings[1];
  EXPECT_EQ(sre.group, "sre");
  EXPECT_EQ(sre.role, auth::Role::kOperator);
  EXPECT_TRUE(sre.namespaces.empty());  // every namespace
}

TEST(DaemonConfigTest, BadRoleBindingsNameEveryFieldPath) {
  const struct {
    std::string yaml;
    std::string message;
  } cases[] = {
      {"auth: {bindings: {principal: a}}", "auth.bindings: must be a list"},
      {"auth: [1]", "auth: must be a mapping"},
      {"auth: {users: []}", "auth.users: unknown field"},
      {"auth: {bindings: [admin]}", "auth.bindings[0]: must be a mapping"},
      {"auth: {bindings: [{role: viewer}]}",
       "auth.bindings[0]: set exactly one of principal and group"},
      {"auth: {bindings: [{principal: a, group: g, role: viewer}]}",
       "auth.bindings[0]: set exactly one of principal and group"},
      {"auth: {bindings: [{principal: a, role: admin}]}",
       "auth.bindings[0].role: must be viewer, operator or approver, got \"admin\""},
      {"auth: {bindings: [{principal: a}]}", "auth.bindings[0].role: must be viewer"},
      {"auth: {bindings: [{principal: a, role: viewer, namespaces: []}]}",
       "auth.bindings[0].namespaces: must be a non-empty list"},
      {"auth: {bindings: [{principal: a, role: viewer, namespaces: shop}]}",
       "auth.bindings[0].namespaces: must be a non-empty list"},
      {"auth: {bindings: [{principal: a, role: viewer}, {group: g, role: viewer, namespaces: "
       "[ok, Bad_NS]}]}",
       "auth.bindings[1].namespaces[1]: namespace \"Bad_NS\" must be lowercase"},
      {"auth: {bindings: [{principal: a, role: viewer, namespace: [shop]}]}",
       "auth.bindings[0].namespace: unknown field"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr(c.message)) << c.yaml;
  }
}

TEST(DaemonConfigTest, ReadsNotificationReceivers) {
  const std::string secret = WriteTempFile("hook-secret", "k3y\n");
  const std::string url = WriteTempFile("hook-url", "https://hooks.slack.com/services/T/B/X\n");
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(absl::StrCat(R"(
notifications:
  queue_capacity: 50
  hook_secret_file: )",
                                                                       secret, R"(
  receivers:
    - name: audit
      url: http://127.0.0.1:8080/kanarya
      secret_file: )",
                                                                       secret, R"(
    - name: sre-slack
      url_file: )",
                                                                       url, R"(
      format: slack
      events: [rolled_back, rollout.failed]
      timeout: 2s
      max_attempts: 3
      max_delivery_time: 30s
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->notifications.queue_capacity, 50u);
  EXPECT_EQ(config->notifications.hook_secret, "k3y");
  ASSERT_EQ(config->notifications.receivers.size(), 2u);
  const notify::Receiver& audit = config->notifications.receivers[0];
  EXPECT_EQ(audit.name, "audit");
  EXPECT_EQ(audit.url, "http://127.0.0.1:8080/kanarya");
  EXPECT_EQ(audit.format, notify::WebhookFormat::kGeneric);
  EXPECT_EQ(audit.secret, "k3y");
  EXPECT_TRUE(audit.events.empty());
  EXPECT_EQ(audit.timeout, absl::Seconds(5));
  const notify::Receiver& slack = config->notifications.receivers[1];
  EXPECT_EQ(slack.url, "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(slack.format, notify::WebhookFormat::kSlack);
  EXPECT_TRUE(slack.secret.empty());
  EXPECT_EQ(slack.events, (std::set<notify::NotificationType>{notify::NotificationType::kRolledBack,
                                                              notify::NotificationType::kFailed}));
  EXPECT_EQ(slack.timeout, absl::Seconds(2));
  EXPECT_EQ(slack.max_attempts, 3);
  EXPECT_EQ(slack.max_delivery_time, absl::Seconds(30));
}

TEST(DaemonConfigTest, ReadsTheHostsTheRolloutsWebhooksMayCall) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(R"(
notifications:
  allowed_hook_hosts: [gates.internal, "*.example.com"]
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->notifications.allowed_hook_hosts,
            (std::set<std::string>{"gates.internal", "*.example.com"}));
  EXPECT_TRUE(ParseDaemonConfig("notifications: {}\n")->notifications.allowed_hook_hosts.empty());

  absl::StatusOr<DaemonConfig> bad = ParseDaemonConfig(R"(
notifications:
  allowed_hook_hosts: [ok.internal, "http://evil/", Upper.Case, "*."]
)");
  ASSERT_FALSE(bad.ok());
  const std::string message(bad.status().message());
  EXPECT_THAT(message, HasSubstr("notifications.allowed_hook_hosts[1]: must be a lower-case host "
                                 "name or *.domain, got \"http://evil/\""));
  EXPECT_THAT(message, HasSubstr("notifications.allowed_hook_hosts[2]:"));
  EXPECT_THAT(message, HasSubstr("notifications.allowed_hook_hosts[3]:"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("allowed_hook_hosts[0]")));
  EXPECT_THAT(ParseDaemonConfig("notifications:\n  allowed_hook_hosts: []\n").status().message(),
              HasSubstr("notifications.allowed_hook_hosts: must be a non-empty list"));
}

TEST(DaemonConfigTest, BadReceiversNameEveryFieldPathAndNeverTheUrl) {
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(R"(
notifications:
  queue_capacity: 0
  receivers:
    - name: a
      url: ftp://secret-token@example
      format: discord
      events: [exploded]
      timeout: soon
      max_attempts: 99
      colour: red
    - name: a
      url: http://x
      url_file: /f
    - just a string
)");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("notifications.queue_capacity: must be an integer from 1"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].url: must be an http or https URL"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].format: must be generic, slack or "
                                 "teams, got \"discord\""));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].events[0]: must be one of"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].timeout: must be a positive"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].max_attempts: must be an integer "
                                 "from 1 to 20"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[0].colour: unknown field"));
  EXPECT_THAT(message,
              HasSubstr("notifications.receivers[1]: set exactly one of url and url_file"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[1].name: \"a\" is used by an earlier "
                                 "receiver"));
  EXPECT_THAT(message, HasSubstr("notifications.receivers[2]: must be a mapping"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("secret-token")));
}

TEST(DaemonConfigTest, TheShippedExampleIsValid) {
  absl::StatusOr<DaemonConfig> config =
      LoadDaemonConfig(std::string(KANARYA_SOURCE_DIR) + "/examples/kanaryad.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->providers.at("prometheus").type, "prometheus");
  EXPECT_EQ(config->providers.at("loki").tenant, "platform");
  ASSERT_TRUE(config->kubernetes.has_value());
  EXPECT_TRUE(config->kubernetes->in_cluster);
  EXPECT_TRUE(MakeProviders(*config).ok());
}

}  // namespace
}  // namespace kanarya::config
