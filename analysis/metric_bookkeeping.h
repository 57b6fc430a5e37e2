// What every kind of sequential metric keeps alike: which sides of a change
// are bad, the evidence threshold, the running maximum of the evidence, the
// confidence sequence intersected over time, and the state and reason it
// reports. Not thread-safe.
#ifndef KANARYA_ANALYSIS_METRIC_BOOKKEEPING_H_
#define KANARYA_ANALYSIS_METRIC_BOOKKEEPING_H_

#include <limits>
#include <string>

#include "analysis/interval.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

inline constexpr Interval kEverything{-std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::infinity()};

class MetricBookkeeping {
 public:
  // alpha: the metric's share of the analysis' alpha.
  MetricBookkeeping(const v1::MetricSpec& spec, double alpha);

  bool increase_bad() const { return increase_bad_; }
  bool decrease_bad() const { return decrease_bad_; }
  double alpha() const { return alpha_; }
  // Evidence needed on one side: 1 / (alpha / sides).
  double threshold() const { return (increase_bad_ && decrease_bad_ ? 2.0 : 1.0) / alpha_; }

  // One tick's evidence on each side (ignored for a side that is not bad)
  // and confidence sequence.
  void Record(double evidence_up, double evidence_down, Interval cs);

  // Whether the evidence has reached the threshold at some tick.
  bool crossed() const { return max_evidence_ >= threshold(); }

  // The confidence sequence so far, intersected over time.
  const Interval& cs() const { return cs_; }

  // Fills the fields every kind reports, and the state: `within_tolerance`
  // is the kind's verdict that the confidence sequences exclude every
  // regression; `cs` and the allowances are reported, and `detail`, when
  // not empty, is added to the reason.
  void Fill(bool has_data, bool within_tolerance, Interval cs, double allowed_lower,
            double allowed_upper, const std::string& detail,
            v1::SequentialMetricResult& result) const;

 private:
  const std::string name_;
  const double alpha_;
  const bool increase_bad_;
  const bool decrease_bad_;
  int ticks_ = 0;
  double max_evidence_ = 1.0;
  double current_evidence_ = 1.0;
  Interval cs_ = kEverything;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_METRIC_BOOKKEEPING_H_
