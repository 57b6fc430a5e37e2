#include "analysis/replay.h"

#include "absl/strings/str_cat.h"
#include "analysis/analysis_session.h"
#include "analysis/analysis_validation.h"
#include "analysis/field_checks.h"

namespace kanarya::analysis {

absl::StatusOr<v1::ReplayResponse> Replay(const v1::ReplayRequest& request) {
  if (absl::Status s = ValidateAnalysisSpec(request.analysis(), "analysis"); !s.ok()) return s;
  if (request.ticks().empty()) return Invalid("ticks", "must not be empty");
  // Validate the whole timeline first: a bad tick after the decision is still
  // bad input.
  for (int i = 0; i < request.ticks_size(); ++i) {
    if (absl::Status s =
            ValidateTick(request.ticks(i), request.analysis(), absl::StrCat("ticks[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  AnalysisSession session(request.analysis());
  int tick = 0;
  for (; tick < request.ticks_size(); ++tick) {
    session.Observe(request.ticks(tick));
    if (session.decision() != v1::DECISION_CONTINUE) break;
  }
  v1::ReplayResponse response;
  response.set_decision(session.decision());
  response.set_decided_at_tick(std::min(tick, request.ticks_size() - 1));
  response.set_reason(session.reason());
  for (v1::SequentialMetricResult& result : session.Results()) {
    *response.add_metrics() = std::move(result);
  }
  return response;
}

}  // namespace kanarya::analysis
