#include "cli/action_commands.h"

#include <iostream>
#include <memory>

#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "cli/rollout_view.h"

namespace kanarya::cli {
namespace {

using Stub = v1::RolloutService::Stub;

template <typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  grpc::ClientContext* context, Request request, const std::string& name,
                  const ActionFlags& flags, v1::Rollout* rollout) {
  request.set_name(name);
  request.set_reason(flags.reason);
  Response response;
  grpc::Status status = (stub.*method)(context, request, &response);
  *rollout = response.rollout();
  return status;
}

grpc::Status Dispatch(Stub& stub, Action action, grpc::ClientContext* context,
                      const std::string& name, const ActionFlags& flags, v1::Rollout* rollout) {
  switch (action) {
    case Action::kPause:
      return Call(stub, &Stub::PauseRollout, context, v1::PauseRolloutRequest(), name, flags,
                  rollout);
    case Action::kResume:
      return Call(stub, &Stub::ResumeRollout, context, v1::ResumeRolloutRequest(), name, flags,
                  rollout);
    case Action::kPromote: {
      v1::PromoteRolloutRequest request;
      request.set_full(flags.full);
      return Call(stub, &Stub::PromoteRollout, context, request, name, flags, rollout);
    }
    case Action::kAbort:
      return Call(stub, &Stub::AbortRollout, context, v1::AbortRolloutRequest(), name, flags,
                  rollout);
    case Action::kApprove:
      return Call(stub, &Stub::ApproveRollout, context, v1::ApproveRolloutRequest(), name, flags,
                  rollout);
    case Action::kRetry:
      return Call(stub, &Stub::RetryRollout, context, v1::RetryRolloutRequest(), name, flags,
                  rollout);
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown action");
}

struct Verb {
  const char* name;
  Action action;
  const char* description;
};

constexpr Verb kVerbs[] = {
    {"pause", Action::kPause, "Hold the rollout at its current weight"},
    {"resume", Action::kResume, "Re-apply the stored weights and go on"},
    {"promote", Action::kPromote, "Advance to the next step now (--full: to the end)"},
    {"abort", Action::kAbort, "Roll back now; stays aborted until retried"},
    {"approve", Action::kApprove, "Approve the gate the rollout waits at"},
    {"retry", Action::kRetry, "Start a rolled-back or aborted rollout again"},
};

const Verb& VerbOf(Action action) {
  for (const Verb& verb : kVerbs) {
    if (verb.action == action) return verb;
  }
  return kVerbs[0];  // unreachable: every Action has a verb
}

}  // namespace

int RunAction(const ClientOptions& options, Action action, const std::string& name,
              const ActionFlags& flags, std::ostream& out, std::ostream& err) {
  v1::Rollout rollout;
  const grpc::Status status = Dispatch(
      *ConnectRolloutService(options), action,
      ContextWithDeadline(absl::Now() + options.request_timeout).get(), name, flags, &rollout);
  if (!status.ok()) return ReportRpcError(VerbOf(action).name, options, status, err);
  if (!PrintDocument(rollout, options.output, out)) {
    google::protobuf::RepeatedPtrField<v1::Rollout> one;
    *one.Add() = rollout;
    PrintRolloutTable(one, absl::Now(), out);
  }
  return kExitOk;
}

void AddActionCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  for (const Verb& verb : kVerbs) {
    CLI::App* command = app.add_subcommand(verb.name, verb.description);
    auto name = std::make_shared<std::string>();
    auto action_flags = std::make_shared<ActionFlags>();
    command->add_option("NAME", *name, "The rollout's name")->required();
    command->add_option("--reason", action_flags->reason, "Why, for the event log");
    if (verb.action == Action::kPromote) {
      command->add_flag("--full", action_flags->full,
                        "Skip the remaining steps and analysis: promote fully now");
    }
    const Action action = verb.action;
    command->callback([&flags, &exit_code, name, action_flags, action] {
      exit_code = WithClientOptions(flags, std::cerr, [&](const ClientOptions& options) {
        return RunAction(options, action, *name, *action_flags, std::cout, std::cerr);
      });
    });
  }
}

}  // namespace kanarya::cli
