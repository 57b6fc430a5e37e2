#include "tests/lab/lab_services.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;

// Walks the document, collecting every problem with its field path.
class Reader {
 public:
  // False when `node` is not a mapping; unknown keys are problems.
  bool Mapping(const YAML::Node& node, const std::string& path,
               const std::set<std::string>& known) {
    if (!node.IsMap()) {
      Problem(path, "must be a mapping");
      return false;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (!known.contains(key)) Problem(absl::StrCat(path, ".", key), "unknown field");
    }
    return true;
  }

  // A scalar; "" when absent, which is a problem when `required`.
  std::string String(const YAML::Node& map, const std::string& path, const std::string& key,
                     bool required) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) Problem(absl::StrCat(path, ".", key), "required");
      return "";
    }
    if (!node.IsScalar()) {
      Problem(absl::StrCat(path, ".", key), "must be a string");
      return "";
    }
    return node.Scalar();
  }

  // A finite number in [min, max] (max included unless `open_max`); `fallback`
  // when absent and not `required`.
  double Number(const YAML::Node& map, const std::string& path, const std::string& key, double min,
                double max, bool required, double fallback = 0) {
    const std::string text = String(map, path, key, required);
    if (text.empty()) return fallback;
    double value = 0;
    if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < min || value > max) {
      Problem(absl::StrCat(path, ".", key),
              absl::StrCat("must be a number from ", min, " to ", max, ", got \"", text, "\""));
      return fallback;
    }
    return value;
  }

  void Problem(const std::string& path, const std::string& reason) {
    problems_.push_back(absl::StrCat(path, ": ", reason));
  }

  absl::Status Result() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

 private:
  std::vector<std::string> problems_;
};

// Kubernetes names: DNS labels (lowercase alphanumerics and '-', 1-63).
bool IsDnsLabel(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

WorkloadVersion ReadVersion(Reader& reader, const YAML::Node& node, const std::string& path) {
  WorkloadVersion version;
  if (!reader.Mapping(node, path,
                      {"version", "error_rate", "latency_median_ms", "latency_sigma"})) {
    return version;
  }
  version.version = reader.String(node, path, "version", true);
  if (!version.version.empty() && !IsDnsLabel(version.version)) {
    reader.Problem(path + ".version", "must be lowercase letters, digits and '-'");
  }
  version.error_rate = reader.Number(node, path, "error_rate", 0, 1, false);
  version.latency_median_ms = reader.Number(node, path, "latency_median_ms", 0.001, 1e6, true);
  version.latency_sigma = reader.Number(node, path, "latency_sigma", 0, 3, false);
  return version;
}

LabService ReadService(Reader& reader, const YAML::Node& node, const std::string& path) {
  LabService service;
  if (!reader.Mapping(
          node, path,
          {"name", "namespace", "requests_per_second", "source", "subsets", "versions"})) {
    return service;
  }
  service.name = reader.String(node, path, "name", true);
  if (!service.name.empty() && !IsDnsLabel(service.name)) {
    reader.Problem(path + ".name", "must be lowercase letters, digits and '-'");
  }
  service.namespace_name = reader.String(node, path, "namespace", false);
  if (service.namespace_name.empty()) service.namespace_name = service.name;
  service.requests_per_second = reader.Number(node, path, "requests_per_second", 0, 100000, true);
  if (const YAML::Node source = node["source"]; source.IsDefined()) {
    const std::string source_path = path + ".source";
    if (reader.Mapping(source, source_path, {"workload", "namespace"})) {
      service.source_workload = reader.String(source, source_path, "workload", true);
      service.source_namespace = reader.String(source, source_path, "namespace", true);
    }
  }
  const std::string subsets_path = path + ".subsets";
  if (reader.Mapping(node["subsets"], subsets_path, {"stable", "canary"})) {
    service.stable_version = reader.String(node["subsets"], subsets_path, "stable", true);
    service.canary_version = reader.String(node["subsets"], subsets_path, "canary", true);
  }
  const YAML::Node versions = node["versions"];
  if (!versions.IsSequence() || versions.size() == 0) {
    reader.Problem(path + ".versions", "must be a non-empty list");
    return service;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < versions.size(); ++i) {
    const std::string version_path = absl::StrCat(path, ".versions[", i, "]");
    service.versions.push_back(ReadVersion(reader, versions[i], version_path));
    const std::string& name = service.versions.back().version;
    if (!name.empty() && !seen.insert(name).second) {
      reader.Problem(version_path + ".version", absl::StrCat("\"", name, "\" is listed twice"));
    }
  }
  for (const auto& [subset, version] :
       {std::pair{"stable", service.stable_version}, {"canary", service.canary_version}}) {
    if (!version.empty() && !seen.contains(version)) {
      reader.Problem(absl::StrCat(subsets_path, ".", subset),
                     absl::StrCat("\"", version, "\" is not one of the versions"));
    }
  }
  return service;
}

absl::StatusOr<std::vector<LabService>> ReadServices(const YAML::Node& root) {
  Reader reader;
  std::vector<LabService> services;
  if (!reader.Mapping(root, "(document)", {"services"})) return reader.Result();
  const YAML::Node list = root["services"];
  if (!list.IsSequence() || list.size() == 0) {
    reader.Problem("services", "must be a non-empty list");
    return reader.Result();
  }
  std::set<std::string> seen;  // names: faults and the traffic address services by name
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = absl::StrCat("services[", i, "]");
    services.push_back(ReadService(reader, list[i], path));
    const LabService& s = services.back();
    if (!s.name.empty() && !seen.insert(s.name).second) {
      reader.Problem(path + ".name", absl::StrCat("\"", s.name, "\" is listed twice"));
    }
  }
  if (absl::Status status = reader.Result(); !status.ok()) return status;
  return services;
}

}  // namespace

std::string LabService::host() const {
  return absl::StrCat(name, ".", namespace_name, ".svc.cluster.local");
}

std::string LabService::workload(const std::string& version) const {
  return absl::StrCat(name, "-", version);
}

const WorkloadVersion* LabService::Find(const std::string& version) const {
  for (const WorkloadVersion& v : versions) {
    if (v.version == version) return &v;
  }
  return nullptr;
}

absl::StatusOr<std::vector<LabService>> ParseLabServices(const std::string& yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
    return ReadServices(root);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

absl::StatusOr<std::vector<LabService>> LoadLabServices(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<LabService>> services = ParseLabServices(text.str());
  if (!services.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", services.status().message()));
  }
  return services;
}

json VirtualServiceObject(const LabService& service) {
  const auto destination = [&](const char* subset, int weight) {
    return json{{"destination", {{"host", service.host()}, {"subset", subset}}},
                {"weight", weight}};
  };
  return {{"apiVersion", "networking.istio.io/v1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", service.name}, {"namespace", service.namespace_name}}},
          {"spec",
           {{"hosts", {service.host()}},
            {"http",
             {{{"name", "primary"},
               {"route", {destination("stable", 100), destination("canary", 0)}}}}}}}};
}

json DestinationRuleObject(const LabService& service) {
  const auto subset = [&](const char* name, const std::string& version) {
    return json{{"name", name}, {"labels", {{"app", service.name}, {"version", version}}}};
  };
  return {
      {"apiVersion", "networking.istio.io/v1"},
      {"kind", "DestinationRule"},
      {"metadata", {{"name", service.name}, {"namespace", service.namespace_name}}},
      {"spec",
       {{"host", service.host()},
        {"subsets",
         {subset("stable", service.stable_version), subset("canary", service.canary_version)}}}}};
}

}  // namespace kanarya::lab
