#include "analysis/replay.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "analysis/analysis_session.h"
#include "analysis/analysis_validation.h"
#include "analysis/field_checks.h"

namespace kanarya::analysis {

absl::StatusOr<v1::ReplayResponse> Replay(const v1::ReplayRequest& request) {
  if (absl::Status s = ValidateAnalysisSpec(request.analysis(), "analysis"); !s.ok()) return s;
  if (request.ticks().empty()) return Invalid("ticks", "must not be empty");
  // Validate the whole timeline first: a bad tick after the decision is still
  // bad input. The history's counts are not read, so only its ticks are checked.
  for (int i = 0; i < request.history_size(); ++i) {
    if (absl::Status s =
            ValidateTick(request.history(i), request.analysis(), absl::StrCat("history[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ValidateTimeline(request.ticks(), request.analysis(), "ticks"); !s.ok()) {
    return s;
  }
  const std::vector<v1::Tick> history(request.history().begin(), request.history().end());
  AnalysisSession session(request.analysis(), history);
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
