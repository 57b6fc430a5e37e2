#include "analysis/analysis_session.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/histogram_quantiles.h"

namespace kanarya::analysis {

AnalysisSession::AnalysisSession(const v1::AnalysisSpec& spec, std::span<const v1::Tick> history)
    : spec_(spec) {
  const double alpha = spec.alpha() > 0 ? spec.alpha() : kDefaultAnalysisAlpha;
  const double share = alpha / spec.metrics_size();
  for (const v1::MetricSpec& metric : spec.metrics()) {
    metrics_.push_back(MakeSequentialMetric(metric, share, history));
  }
}

void AnalysisSession::Observe(const v1::Tick& tick) {
  bool has_data = false;
  for (int i = 0; i < spec_.metrics_size(); ++i) {
    const auto it = tick.metrics().find(spec_.metrics(i).name());
    if (it != tick.metrics().end()) has_data = metrics_[i]->Observe(it->second) || has_data;
  }
  ticks_with_data_ += has_data;
}

v1::Decision AnalysisSession::decision() const {
  bool promotable = ticks_with_data_ >= std::max(spec_.min_ticks(), 1);
  for (int i = 0; i < spec_.metrics_size(); ++i) {
    const v1::MetricState state = metrics_[i]->State();
    if (state == v1::METRIC_STATE_REGRESSION) return v1::DECISION_ROLLBACK;
    const bool ready = state == v1::METRIC_STATE_WITHIN_TOLERANCE ||
                       (state == v1::METRIC_STATE_UNDECIDED && !spec_.metrics(i).critical());
    promotable = promotable && ready;
  }
  return promotable ? v1::DECISION_PROMOTE : v1::DECISION_CONTINUE;
}

std::string AnalysisSession::reason() const {
  std::vector<std::string> regressed, waiting;
  for (int i = 0; i < spec_.metrics_size(); ++i) {
    const v1::SequentialMetricResult result = metrics_[i]->Result();
    const std::string& name = spec_.metrics(i).name();
    if (result.state() == v1::METRIC_STATE_REGRESSION) {
      regressed.push_back(absl::StrCat(name, " (", result.reason(), ")"));
    } else if (result.state() == v1::METRIC_STATE_NODATA ||
               (result.state() == v1::METRIC_STATE_UNDECIDED && spec_.metrics(i).critical())) {
      waiting.push_back(name);
    }
  }
  switch (decision()) {
    case v1::DECISION_ROLLBACK:
      return absl::StrCat("rollback: ", absl::StrJoin(regressed, "; "));
    case v1::DECISION_PROMOTE: {
      const std::string quantiles = DescribeResultQuantiles(Results());
      return absl::StrCat("promote after ", ticks_with_data_,
                          " ticks with data: no regression, critical metrics "
                          "within tolerance",
                          quantiles.empty() ? "" : "; ", quantiles);
    }
    default:
      if (waiting.empty()) {
        return absl::StrCat("continue: ", ticks_with_data_, " of at least ", spec_.min_ticks(),
                            " ticks with data observed");
      }
      return absl::StrCat("continue: waiting for evidence on ", absl::StrJoin(waiting, ", "));
  }
}

std::vector<v1::SequentialMetricResult> AnalysisSession::Results() const {
  std::vector<v1::SequentialMetricResult> results;
  for (const SequentialMetricPtr& metric : metrics_) results.push_back(metric->Result());
  return results;
}

}  // namespace kanarya::analysis
