#include "daemon/kube/event_recorder.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "daemon/http/http_status.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

constexpr absl::Duration kSeriesWindow = absl::Minutes(10);
constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxSeries = 4096;

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

ObjectRef EventsOf(const EventSubject& subject, const std::string& name = "") {
  return {"", "v1", "events", subject.namespace_name, name};
}

}  // namespace

EventRecorder::EventRecorder(KubeClient& client, std::string component, std::string instance)
    : client_(client), component_(std::move(component)), instance_(std::move(instance)) {}

void EventRecorder::Record(const EventSubject& subject, EventType type, const std::string& reason,
                           const std::string& message) {
  const std::string type_name = type == EventType::kWarning ? "Warning" : "Normal";
  const std::string text = http::Utf8Prefix(message, kMaxMessageBytes);
  const std::string key = absl::StrCat(subject.namespace_name, "/", subject.kind, "/", subject.name,
                                       "\n", type_name, "\n", reason, "\n", text);
  const absl::Time now = absl::Now();
  // The lock is held across the write so that repeats count in order.
  absl::MutexLock lock(&mutex_);
  auto it = series_.find(key);
  if (it != series_.end() && now - it->second.last_seen < kSeriesWindow) {
    Series& series = it->second;
    const absl::StatusOr<json> bumped =
        client_.MergePatch(EventsOf(subject, series.event_name),
                           {{"count", series.count + 1}, {"lastTimestamp", Timestamp(now)}});
    if (bumped.ok()) {
      ++series.count;
      series.last_seen = now;
      return;
    }
    // Expired or deleted: start a new event below.
    if (bumped.status().code() != absl::StatusCode::kNotFound) {
      ++failures_;
      return;
    }
  }
  if (series_.size() >= kMaxSeries) series_.clear();
  const std::string name =
      absl::StrFormat("%s.%x", subject.name, absl::ToUnixNanos(now));  // as client-go names them
  json involved = {{"apiVersion", subject.api_version},
                   {"kind", subject.kind},
                   {"namespace", subject.namespace_name},
                   {"name", subject.name}};
  if (!subject.uid.empty()) involved["uid"] = subject.uid;
  const json event = {{"apiVersion", "v1"},
                      {"kind", "Event"},
                      {"metadata", {{"name", name}, {"namespace", subject.namespace_name}}},
                      {"involvedObject", involved},
                      {"type", type_name},
                      {"reason", reason},
                      {"message", text},
                      {"source", {{"component", component_}, {"host", instance_}}},
                      {"reportingComponent", component_},
                      {"reportingInstance", instance_},
                      {"firstTimestamp", Timestamp(now)},
                      {"lastTimestamp", Timestamp(now)},
                      {"count", 1}};
  if (!client_.Create(EventsOf(subject), event).ok()) {
    ++failures_;
    return;
  }
  series_[key] = {name, 1, now};
}

int64_t EventRecorder::failures() const {
  absl::MutexLock lock(&mutex_);
  return failures_;
}

}  // namespace kanarya::kube
