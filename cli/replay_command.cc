#include "cli/replay_command.h"

#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/backtest_view.h"
#include "cli/command_line.h"
#include "cli/configured_providers.h"
#include "cli/document_commands.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "daemon/backtest/backtest.h"

namespace kanarya::cli {
namespace {

absl::Time WholeSeconds(absl::Time time) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(time));
}

// "1d12h" and the like: days, then an absl duration; false when malformed.
bool ParseAgo(absl::string_view text, absl::Duration* ago) {
  *ago = absl::ZeroDuration();
  if (const size_t d = text.find('d'); d != absl::string_view::npos) {
    int64_t days = 0;
    if (!absl::SimpleAtoi(text.substr(0, d), &days) || days < 0 || days > 100'000) return false;
    *ago += days * absl::Hours(24);
    text.remove_prefix(d + 1);
    if (text.empty()) return true;
  }
  absl::Duration rest;
  if (!absl::ParseDuration(text, &rest) || rest < absl::ZeroDuration() ||
      rest == absl::InfiniteDuration()) {
    return false;
  }
  *ago += rest;
  return true;
}

int ExitCodeOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnreachable;
    default:
      return kExitFailure;
  }
}

}  // namespace

absl::StatusOr<absl::Time> ParseTimeFlag(const std::string& flag, const std::string& text,
                                         absl::Time now) {
  absl::string_view rest = text;
  const bool relative = absl::ConsumePrefix(&rest, "now");
  if (relative && rest.empty()) return WholeSeconds(now);
  absl::Duration ago;
  if (absl::ConsumePrefix(&rest, "-") && ParseAgo(rest, &ago)) return WholeSeconds(now - ago);
  absl::Time time;
  std::string ignored;
  if (!relative && absl::ParseTime(absl::RFC3339_full, text, &time, &ignored)) {
    return WholeSeconds(time);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": must be now, a time ago such as -2h, -90m or -1d12h, or RFC 3339 ",
                   "such as 2026-11-24T09:00:00Z; got \"", text, "\""));
}

int RunBacktestCommand(const std::string& spec_document, const BacktestFlags& flags,
                       const std::map<std::string, metrics::MetricProvider*>& providers,
                       absl::Time now, std::ostream& out, std::ostream& err) {
  v1::RolloutSpec spec;
  if (absl::Status parsed = ParseDocument(spec_document, spec); !parsed.ok()) {
    err << "kanaryactl replay: --spec: " << parsed.message() << "\n";
    return kExitUsage;
  }
  const absl::StatusOr<absl::Time> from = ParseTimeFlag("--from", flags.from, now);
  const absl::StatusOr<absl::Time> to = ParseTimeFlag("--to", flags.to, now);
  for (const absl::Status& status : {from.status(), to.status()}) {
    if (!status.ok()) {
      err << "kanaryactl replay: " << status.message() << "\n";
      return kExitUsage;
    }
  }
  const backtest::BacktestOptions options{
      .from = *from, .to = *to, .now = now, .approve_gates = flags.approve_gates};
  absl::StatusOr<v1::BacktestReport> report = backtest::RunBacktest(spec, providers, options);
  if (!report.ok()) {
    err << "kanaryactl replay: " << report.status().message() << "\n";
    return ExitCodeOf(report.status());
  }
  if (!PrintDocument(*report, flags.output, out)) PrintBacktest(*report, out);
  return kExitOk;
}

void AddReplayCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Backtest: a recorded timeline through the analysis (-f), or a rollout spec over the "
      "providers' history (--spec SPEC --from T1 --to T2 --config FILE)");
  auto file = std::make_shared<std::string>();
  auto spec = std::make_shared<std::string>();
  auto config_path = std::make_shared<std::string>();
  auto backtest = std::make_shared<BacktestFlags>();
  replay->add_option("-f,--file", *file,
                     "ReplayRequest (a recorded timeline; JSON or YAML), or - for standard input");
  replay->add_option("--spec", *spec, "RolloutSpec to backtest, or - for standard input");
  CLI::Option* from = replay->add_option(
      "--from", backtest->from, "Backtest start: RFC 3339, now, or a time ago such as -2h or -1d");
  CLI::Option* to = replay->add_option("--to", backtest->to, "Backtest end, in the same forms")
                        ->capture_default_str();
  CLI::Option* config = replay->add_option(
      "--config", *config_path, "kanaryad's configuration file (its providers), with --spec");
  CLI::Option* approve = replay->add_flag(
      "--approve_gates", backtest->approve_gates,
      "With --spec: approve each manual gate when it is reached (otherwise it waits)");
  replay->callback([=, &flags, &exit_code] {
    exit_code = kExitUsage;
    if (file->empty() == spec->empty()) {
      std::cerr << "kanaryactl replay: give either -f TIMELINE (a recorded timeline) or --spec "
                   "SPEC --from T1 (a backtest of a rollout spec)\n";
      return;
    }
    if (!file->empty()) {
      if (from->count() + to->count() + config->count() + approve->count() > 0) {
        std::cerr << "kanaryactl replay: --from, --to, --config and --approve_gates go with "
                     "--spec, not with -f\n";
        return;
      }
      absl::StatusOr<std::string> document = ReadInput(*file);
      if (!document.ok()) {
        std::cerr << "kanaryactl replay: " << document.status().message() << "\n";
        return;
      }
      exit_code = RunReplay(*document, std::cout, std::cerr);
      return;
    }
    if (backtest->from.empty()) {
      std::cerr << "kanaryactl replay: --from: required with --spec\n";
      return;
    }
    if (config_path->empty()) {
      std::cerr << "kanaryactl replay: --config: required with --spec (kanaryad's "
                   "configuration file, for its providers)\n";
      return;
    }
    absl::StatusOr<std::string> document = ReadInput(*spec);
    if (!document.ok()) {
      std::cerr << "kanaryactl replay: --spec: " << document.status().message() << "\n";
      return;
    }
    absl::StatusOr<ProviderMap> providers = LoadConfiguredProviders(*config_path);
    if (!providers.ok()) {
      std::cerr << "kanaryactl replay: " << providers.status().message() << "\n";
      return;
    }
    BacktestFlags resolved = *backtest;
    resolved.output = ParseOutputFormat(flags.output);
    exit_code = RunBacktestCommand(*document, resolved, Borrow(*providers), absl::Now(), std::cout,
                                   std::cerr);
  });
}

}  // namespace kanarya::cli
