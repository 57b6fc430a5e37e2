#include "tests/e2e/kanaryad_world.h"

#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kanarya::e2e {

bool Terminal(v1::Phase phase) {
  return phase == v1::PHASE_SUCCEEDED || phase == v1::PHASE_ROLLED_BACK ||
         phase == v1::PHASE_ABORTED || phase == v1::PHASE_FAILED;
}

absl::StatusOr<std::unique_ptr<KanaryadWorld>> KanaryadWorld::Start(
    const KanaryadWorldOptions& options) {
  std::unique_ptr<KanaryadWorld> world(new KanaryadWorld());
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-e2e-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  world->directory_ = pattern;

  // promtool needs a sample to write a block; the series is never queried.
  const int64_t old = absl::ToUnixSeconds(absl::Now() - absl::Hours(3));
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> prometheus = lab::PrometheusServer::Start(
      absl::StrCat("# TYPE kanarya_e2e_seed gauge\nkanarya_e2e_seed 1 ", old, "\n# EOF\n"),
      options.scrape_target, options.scrape_interval);
  if (!prometheus.ok()) return prometheus.status();
  world->prometheus_ = *std::move(prometheus);

  const std::string& dir = world->directory_;
  std::ofstream(world->kubeconfig_path()) << options.kubeconfig;
  std::string config = absl::StrCat("providers:\n  prometheus: {type: prometheus, url: \"",
                                    world->prometheus_->url(), "\"}\n");
  if (!options.loki_url.empty()) {
    absl::StrAppend(&config, "  loki: {type: loki, url: \"", options.loki_url, "\"}\n");
  }
  absl::StrAppend(&config, "kubernetes:\n  kubeconfig: ", world->kubeconfig_path(),
                  "\n  request_timeout: 5s\n");
  std::ofstream(dir + "/kanaryad.yaml") << config;
  world->daemon_ = std::make_unique<KanaryadProcess>(options.kanaryad_binary, dir + "/data",
                                                     dir + "/kanaryad.yaml", dir + "/kanaryad.log");
  if (absl::Status started = world->daemon_->Start(absl::Seconds(30)); !started.ok()) {
    world->Keep();
    return started;
  }
  return world;
}

KanaryadWorld::~KanaryadWorld() {
  daemon_.reset();
  prometheus_.reset();
  if (keep_) {
    std::cerr << "kept " << directory_ << " (kanaryad.log, the store)\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

absl::Status KanaryadWorld::WaitForQueryValue(const std::string& query, const std::string& value,
                                              absl::Duration deadline) {
  httplib::Client client("127.0.0.1", prometheus_->port());
  client.set_read_timeout(5);
  const httplib::Params params = {{"query", query}};
  const absl::Time give_up = absl::Now() + deadline;
  std::string last;
  while (absl::Now() < give_up) {
    if (auto response = client.Get("/api/v1/query", params, httplib::Headers{});
        response && response->status == 200) {
      const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
      const nlohmann::json::json_pointer result("/data/result"), first("/data/result/0/value/1");
      if (!body.is_discarded() && body.contains(result) && body.at(result).size() == 1 &&
          body.contains(first) && body.at(first) == value) {
        return absl::OkStatus();
      }
      last = response->body;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(absl::StrCat("Prometheus did not answer ", value, " to ",
                                                  query, " in ", absl::FormatDuration(deadline),
                                                  "; last answer: ", last));
}

std::unique_ptr<v1::RolloutService::Stub> KanaryadWorld::Stub() const {
  return v1::RolloutService::NewStub(daemon_->channel());
}

absl::StatusOr<std::string> KanaryadWorld::Create(const v1::RolloutSpec& spec,
                                                  const std::string& reason) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::CreateRolloutRequest request;
  *request.mutable_spec() = spec;
  request.set_reason(reason);
  v1::CreateRolloutResponse response;
  const grpc::Status created = Stub()->CreateRollout(&context, request, &response);
  if (!created.ok()) {
    return absl::UnavailableError(absl::StrCat("CreateRollout of ", spec.target().virtual_service(),
                                               ": ", created.error_code(), " ",
                                               created.error_message()));
  }
  return response.rollout().name();
}

absl::StatusOr<v1::GetRolloutResponse> KanaryadWorld::Get(const std::string& name, int events) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::GetRolloutRequest request;
  request.set_name(name);
  request.set_event_limit(events);
  v1::GetRolloutResponse response;
  const grpc::Status status = Stub()->GetRollout(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return response;
}

absl::StatusOr<std::vector<v1::RolloutEvent>> KanaryadWorld::Events(const std::string& name) {
  absl::StatusOr<v1::GetRolloutResponse> got = Get(name, 1000);
  if (!got.ok()) return got.status();
  std::vector<v1::RolloutEvent> events(got->events().begin(), got->events().end());
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
  return events;
}

absl::StatusOr<std::vector<int>> KanaryadWorld::WeightChanges(const std::string& name) {
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = Events(name);
  if (!events.ok()) return events.status();
  std::vector<int> weights;
  for (const v1::RolloutEvent& e : *events) {
    if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) weights.push_back(e.canary_weight());
  }
  return weights;
}

absl::StatusOr<v1::Rollout> KanaryadWorld::WaitFor(
    const std::string& name, const std::function<bool(const v1::Rollout&)>& done,
    absl::Duration deadline) {
  const absl::Time give_up = absl::Now() + deadline;
  v1::Rollout last;
  while (true) {
    absl::StatusOr<v1::GetRolloutResponse> got = Get(name);
    if (got.ok()) {
      last = got->rollout();
      if (done(last)) return last;
    }
    if (absl::Now() >= give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          name, " after ", absl::FormatDuration(deadline), ": ",
          v1::Phase_Name(last.status().phase()), " at step ", last.status().step_index(),
          ", weight ", last.status().canary_weight(), ": ", last.status().reason()));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace kanarya::e2e
