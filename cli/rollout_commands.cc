#include "cli/rollout_commands.h"

#include <iostream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "cli/rollout_view.h"

namespace kanarya::cli {
namespace {

constexpr int kListPageSize = 500;
constexpr int kMaxListPages = 200;

void PrintRollout(const ClientOptions& options, const v1::Rollout& rollout, std::ostream& out) {
  if (PrintDocument(rollout, options.output, out)) return;
  google::protobuf::RepeatedPtrField<v1::Rollout> one;
  *one.Add() = rollout;
  PrintRolloutTable(one, absl::Now(), out);
}

}  // namespace

int RunApply(const ClientOptions& options, const std::string& document, const ApplyFlags& flags,
             std::ostream& out, std::ostream& err) {
  v1::CreateRolloutRequest request;
  if (absl::Status parsed = ParseDocument(document, *request.mutable_spec()); !parsed.ok()) {
    err << "kanaryactl apply: " << parsed.message() << "\n";
    return kExitUsage;
  }
  request.set_supersede(flags.supersede);
  request.set_reason(flags.reason);
  v1::CreateRolloutResponse response;
  const grpc::Status status = ConnectRolloutService(options)->CreateRollout(
      ContextWithDeadline(absl::Now() + options.request_timeout).get(), request, &response);
  if (!status.ok()) return ReportRpcError("apply", options, status, err);
  if (!response.created()) {
    err << "kanaryactl apply: revision " << response.rollout().spec().revision()
        << " is already rolling out as " << response.rollout().name() << "; unchanged\n";
  }
  PrintRollout(options, response.rollout(), out);
  return kExitOk;
}

int RunGet(const ClientOptions& options, const std::string& name, std::ostream& out,
           std::ostream& err) {
  v1::GetRolloutRequest request;
  request.set_name(name);
  v1::GetRolloutResponse response;
  const grpc::Status status = ConnectRolloutService(options)->GetRollout(
      ContextWithDeadline(absl::Now() + options.request_timeout).get(), request, &response);
  if (!status.ok()) return ReportRpcError("get", options, status, err);
  PrintRollout(options, response.rollout(), out);
  return kExitOk;
}

int RunList(const ClientOptions& options, const ListFlags& flags, std::ostream& out,
            std::ostream& err) {
  v1::ListRolloutsRequest request;
  request.set_namespace_(flags.namespace_name);
  request.set_virtual_service(flags.virtual_service);
  request.set_page_size(kListPageSize);
  for (const std::string& name : flags.phases) {
    const std::string upper = absl::AsciiStrToUpper(name);
    v1::Phase phase;
    if (!v1::Phase_Parse(absl::StartsWith(upper, "PHASE_") ? upper : absl::StrCat("PHASE_", upper),
                         &phase) ||
        phase == v1::PHASE_UNSPECIFIED) {
      err << "kanaryactl list: --phase: unknown phase \"" << name << "\"\n";
      return kExitUsage;
    }
    request.add_phases(phase);
  }
  auto stub = ConnectRolloutService(options);
  v1::ListRolloutsResponse all;
  for (int page = 0; page < kMaxListPages; ++page) {
    v1::ListRolloutsResponse response;
    const grpc::Status status = stub->ListRollouts(
        ContextWithDeadline(absl::Now() + options.request_timeout).get(), request, &response);
    if (!status.ok()) return ReportRpcError("list", options, status, err);
    all.mutable_rollouts()->MergeFrom(response.rollouts());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  if (!PrintDocument(all, options.output, out)) PrintRolloutTable(all.rollouts(), absl::Now(), out);
  return kExitOk;
}

int RunDescribe(const ClientOptions& options, const std::string& name, int event_limit,
                std::ostream& out, std::ostream& err) {
  v1::GetRolloutRequest request;
  request.set_name(name);
  request.set_event_limit(event_limit);
  v1::GetRolloutResponse response;
  const grpc::Status status = ConnectRolloutService(options)->GetRollout(
      ContextWithDeadline(absl::Now() + options.request_timeout).get(), request, &response);
  if (!status.ok()) return ReportRpcError("describe", options, status, err);
  if (!PrintDocument(response, options.output, out)) PrintDescription(response, absl::Now(), out);
  return kExitOk;
}

void AddRolloutCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto run = [&flags, &exit_code](const std::function<int(const ClientOptions&)>& verb) {
    exit_code = WithClientOptions(flags, std::cerr, verb);
  };

  CLI::App* apply = app.add_subcommand("apply", "Start a rollout from a RolloutSpec (YAML/JSON)");
  auto file = std::make_shared<std::string>();
  auto apply_flags = std::make_shared<ApplyFlags>();
  apply->add_option("-f,--file", *file, "Spec file, or - for standard input")->required();
  apply->add_flag("--supersede", apply_flags->supersede,
                  "Roll back the target's active rollout of another revision first");
  apply->add_option("--reason", apply_flags->reason, "Why, for the event log");
  apply->callback([run, file, apply_flags, &exit_code] {
    absl::StatusOr<std::string> document = ReadInput(*file);
    if (!document.ok()) {
      std::cerr << "kanaryactl apply: " << document.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    run([&](const ClientOptions& options) {
      return RunApply(options, *document, *apply_flags, std::cout, std::cerr);
    });
  });

  CLI::App* get = app.add_subcommand("get", "Show one rollout");
  auto get_name = std::make_shared<std::string>();
  get->add_option("NAME", *get_name, "The rollout's name")->required();
  get->callback([run, get_name] {
    run([&](const ClientOptions& options) {
      return RunGet(options, *get_name, std::cout, std::cerr);
    });
  });

  CLI::App* list = app.add_subcommand("list", "List rollouts");
  auto list_flags = std::make_shared<ListFlags>();
  list->add_option("--namespace", list_flags->namespace_name, "Only this namespace");
  list->add_option("--virtual_service", list_flags->virtual_service, "Only this VirtualService");
  list->add_option("--phase", list_flags->phases, "Only these phases (repeatable)");
  list->callback([run, list_flags] {
    run([&](const ClientOptions& options) {
      return RunList(options, *list_flags, std::cout, std::cerr);
    });
  });

  CLI::App* describe =
      app.add_subcommand("describe", "A rollout, every metric's statistics per tick, its events");
  auto describe_name = std::make_shared<std::string>();
  auto events = std::make_shared<int>(1000);
  describe->add_option("NAME", *describe_name, "The rollout's name")->required();
  describe->add_option("--events", *events, "Newest events to show")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  describe->callback([run, describe_name, events] {
    run([&](const ClientOptions& options) {
      return RunDescribe(options, *describe_name, *events, std::cout, std::cerr);
    });
  });
}

}  // namespace kanarya::cli
