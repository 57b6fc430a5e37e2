// Builders of JudgeRequests for tests: text-format protos and generated samples.
#ifndef KANARYA_ANALYSIS_TESTING_REQUESTS_H_
#define KANARYA_ANALYSIS_TESTING_REQUESTS_H_

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis::testing {

// Parses a JudgeRequest in protobuf text format; fails the test on a typo.
inline v1::JudgeRequest Request(const std::string& text) {
  v1::JudgeRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

// A continuous metric comparing `canary` with `baseline`.
inline v1::MetricInput Continuous(const std::string& name, v1::Direction direction,
                                  const std::vector<double>& baseline,
                                  const std::vector<double>& canary, double tolerance) {
  v1::MetricInput metric;
  metric.set_name(name);
  metric.set_kind(v1::METRIC_KIND_CONTINUOUS);
  metric.set_direction(direction);
  metric.mutable_baseline()->Add(baseline.begin(), baseline.end());
  metric.mutable_canary()->Add(canary.begin(), canary.end());
  metric.set_tolerance(tolerance);
  return metric;
}

// A count metric: events out of totals on each side.
inline v1::MetricInput Count(const std::string& name, int64_t baseline_events,
                             int64_t baseline_total, int64_t canary_events, int64_t canary_total,
                             double tolerance) {
  v1::MetricInput metric;
  metric.set_name(name);
  metric.set_kind(v1::METRIC_KIND_COUNT);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_baseline_events(baseline_events);
  metric.set_baseline_total(baseline_total);
  metric.set_canary_events(canary_events);
  metric.set_canary_total(canary_total);
  metric.set_tolerance(tolerance);
  return metric;
}

inline v1::JudgeRequest WithMetrics(std::vector<v1::MetricInput> metrics) {
  v1::JudgeRequest request;
  for (auto& metric : metrics) *request.add_metrics() = std::move(metric);
  return request;
}

}  // namespace kanarya::analysis::testing

#endif  // KANARYA_ANALYSIS_TESTING_REQUESTS_H_
