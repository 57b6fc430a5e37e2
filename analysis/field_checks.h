// Checks shared by the validation of every request: each returns OK or an
// InvalidArgument "<path>: <reason>" naming the field. Pure.
#ifndef KANARYA_ANALYSIS_FIELD_CHECKS_H_
#define KANARYA_ANALYSIS_FIELD_CHECKS_H_

#include <google/protobuf/repeated_field.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "kanarya/v1/metric.pb.h"

namespace kanarya::analysis {

absl::Status Invalid(const std::string& path, const std::string& reason);

// value is finite and >= 0.
absl::Status CheckNonNegative(const std::string& path, double value);

// kind and direction are set to known values.
absl::Status CheckKindAndDirection(const std::string& path, v1::MetricKind kind,
                                   v1::Direction direction);

// Events out of totals on each side: all >= 0, events <= totals, totals
// small enough to add up. `path` is the message holding the four fields.
struct EventCountFields {
  int64_t baseline_events;
  int64_t baseline_total;
  int64_t canary_events;
  int64_t canary_total;
};
absl::Status CheckEventCounts(const std::string& path, const EventCountFields& counts);

// One histogram observation: `bounds` strictly increasing, finite within
// +-1e300 but for the last, which is +Inf; one count >= 0 per bound on each
// side, each side's sum at most kMaxTickTotal. `path` is the message holding
// the fields (`bucket_bounds`, `baseline_buckets`, `canary_buckets`).
struct HistogramFields {
  const google::protobuf::RepeatedField<double>& bounds;
  const google::protobuf::RepeatedField<int64_t>& baseline;
  const google::protobuf::RepeatedField<int64_t>& canary;
};
absl::Status CheckHistogram(const std::string& path, const HistogramFields& histogram);

// Whether any of the histogram fields is set (for kinds that must leave
// them empty).
bool HasHistogramFields(const HistogramFields& histogram);

// The largest total of one side in one tick (events, requests, or a
// histogram's counts): sums of a few stay far from overflow.
inline constexpr int64_t kMaxTickTotal = int64_t{1} << 52;

// Finite samples lie within +-1e300, so that differences stay finite; NaN
// and infinities are allowed (cleaning removes them). `path` names the field.
absl::Status CheckSamples(const std::string& path,
                          const google::protobuf::RepeatedField<double>& samples);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_FIELD_CHECKS_H_
