#include "cli/backtest_view.h"

#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/output_format.h"
#include "cli/rollout_view.h"

namespace kanarya::cli {
namespace {

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime(absl::RFC3339_sec,
                          absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
                          absl::UTCTimeZone());
}

std::string Number(double value) { return absl::StrFormat("%.4g", value); }

std::string Mean(const google::protobuf::RepeatedField<double>& values) {
  if (values.empty()) return "-";
  double sum = 0;
  for (const double value : values) sum += value;
  std::string text = Number(sum / values.size());
  if (values.size() > 1) absl::StrAppend(&text, " (", values.size(), " series)");
  return text;
}

// "10/1000 vs 50/1000" for counts, "50.2 vs 51" for values (their mean, and
// how many when more than one), "-" without data.
std::string Observed(const v1::BacktestTick& tick, const std::string& metric) {
  const auto it = tick.observations().find(metric);
  if (it == tick.observations().end()) return "-";
  const v1::Observation& o = it->second;
  if (o.baseline_size() > 0 || o.canary_size() > 0) {
    return absl::StrCat(Mean(o.baseline()), " vs ", Mean(o.canary()));
  }
  return absl::StrCat(o.baseline_events(), "/", o.baseline_total(), " vs ", o.canary_events(), "/",
                      o.canary_total());
}

std::string State(v1::MetricState state) {
  const std::string name = v1::MetricState_Name(state);
  return absl::StartsWith(name, "METRIC_STATE_") ? name.substr(13) : name;
}

}  // namespace

std::string DecisionLine(const v1::BacktestReport& report) {
  const std::string at = FormatTime(report.outcome_time());
  switch (report.outcome()) {
    case v1::BACKTEST_OUTCOME_PROMOTED:
      return absl::StrCat("promoted at ", at);
    case v1::BACKTEST_OUTCOME_ROLLED_BACK:
      return absl::StrCat("rolled back at ", at,
                          report.metrics().empty()
                              ? ""
                              : absl::StrCat(" because ", absl::StrJoin(report.metrics(), ", ")),
                          ": ", report.reason());
    case v1::BACKTEST_OUTCOME_FAILED:
      return absl::StrCat("failed at ", at, ": ", report.reason());
    default:
      return absl::StrCat("still running at ", at, " (", PhaseName(report.phase()), ": ",
                          report.reason(), ")");
  }
}

void PrintBacktest(const v1::BacktestReport& report, std::ostream& out) {
  out << "Backtest of " << report.namespace_() << "/" << report.virtual_service() << " revision "
      << report.revision() << " from " << FormatTime(report.from_time()) << " to "
      << FormatTime(report.to_time()) << ", ticks of "
      << absl::FormatDuration(absl::Seconds(report.tick_interval().seconds()) +
                              absl::Nanoseconds(report.tick_interval().nanos()))
      << ", " << report.queries_sent() << " queries sent\n";
  out << "Note: " << report.note() << ".\n\n";

  Table ticks({"TIME", "STEP", "WEIGHT", "PHASE", "METRIC", "OBSERVED (BASELINE VS CANARY)",
               "STATE", "ESTIMATE", "CS-LOWER", "CS-UPPER", "P-VALUE", "EVIDENCE", "NOTE"});
  for (const v1::BacktestTick& tick : report.ticks()) {
    const std::string holding = absl::StrContains(tick.message(), "holding:")
                                    ? tick.message().substr(tick.message().find("holding:"))
                                    : "";
    bool first = true;
    for (const v1::SequentialMetricResult& metric : tick.metrics()) {
      ticks.AddRow(
          {first ? FormatTime(tick.time()) : "", first ? absl::StrCat(tick.step_index() + 1) : "",
           first ? absl::StrCat(tick.canary_weight()) : "", first ? PhaseName(tick.phase()) : "",
           metric.name(), Observed(tick, metric.name()), State(metric.state()),
           Number(metric.estimate()), Number(metric.cs_lower()), Number(metric.cs_upper()),
           Number(metric.p_value()), Number(metric.regression_evidence()), first ? holding : ""});
      first = false;
    }
  }
  ticks.Print(out);

  if (!report.ticks().empty()) {
    const v1::BacktestTick& last = *report.ticks().rbegin();
    std::ostringstream quantiles;
    PrintQuantiles(last.metrics(), quantiles);
    if (!quantiles.str().empty()) {
      out << "\nHistogram quantiles at " << FormatTime(last.time()) << ":\n" << quantiles.str();
    }
  }

  out << "\nEvents:\n";
  for (const v1::RolloutEvent& event : report.events()) out << EventLine(event) << "\n";
  out << "\nDecision: " << DecisionLine(report) << "\n";
}

}  // namespace kanarya::cli
