#include "daemon/telemetry/log.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "gtest/gtest.h"

namespace kanarya::telemetry {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1'700'000'000'123);

TEST(LogTest, JsonLineIsOneObjectWithTimeLevelMessageAndFields) {
  const std::string line =
      FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarning, "phase \"x\"\nchanged",
                    {{"rollout", "reviews-v2-abc"}, {"namespace", "shop"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["time"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(parsed["level"], "warning");
  EXPECT_EQ(parsed["message"], "phase \"x\"\nchanged");
  EXPECT_EQ(parsed["rollout"], "reviews-v2-abc");
  EXPECT_EQ(parsed["namespace"], "shop");
  EXPECT_EQ(parsed.size(), 5u);
}

TEST(LogTest, JsonLineReplacesInvalidUtf8InsteadOfFailing) {
  const std::string line =
      FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "bad \xff byte", {});
  EXPECT_EQ(nlohmann::json::parse(line)["message"], "bad \xEF\xBF\xBD byte");
}

TEST(LogTest, TextLineQuotesValuesWithSpaces) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "started",
                          {{"rollout", "r1"}, {"namespace", "two words"}}),
            "2023-11-14T22:13:20.123Z info kanaryad: started rollout=r1 namespace=\"two words\"");
}

TEST(LogTest, TextLineEscapesLineBreaksInTheMessage) {
  EXPECT_EQ(
      FormatLogLine(LogFormat::kText, kTime, LogLevel::kWarning,
                    "query failed: bad\n2023-11-14T22:13:20.123Z error kanaryad: forged\r\\n", {}),
      "2023-11-14T22:13:20.123Z warning kanaryad: query failed: "
      "bad\\n2023-11-14T22:13:20.123Z error kanaryad: forged\\r\\\\n");
}

TEST(LogTest, ParsersNameTheFlagAndTheValue) {
  EXPECT_EQ(*ParseLogLevel("--log_level", "debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogFormat("--log_format", "json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogLevel("--log_level", "loud").status().message(),
            "--log_level: must be one of debug, info, warning, error, got \"loud\"");
  EXPECT_EQ(ParseLogFormat("--log_format", "xml").status().message(),
            "--log_format: must be one of text, json, got \"xml\"");
}

TEST(LogTest, LinesBelowTheLevelAreDroppedAndTheLevelChangesAtRunTime) {
  std::FILE* stream = std::tmpfile();
  ASSERT_NE(stream, nullptr);
  SetLogStream(stream);
  SetLogFormat(LogFormat::kJson);
  SetLogLevel(LogLevel::kWarning);
  Log(LogLevel::kInfo, "dropped");
  Log(LogLevel::kError, "kept", {{"rollout", "r1"}});
  SetLogLevel(LogLevel::kDebug);
  Log(LogLevel::kDebug, "now kept");
  SetLogStream(nullptr);
  SetLogFormat(LogFormat::kText);
  SetLogLevel(LogLevel::kInfo);

  std::rewind(stream);
  std::string written;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), stream) != nullptr) written += buffer;
  std::fclose(stream);
  const size_t first_end = written.find('\n');
  ASSERT_NE(first_end, std::string::npos);
  const nlohmann::json first = nlohmann::json::parse(written.substr(0, first_end));
  const nlohmann::json second = nlohmann::json::parse(written.substr(first_end + 1));
  EXPECT_EQ(first["message"], "kept");
  EXPECT_EQ(first["level"], "error");
  EXPECT_EQ(first["rollout"], "r1");
  EXPECT_EQ(second["message"], "now kept");
  EXPECT_EQ(second["level"], "debug");
}

}  // namespace
}  // namespace kanarya::telemetry
