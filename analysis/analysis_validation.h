// Checks an AnalysisSpec and the ticks fed to it. On error returns
// InvalidArgument whose message starts with the offending field's path, e.g.
// `ticks[3].metrics["errors"].canary_events: must be >= 0, got -2`. Pure.
#ifndef KANARYA_ANALYSIS_ANALYSIS_VALIDATION_H_
#define KANARYA_ANALYSIS_ANALYSIS_VALIDATION_H_

#include <google/protobuf/repeated_ptr_field.h>

#include <string>

#include "absl/status/status.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

// `path` prefixes field names in messages ("analysis" in a ReplayRequest).
absl::Status ValidateAnalysisSpec(const v1::AnalysisSpec& spec, const std::string& path);

// `path` names the tick ("ticks[3]"); the spec must be valid.
absl::Status ValidateTick(const v1::Tick& tick, const v1::AnalysisSpec& spec,
                          const std::string& path);

// Every tick of a rollout's timeline (`field` names it: "ticks"), plus what
// only the whole timeline shows: each count metric's running baseline and
// canary totals, and each histogram metric's running requests per side, stay
// within RateRatioSequence::kMaxCumulativeCount.
absl::Status ValidateTimeline(const google::protobuf::RepeatedPtrField<v1::Tick>& ticks,
                              const v1::AnalysisSpec& spec, const std::string& field);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_ANALYSIS_VALIDATION_H_
