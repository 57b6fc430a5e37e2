#include "tests/lab/kube_api_emulator.h"

#include <httplib.h>

#include <chrono>
#include <functional>
#include <optional>
#include <regex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;

struct ResourceType {
  std::string group;  // "" for the core group
  std::vector<std::string> versions;
  std::string resource;
  std::string kind;
};

using Types = std::vector<ResourceType>;

Types ServedTypes(const std::vector<std::string>& istio_versions) {
  return {{"", {"v1"}, "events", "Event"},
          {"networking.istio.io", istio_versions, "virtualservices", "VirtualService"},
          {"networking.istio.io", istio_versions, "destinationrules", "DestinationRule"},
          {"coordination.k8s.io", {"v1"}, "leases", "Lease"}};
}

std::optional<ResourceType> FindType(const Types& types, const std::string& group,
                                     const std::string& version, const std::string& resource) {
  for (const ResourceType& t : types) {
    if (t.group != group || t.resource != resource) continue;
    for (const std::string& v : t.versions) {
      if (v == version) return t;
    }
  }
  return std::nullopt;
}

std::string ApiVersion(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

// "virtualservices.networking.istio.io", or "events" for the core group.
std::string Qualified(const ResourceType& t) {
  return t.group.empty() ? t.resource : t.resource + "." + t.group;
}

void Send(httplib::Response& response, int code, const json& body) {
  response.status = code;
  response.set_content(body.dump(), "application/json");
}

// A metav1.Status failure, as the API server sends for every error.
void Fail(httplib::Response& response, int code, const std::string& reason,
          const std::string& message, const json& details = json::object()) {
  Send(response, code,
       {{"kind", "Status"},
        {"apiVersion", "v1"},
        {"metadata", json::object()},
        {"status", "Failure"},
        {"message", message},
        {"reason", reason},
        {"details", details},
        {"code", code}});
}

// A validation failure as kube-apiserver reports it (apimachinery's
// NewInvalid): 422 Invalid, the message naming the object and the field, and
// the field in details.causes (clients such as kubectl print the causes).
void Invalid(httplib::Response& response, const std::string& kind, const std::string& group,
             const std::string& name, const std::string& field, const std::string& cause_reason,
             const std::string& detail) {
  json details = {
      {"name", name},
      {"kind", kind},
      {"causes", json::array({{{"reason", cause_reason}, {"message", detail}, {"field", field}}})}};
  if (!group.empty()) details["group"] = group;
  Fail(response, 422, "Invalid",
       absl::StrCat(kind, group.empty() ? "" : ".", group, " \"", name, "\" is invalid: ", field,
                    ": ", detail),
       details);
}

json ResourceList(const Types& types, const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const ResourceType& t : types) {
    if (t.group != group) continue;
    bool served = false;
    for (const std::string& v : t.versions) served = served || v == version;
    if (!served) continue;
    resources.push_back(
        {{"name", t.resource},
         {"singularName", ""},
         {"namespaced", true},
         {"kind", t.kind},
         {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}});
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", ApiVersion(group, version)},
          {"resources", resources}};
}

// The APIGroup a group's discovery document describes, or null when the
// group is not served.
json Group(const Types& types, const std::string& group) {
  json versions = json::array();
  for (const ResourceType& t : types) {
    if (t.group != group) continue;
    for (const std::string& v : t.versions) {
      json entry = {{"groupVersion", ApiVersion(group, v)}, {"version", v}};
      if (std::find(versions.begin(), versions.end(), entry) == versions.end()) {
        versions.push_back(entry);
      }
    }
  }
  if (versions.empty()) return json();
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions[0]}};
}

json GroupList(const Types& types) {
  json groups = json::array();
  for (const std::string group : {"networking.istio.io", "coordination.k8s.io"}) {
    if (json g = Group(types, group); !g.is_null()) groups.push_back(g);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::string BearerToken(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  return header.rfind("Bearer ", 0) == 0 ? header.substr(7) : "";
}

// The subject CN of the client's verified certificate, or "" without one.
std::string CertificateCommonName(const httplib::Request& request) {
  if (request.ssl == nullptr || SSL_get_verify_result(request.ssl) != X509_V_OK) return "";
  const X509* peer = SSL_get0_peer_certificate(request.ssl);
  if (peer == nullptr) return "";
  char name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name)) <
      0) {
    return "";
  }
  return name;
}

}  // namespace

KubeApiEmulator::KubeApiEmulator(int port) { Serve(port); }

KubeApiEmulator::KubeApiEmulator(const std::string& tls_certificate, const std::string& tls_key,
                                 const std::string& client_ca, int port)
    : server_(tls_certificate, tls_key, client_ca) {
  Serve(port);
}

KubeApiEmulator::~KubeApiEmulator() {
  absl::MutexLock lock(&mutex_);
  stopping_ = true;
  partition_changed_.SignalAll();
}

void KubeApiEmulator::Serve(int port) {
  // Faults first: a cut-off client waits for an answer that does not come;
  // injected failures answer in place of the server.
  server_.http().set_pre_routing_handler([this](const httplib::Request& rq, httplib::Response& rs) {
    const std::string token = BearerToken(rq);
    absl::MutexLock lock(&mutex_);
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (!stopping_ && cut_off_.contains(token) && absl::Now() < give_up) {
      partition_changed_.WaitWithDeadline(&mutex_, give_up);
    }
    if (cut_off_.contains(token)) {
      Fail(rs, 503, "ServiceUnavailable", "the client is cut off");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (failures_left_ > 0) {
      --failures_left_;
      Fail(rs, failure_status_, failure_status_ == 500 ? "InternalError" : "ServiceUnavailable",
           "an injected failure");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.http().set_post_routing_handler([this](const httplib::Request& rq, httplib::Response&) {
    if (rq.method == "GET") return;
    absl::Duration delay;
    {
      absl::MutexLock lock(&mutex_);
      if (delays_left_ == 0) return;
      --delays_left_;
      delay = answer_delay_;
    }
    absl::SleepFor(delay);
  });

  // Every request proves who it is: a bearer token or a client certificate.
  const auto authorize = [this](const httplib::Request& request, httplib::Response& response,
                                bool write) {
    const std::string cn = CertificateCommonName(request);
    const std::string user = cn.empty() ? "token:" + BearerToken(request) : "cn:" + cn;
    absl::MutexLock lock(&mutex_);
    const auto it = users_.find(user);
    if (it == users_.end()) {
      Fail(response, 401, "Unauthorized", "Unauthorized");
      return false;
    }
    if (write && !it->second) {
      Fail(response, 403, "Forbidden", "forbidden: this token may not write");
      return false;
    }
    return true;
  };

  server_.http().Get("/api", [this, authorize](const httplib::Request& rq, httplib::Response& rs) {
    if (!authorize(rq, rs, false)) return;
    Send(rs, 200,
         {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"},
             {"serverAddress", url().substr(url().find("://") + 3)}}}}});
  });
  // Discovery. The served Istio versions can change while the server runs.
  const auto discovery = [this, authorize](const std::function<json(const Types&)>& document) {
    return [this, authorize, document](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorize(rq, rs, false)) return;
      const json body = document(ServedTypes(istio_versions()));
      if (body.is_null()) {
        Fail(rs, 404, "NotFound", "the server could not find the requested resource");
      } else {
        Send(rs, 200, body);
      }
    };
  };
  server_.http().Get("/apis", discovery(GroupList));
  server_.http().Get("/api/v1",
                     discovery([](const Types& types) { return ResourceList(types, "", "v1"); }));
  server_.http().Get(R"(/apis/([^/]+))",
                     [discovery](const httplib::Request& rq, httplib::Response& rs) {
                       discovery([&](const Types& types) {
                         json group = Group(types, rq.matches[1]);
                         if (!group.is_null()) {
                           group.update({{"kind", "APIGroup"}, {"apiVersion", "v1"}});
                         }
                         return group;
                       })(rq, rs);
                     });
  server_.http().Get(R"(/apis/([^/]+)/([^/]+))",
                     [discovery](const httplib::Request& rq, httplib::Response& rs) {
                       discovery([&](const Types& types) {
                         json list = ResourceList(types, rq.matches[1], rq.matches[2]);
                         return list["resources"].empty() ? json() : list;
                       })(rq, rs);
                     });

  // Namespaced objects: /api/v1/namespaces/NS/RESOURCE[/NAME] and
  // /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME].
  const auto objects = [this, authorize](const httplib::Request& rq, httplib::Response& rs) {
    static const std::regex path(
        R"(^/(?:api/(v1)|apis/([^/]+)/([^/]+))/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$)");
    static const std::regex namespace_path(R"(^/api/v1/namespaces/([^/]+)$)");
    std::smatch m;
    const std::string target = rq.path;
    if (rq.method == "GET" && std::regex_match(target, m, namespace_path)) {
      // Every namespace exists here (kubectl looks its namespace up after a
      // NotFound to phrase the error).
      if (!authorize(rq, rs, false)) return;
      return Send(rs, 200,
                  {{"apiVersion", "v1"},
                   {"kind", "Namespace"},
                   {"metadata", {{"name", m[1].str()}}},
                   {"status", {{"phase", "Active"}}}});
    }
    if (!std::regex_match(target, m, path)) return Fail(rs, 404, "NotFound", "not found");
    const std::string group = m[2].matched ? m[2].str() : "";
    const std::string version = m[1].matched ? m[1].str() : m[3].str();
    const std::string ns = m[4], resource = m[5], name = m[6].matched ? m[6].str() : "";
    const std::optional<ResourceType> type =
        FindType(ServedTypes(istio_versions()), group, version, resource);
    if (!type) {
      return Fail(rs, 404, "NotFound", "the server could not find the requested resource");
    }
    const bool write = rq.method != "GET";
    if (!authorize(rq, rs, write)) return;
    const json details = {{"name", name}, {"group", group}, {"kind", type->resource}};
    const std::string what = absl::StrCat(Qualified(*type), " \"", name, "\"");
    const auto with_version = [&](json object) {
      object["apiVersion"] = ApiVersion(group, version);
      object["kind"] = type->kind;
      return object;
    };

    absl::MutexLock lock(&mutex_);
    const Key key{group, resource, ns, name};
    const auto existing = objects_.find(key);
    if (rq.method == "GET" && name.empty()) {
      json items = json::array();
      for (const auto& [k, object] : objects_) {
        if (std::get<0>(k) == group && std::get<1>(k) == resource && std::get<2>(k) == ns) {
          items.push_back(with_version(object));
        }
      }
      return Send(rs, 200,
                  {{"kind", type->kind + "List"},
                   {"apiVersion", ApiVersion(group, version)},
                   {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
                   {"items", items}});
    }
    if (rq.method == "POST") {
      json object = json::parse(rq.body, nullptr, false);
      if (object.is_discarded() || !object.is_object()) {
        return Fail(rs, 400, "BadRequest", "the request body is not a JSON object");
      }
      const std::string new_name = object["metadata"].value("name", "");
      if (new_name.empty()) {
        return Invalid(rs, type->kind, group, "", "metadata.name", "FieldValueRequired",
                       "Required value: name or generateName is required");
      }
      const std::string subject_namespace =
          object.value("involvedObject", json::object()).value("namespace", ns);
      if (resource == "events" && subject_namespace != ns) {
        return Invalid(rs, type->kind, group, new_name, "involvedObject.namespace",
                       "FieldValueInvalid",
                       absl::StrCat("Invalid value: \"", subject_namespace,
                                    "\": does not match event.namespace"));
      }
      const Key new_key{group, resource, ns, new_name};
      if (objects_.contains(new_key)) {
        return Fail(rs, 409, "AlreadyExists",
                    absl::StrCat(Qualified(*type), " \"", new_name, "\" already exists"),
                    {{"name", new_name}, {"group", group}, {"kind", type->resource}});
      }
      object["metadata"]["namespace"] = ns;
      object["metadata"]["uid"] = absl::StrCat("00000000-0000-4000-8000-", 100000000000 + ++uid_);
      object["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
      object["metadata"]["creationTimestamp"] =
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
      object["metadata"]["generation"] = 1;
      objects_[new_key] = object;
      return Send(rs, 201, with_version(object));
    }
    if (existing == objects_.end()) {
      return Fail(rs, 404, "NotFound", what + " not found", details);
    }
    json& stored = existing->second;
    if (rq.method == "GET") return Send(rs, 200, with_version(stored));
    if (rq.method == "DELETE") {
      objects_.erase(existing);
      return Send(rs, 200,
                  {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", json::object()},
                   {"status", "Success"},
                   {"details", details}});
    }
    json updated;
    if (rq.method == "PUT") {
      updated = json::parse(rq.body, nullptr, false);
      if (updated.is_discarded() || !updated.is_object()) {
        return Fail(rs, 400, "BadRequest", "the request body is not a JSON object");
      }
    } else if (rq.method == "PATCH") {
      const json patch = json::parse(rq.body, nullptr, false);
      if (patch.is_discarded()) return Fail(rs, 400, "BadRequest", "the patch is not JSON");
      const std::string content_type = rq.get_header_value("Content-Type");
      if (content_type.rfind("application/merge-patch+json", 0) == 0) {
        updated = stored;
        updated.merge_patch(patch);
      } else if (content_type.rfind("application/json-patch+json", 0) == 0) {
        try {
          updated = stored.patch(patch);
        } catch (const json::exception&) {
          // What kube-apiserver answers when a patch cannot be applied (a
          // failed `test`, a missing path): 422 Invalid with a generic
          // message and no causes (apimachinery's NewGenericServerResponse).
          return Fail(rs, 422, "Invalid",
                      "the server rejected our request due to an error in our request");
        }
      } else {
        return Fail(rs, 415, "UnsupportedMediaType",
                    absl::StrCat("the body of the request was in an unknown format - accepted "
                                 "media types include: application/json-patch+json, "
                                 "application/merge-patch+json"));
      }
    } else {
      return Fail(rs, 405, "MethodNotAllowed", "the server does not allow this method");
    }
    if (rejections_left_ > 0) {
      --rejections_left_;
      return Invalid(rs, type->kind, group, name, rejected_field_, "FieldValueInvalid",
                     "Invalid value: " + rejection_detail_);
    }
    const std::string current = stored["metadata"].value("resourceVersion", "");
    const std::string claimed = updated["metadata"].value("resourceVersion", "");
    if (!claimed.empty() && claimed != current) {
      return Fail(rs, 409, "Conflict",
                  absl::StrCat("Operation cannot be fulfilled on ", what,
                               ": the object has been modified; please apply your changes to the "
                               "latest version and try again"),
                  details);
    }
    for (const char* field : {"uid", "creationTimestamp", "namespace", "name"}) {
      updated["metadata"][field] = stored["metadata"][field];
    }
    const bool spec_changed = updated.value("spec", json()) != stored.value("spec", json());
    updated["metadata"]["generation"] =
        stored["metadata"].value("generation", 1) + (spec_changed ? 1 : 0);
    updated["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
    stored = updated;
    Send(rs, 200, with_version(stored));
  };
  // Every namespace's objects of one type (kubectl get --all-namespaces).
  server_.http().Get(R"(/(?:api/(v1)|apis/([^/]+)/([^/]+))/([^/]+))",
                     [this, authorize](const httplib::Request& rq, httplib::Response& rs) {
                       const std::string group = rq.matches[2].matched ? rq.matches[2].str() : "";
                       const std::string version =
                           rq.matches[1].matched ? rq.matches[1].str() : rq.matches[3].str();
                       const std::string resource = rq.matches[4];
                       const std::optional<ResourceType> type =
                           FindType(ServedTypes(istio_versions()), group, version, resource);
                       if (!type) {
                         return Fail(rs, 404, "NotFound",
                                     "the server could not find the requested resource");
                       }
                       if (!authorize(rq, rs, false)) return;
                       absl::MutexLock lock(&mutex_);
                       json items = json::array();
                       for (const auto& [key, object] : objects_) {
                         if (std::get<0>(key) != group || std::get<1>(key) != resource) continue;
                         json item = object;
                         item["apiVersion"] = ApiVersion(group, version);
                         item["kind"] = type->kind;
                         items.push_back(std::move(item));
                       }
                       Send(rs, 200,
                            {{"kind", type->kind + "List"},
                             {"apiVersion", ApiVersion(group, version)},
                             {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
                             {"items", items}});
                     });
  for (const char* pattern : {R"(/api/v1/namespaces/.*)", R"(/apis/[^/]+/[^/]+/namespaces/.*)"}) {
    server_.http().Get(pattern, objects);
    server_.http().Post(pattern, objects);
    server_.http().Put(pattern, objects);
    server_.http().Patch(pattern, objects);
    server_.http().Delete(pattern, objects);
  }
  server_.Start(port);
}

void KubeApiEmulator::AddToken(const std::string& token, bool can_write) {
  absl::MutexLock lock(&mutex_);
  users_["token:" + token] = can_write;
}

void KubeApiEmulator::RemoveToken(const std::string& token) {
  absl::MutexLock lock(&mutex_);
  users_.erase("token:" + token);
}

void KubeApiEmulator::ServeIstioVersions(const std::vector<std::string>& versions) {
  absl::MutexLock lock(&mutex_);
  istio_versions_ = versions;
}

std::vector<std::string> KubeApiEmulator::istio_versions() {
  absl::MutexLock lock(&mutex_);
  return istio_versions_;
}

void KubeApiEmulator::AddCertificateUser(const std::string& common_name, bool can_write) {
  absl::MutexLock lock(&mutex_);
  users_["cn:" + common_name] = can_write;
}

void KubeApiEmulator::FailNext(int count, int http_status) {
  absl::MutexLock lock(&mutex_);
  failures_left_ = count;
  failure_status_ = http_status;
}

void KubeApiEmulator::RejectNextUpdates(int count, const std::string& field,
                                        const std::string& detail) {
  absl::MutexLock lock(&mutex_);
  rejections_left_ = count;
  rejected_field_ = field;
  rejection_detail_ = detail;
}

void KubeApiEmulator::DelayNextWriteAnswers(int count, absl::Duration delay) {
  absl::MutexLock lock(&mutex_);
  delays_left_ = count;
  answer_delay_ = delay;
}

void KubeApiEmulator::CutOff(const std::string& token, bool cut_off) {
  absl::MutexLock lock(&mutex_);
  if (cut_off) {
    cut_off_.insert(token);
  } else {
    cut_off_.erase(token);
  }
  partition_changed_.SignalAll();
}

nlohmann::json KubeApiEmulator::Get(const std::string& group, const std::string& resource,
                                    const std::string& ns, const std::string& name) {
  absl::MutexLock lock(&mutex_);
  const auto it = objects_.find({group, resource, ns, name});
  return it == objects_.end() ? nlohmann::json() : it->second;
}

std::vector<nlohmann::json> KubeApiEmulator::List(const std::string& group,
                                                  const std::string& resource,
                                                  const std::string& ns) {
  absl::MutexLock lock(&mutex_);
  std::vector<nlohmann::json> items;
  for (const auto& [key, object] : objects_) {
    if (std::get<0>(key) == group && std::get<1>(key) == resource && std::get<2>(key) == ns) {
      items.push_back(object);
    }
  }
  return items;
}

void KubeApiEmulator::Delete(const std::string& group, const std::string& resource,
                             const std::string& ns, const std::string& name) {
  absl::MutexLock lock(&mutex_);
  objects_.erase({group, resource, ns, name});
}

}  // namespace kanarya::lab
