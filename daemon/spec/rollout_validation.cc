#include "daemon/spec/rollout_validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "analysis/analysis_validation.h"
#include "daemon/spec/durations.h"
#include "daemon/spec/metric_source_validation.h"
#include "daemon/spec/problems.h"
#include "daemon/spec/rollout_plan.h"
#include "daemon/spec/webhook_hosts.h"

namespace kanarya::spec {
namespace {

constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxSubdomainLength = 253;
constexpr size_t kMaxRevisionLength = 253;

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric.
bool IsDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > kMaxLabelLength) return false;
  for (const char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return name.front() != '-' && name.back() != '-';
}

// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool IsDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > kMaxSubdomainLength) return false;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    if (!IsDnsLabel(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

void CheckName(const std::string& path, const std::string& value, bool label, Problems& problems) {
  if (value.empty()) {
    problems.Add(path, "required");
  } else if (label && !IsDnsLabel(value)) {
    problems.Add(path, absl::StrCat("\"", value,
                                    "\" is not an RFC 1123 label (at most 63 characters: a-z, 0-9 "
                                    "and '-', starting and ending with a letter or digit)"));
  } else if (!label && !IsDnsSubdomain(value)) {
    problems.Add(path, absl::StrCat("\"", value,
                                    "\" is not an RFC 1123 subdomain (at most 253 characters: "
                                    "dot-separated labels of a-z, 0-9 and '-')"));
  }
}

void ValidateTarget(const v1::RolloutTarget& target, Problems& problems) {
  CheckName("target.namespace", target.namespace_(), /*label=*/true, problems);
  CheckName("target.virtual_service", target.virtual_service(), /*label=*/false, problems);
  CheckName("target.destination_rule", target.destination_rule(), /*label=*/false, problems);
  CheckName("target.stable.host", target.stable().host(), /*label=*/false, problems);
  if (!target.canary().host().empty()) {
    CheckName("target.canary.host", target.canary().host(), /*label=*/false, problems);
  }
  CheckName("target.stable.subset", target.stable().subset(), /*label=*/true, problems);
  CheckName("target.canary.subset", target.canary().subset(), /*label=*/true, problems);
  const bool same_host =
      target.canary().host().empty() || target.canary().host() == target.stable().host();
  if (same_host && !target.stable().subset().empty() &&
      target.stable().subset() == target.canary().subset()) {
    problems.Add("target.canary.subset",
                 absl::StrCat("must differ from target.stable.subset (both \"",
                              target.stable().subset(), "\")"));
  }
  for (const char c : target.route()) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      problems.Add("target.route", "must not contain control characters");
      break;
    }
  }
}

void ValidateRevision(const std::string& revision, Problems& problems) {
  if (revision.empty()) {
    problems.Add("revision", "required: the canary's version as the pipeline names it");
    return;
  }
  if (revision.size() > kMaxRevisionLength) {
    problems.Add("revision", absl::StrCat("must be at most ", kMaxRevisionLength,
                                          " characters, got ", revision.size()));
  }
  for (const char c : revision) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      problems.Add("revision", "must be printable ASCII without spaces");
      break;
    }
  }
}

// A set duration must be valid and >= `minimum`; returns whether it is usable.
bool CheckDuration(const std::string& path, bool has, const google::protobuf::Duration& value,
                   absl::Duration minimum, Problems& problems) {
  if (!has) return true;
  if (!IsValidDuration(value)) {
    problems.Add(path, "not a valid duration");
    return false;
  }
  if (FromProto(value) < minimum) {
    problems.Add(path, absl::StrCat("must be >= ", absl::FormatDuration(minimum), ", got ",
                                    absl::FormatDuration(FromProto(value))));
    return false;
  }
  return true;
}

template <typename Enum>
void CheckEnum(const std::string& path, Enum value, bool (*is_valid)(int), Problems& problems) {
  if (!is_valid(value)) problems.Add(path, absl::StrCat("unknown value ", static_cast<int>(value)));
}

void CheckWeight(const std::string& path, int weight, Problems& problems) {
  if (weight < 1 || weight > 100) {
    problems.Add(path, absl::StrCat("must be in 1..100 (percent), got ", weight));
  }
}

// The durations of one step (nullptr: the generated steps) after defaults.
void CheckStepDurations(const std::string& path, const v1::StepPlan& plan, const v1::Step* step,
                        absl::Duration tick_interval, Problems& problems) {
  const absl::Duration min = EffectiveMinDuration(plan, step);
  const absl::Duration max = EffectiveMaxDuration(plan, step);
  const std::string min_field = step == nullptr ? "min_step_duration" : "min_duration";
  const std::string max_field = step == nullptr ? "max_step_duration" : "max_duration";
  if (min > max) {
    problems.Add(absl::StrCat(path, ".", min_field),
                 absl::StrCat("must be <= ", max_field, " (", absl::FormatDuration(min), " > ",
                              absl::FormatDuration(max), ")"));
  }
  if (max < tick_interval) {
    problems.Add(absl::StrCat(path, ".", max_field),
                 absl::StrCat("must be >= steps.tick_interval (", absl::FormatDuration(max), " < ",
                              absl::FormatDuration(tick_interval), "): a step must see a tick"));
  }
}

void ValidateGate(const std::string& path, const v1::Gate& gate, Problems& problems) {
  if (gate.required_approvals() < 0) {
    problems.Add(path + ".required_approvals",
                 absl::StrCat("must be >= 0, got ", gate.required_approvals()));
  } else if (gate.required_approvals() > 0 && !gate.manual_approval()) {
    problems.Add(path + ".required_approvals", "set, but manual_approval is false");
  }
  if (gate.forbid_self_approval() && !gate.manual_approval()) {
    problems.Add(path + ".forbid_self_approval", "set, but manual_approval is false");
  }
}

// Returns whether the steps are valid enough to expand.
bool ValidateSteps(const v1::StepPlan& plan, Problems& problems) {
  bool defaults_ok = CheckDuration("steps.tick_interval", plan.has_tick_interval(),
                                   plan.tick_interval(), absl::Seconds(1), problems);
  if (defaults_ok && plan.has_tick_interval() &&
      FromProto(plan.tick_interval()) % absl::Milliseconds(1) != absl::ZeroDuration()) {
    problems.Add("steps.tick_interval", "must be a whole number of milliseconds");
    defaults_ok = false;
  }
  const absl::Duration tick_interval = defaults_ok && plan.has_tick_interval()
                                           ? FromProto(plan.tick_interval())
                                           : kDefaultTickInterval;
  defaults_ok &= CheckDuration("steps.min_step_duration", plan.has_min_step_duration(),
                               plan.min_step_duration(), absl::ZeroDuration(), problems);
  defaults_ok &= CheckDuration("steps.max_step_duration", plan.has_max_step_duration(),
                               plan.max_step_duration(), absl::ZeroDuration(), problems);
  CheckEnum("steps.on_inconclusive", plan.on_inconclusive(), v1::InconclusiveAction_IsValid,
            problems);

  const bool listed = !plan.steps().empty();
  const bool generated = plan.step_weight() != 0 || plan.max_weight() != 0;
  if (listed && generated) {
    problems.Add("steps", "give either steps or step_weight and max_weight, not both");
    return false;
  }
  if (!listed && !generated) {
    problems.Add("steps", "required: list steps, or give step_weight and max_weight");
    return false;
  }
  if (generated) {
    CheckWeight("steps.step_weight", plan.step_weight(), problems);
    CheckWeight("steps.max_weight", plan.max_weight(), problems);
    const bool weights_ok = plan.step_weight() >= 1 && plan.max_weight() <= 100 &&
                            plan.step_weight() <= plan.max_weight();
    if (plan.step_weight() > plan.max_weight()) {
      problems.Add("steps.max_weight", absl::StrCat("must be >= step_weight (", plan.max_weight(),
                                                    " < ", plan.step_weight(), ")"));
    }
    if (defaults_ok) CheckStepDurations("steps", plan, nullptr, tick_interval, problems);
    return defaults_ok && weights_ok;
  }
  bool steps_ok = defaults_ok;
  for (int i = 0; i < plan.steps_size(); ++i) {
    const v1::Step& step = plan.steps(i);
    const std::string at = absl::StrCat("steps.steps[", i, "]");
    CheckWeight(at + ".weight", step.weight(), problems);
    steps_ok &= step.weight() >= 1 && step.weight() <= 100;
    if (i > 0 && step.weight() <= plan.steps(i - 1).weight()) {
      problems.Add(at + ".weight",
                   absl::StrCat("must be greater than steps.steps[", i - 1, "].weight (",
                                step.weight(), " <= ", plan.steps(i - 1).weight(), ")"));
      steps_ok = false;
    }
    bool durations_ok = CheckDuration(at + ".min_duration", step.has_min_duration(),
                                      step.min_duration(), absl::ZeroDuration(), problems);
    durations_ok &= CheckDuration(at + ".max_duration", step.has_max_duration(),
                                  step.max_duration(), absl::ZeroDuration(), problems);
    if (durations_ok && defaults_ok) {
      CheckStepDurations(at, plan, &step, tick_interval, problems);
    }
    steps_ok &= durations_ok;
    ValidateGate(at + ".gate", step.gate(), problems);
  }
  return steps_ok;
}

void ValidatePolicy(const v1::AnalysisPolicy& policy, Problems& problems) {
  for (const auto& [field, value] : {std::pair{"no_data_limit", policy.no_data_limit()},
                                     std::pair{"query_error_limit", policy.query_error_limit()}}) {
    if (value < 0) {
      problems.Add(absl::StrCat("policy.", field), absl::StrCat("must be >= 0, got ", value));
    }
  }
  CheckEnum("policy.on_no_data", policy.on_no_data(), v1::FailureAction_IsValid, problems);
  CheckEnum("policy.on_query_errors", policy.on_query_errors(), v1::FailureAction_IsValid,
            problems);
}

// Times that doom every rollout: a first step that ends before the analysis
// starts, a deadline shorter than the least time the steps take.
void ValidateTiming(const v1::RolloutSpec& spec, bool steps_ok, Problems& problems) {
  const bool delay_ok =
      CheckDuration("policy.initial_delay", spec.policy().has_initial_delay(),
                    spec.policy().initial_delay(), absl::ZeroDuration(), problems);
  const bool deadline_ok = CheckDuration("progress_deadline", spec.has_progress_deadline(),
                                         spec.progress_deadline(), absl::ZeroDuration(), problems);
  if (!steps_ok || !delay_ok || !deadline_ok) return;
  const RolloutPlan plan = MakeRolloutPlan(spec);
  if (!plan.steps.empty() && plan.initial_delay >= plan.steps[0].max_duration) {
    problems.Add("policy.initial_delay",
                 absl::StrCat("must be shorter than the first step's max_duration (",
                              absl::FormatDuration(plan.initial_delay),
                              " >= ", absl::FormatDuration(plan.steps[0].max_duration),
                              "): the step would end before any analysis"));
  }
  if (plan.progress_deadline == absl::InfiniteDuration()) return;
  absl::Duration least = plan.initial_delay;
  for (const PlannedStep& step : plan.steps) least += step.min_duration;
  if (plan.progress_deadline < least) {
    problems.Add("progress_deadline",
                 absl::StrCat("shorter than policy.initial_delay plus every step's minimum "
                              "duration (",
                              absl::FormatDuration(plan.progress_deadline), " < ",
                              absl::FormatDuration(least), "): the rollout could never finish"));
  }
}

constexpr int kMaxWebhooks = 20;
constexpr size_t kMaxUrlLength = 2048;
constexpr int kMaxMetadataEntries = 32;

bool IsHookName(std::string_view name) {
  if (name.empty() || name.size() > kMaxLabelLength) return false;
  for (const char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// http(s)://HOST... with a host and no whitespace or control characters.
bool IsHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength) return false;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  for (const char c : url) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c)) || c == ' ') return false;
  }
  return true;
}

void ValidateWebhooks(const v1::RolloutSpec& spec, const std::set<std::string>& allowed_hosts,
                      Problems& problems) {
  if (spec.webhooks_size() > kMaxWebhooks) {
    problems.Add("webhooks",
                 absl::StrCat("at most ", kMaxWebhooks, ", got ", spec.webhooks_size()));
  }
  std::set<std::string> names;
  for (int i = 0; i < spec.webhooks_size(); ++i) {
    const v1::Webhook& hook = spec.webhooks(i);
    const std::string path = absl::StrCat("webhooks[", i, "]");
    if (!IsHookName(hook.name())) {
      problems.Add(path + ".name", "required: at most 63 letters, digits, '-' or '_'");
    } else if (!names.insert(hook.name()).second) {
      problems.Add(path + ".name",
                   absl::StrCat("\"", hook.name(), "\" is used by an earlier webhook"));
    }
    if (hook.type() == v1::WEBHOOK_TYPE_UNSPECIFIED) {
      problems.Add(path + ".type", "required");
    } else {
      CheckEnum(path + ".type", hook.type(), v1::WebhookType_IsValid, problems);
    }
    // The URL is not quoted back: it may carry a token.
    if (!IsHttpUrl(hook.url())) {
      problems.Add(path + ".url", "must be an http or https URL");
    } else if (!allowed_hosts.empty() && !HostAllowed(HostOfUrl(hook.url()), allowed_hosts)) {
      // The host alone is no credential (the API shows it too).
      problems.Add(path + ".url",
                   absl::StrCat("host \"", HostOfUrl(hook.url()),
                                "\" is not in the daemon's notifications.allowed_hook_hosts"));
    }
    if (CheckDuration(path + ".timeout", hook.has_timeout(), hook.timeout(), absl::Milliseconds(1),
                      problems) &&
        hook.has_timeout() && FromProto(hook.timeout()) > absl::Minutes(1)) {
      problems.Add(path + ".timeout",
                   absl::StrCat("must be at most 1m, got ",
                                absl::FormatDuration(FromProto(hook.timeout()))));
    }
    if (!hook.format().empty()) {
      if (hook.type() != v1::WEBHOOK_TYPE_EVENT) {
        problems.Add(path + ".format", "applies to EVENT webhooks only");
      } else if (hook.format() != "generic" && hook.format() != "slack" &&
                 hook.format() != "teams") {
        problems.Add(path + ".format",
                     absl::StrCat("must be generic, slack or teams, got \"", hook.format(), "\""));
      }
    }
    if (hook.metadata_size() > kMaxMetadataEntries) {
      problems.Add(path + ".metadata", absl::StrCat("at most ", kMaxMetadataEntries, " entries"));
    }
  }
}

}  // namespace

absl::Status ValidateRolloutSpec(const v1::RolloutSpec& spec,
                                 const std::set<std::string>& provider_names,
                                 const std::set<std::string>& allowed_hook_hosts) {
  Problems problems;
  ValidateTarget(spec.target(), problems);
  ValidateRevision(spec.revision(), problems);
  ValidateScopes(spec.scopes(), problems);
  const bool steps_ok = ValidateSteps(spec.steps(), problems);
  problems.Add(analysis::ValidateAnalysisSpec(spec.analysis(), "analysis"));
  ValidateMetricSources(spec, provider_names, problems);
  ValidatePolicy(spec.policy(), problems);
  CheckEnum("on_failure", spec.on_failure(), v1::FailureAction_IsValid, problems);
  CheckEnum("promotion", spec.promotion(), v1::PromotionStrategy_IsValid, problems);
  ValidateTiming(spec, steps_ok, problems);
  ValidateWebhooks(spec, allowed_hook_hosts, problems);
  return problems.ToStatus();
}

}  // namespace kanarya::spec
