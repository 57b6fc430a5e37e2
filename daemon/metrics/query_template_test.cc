#include "daemon/metrics/query_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kanarya::metrics {
namespace {

const std::set<std::string> kKnown = {"namespace", "service", "version", "window", "route"};

std::string Render(const std::string& text, const TemplateValues& values) {
  auto parsed = QueryTemplate::Parse(text, kKnown);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  auto rendered = parsed->Render(values);
  EXPECT_TRUE(rendered.ok()) << rendered.status();
  return rendered.ok() ? *rendered : "";
}

TEST(QueryTemplate, RendersQuotedBareAndDurationPlaceholders) {
  const TemplateValues values{.strings = {{"service", "segmentation"}, {"version", "v2.1"}},
                              .durations = {{"window", absl::Seconds(90)}}};
  EXPECT_EQ(
      Render(
          R"(sum(rate(http_requests_total{service="{{service}}",version={{ version }}}[{{window}}])))",
          values),
      R"(sum(rate(http_requests_total{service="segmentation",version="v2.1"}[90s])))");
  EXPECT_EQ(FormatPromDuration(absl::Minutes(5)), "5m");
  EXPECT_EQ(FormatPromDuration(absl::Milliseconds(1500)), "1500ms");
}

TEST(QueryTemplate, NoLabelValueCanInjectQuerySyntax) {
  const TemplateValues hostile{
      .strings = {{"service", R"(x"} or vector(1) or {a=")"}, {"route", "a\\\"b\nc"}}};
  const std::string quoted = Render(R"(up{service="{{service}}"})", hostile);
  EXPECT_EQ(quoted, R"(up{service="x\"} or vector(1) or {a=\""})");
  const std::string bare = Render("up{service={{service}},route={{route}}}", hostile);
  EXPECT_EQ(bare, R"(up{service="x\"} or vector(1) or {a=\"",route="a\\\"b\nc"})");
}

TEST(QueryTemplate, UnknownVariablesAndMalformedTextAreRejectedAtParse) {
  EXPECT_THAT(QueryTemplate::Parse("up{a={{tenant}}}", kKnown).status().message(),
              ::testing::HasSubstr("unknown variable {{tenant}}"));
  EXPECT_FALSE(QueryTemplate::Parse("up{a={{service}", kKnown).ok());
  EXPECT_FALSE(QueryTemplate::Parse("up{a=`{{service}}`}", kKnown).ok());
  EXPECT_FALSE(QueryTemplate::Parse(R"(up{a="unterminated})", kKnown).ok());
  auto parsed = QueryTemplate::Parse(R"(up{a="\"{{service}}"} {{window}})", kKnown);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->variables(), (std::set<std::string>{"service", "window"}));
}

TEST(QueryTemplate, MissingOrMistypedValuesFailAtRender) {
  auto parsed = QueryTemplate::Parse("rate(x{s={{service}}}[{{window}}])", kKnown);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Render({.strings = {{"service", "a"}}}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      parsed
          ->Render({.strings = {{"service", "a"}}, .durations = {{"window", absl::ZeroDuration()}}})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  auto quoted = QueryTemplate::Parse(R"(x{s="{{window}}"})", kKnown);
  EXPECT_EQ(quoted->Render({.durations = {{"window", absl::Minutes(1)}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kanarya::metrics
