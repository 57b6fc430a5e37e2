#include "daemon/spec/rollout_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/spec/spec_test_util.h"
#include "daemon/spec/webhook_hosts.h"

namespace kanarya::spec {
namespace {

using ::testing::HasSubstr;

// The validation's message for the valid spec changed by `change`.
std::string ProblemsOf(const std::function<void(v1::RolloutSpec&)>& change,
                       const std::set<std::string>& providers = {}) {
  v1::RolloutSpec spec = ValidSpec();
  change(spec);
  const absl::Status status = ValidateRolloutSpec(spec, providers);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

void SetSeconds(google::protobuf::Duration* duration, int64_t seconds) {
  duration->set_seconds(seconds);
}

TEST(RolloutValidationTest, TheTestSpecIsValid) {
  EXPECT_TRUE(ValidateRolloutSpec(ValidSpec(), {}).ok());
  EXPECT_TRUE(ValidateRolloutSpec(ValidSpec(), {"prometheus", "loki"}).ok());
}

TEST(RolloutValidationTest, ExactMessageForWeightsOutOfOrder) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_steps()->add_steps()->set_weight(40);
              s.mutable_steps()->add_steps()->set_weight(40);
            }),
            "steps.steps[2].weight: must be greater than steps.steps[1].weight (40 <= 50); "
            "steps.steps[3].weight: must be greater than steps.steps[2].weight (40 <= 40)");
}

TEST(RolloutValidationTest, ExactMessageForAnUnknownProvider) {
  EXPECT_EQ(
      ProblemsOf(
          [](v1::RolloutSpec& s) {
            s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_provider("graphite");
          },
          {"loki", "prometheus"}),
      "analysis.metrics[1].source.provider: unknown provider \"graphite\" (configured: "
      "loki, prometheus)");
}

TEST(RolloutValidationTest, ExactMessageForAQueryOfTheWrongKind) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_events_query("x");
            }),
            "analysis.metrics[1].source.events_query: must be empty for a continuous metric");
}

TEST(RolloutValidationTest, EveryProblemIsListed) {
  const std::string problems = ProblemsOf([](v1::RolloutSpec& s) {
    s.mutable_target()->set_namespace_("Shop");
    s.clear_revision();
    s.mutable_steps()->mutable_steps(1)->set_weight(101);
    s.mutable_analysis()->mutable_metrics(0)->mutable_source()->clear_total_query();
    s.mutable_analysis()->mutable_metrics(1)->mutable_guardrail()->set_min(1);
    s.mutable_policy()->set_no_data_limit(-1);
    SetSeconds(s.mutable_progress_deadline(), -5);
  });
  EXPECT_EQ(problems,
            "target.namespace: \"Shop\" is not an RFC 1123 label (at most 63 characters: a-z, "
            "0-9 and '-', starting and ending with a letter or digit); "
            "revision: required: the canary's version as the pipeline names it; "
            "steps.steps[1].weight: must be in 1..100 (percent), got 101; "
            "analysis.metrics[0].source.total_query: required for a count metric; "
            "analysis.metrics[1].guardrail.min: must be <= max (1 > 0.5); "
            "policy.no_data_limit: must be >= 0, got -1; "
            "progress_deadline: must be >= 0, got -5s");
}

TEST(RolloutValidationTest, TargetNamesAreKubernetesNames) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_target()->clear_virtual_service(); }),
            "target.virtual_service: required");
  EXPECT_THAT(
      ProblemsOf([](v1::RolloutSpec& s) { s.mutable_target()->set_destination_rule("check_out"); }),
      HasSubstr("target.destination_rule: \"check_out\" is not an RFC 1123 subdomain"));
  EXPECT_THAT(ProblemsOf([](v1::RolloutSpec& s) {
                s.mutable_target()->set_namespace_(std::string(64, 'a'));
              }),
              HasSubstr("target.namespace: \"aaaa"));
  EXPECT_THAT(ProblemsOf([](v1::RolloutSpec& s) {
                s.mutable_target()->mutable_stable()->set_host("-checkout.shop");
              }),
              HasSubstr("target.stable.host: \"-checkout.shop\" is not"));
  EXPECT_THAT(ProblemsOf([](v1::RolloutSpec& s) {
                s.mutable_target()->mutable_canary()->set_host("checkout..shop");
              }),
              HasSubstr("target.canary.host: "));
  EXPECT_THAT(ProblemsOf([](v1::RolloutSpec& s) {
                s.mutable_target()->mutable_canary()->set_subset("Canary");
              }),
              HasSubstr("target.canary.subset: \"Canary\" is not an RFC 1123 label"));
  EXPECT_EQ(
      ProblemsOf([](v1::RolloutSpec& s) { s.mutable_target()->mutable_stable()->clear_subset(); }),
      "target.stable.subset: required");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_target()->mutable_canary()->set_subset("stable");
            }),
            "target.canary.subset: must differ from target.stable.subset (both \"stable\")");
  // Different hosts may use the same subset name.
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_target()->mutable_canary()->set_subset("stable");
              s.mutable_target()->mutable_canary()->set_host("checkout-next.shop");
            }),
            "OK");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_target()->set_route("a\nb"); }),
            "target.route: must not contain control characters");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_target()->set_route("primary"); }), "OK");
}

TEST(RolloutValidationTest, Revision) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.set_revision("v 2"); }),
            "revision: must be printable ASCII without spaces");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.set_revision(std::string(254, 'a')); }),
            "revision: must be at most 253 characters, got 254");
}

TEST(RolloutValidationTest, StepsAreListedOrGeneratedNotBoth) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_steps()->set_step_weight(10);
              s.mutable_steps()->set_max_weight(50);
            }),
            "steps: give either steps or step_weight and max_weight, not both");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_steps()->clear_steps(); }),
            "steps: required: list steps, or give step_weight and max_weight");
  const auto generated = [](int step, int max) {
    return [step, max](v1::RolloutSpec& s) {
      s.mutable_steps()->clear_steps();
      s.mutable_steps()->set_step_weight(step);
      s.mutable_steps()->set_max_weight(max);
    };
  };
  EXPECT_EQ(ProblemsOf(generated(10, 50)), "OK");
  EXPECT_EQ(ProblemsOf(generated(10, 0)),
            "steps.max_weight: must be in 1..100 (percent), got 0; "
            "steps.max_weight: must be >= step_weight (0 < 10)");
  EXPECT_EQ(ProblemsOf(generated(0, 120)),
            "steps.step_weight: must be in 1..100 (percent), got 0; "
            "steps.max_weight: must be in 1..100 (percent), got 120");
  EXPECT_EQ(ProblemsOf(generated(60, 50)), "steps.max_weight: must be >= step_weight (50 < 60)");
}

TEST(RolloutValidationTest, StepDurations) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_steps()->mutable_steps(0)->mutable_min_duration(), -1);
            }),
            "steps.steps[0].min_duration: must be >= 0, got -1s");
  // The step's own minimum against the default maximum (10 minutes).
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_steps()->mutable_steps(1)->mutable_min_duration(), 1200);
            }),
            "steps.steps[1].min_duration: must be <= max_duration (20m > 10m)");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_steps()->mutable_min_step_duration(), 300);
              SetSeconds(s.mutable_steps()->mutable_max_step_duration(), 120);
            }),
            "steps.steps[0].min_duration: must be <= max_duration (5m > 2m); "
            "steps.steps[1].min_duration: must be <= max_duration (5m > 2m)");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_steps()->mutable_steps(0)->mutable_max_duration(), 5);
              SetSeconds(s.mutable_steps()->mutable_steps(0)->mutable_min_duration(), 0);
            }),
            "steps.steps[0].max_duration: must be >= steps.tick_interval (5s < 15s): a step "
            "must see a tick");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              auto* d = s.mutable_steps()->mutable_steps(0)->mutable_max_duration();
              d->set_seconds(5);
              d->set_nanos(-1);
            }),
            "steps.steps[0].max_duration: not a valid duration");
}

TEST(RolloutValidationTest, TickInterval) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_steps()->mutable_tick_interval()->set_seconds(0);
              s.mutable_steps()->mutable_tick_interval()->set_nanos(500'000'000);
            }),
            "steps.tick_interval: must be >= 1s, got 500ms");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_steps()->mutable_tick_interval()->set_seconds(1);
              s.mutable_steps()->mutable_tick_interval()->set_nanos(1);
            }),
            "steps.tick_interval: must be a whole number of milliseconds");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_steps()->clear_tick_interval(); }), "OK");
}

TEST(RolloutValidationTest, Gates) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_steps()->mutable_steps(1)->mutable_gate()->set_required_approvals(-1);
            }),
            "steps.steps[1].gate.required_approvals: must be >= 0, got -1");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              v1::Gate* gate = s.mutable_steps()->mutable_steps(0)->mutable_gate();
              gate->set_required_approvals(2);
              gate->set_forbid_self_approval(true);
            }),
            "steps.steps[0].gate.required_approvals: set, but manual_approval is false; "
            "steps.steps[0].gate.forbid_self_approval: set, but manual_approval is false");
}

TEST(RolloutValidationTest, AnalysisProblemsArePrefixed) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_analysis()->set_alpha(2); }),
            "analysis.alpha: must be in (0, 1), got 2");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->set_name("errors");
            }),
            "analysis.metrics[1].name: duplicate metric name \"errors\"");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { s.mutable_analysis()->clear_metrics(); }),
            "analysis.metrics: must not be empty");
}

TEST(RolloutValidationTest, SourcesNeedAProviderAndTheirKindsQueries) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(0)->mutable_source()->clear_provider();
            }),
            "analysis.metrics[0].source.provider: required: the provider to query");
  // Any provider name is accepted when the daemon's list is not known.
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(0)->mutable_source()->set_provider("x");
            }),
            "OK");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              v1::MetricSource* source = s.mutable_analysis()->mutable_metrics(0)->mutable_source();
              source->set_events_query("  ");
              source->set_value_query("up");
            }),
            "analysis.metrics[0].source.events_query: required for a count metric; "
            "analysis.metrics[0].source.value_query: must be empty for a count metric");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->clear_value_query();
            }),
            "analysis.metrics[1].source.value_query: required for a continuous metric");
}

TEST(RolloutValidationTest, TemplatesParseWithTheKnownVariables) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                  "up{pod=\"{{pod}}\"}");
            }),
            "analysis.metrics[1].source.value_query: unknown variable {{pod}}");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                  "up{version=\"{{version}\"}");
            }),
            "analysis.metrics[1].source.value_query: unclosed {{ at offset 12");
  // {{window}} is a duration: inside quotes it cannot be rendered.
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                  "up{version=\"{{version}}\",w=\"{{window}}\"}");
            }),
            "analysis.metrics[1].source.value_query: for the baseline: duration variable "
            "{{window}} inside a string literal; analysis.metrics[1].source.value_query: for the "
            "canary: duration variable {{window}} inside a string literal");
}

TEST(RolloutValidationTest, BothSidesMustGetDifferentQueries) {
  EXPECT_THAT(ProblemsOf([](v1::RolloutSpec& s) {
                s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                    "up{namespace=\"{{namespace}}\"}");
              }),
              HasSubstr("analysis.metrics[1].source.value_query: renders the same query for the "
                        "baseline and the canary"));
  // A side's own variable makes the difference.
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              (*s.mutable_scopes()->mutable_baseline()->mutable_variables())["track"] = "stable";
              (*s.mutable_scopes()->mutable_canary()->mutable_variables())["track"] = "canary";
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                  "up{track=\"{{track}}\"}");
            }),
            "OK");
}

TEST(RolloutValidationTest, ScopesMustGiveEveryVariableATemplateUses) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              (*s.mutable_scopes()->mutable_baseline()->mutable_variables())["track"] = "stable";
              s.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query(
                  "up{track=\"{{track}}\",version=\"{{version}}\"}");
            }),
            "analysis.metrics[1].source.value_query: for the canary: no value for {{track}}");
  EXPECT_EQ(
      ProblemsOf([](v1::RolloutSpec& s) { s.mutable_scopes()->mutable_canary()->clear_version(); }),
      "analysis.metrics[1].source.value_query: uses {{version}} but scopes.canary.version "
      "is empty");
}

TEST(RolloutValidationTest, ScopeVariablesAreNamedLikeIdentifiers) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              (*s.mutable_scopes()->mutable_variables())["9lives"] = "x";
              (*s.mutable_scopes()->mutable_canary()->mutable_variables())["a-b"] = "x";
              (*s.mutable_scopes()->mutable_baseline()->mutable_variables())["window"] = "5m";
            }),
            "scopes.variables[\"9lives\"]: a variable's name must be letters, digits and _, not "
            "starting with a digit; scopes.baseline.variables[\"window\"]: {{window}} is built in "
            "and cannot be redefined; scopes.canary.variables[\"a-b\"]: a variable's name must be "
            "letters, digits and _, not starting with a digit");
}

TEST(RolloutValidationTest, Guardrails) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_guardrail()->set_failure_limit(-2);
            }),
            "analysis.metrics[1].guardrail.failure_limit: must be >= 0, got -2");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_guardrail()->set_max(NAN);
            }),
            "analysis.metrics[1].guardrail.max: must be finite, got nan");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(0)->mutable_guardrail()->set_max(5);
            }),
            "analysis.metrics[0].guardrail.max: must be in [0, 1]: a count metric's value is "
            "events / total, got 5");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(0)->mutable_guardrail()->set_failure_limit(1);
            }),
            "analysis.metrics[0].guardrail.failure_limit: set, but neither min nor max is");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(0)->mutable_guardrail()->set_min_requests(-1);
            }),
            "analysis.metrics[0].guardrail.min_requests: must be >= 0, got -1");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_analysis()->mutable_metrics(1)->mutable_guardrail()->set_min_requests(50);
            }),
            "analysis.metrics[1].guardrail.min_requests: only a count metric has requests to "
            "count; a continuous metric's guardrail judges every tick with data");
}

TEST(RolloutValidationTest, EnumsInRange) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.set_on_failure(static_cast<v1::FailureAction>(9));
              s.set_promotion(static_cast<v1::PromotionStrategy>(-1));
              s.mutable_steps()->set_on_inconclusive(static_cast<v1::InconclusiveAction>(4));
              s.mutable_policy()->set_on_no_data(static_cast<v1::FailureAction>(3));
              s.mutable_policy()->set_on_query_errors(static_cast<v1::FailureAction>(7));
            }),
            "steps.on_inconclusive: unknown value 4; policy.on_no_data: unknown value 3; "
            "policy.on_query_errors: unknown value 7; on_failure: unknown value 9; "
            "promotion: unknown value -1");
}

TEST(RolloutValidationTest, PolicyLimits) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              s.mutable_policy()->set_query_error_limit(-3);
              SetSeconds(s.mutable_policy()->mutable_initial_delay(), -60);
            }),
            "policy.query_error_limit: must be >= 0, got -3; "
            "policy.initial_delay: must be >= 0, got -1m");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_policy()->mutable_initial_delay(), 600);
            }),
            "policy.initial_delay: must be shorter than the first step's max_duration (10m >= "
            "10m): the step would end before any analysis");
}

TEST(RolloutValidationTest, ProgressDeadline) {
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { SetSeconds(s.mutable_progress_deadline(), 0); }),
            "OK");
  // Two steps of one minute (the default) and a minute of delay cannot fit in 150 s.
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) {
              SetSeconds(s.mutable_policy()->mutable_initial_delay(), 60);
              SetSeconds(s.mutable_progress_deadline(), 150);
            }),
            "progress_deadline: shorter than policy.initial_delay plus every step's minimum "
            "duration (2m30s < 3m): the rollout could never finish");
  EXPECT_EQ(ProblemsOf([](v1::RolloutSpec& s) { SetSeconds(s.mutable_progress_deadline(), 180); }),
            "OK");
}

TEST(RolloutValidationTest, WebhooksAreChecked) {
  const auto hook = [](v1::RolloutSpec& s, const std::string& name, v1::WebhookType type,
                       const std::string& url) -> v1::Webhook& {
    v1::Webhook& h = *s.add_webhooks();
    h.set_name(name);
    h.set_type(type);
    h.set_url(url);
    return h;
  };
  EXPECT_EQ(
      ProblemsOf([&](v1::RolloutSpec& s) {
        hook(s, "load-test", v1::WEBHOOK_TYPE_PRE_ROLLOUT, "http://tester.shop/run");
        hook(s, "slack", v1::WEBHOOK_TYPE_EVENT, "https://hooks.slack.com/x").set_format("slack");
        SetSeconds(hook(s, "go", v1::WEBHOOK_TYPE_CONFIRM_PROMOTION, "https://gate:8443/")
                       .mutable_timeout(),
                   30);
      }),
      "OK");
  EXPECT_EQ(ProblemsOf([&](v1::RolloutSpec& s) {
              hook(s, "gate", v1::WEBHOOK_TYPE_CONFIRM_ROLLOUT, "http://gate/");
              hook(s, "gate", v1::WEBHOOK_TYPE_ROLLBACK, "ftp://token@host/");
            }),
            "webhooks[1].name: \"gate\" is used by an earlier webhook; "
            "webhooks[1].url: must be an http or https URL");
  EXPECT_EQ(ProblemsOf([&](v1::RolloutSpec& s) {
              v1::Webhook& h = hook(s, "", v1::WEBHOOK_TYPE_UNSPECIFIED, "http://");
              SetSeconds(h.mutable_timeout(), 120);
              h.set_format("slack");
              hook(s, "x", static_cast<v1::WebhookType>(42), "https://a b/");
              hook(s, "e", v1::WEBHOOK_TYPE_EVENT, "https://e/").set_format("discord");
            }),
            "webhooks[0].name: required: at most 63 letters, digits, '-' or '_'; "
            "webhooks[0].type: required; webhooks[0].url: must be an http or https URL; "
            "webhooks[0].timeout: must be at most 1m, got 2m; "
            "webhooks[0].format: applies to EVENT webhooks only; "
            "webhooks[1].type: unknown value 42; "
            "webhooks[1].url: must be an http or https URL; "
            "webhooks[2].format: must be generic, slack or teams, got \"discord\"");
}

TEST(RolloutValidationTest, WebhookHostsMustBeAllowedWhenTheDaemonSaysWhich) {
  v1::RolloutSpec spec = ValidSpec();
  for (const std::string url :
       {"https://gates.internal/qa", "https://user:pw@GATES.internal:8443/x?y",
        "http://a.example.com/run", "http://169.254.169.254/latest/meta-data",
        "https://example.com/", "https://kubernetes.default.svc/api"}) {
    v1::Webhook& hook = *spec.add_webhooks();
    hook.set_name(absl::StrCat("hook-", spec.webhooks_size()));
    hook.set_type(v1::WEBHOOK_TYPE_EVENT);
    hook.set_url(url);
  }
  const std::set<std::string> allowed = {"gates.internal", "*.example.com"};
  const absl::Status status = ValidateRolloutSpec(spec, {}, allowed);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "webhooks[3].url: host \"169.254.169.254\" is not in the daemon's "
            "notifications.allowed_hook_hosts; "
            "webhooks[4].url: host \"example.com\" is not in the daemon's "
            "notifications.allowed_hook_hosts; "
            "webhooks[5].url: host \"kubernetes.default.svc\" is not in the daemon's "
            "notifications.allowed_hook_hosts");
  // Without the list, any host.
  EXPECT_TRUE(ValidateRolloutSpec(spec, {}).ok());
}

TEST(WebhookHostsTest, HostOfUrlAndPatterns) {
  EXPECT_EQ(HostOfUrl("https://u:p@Hooks.Slack.com:443/services/x"), "hooks.slack.com");
  EXPECT_EQ(HostOfUrl("http://[::1]:8080/x"), "[::1]");
  EXPECT_EQ(HostOfUrl("http://h?x=1"), "h");
  EXPECT_EQ(HostOfUrl("no scheme"), "");
  EXPECT_TRUE(IsHostPattern("*.example.com"));
  EXPECT_TRUE(IsHostPattern("gates.internal"));
  EXPECT_FALSE(IsHostPattern("*."));
  EXPECT_FALSE(IsHostPattern("Gates.internal"));
  EXPECT_FALSE(IsHostPattern("gates.internal:8443"));
  EXPECT_TRUE(HostAllowed("a.b.example.com", {"*.example.com"}));
  EXPECT_FALSE(HostAllowed("evilexample.com", {"*.example.com"}));
  EXPECT_FALSE(HostAllowed("", {"*.example.com"}));
}

}  // namespace
}  // namespace kanarya::spec
