#include "daemon/notify/webhook_format.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace kanarya::notify {
namespace {

using nlohmann::json;

// "PROGRESSING" for PHASE_PROGRESSING, and so on for every enum's prefix.
std::string EnumName(const std::string& full, absl::string_view prefix) {
  return absl::StartsWith(full, prefix) ? full.substr(prefix.size()) : full;
}

std::string PhaseText(v1::Phase phase) { return EnumName(v1::Phase_Name(phase), "PHASE_"); }

std::string StateText(v1::MetricState state) {
  return EnumName(v1::MetricState_Name(state), "METRIC_STATE_");
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

std::string TargetName(const v1::Rollout& rollout) {
  return absl::StrCat(rollout.spec().target().namespace_(), "/", rollout.name());
}

// The metrics a notification's reader should see first: those in
// regression (the reason of a rollback), or all when none is.
std::vector<const v1::SequentialMetricResult*> Highlighted(const Notification& n) {
  std::vector<const v1::SequentialMetricResult*> regressed;
  std::vector<const v1::SequentialMetricResult*> all;
  for (const v1::SequentialMetricResult& m : n.rollout.status().metrics()) {
    all.push_back(&m);
    if (m.state() == v1::METRIC_STATE_REGRESSION) regressed.push_back(&m);
  }
  return regressed.empty() ? all : regressed;
}

// "error_rate REGRESSION: estimate 0.042 in [0.031, 0.055], allowed up to
// 0.01, p 0.0004 (1200 baseline / 300 canary)".
std::string MetricLine(const v1::SequentialMetricResult& m) {
  return absl::StrFormat(
      "%s %s: estimate %.4g in [%.4g, %.4g], allowed [%.4g, %.4g], p %.3g (%d "
      "baseline / %d canary observations)",
      m.name(), StateText(m.state()), m.estimate(), m.cs_lower(), m.cs_upper(), m.allowed_lower(),
      m.allowed_upper(), m.p_value(), m.baseline_count(), m.canary_count());
}

bool ShowsMetrics(NotificationType type) {
  return type == NotificationType::kRolledBack || type == NotificationType::kPromoted ||
         type == NotificationType::kPaused;
}

json MetricJson(const v1::SequentialMetricResult& m) {
  return {{"name", m.name()},
          {"state", StateText(m.state())},
          {"p_value", m.p_value()},
          {"regression_evidence", m.regression_evidence()},
          {"estimate", m.estimate()},
          {"cs_lower", m.cs_lower()},
          {"cs_upper", m.cs_upper()},
          {"allowed_lower", m.allowed_lower()},
          {"allowed_upper", m.allowed_upper()},
          {"baseline_count", m.baseline_count()},
          {"canary_count", m.canary_count()},
          {"ticks", m.ticks()},
          {"reason", m.reason()}};
}

json RolloutJson(const v1::Rollout& r) {
  const v1::RolloutStatus& s = r.status();
  return {{"name", r.name()},
          {"namespace", r.spec().target().namespace_()},
          {"virtual_service", r.spec().target().virtual_service()},
          {"revision", r.spec().revision()},
          {"created_by", r.created_by()},
          {"phase", PhaseText(s.phase())},
          {"step", s.step_index() + 1},
          {"canary_weight", s.canary_weight()},
          {"attempt", s.attempt()},
          {"reason", s.reason()}};
}

json Generic(const Notification& n) {
  const v1::RolloutStatus& s = n.rollout.status();
  json metrics = json::array();
  for (const v1::SequentialMetricResult& m : s.metrics()) metrics.push_back(MetricJson(m));
  json rollout = RolloutJson(n.rollout);
  rollout["previous_phase"] = PhaseText(n.previous_phase);
  rollout["previous_canary_weight"] = n.previous_weight;
  return {{"version", kGenericSchemaVersion},
          {"type", TypeName(n.type)},
          {"time", Rfc3339(n.time)},
          {"summary", Headline(n)},
          {"rollout", std::move(rollout)},
          {"decision", EnumName(v1::Decision_Name(s.decision()), "DECISION_")},
          {"metrics", std::move(metrics)}};
}

// Slack's mrkdwn escapes only these three.
std::string SlackEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Facts(const Notification& n) {
  const v1::RolloutStatus& s = n.rollout.status();
  return {{"Rollout", TargetName(n.rollout)},
          {"Revision", n.rollout.spec().revision()},
          {"Phase", absl::StrCat(PhaseText(n.previous_phase), " → ", PhaseText(s.phase()))},
          {"Step", absl::StrCat(s.step_index() + 1)},
          {"Canary weight", absl::StrCat(n.previous_weight, "% → ", s.canary_weight(), "%")}};
}

json Slack(const Notification& n) {
  json fields = json::array();
  for (const auto& [name, value] : Facts(n)) {
    fields.push_back(
        {{"type", "mrkdwn"}, {"text", absl::StrCat("*", name, "*\n", SlackEscape(value))}});
  }
  json blocks = json::array();
  blocks.push_back(
      {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", SlackEscape(Headline(n))}}}});
  blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});
  if (ShowsMetrics(n.type)) {
    std::vector<std::string> lines;
    for (const v1::SequentialMetricResult* m : Highlighted(n)) {
      lines.push_back(absl::StrCat("• ", SlackEscape(MetricLine(*m))));
    }
    if (!lines.empty()) {
      blocks.push_back({{"type", "section"},
                        {"text", {{"type", "mrkdwn"}, {"text", absl::StrJoin(lines, "\n")}}}});
    }
  }
  // `text` is the notification's fallback and what screen readers say.
  return {{"text", Headline(n)}, {"blocks", std::move(blocks)}};
}

json Teams(const Notification& n) {
  json facts = json::array();
  for (const auto& [name, value] : Facts(n)) facts.push_back({{"title", name}, {"value", value}});
  json body = json::array();
  body.push_back({{"type", "TextBlock"},
                  {"size", "Medium"},
                  {"weight", "Bolder"},
                  {"wrap", true},
                  {"text", Headline(n)}});
  body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
  if (ShowsMetrics(n.type)) {
    for (const v1::SequentialMetricResult* m : Highlighted(n)) {
      body.push_back({{"type", "TextBlock"}, {"wrap", true}, {"text", MetricLine(*m)}});
    }
  }
  return {{"type", "message"},
          {"attachments",
           {{{"contentType", "application/vnd.microsoft.card.adaptive"},
             {"contentUrl", nullptr},
             {"content",
              {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body", std::move(body)}}}}}}};
}

absl::string_view Verb(NotificationType type) {
  switch (type) {
    case NotificationType::kStarted:
      return "started";
    case NotificationType::kStepAdvanced:
      return "advanced a step";
    case NotificationType::kPaused:
      return "paused";
    case NotificationType::kAwaitingApproval:
      return "awaits approval";
    case NotificationType::kRolledBack:
      return "rolled back";
    case NotificationType::kPromoted:
      return "promoted";
    case NotificationType::kFailed:
      return "failed";
    case NotificationType::kAborted:
      return "aborted";
  }
  return "changed";
}

}  // namespace

absl::StatusOr<WebhookFormat> ParseFormat(absl::string_view name) {
  if (name == "generic") return WebhookFormat::kGeneric;
  if (name == "slack") return WebhookFormat::kSlack;
  if (name == "teams") return WebhookFormat::kTeams;
  return absl::InvalidArgumentError(
      absl::StrCat("must be generic, slack or teams, got \"", name, "\""));
}

absl::string_view FormatName(WebhookFormat format) {
  switch (format) {
    case WebhookFormat::kGeneric:
      return "generic";
    case WebhookFormat::kSlack:
      return "slack";
    case WebhookFormat::kTeams:
      return "teams";
  }
  return "generic";
}

std::string Headline(const Notification& n) {
  const v1::RolloutStatus& s = n.rollout.status();
  std::string line = absl::StrCat("Rollout ", TargetName(n.rollout));
  if (!n.rollout.spec().revision().empty()) {
    absl::StrAppend(&line, " (revision ", n.rollout.spec().revision(), ")");
  }
  absl::StrAppend(&line, " ", Verb(n.type));
  if (n.type == NotificationType::kStarted || n.type == NotificationType::kStepAdvanced ||
      n.type == NotificationType::kPaused || n.type == NotificationType::kAwaitingApproval) {
    absl::StrAppend(&line, " at ", s.canary_weight(), "% canary");
  }
  if (!s.reason().empty()) absl::StrAppend(&line, ": ", s.reason());
  return line;
}

absl::string_view HookTypeName(v1::WebhookType type) {
  switch (type) {
    case v1::WEBHOOK_TYPE_CONFIRM_ROLLOUT:
      return "confirm-rollout";
    case v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE:
      return "confirm-traffic-increase";
    case v1::WEBHOOK_TYPE_CONFIRM_PROMOTION:
      return "confirm-promotion";
    case v1::WEBHOOK_TYPE_PRE_ROLLOUT:
      return "pre-rollout";
    case v1::WEBHOOK_TYPE_POST_ROLLOUT:
      return "post-rollout";
    case v1::WEBHOOK_TYPE_ROLLBACK:
      return "rollback";
    case v1::WEBHOOK_TYPE_EVENT:
      return "event";
    default:
      return "unknown";
  }
}

std::string RenderHookBody(const v1::Rollout& rollout, const v1::Webhook& hook, absl::Time time) {
  json metadata = json::object();
  for (const auto& [key, value] : hook.metadata()) metadata[key] = value;
  const json body = {{"version", kGenericSchemaVersion},
                     {"type", absl::StrCat("webhook.", HookTypeName(hook.type()))},
                     {"time", Rfc3339(time)},
                     {"name", hook.name()},
                     {"rollout", RolloutJson(rollout)},
                     {"metadata", std::move(metadata)}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string RenderBody(const Notification& notification, WebhookFormat format) {
  json body;
  switch (format) {
    case WebhookFormat::kGeneric:
      body = Generic(notification);
      break;
    case WebhookFormat::kSlack:
      body = Slack(notification);
      break;
    case WebhookFormat::kTeams:
      body = Teams(notification);
      break;
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kanarya::notify
