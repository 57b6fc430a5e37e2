#include "analysis/judge.h"

#include "analysis/judge_request_validation.h"
#include "analysis/metric_judgement.h"
#include "analysis/step_verdict.h"

namespace kanarya::analysis {

absl::StatusOr<v1::JudgeResponse> Judge(const v1::JudgeRequest& request) {
  if (absl::Status status = ValidateJudgeRequest(request); !status.ok()) return status;
  const double confidence_level =
      request.confidence_level() > 0 ? request.confidence_level() : kDefaultConfidenceLevel;
  v1::JudgeResponse response;
  response.set_confidence_level(confidence_level);
  for (const v1::MetricInput& metric : request.metrics()) {
    *response.add_metrics() = JudgeMetric(metric, confidence_level);
  }
  DecideStep(request, response);
  return response;
}

}  // namespace kanarya::analysis
