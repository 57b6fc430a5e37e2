#include "analysis/step_verdict.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kanarya::analysis {
namespace {

struct GroupTally {
  double weight = 0.0;     // of all the group's metrics
  double passed = 0.0;     // of those that PASS
  double undecided = 0.0;  // of those INCONCLUSIVE, NODATA or ERROR
};

bool IsRegression(v1::Classification c) {
  return c == v1::CLASSIFICATION_HIGH || c == v1::CLASSIFICATION_LOW;
}

}  // namespace

double PassThreshold(const v1::JudgeRequest& request) {
  return request.pass_threshold() > 0 ? request.pass_threshold() : kDefaultPassThreshold;
}

double MarginalThreshold(const v1::JudgeRequest& request) {
  return request.marginal_threshold() > 0 ? request.marginal_threshold()
                                          : kDefaultMarginalThreshold;
}

void DecideStep(const v1::JudgeRequest& request, v1::JudgeResponse& response) {
  std::map<std::string, GroupTally> groups;
  std::vector<std::string> critical_regressions;
  std::vector<std::string> critical_undecided;
  for (int i = 0; i < response.metrics_size(); ++i) {
    const v1::MetricResult& metric = response.metrics(i);
    const v1::MetricInput& input = request.metrics(i);
    GroupTally& group = groups[metric.group()];
    const double weight = input.has_weight() ? input.weight() : 1.0;
    group.weight += weight;
    const v1::Classification c = metric.classification();
    if (c == v1::CLASSIFICATION_PASS) {
      group.passed += weight;
    } else if (!IsRegression(c)) {
      group.undecided += weight;
    }
    if (metric.critical() && IsRegression(c)) critical_regressions.push_back(metric.name());
    if (metric.critical() && !IsRegression(c) && c != v1::CLASSIFICATION_PASS) {
      critical_undecided.push_back(metric.name());
    }
  }

  double total_weight = 0.0, passed = 0.0, undecided = 0.0;
  for (const auto& [name, group] : groups) {
    if (group.weight <= 0.0) continue;  // only informational metrics
    const auto it = request.group_weights().find(name);
    const double group_weight = it == request.group_weights().end() ? 1.0 : it->second;
    total_weight += group_weight;
    passed += group_weight * group.passed / group.weight;
    undecided += group_weight * group.undecided / group.weight;
  }
  const double score = total_weight > 0 ? 100.0 * passed / total_weight : 0.0;
  const double ceiling = total_weight > 0 ? 100.0 * (passed + undecided) / total_weight : 0.0;
  const double pass = PassThreshold(request);
  const double marginal = MarginalThreshold(request);
  response.set_score(score);
  response.set_score_ceiling(ceiling);

  const auto scores = absl::StrFormat("score %.4g (ceiling %.4g; pass %g, marginal %g)", score,
                                      ceiling, pass, marginal);
  if (!critical_regressions.empty()) {
    response.set_verdict(v1::VERDICT_FAIL);
    response.set_reason(absl::StrCat(
        "critical metric regressed: ", absl::StrJoin(critical_regressions, ", "), "; ", scores));
  } else if (ceiling < marginal) {
    response.set_verdict(v1::VERDICT_FAIL);
    response.set_reason(absl::StrCat("below marginal even if undecided metrics pass; ", scores));
  } else if (score >= pass && critical_undecided.empty()) {
    response.set_verdict(v1::VERDICT_PASS);
    response.set_reason(scores);
  } else if (score >= marginal && ceiling < pass) {
    response.set_verdict(v1::VERDICT_MARGINAL);
    response.set_reason(scores);
  } else {
    response.set_verdict(v1::VERDICT_INCONCLUSIVE);
    std::string waiting =
        critical_undecided.empty()
            ? std::string("undecided metrics decide the verdict")
            : absl::StrCat("critical metrics undecided: ", absl::StrJoin(critical_undecided, ", "));
    response.set_reason(absl::StrCat(waiting, "; ", scores));
  }
}

}  // namespace kanarya::analysis
