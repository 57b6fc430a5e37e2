#include "cli/check_command.h"

#include <iostream>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/command_line.h"
#include "cli/configured_providers.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "cli/output_format.h"
#include "daemon/spec/query_scopes.h"
#include "daemon/spec/rollout_validation.h"
#include "daemon/spec/tick_queries.h"

namespace kanarya::cli {
namespace {

std::string Describe(const absl::StatusOr<metrics::QueryResult>& result) {
  if (!result.ok()) return absl::StrCat("error: ", result.status().message());
  if (result->series.empty()) return "no series";
  std::string text = absl::StrCat(result->series.size(), " series");
  if (!result->series[0].samples.empty()) {
    absl::StrAppend(&text, ", first value ",
                    absl::StrFormat("%.6g", result->series[0].samples.back().value));
  }
  return text;
}

std::string Describe(const spec::MetricTickResult& result) {
  if (!result.error.ok()) return absl::StrCat("error: ", result.error.message());
  if (!result.observation.has_value()) return "no data";
  const v1::Observation& o = *result.observation;
  if (o.baseline_size() > 0 || o.canary_size() > 0) {
    return absl::StrCat("baseline ", o.baseline_size(), " values, canary ", o.canary_size(),
                        " values");
  }
  return absl::StrCat("baseline ", o.baseline_events(), "/", o.baseline_total(), ", canary ",
                      o.canary_events(), "/", o.canary_total());
}

}  // namespace

int RunCheck(const std::string& spec_document,
             const std::map<std::string, metrics::MetricProvider*>& providers, absl::Time tick_end,
             std::ostream& out, std::ostream& err) {
  v1::RolloutSpec spec;
  if (absl::Status parsed = ParseDocument(spec_document, spec); !parsed.ok()) {
    err << "kanaryactl check: " << parsed.message() << "\n";
    return kExitUsage;
  }
  std::set<std::string> names;
  for (const auto& [name, provider] : providers) names.insert(name);
  if (names.empty()) names.insert("");  // no provider matches a real name
  if (absl::Status valid = spec::ValidateRolloutSpec(spec, names); !valid.ok()) {
    err << "kanaryactl check: " << valid.message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<spec::TickQueryPlan> plan = spec::TickQueryPlan::Make(spec);
  if (!plan.ok()) {
    err << "kanaryactl check: " << plan.status().message() << "\n";
    return kExitUsage;
  }

  const std::vector<spec::TickQuery> queries = plan->QueriesAt(tick_end);
  std::vector<absl::StatusOr<metrics::QueryResult>> results(queries.size(),
                                                            absl::InternalError("not run"));
  for (const auto& [name, provider] : providers) {
    std::vector<size_t> indices;
    std::vector<metrics::Query> batch;
    for (size_t i = 0; i < queries.size(); ++i) {
      if (queries[i].provider != name) continue;
      indices.push_back(i);
      batch.push_back(queries[i].query);
    }
    if (batch.empty()) continue;
    std::vector<absl::StatusOr<metrics::QueryResult>> answers = provider->Run(batch);
    for (size_t j = 0; j < indices.size() && j < answers.size(); ++j) {
      results[indices[j]] = std::move(answers[j]);
    }
  }

  const std::vector<spec::MetricTickResult> outcome = plan->Assemble(queries, results);
  out << "Tick ending " << absl::FormatTime(absl::RFC3339_sec, tick_end, absl::UTCTimeZone())
      << ", window " << absl::FormatDuration(plan->tick_interval()) << "\n\n";
  Table table({"METRIC", "SIDE", "QUERY", "PROVIDER", "RESULT", "EXPRESSION"});
  for (size_t i = 0; i < queries.size(); ++i) {
    const spec::TickQuery& q = queries[i];
    table.AddRow({spec.analysis().metrics(q.metric_index).name(), spec::SideName(q.side),
                  spec::QueryFieldName(q.role), q.provider, Describe(results[i]),
                  q.query.expression});
  }
  table.Print(out);
  out << "\n";
  bool all_data = true;
  Table summary({"METRIC", "THE ANALYSIS WOULD SEE"});
  for (size_t m = 0; m < outcome.size(); ++m) {
    all_data = all_data && outcome[m].error.ok() && outcome[m].observation.has_value();
    summary.AddRow({spec.analysis().metrics(static_cast<int>(m)).name(), Describe(outcome[m])});
  }
  summary.Print(out);
  return all_data ? kExitOk : kExitFailure;
}

void AddCheckCommand(CLI::App& app, int& exit_code) {
  CLI::App* check = app.add_subcommand(
      "check", "Dry run of one tick: validate a spec, run its queries for both scopes");
  auto file = std::make_shared<std::string>();
  auto config_path = std::make_shared<std::string>();
  check->add_option("-f,--file", *file, "RolloutSpec file, or - for standard input")->required();
  check->add_option("--config", *config_path, "kanaryad's configuration file (its providers)")
      ->required();
  check->callback([file, config_path, &exit_code] {
    exit_code = kExitUsage;
    absl::StatusOr<std::string> document = ReadInput(*file);
    if (!document.ok()) {
      std::cerr << "kanaryactl check: " << document.status().message() << "\n";
      return;
    }
    absl::StatusOr<ProviderMap> owned = LoadConfiguredProviders(*config_path);
    if (!owned.ok()) {
      std::cerr << "kanaryactl check: " << owned.status().message() << "\n";
      return;
    }
    exit_code = RunCheck(*document, Borrow(*owned), absl::Now(), std::cout, std::cerr);
  });
}

}  // namespace kanarya::cli
