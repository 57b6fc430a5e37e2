#include "cli/document_commands.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "kanarya/v1/analysis.pb.h"
#include "kanarya/v1/judge.pb.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Judge(const std::string& document) {
  std::ostringstream out, err;
  const int code = RunJudge(document, out, err);
  return {code, out.str(), err.str()};
}

std::string Example(const std::string& name) {
  return *ReadInput(std::string(KANARYA_SOURCE_DIR) + "/examples/" + name);
}

TEST(JudgeCommand, ShippedExamplesGiveTheirVerdicts) {
  const Outcome bad = Judge(Example("judge-bad-canary.yaml"));
  ASSERT_EQ(bad.code, kExitOk) << bad.err;
  const auto bad_json = nlohmann::json::parse(bad.out);
  EXPECT_EQ(bad_json["verdict"], "VERDICT_FAIL");
  EXPECT_EQ(bad_json["metrics"][0]["classification"], "CLASSIFICATION_HIGH");
  EXPECT_EQ(bad_json["metrics"][1]["canaryDropped"], "1");  // the .nan sample

  const Outcome good = Judge(Example("judge-good-canary.yaml"));
  ASSERT_EQ(good.code, kExitOk) << good.err;
  const auto good_json = nlohmann::json::parse(good.out);
  EXPECT_EQ(good_json["verdict"], "VERDICT_PASS");
  EXPECT_EQ(good_json["score"], 100);
}

// Every field that is printed when unset (all but singular messages and oneof
// members) appears under its canonical JSON name, and not under its proto name.
void ExpectEveryCanonicalField(const nlohmann::json& json,
                               const google::protobuf::Descriptor& descriptor) {
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const google::protobuf::FieldDescriptor& field = *descriptor.field(i);
    if (field.containing_oneof() != nullptr) continue;
    if (field.message_type() != nullptr && !field.is_repeated()) continue;
    EXPECT_TRUE(json.contains(field.json_name())) << field.full_name();
    if (field.json_name() != field.name()) {
      EXPECT_FALSE(json.contains(field.name())) << field.full_name();
    }
  }
}

TEST(JudgeCommand, EveryResponseFieldIsPrintedWithItsCanonicalName) {
  const Outcome run = Judge(R"({"metrics": [{"name": "e", "kind": "METRIC_KIND_COUNT",
      "direction": "DIRECTION_INCREASE", "baselineEvents": 4, "baselineTotal": 1012,
      "canaryEvents": 1, "canaryTotal": 97}]})");
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  ExpectEveryCanonicalField(json, *v1::JudgeResponse::descriptor());
  ExpectEveryCanonicalField(json["metrics"][0], *v1::MetricResult::descriptor());
  EXPECT_TRUE(json.contains("scoreCeiling"));
  EXPECT_TRUE(json["metrics"][0].contains("pValue"));
  EXPECT_FALSE(json["metrics"][0].contains("p_value"));
}

TEST(JudgeCommand, InvalidFieldExitsTwoNamingIt) {
  const Outcome run = Judge(R"(
metrics:
  - {name: a, kind: METRIC_KIND_COUNT, direction: DIRECTION_INCREASE, baseline_total: 10, canary_total: 10}
  - {name: b, kind: METRIC_KIND_COUNT, direction: DIRECTION_INCREASE, baseline_total: 10, canary_total: 10}
  - {name: c, kind: METRIC_KIND_COUNT, direction: DIRECTION_INCREASE, baseline_total: 10,
     canary_events: 15, canary_total: 12}
)");
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_EQ(run.err,
            "kanaryactl judge: metrics[2].canary_total: must be >= canary_events (12 < 15)\n");
}

TEST(JudgeCommand, UnparsableInputExitsTwo) {
  for (const char* input : {"{", "metrics: [", "\x01\x02", "metrics: {a: b}", "42"}) {
    const Outcome run = Judge(input);
    EXPECT_EQ(run.code, kExitUsage) << input;
    EXPECT_THAT(run.err, HasSubstr("kanaryactl judge: ")) << input;
  }
}

TEST(JudgeCommand, NoInputCrashesIt) {
  // Bounded deterministic fuzzing: byte flips, truncations and splices of a
  // valid request must each end in exit 0 or 2 with output, never a crash.
  const std::string seed = Example("judge-bad-canary.yaml");
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 400; ++i) {
    std::string input = seed;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % input.size();
      switch (rng() % 4) {
        case 0:
          input[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          input.resize(at + 1);
          break;
        case 2:
          input.insert(at, input.substr(rng() % input.size(), rng() % 40));
          break;
        default:
          input.insert(at, "-1e308");
          break;
      }
    }
    const Outcome run = Judge(input);
    EXPECT_TRUE(run.code == kExitOk || run.code == kExitUsage);
    EXPECT_FALSE(run.out.empty() && run.err.empty());
  }
}

Outcome Replay(const std::string& document) {
  std::ostringstream out, err;
  const int code = RunReplay(document, out, err);
  return {code, out.str(), err.str()};
}

TEST(ReplayCommand, TheDocumentedExampleParsesAndContinues) {
  const Outcome run = Replay(R"({"analysis": {"alpha": 0.05, "metrics": [
     {"name": "errors", "kind": "METRIC_KIND_COUNT", "direction": "DIRECTION_INCREASE", "critical": true},
     {"name": "latency", "kind": "METRIC_KIND_CONTINUOUS", "direction": "DIRECTION_INCREASE", "tolerance": 0.05}]},
   "ticks": [
     {"metrics": {"errors": {"baselineEvents": 4, "baselineTotal": 1012, "canaryEvents": 1, "canaryTotal": 97},
                  "latency": {"baseline": [54.1], "canary": [55.0]}}}]})");
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["decision"], "DECISION_CONTINUE");
  EXPECT_EQ(json["decidedAtTick"], 0);
  EXPECT_EQ(json["metrics"][0]["name"], "errors");
  ExpectEveryCanonicalField(json, *v1::ReplayResponse::descriptor());
  ExpectEveryCanonicalField(json["metrics"][0], *v1::SequentialMetricResult::descriptor());
}

TEST(ReplayCommand, ShippedTimelinesRollBackTheBadCanaryAndPromoteTheGoodOne) {
  const auto bad = nlohmann::json::parse(Replay(Example("replay-bad-canary.json")).out);
  EXPECT_EQ(bad["decision"], "DECISION_ROLLBACK");
  EXPECT_LT(bad["decidedAtTick"], 40);  // within the 10 % step
  const auto good = nlohmann::json::parse(Replay(Example("replay-good-canary.json")).out);
  EXPECT_EQ(good["decision"], "DECISION_PROMOTE");
}

TEST(ReplayCommand, AHistogramsResultCarriesItsQuantilesWithIntervals) {
  // The issue's form: bounds with "Infinity", counts as numbers or strings.
  // 1000 requests a side, half at or below 100 ms and half in (100, 200]:
  // p50 100, p90 180, p99 198 (linear within the bucket); p50's interval
  // the order statistics 469 and 532 (R: qbinom(0.025, 1000, 0.5),
  // qbinom(0.975, 1000, 0.5) + 1), read as 93.8 and 106.4.
  const Outcome run = Replay(R"({"analysis": {"alpha": 0.05, "metrics": [
     {"name": "latency", "kind": "METRIC_KIND_HISTOGRAM", "direction": "DIRECTION_INCREASE",
      "tolerance": 0.2}]},
   "ticks": [{"metrics": {"latency": {"bucketBounds": [100, 200, "Infinity"],
     "baselineBuckets": [500, "500", 0], "canaryBuckets": ["500", 500, "0"]}}}]})");
  ASSERT_EQ(run.code, kExitOk) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  const auto& quantiles = json["metrics"][0]["quantiles"];
  ASSERT_EQ(quantiles.size(), 3u);
  EXPECT_EQ(quantiles[0]["quantile"], 0.5);
  EXPECT_DOUBLE_EQ(quantiles[0]["canary"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(quantiles[0]["canaryLower"].get<double>(), 93.8);
  EXPECT_DOUBLE_EQ(quantiles[0]["canaryUpper"].get<double>(), 106.4);
  EXPECT_DOUBLE_EQ(quantiles[0]["baselineLower"].get<double>(), 93.8);
  EXPECT_DOUBLE_EQ(quantiles[1]["baseline"].get<double>(), 180);
  EXPECT_DOUBLE_EQ(quantiles[2]["canary"].get<double>(), 198);
  EXPECT_THAT(json["metrics"][0]["reason"].get<std::string>(),
              HasSubstr("p50 canary 100 [93.8, 106.4] vs baseline 100 [93.8, 106.4]"));
}

TEST(ReplayCommand, BadInputExitsTwoNamingTheField) {
  const std::string analysis =
      R"("analysis": {"metrics": [{"name": "errors", "kind": "METRIC_KIND_COUNT",
                                   "direction": "DIRECTION_INCREASE"}]})";
  Outcome run = Replay("{" + analysis + R"(, "ticks": [{}, {"metrics": {"latency": {}}}]})");
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(run.err,
            "kanaryactl replay: ticks[1].metrics[\"latency\"]: no metric of that name in the "
            "analysis\n");
  run = Replay("{" + analysis +
               R"(, "ticks": [{"metrics": {"errors": {"canaryEvents": -3, "canaryTotal": 9}}}]})");
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(
      run.err,
      "kanaryactl replay: ticks[0].metrics[\"errors\"].canary_events: must be >= 0, got -3\n");
  run = Replay("{" + analysis + R"(, "ticks": [{"canaryWeight": 140}]})");
  EXPECT_EQ(run.err, "kanaryactl replay: ticks[0].canary_weight: must be in [0, 100], got 140\n");
  run = Replay(R"({"ticks": [{"time": "yesterday"}]})");
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("kanaryactl replay: "));
}

}  // namespace
}  // namespace kanarya::cli
