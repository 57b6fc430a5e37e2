#include "cli/rollout_view.h"

#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "cli/output_format.h"

namespace kanarya::cli {
namespace {

std::string WithoutPrefix(const std::string& name, absl::string_view prefix) {
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::string FormatTime(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime(absl::RFC3339_sec, ToTime(timestamp), absl::UTCTimeZone());
}

std::string Age(const google::protobuf::Timestamp& since, absl::Time now) {
  if (since.seconds() == 0) return "-";
  return absl::FormatDuration(absl::Trunc(now - ToTime(since), absl::Seconds(1)));
}

std::string Number(double value) { return absl::StrFormat("%.4g", value); }

std::string WithInterval(double estimate, double lower, double upper) {
  return absl::StrCat(Number(estimate), " [", Number(lower), ", ", Number(upper), "]");
}

std::string Step(const v1::RolloutStatus& status) {
  return status.step_index() < 0 ? "-" : absl::StrCat(status.step_index() + 1);
}

std::string Target(const v1::RolloutTarget& target) {
  return absl::StrCat(target.namespace_(), "/", target.virtual_service(),
                      target.route().empty() ? "" : absl::StrCat(" route ", target.route()));
}

}  // namespace

std::string PhaseName(v1::Phase phase) { return WithoutPrefix(v1::Phase_Name(phase), "PHASE_"); }

void PrintRolloutTable(const google::protobuf::RepeatedPtrField<v1::Rollout>& rollouts,
                       absl::Time now, std::ostream& out) {
  Table table({"NAME", "NAMESPACE", "VIRTUAL-SERVICE", "REVISION", "PHASE", "STEP", "WEIGHT", "AGE",
               "REASON"});
  for (const v1::Rollout& rollout : rollouts) {
    const v1::RolloutStatus& status = rollout.status();
    table.AddRow({rollout.name(), rollout.spec().target().namespace_(),
                  rollout.spec().target().virtual_service(), rollout.spec().revision(),
                  PhaseName(status.phase()), Step(status), absl::StrCat(status.canary_weight()),
                  Age(rollout.create_time(), now), status.reason()});
  }
  table.Print(out);
}

std::string EventLine(const v1::RolloutEvent& event) {
  std::string line = absl::StrCat(FormatTime(event.time()), " #", event.sequence(), " ",
                                  WithoutPrefix(v1::EventType_Name(event.type()), "EVENT_TYPE_"));
  if (event.phase_before() != event.phase_after()) {
    absl::StrAppend(&line, " ", PhaseName(event.phase_before()), " -> ",
                    PhaseName(event.phase_after()));
  } else if (event.phase_after() != v1::PHASE_UNSPECIFIED) {
    absl::StrAppend(&line, " ", PhaseName(event.phase_after()));
  }
  absl::StrAppend(&line, " weight ", event.canary_weight());
  if (event.type() == v1::EVENT_TYPE_ANALYSIS) {
    absl::StrAppend(&line, " decision ",
                    WithoutPrefix(v1::Decision_Name(event.decision()), "DECISION_"));
    for (const v1::SequentialMetricResult& metric : event.metrics()) {
      absl::StrAppend(&line, " ", metric.name(), "=",
                      WithoutPrefix(v1::MetricState_Name(metric.state()), "METRIC_STATE_"));
    }
  }
  if (!event.action().empty()) {
    absl::StrAppend(&line, " ", event.action(), " by ", event.actor(),
                    event.role().empty() ? "" : " as ", event.role());
  }
  if (!event.message().empty()) absl::StrAppend(&line, ": ", event.message());
  if (!event.reason().empty()) absl::StrAppend(&line, " (", event.reason(), ")");
  return line;
}

void PrintQuantiles(const google::protobuf::RepeatedPtrField<v1::SequentialMetricResult>& results,
                    std::ostream& out) {
  Table table({"METRIC", "QUANTILE", "CANARY [95% INTERVAL]", "BASELINE [95% INTERVAL]"});
  bool any = false;
  for (const v1::SequentialMetricResult& result : results) {
    for (const v1::QuantileEstimate& q : result.quantiles()) {
      any = true;
      table.AddRow({result.name(), absl::StrCat("p", Number(100 * q.quantile())),
                    WithInterval(q.canary(), q.canary_lower(), q.canary_upper()),
                    WithInterval(q.baseline(), q.baseline_lower(), q.baseline_upper())});
    }
  }
  if (any) table.Print(out);
}

void PrintDescription(const v1::GetRolloutResponse& response, absl::Time now, std::ostream& out) {
  const v1::Rollout& rollout = response.rollout();
  const v1::RolloutStatus& status = rollout.status();
  const v1::RolloutTarget& target = rollout.spec().target();
  Table summary({"Name:", rollout.name()});
  summary.AddRow({"Target:", Target(target)});
  summary.AddRow(
      {"Stable:", absl::StrCat(target.stable().host(), " subset ", target.stable().subset())});
  summary.AddRow(
      {"Canary:", absl::StrCat(target.canary().host(), " subset ", target.canary().subset())});
  summary.AddRow({"Revision:", rollout.spec().revision()});
  summary.AddRow({"Phase:", absl::StrCat(PhaseName(status.phase()),
                                         status.reason().empty() ? "" : ": ", status.reason())});
  summary.AddRow({"Step:", absl::StrCat(Step(status), ", canary weight ", status.canary_weight(),
                                        " %, attempt ", status.attempt())});
  summary.AddRow(
      {"Decision:", absl::StrCat(WithoutPrefix(v1::Decision_Name(status.decision()), "DECISION_"),
                                 " after ", status.ticks(), " ticks")});
  summary.AddRow(
      {"Created:", absl::StrCat(FormatTime(rollout.create_time()), " by ", rollout.created_by(),
                                " (", Age(rollout.create_time(), now), " ago)")});
  summary.Print(out);

  out << "\nAnalysis per tick:\n";
  Table ticks({"TIME", "STEP", "WEIGHT", "METRIC", "STATE", "ESTIMATE", "CS-LOWER", "CS-UPPER",
               "ALLOWED", "P-VALUE", "EVIDENCE", "BASELINE-N", "CANARY-N"});
  std::vector<const v1::RolloutEvent*> others;
  const v1::RolloutEvent* last_analysis = nullptr;
  for (const v1::RolloutEvent& event : response.events()) {
    if (event.type() != v1::EVENT_TYPE_ANALYSIS) {
      others.push_back(&event);
      continue;
    }
    last_analysis = &event;
    for (const v1::SequentialMetricResult& metric : event.metrics()) {
      ticks.AddRow(
          {FormatTime(event.time()), absl::StrCat(event.step_index() + 1),
           absl::StrCat(event.canary_weight()), metric.name(),
           WithoutPrefix(v1::MetricState_Name(metric.state()), "METRIC_STATE_"),
           Number(metric.estimate()), Number(metric.cs_lower()), Number(metric.cs_upper()),
           absl::StrCat(Number(metric.allowed_lower()), "..", Number(metric.allowed_upper())),
           Number(metric.p_value()), Number(metric.regression_evidence()),
           absl::StrCat(metric.baseline_count()), absl::StrCat(metric.canary_count())});
    }
  }
  ticks.Print(out);

  if (last_analysis != nullptr) {
    std::ostringstream quantiles;
    PrintQuantiles(last_analysis->metrics(), quantiles);
    if (!quantiles.str().empty()) {
      out << "\nHistogram quantiles at " << FormatTime(last_analysis->time()) << ":\n"
          << quantiles.str();
    }
  }

  out << "\nEvents:\n";
  for (const v1::RolloutEvent* event : others) out << EventLine(*event) << "\n";
}

}  // namespace kanarya::cli
