#include "cli/watch_commands.h"

#include <unistd.h>

#include <deque>
#include <functional>
#include <iostream>
#include <memory>

#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "cli/rollout_view.h"

namespace kanarya::cli {
namespace {

// A broken stream is retried this often, until the deadline.
constexpr absl::Duration kReconnectDelay = absl::Seconds(1);
// Events kept on the redrawn terminal view.
constexpr size_t kLiveEvents = 20;

bool IsFinal(v1::Phase phase) {
  return phase == v1::PHASE_SUCCEEDED || phase == v1::PHASE_ROLLED_BACK ||
         phase == v1::PHASE_ABORTED || phase == v1::PHASE_FAILED;
}

struct FollowResult {
  grpc::Status status;     // of the last stream
  bool connected = false;  // some stream delivered a message
  v1::Rollout rollout;     // the newest state seen
};

// Streams the rollout's events to `on_message` until the rollout is final,
// the deadline passes, or a stream fails other than by the daemon going
// away after it was reached.
FollowResult Follow(const ClientOptions& options, const std::string& name, int64_t after_sequence,
                    absl::Time deadline,
                    const std::function<void(const v1::WatchRolloutResponse&)>& on_message) {
  FollowResult result;
  auto stub = ConnectRolloutService(options);
  for (;;) {
    v1::WatchRolloutRequest request;
    request.set_name(name);
    request.set_after_sequence(after_sequence);
    auto context = ContextWithDeadline(deadline);
    auto stream = stub->WatchRollout(context.get(), request);
    v1::WatchRolloutResponse message;
    while (stream->Read(&message)) {
      result.connected = true;
      if (message.has_rollout()) result.rollout = message.rollout();
      if (message.has_event()) after_sequence = message.event().sequence();
      if (after_sequence == 0) after_sequence = message.rollout().status().event_sequence();
      on_message(message);
    }
    result.status = stream->Finish();
    const bool daemon_went_away = result.status.error_code() == grpc::StatusCode::UNAVAILABLE;
    if (result.status.ok() || IsFinal(result.rollout.status().phase()) || !result.connected ||
        !daemon_went_away || absl::Now() + kReconnectDelay >= deadline) {
      return result;
    }
    absl::SleepFor(kReconnectDelay);
  }
}

}  // namespace

int RunWatch(const ClientOptions& options, const std::string& name, int64_t after_sequence,
             bool live_view, std::ostream& out, std::ostream& err) {
  std::deque<std::string> recent;
  v1::Rollout state;
  auto on_message = [&](const v1::WatchRolloutResponse& message) {
    if (PrintDocument(message, options.output, out)) {
      out.flush();
      return;
    }
    if (message.has_rollout()) state = message.rollout();
    if (!live_view) {
      out << (message.has_event()
                  ? EventLine(message.event())
                  : "state: " + PhaseName(message.rollout().status().phase()) + " weight " +
                        std::to_string(message.rollout().status().canary_weight()))
          << std::endl;
      return;
    }
    if (message.has_event()) {
      recent.push_back(EventLine(message.event()));
      if (recent.size() > kLiveEvents) recent.pop_front();
    }
    google::protobuf::RepeatedPtrField<v1::Rollout> one;
    *one.Add() = state;
    out << "\033[H\033[2J";  // home, clear screen
    PrintRolloutTable(one, absl::Now(), out);
    out << "\n";
    for (const std::string& line : recent) out << line << "\n";
    out.flush();
  };
  const FollowResult result =
      Follow(options, name, after_sequence, absl::InfiniteFuture(), on_message);
  if (!result.status.ok()) return ReportRpcError("watch", options, result.status, err);
  return kExitOk;
}

int RunWait(const ClientOptions& options, const std::string& name, absl::Duration timeout,
            std::ostream& out, std::ostream& err) {
  v1::Phase phase = v1::PHASE_UNSPECIFIED;
  const FollowResult result =
      Follow(options, name, 0, absl::Now() + timeout, [&](const v1::WatchRolloutResponse& message) {
        if (!message.has_rollout() || message.rollout().status().phase() == phase) return;
        phase = message.rollout().status().phase();
        err << name << ": " << PhaseName(phase) << " weight "
            << message.rollout().status().canary_weight() << "\n";
      });
  const v1::Phase final_phase = result.rollout.status().phase();
  if (IsFinal(final_phase)) {
    if (!PrintDocument(result.rollout, options.output, out)) {
      out << name << " " << PhaseName(final_phase)
          << (result.rollout.status().reason().empty() ? "" : ": ")
          << result.rollout.status().reason() << "\n";
    }
    return final_phase == v1::PHASE_SUCCEEDED ? kExitOk : kExitFailure;
  }
  // A daemon that stopped answering is reported as unreachable, not as slow.
  if (result.connected && result.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    err << "kanaryactl wait: timed out after " << absl::FormatDuration(timeout) << "; " << name
        << " is " << PhaseName(final_phase) << "\n";
    return kExitTimeout;
  }
  return ReportRpcError("wait", options, result.status, err);
}

void AddWatchCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  CLI::App* watch = app.add_subcommand("watch", "Follow a rollout's events as they happen");
  auto watch_name = std::make_shared<std::string>();
  auto after = std::make_shared<int64_t>(0);
  watch->add_option("NAME", *watch_name, "The rollout's name")->required();
  watch->add_option("--after", *after, "Resume after this event sequence number")
      ->check(CLI::NonNegativeNumber);
  watch->callback([&flags, &exit_code, watch_name, after] {
    exit_code = WithClientOptions(flags, std::cerr, [&](const ClientOptions& options) {
      return RunWatch(options, *watch_name, *after, isatty(STDOUT_FILENO) == 1, std::cout,
                      std::cerr);
    });
  });

  CLI::App* wait = app.add_subcommand(
      "wait",
      "Block until a rollout finishes: exit 0 succeeded, 1 rolled back/aborted/failed, "
      "3 timeout, 4 daemon unreachable");
  auto wait_name = std::make_shared<std::string>();
  auto timeout = std::make_shared<std::string>("10m");
  wait->add_option("NAME", *wait_name, "The rollout's name")->required();
  wait->add_option("--timeout", *timeout, "How long to wait, e.g. 10m")->capture_default_str();
  wait->callback([&flags, &exit_code, wait_name, timeout] {
    absl::Duration duration;
    if (!absl::ParseDuration(*timeout, &duration) || duration <= absl::ZeroDuration()) {
      std::cerr << "kanaryactl wait: --timeout: must be a positive duration such as 10m, got \""
                << *timeout << "\"\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = WithClientOptions(flags, std::cerr, [&](const ClientOptions& options) {
      return RunWait(options, *wait_name, duration, std::cout, std::cerr);
    });
  });
}

}  // namespace kanarya::cli
