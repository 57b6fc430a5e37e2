// Each webhook format's body, field by field, and the signature against a
// published HMAC-SHA256 test vector.
#include "daemon/notify/webhook_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/notify/webhook_signature.h"

namespace kanarya::notify {
namespace {

using nlohmann::json;

Notification RolledBack() {
  Notification n;
  n.type = NotificationType::kRolledBack;
  n.previous_phase = v1::PHASE_ROLLING_BACK;
  n.previous_weight = 10;
  n.time = absl::FromUnixSeconds(1'700'000'000) + absl::Milliseconds(250);
  v1::Rollout& r = n.rollout;
  r.set_name("rollout-7f3a");
  r.set_created_by("ci");
  r.mutable_spec()->set_revision("v2");
  r.mutable_spec()->mutable_target()->set_namespace_("shop");
  r.mutable_spec()->mutable_target()->set_virtual_service("reviews");
  v1::RolloutStatus& s = *r.mutable_status();
  s.set_phase(v1::PHASE_ROLLED_BACK);
  s.set_step_index(0);
  s.set_canary_weight(0);
  s.set_attempt(1);
  s.set_reason("regression: error_rate <script>");
  s.set_decision(v1::DECISION_ROLLBACK);
  v1::SequentialMetricResult& bad = *s.add_metrics();
  bad.set_name("error_rate");
  bad.set_state(v1::METRIC_STATE_REGRESSION);
  bad.set_p_value(0.0004);
  bad.set_regression_evidence(2500);
  bad.set_estimate(4.5);
  bad.set_cs_lower(3.25);
  bad.set_cs_upper(6);
  bad.set_allowed_lower(0);
  bad.set_allowed_upper(1.5);
  bad.set_baseline_count(12000);
  bad.set_canary_count(1300);
  bad.set_ticks(4);
  bad.set_reason("rate ratio above 1.5");
  v1::SequentialMetricResult& fine = *s.add_metrics();
  fine.set_name("latency");
  fine.set_state(v1::METRIC_STATE_UNDECIDED);
  return n;
}

TEST(WebhookFormatTest, GenericCarriesEveryFieldOfTheSchema) {
  const json body = json::parse(RenderBody(RolledBack(), WebhookFormat::kGeneric));
  EXPECT_EQ(body["version"], 1);
  EXPECT_EQ(body["type"], "rollout.rolled_back");
  EXPECT_EQ(body["time"], "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(body["summary"],
            "Rollout shop/rollout-7f3a (revision v2) rolled back: regression: error_rate <script>");
  const json& r = body["rollout"];
  EXPECT_EQ(r["name"], "rollout-7f3a");
  EXPECT_EQ(r["namespace"], "shop");
  EXPECT_EQ(r["virtual_service"], "reviews");
  EXPECT_EQ(r["revision"], "v2");
  EXPECT_EQ(r["created_by"], "ci");
  EXPECT_EQ(r["phase"], "ROLLED_BACK");
  EXPECT_EQ(r["previous_phase"], "ROLLING_BACK");
  EXPECT_EQ(r["step"], 1);
  EXPECT_EQ(r["canary_weight"], 0);
  EXPECT_EQ(r["previous_canary_weight"], 10);
  EXPECT_EQ(r["attempt"], 1);
  EXPECT_EQ(r["reason"], "regression: error_rate <script>");
  EXPECT_EQ(body["decision"], "ROLLBACK");
  ASSERT_EQ(body["metrics"].size(), 2u);
  const json& m = body["metrics"][0];
  EXPECT_EQ(m["name"], "error_rate");
  EXPECT_EQ(m["state"], "REGRESSION");
  EXPECT_DOUBLE_EQ(m["p_value"].get<double>(), 0.0004);
  EXPECT_DOUBLE_EQ(m["regression_evidence"].get<double>(), 2500);
  EXPECT_DOUBLE_EQ(m["estimate"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(m["cs_lower"].get<double>(), 3.25);
  EXPECT_DOUBLE_EQ(m["cs_upper"].get<double>(), 6);
  EXPECT_DOUBLE_EQ(m["allowed_lower"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(m["allowed_upper"].get<double>(), 1.5);
  EXPECT_EQ(m["baseline_count"], 12000);
  EXPECT_EQ(m["canary_count"], 1300);
  EXPECT_EQ(m["ticks"], 4);
  EXPECT_EQ(m["reason"], "rate ratio above 1.5");
  EXPECT_EQ(body["metrics"][1]["state"], "UNDECIDED");
}

TEST(WebhookFormatTest, SlackIsAnIncomingWebhookMessageWithBlocks) {
  const json body = json::parse(RenderBody(RolledBack(), WebhookFormat::kSlack));
  EXPECT_EQ(body["text"],
            "Rollout shop/rollout-7f3a (revision v2) rolled back: regression: error_rate <script>");
  const json& blocks = body["blocks"];
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0]["type"], "section");
  EXPECT_EQ(blocks[0]["text"]["type"], "mrkdwn");
  // mrkdwn's control characters escaped.
  EXPECT_EQ(blocks[0]["text"]["text"],
            "Rollout shop/rollout-7f3a (revision v2) rolled back: regression: error_rate "
            "&lt;script&gt;");
  const json& fields = blocks[1]["fields"];
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0]["type"], "mrkdwn");
  EXPECT_EQ(fields[0]["text"], "*Rollout*\nshop/rollout-7f3a");
  EXPECT_EQ(fields[1]["text"], "*Revision*\nv2");
  EXPECT_EQ(fields[2]["text"], "*Phase*\nROLLING_BACK → ROLLED_BACK");
  EXPECT_EQ(fields[3]["text"], "*Step*\n1");
  EXPECT_EQ(fields[4]["text"], "*Canary weight*\n10% → 0%");
  // Only the metric that regressed, with its statistics.
  EXPECT_EQ(blocks[2]["text"]["text"],
            "• error_rate REGRESSION: estimate 4.5 in [3.25, 6], allowed [0, 1.5], p 0.0004 "
            "(12000 baseline / 1300 canary observations)");
}

TEST(WebhookFormatTest, TeamsIsAMessageWithAnAdaptiveCard) {
  const json body = json::parse(RenderBody(RolledBack(), WebhookFormat::kTeams));
  EXPECT_EQ(body["type"], "message");
  ASSERT_EQ(body["attachments"].size(), 1u);
  const json& attachment = body["attachments"][0];
  EXPECT_EQ(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_TRUE(attachment["contentUrl"].is_null());
  const json& card = attachment["content"];
  EXPECT_EQ(card["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  const json& items = card["body"];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["type"], "TextBlock");
  EXPECT_EQ(items[0]["weight"], "Bolder");
  EXPECT_EQ(items[0]["text"],
            "Rollout shop/rollout-7f3a (revision v2) rolled back: regression: error_rate <script>");
  EXPECT_EQ(items[1]["type"], "FactSet");
  ASSERT_EQ(items[1]["facts"].size(), 5u);
  EXPECT_EQ(items[1]["facts"][0]["title"], "Rollout");
  EXPECT_EQ(items[1]["facts"][0]["value"], "shop/rollout-7f3a");
  EXPECT_EQ(items[1]["facts"][4]["title"], "Canary weight");
  EXPECT_EQ(items[1]["facts"][4]["value"], "10% → 0%");
  EXPECT_EQ(items[2]["type"], "TextBlock");
  EXPECT_EQ(items[2]["text"],
            "error_rate REGRESSION: estimate 4.5 in [3.25, 6], allowed [0, 1.5], p 0.0004 "
            "(12000 baseline / 1300 canary observations)");
}

TEST(WebhookFormatTest, ProgressNamesTheWeightAndLeavesMetricsOut) {
  Notification n = RolledBack();
  n.type = NotificationType::kStepAdvanced;
  n.rollout.mutable_status()->set_phase(v1::PHASE_PROGRESSING);
  n.rollout.mutable_status()->set_canary_weight(50);
  n.rollout.mutable_status()->set_reason("step 1 (10%) passed");
  EXPECT_EQ(Headline(n),
            "Rollout shop/rollout-7f3a (revision v2) advanced a step at 50% canary: step 1 (10%) "
            "passed");
  EXPECT_EQ(json::parse(RenderBody(n, WebhookFormat::kSlack))["blocks"].size(), 2u);
}

TEST(WebhookFormatTest, InvalidUtf8IsReplacedNotThrown) {
  Notification n = RolledBack();
  n.rollout.mutable_status()->set_reason("bad \xff byte");
  const json body = json::parse(RenderBody(n, WebhookFormat::kGeneric));
  EXPECT_EQ(body["rollout"]["reason"], "bad \xEF\xBF\xBD byte");
}

TEST(WebhookFormatTest, FormatNames) {
  EXPECT_EQ(*ParseFormat("slack"), WebhookFormat::kSlack);
  EXPECT_EQ(*ParseFormat("teams"), WebhookFormat::kTeams);
  EXPECT_EQ(FormatName(*ParseFormat("generic")), "generic");
  EXPECT_EQ(ParseFormat("discord").status().message(),
            "must be generic, slack or teams, got \"discord\"");
}

TEST(WebhookSignatureTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignatureTest, SignsTheTimestampWithTheBody) {
  const http::Headers headers =
      SignatureHeaders("s3cret", R"({"a":1})", absl::FromUnixSeconds(1'700'000'000));
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].first, "X-Kanarya-Timestamp");
  EXPECT_EQ(headers[0].second, "1700000000");
  EXPECT_EQ(headers[1].first, "X-Kanarya-Signature");
  EXPECT_EQ(headers[1].second, "sha256=" + HmacSha256Hex("s3cret", R"(1700000000.{"a":1})"));
  // Another time, another signature: a replayed body with a new timestamp fails.
  EXPECT_NE(SignatureHeaders("s3cret", R"({"a":1})", absl::FromUnixSeconds(1'700'000'001))[1],
            headers[1]);
}

}  // namespace
}  // namespace kanarya::notify
