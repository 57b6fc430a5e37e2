#include "tests/e2e/traffic_exporter.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::e2e {

TrafficExporter::TrafficExporter(std::map<std::string, Workload> workloads)
    : workloads_(std::move(workloads)) {
  server_.http().Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(Render(), "text/plain; version=0.0.4");
  });
  server_.Start();
}

std::string TrafficExporter::target() const {
  const std::string url = server_.url();
  return url.substr(url.find("127.0.0.1"));
}

std::string TrafficExporter::Render() const {
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  std::string text = "# TYPE istio_requests_total counter\n";
  for (const auto& [key, w] : workloads_) {
    const double requests = w.requests_per_second * seconds;
    const double errors = requests * w.error_ratio;
    for (const auto& [code, count] : {std::pair{"200", requests - errors}, {"500", errors}}) {
      absl::StrAppendFormat(&text,
                            "istio_requests_total{destination_workload_namespace=\"%s\","
                            "destination_workload=\"%s\",response_code=\"%s\"} %.3f\n",
                            w.namespace_name, w.name, code, count);
    }
  }
  return text;
}

}  // namespace kanarya::e2e
