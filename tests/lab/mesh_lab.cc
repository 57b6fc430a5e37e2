#include "tests/lab/mesh_lab.h"

#include <httplib.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/lab/lab_control.h"
#include "tests/lab/mesh_routes.h"

namespace kanarya::lab {
namespace {

constexpr char kIstioGroup[] = "networking.istio.io";

std::unique_ptr<KubeApiEmulator> MakeKubeApi(const TestCertificate* certificate, int port) {
  if (certificate == nullptr) return std::make_unique<KubeApiEmulator>(port);
  return std::make_unique<KubeApiEmulator>(certificate->certificate_file(), certificate->key_file(),
                                           "", port);
}

std::string FileContents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

MeshLab::MeshLab(const MeshLabOptions& options, absl::Time start)
    : kube_token_(options.kube_token),
      certificate_(options.kube_tls ? std::make_unique<TestCertificate>() : nullptr),
      kube_(MakeKubeApi(certificate_.get(), options.kube_port)),
      loki_(/*multi_tenant=*/false, options.loki_port),
      simulation_(
          options.services, options.seed, start,
          [this](const LabService& s) {
            return ResolveRoutes(
                s, kube_->Get(kIstioGroup, "virtualservices", s.namespace_name, s.name),
                kube_->Get(kIstioGroup, "destinationrules", s.namespace_name, s.name));
          },
          telemetry_,
          [this](const std::map<std::string, std::string>& labels, absl::Time time,
                 std::string line) { loki_.Push("", labels, time, std::move(line)); }) {
  kube_->AddToken(options.kube_token, /*can_write=*/true);
  loki_.SetRetention(options.log_retention);
  metrics_.http().Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(telemetry_.Exposition(), "text/plain; version=0.0.4; charset=utf-8");
  });
  metrics_.Start(options.metrics_port);
  AddControlRoutes(control_, simulation_, loki_);
  control_.Start(options.control_port);
}

absl::StatusOr<std::unique_ptr<MeshLab>> MeshLab::Start(const MeshLabOptions& options,
                                                        absl::Time start) {
  std::unique_ptr<MeshLab> lab(new MeshLab(options, start));
  for (const auto& [name, bound, wanted] :
       {std::tuple{"kube", lab->kube_->port(), options.kube_port},
        {"metrics", lab->metrics_.port(), options.metrics_port},
        {"loki", lab->loki_.port(), options.loki_port},
        {"control", lab->control_.port(), options.control_port}}) {
    if (bound == 0) {
      return absl::UnavailableError(
          absl::StrCat(name, ": cannot listen on 127.0.0.1:", wanted, " (in use?)"));
    }
  }
  if (absl::Status created = lab->CreateObjects(options); !created.ok()) return created;
  return lab;
}

// Through the API, as kubectl would create them, so they carry the
// metadata (resourceVersion, uid) the server assigns.
absl::Status MeshLab::CreateObjects(const MeshLabOptions& options) {
  httplib::Client client(kube_->url());
  if (certificate_ != nullptr) client.set_ca_cert_path(certificate_->certificate_file().c_str());
  client.set_bearer_token_auth(options.kube_token);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  for (const LabService& service : options.services) {
    for (const auto& [resource, object] :
         {std::pair{"virtualservices", VirtualServiceObject(service)},
          {"destinationrules", DestinationRuleObject(service)}}) {
      const std::string path = absl::StrCat("/apis/", kIstioGroup, "/v1/namespaces/",
                                            service.namespace_name, "/", resource);
      const httplib::Result result = client.Post(path, object.dump(), "application/json");
      if (!result || result->status != 201) {
        return absl::InternalError(absl::StrCat(
            "creating ", resource, " ", service.namespace_name, "/", service.name, ": ",
            result ? absl::StrCat(result->status, " ", result->body) : "no answer"));
      }
    }
  }
  return absl::OkStatus();
}

std::string MeshLab::Kubeconfig() const {
  const std::string authority =
      certificate_ == nullptr
          ? ""
          : ", certificate-authority-data: " +
                absl::Base64Escape(FileContents(certificate_->certificate_file()));
  return absl::StrCat("apiVersion: v1\nkind: Config\ncurrent-context: kanarya-lab\n",
                      "clusters:\n- name: kanarya-lab\n  cluster: {server: \"", kube_->url(), "\"",
                      authority, "}\n", "users:\n- name: kanarya-lab\n  user: {token: \"",
                      kube_token_, "\"}\n",
                      "contexts:\n- name: kanarya-lab\n  context: {cluster: kanarya-lab, user: "
                      "kanarya-lab}\n");
}

void MeshLab::RunOnWallClock() {
  if (clock_.joinable()) return;
  clock_ = std::thread([this] {
    do {
      simulation_.AdvanceTo(absl::Now());
    } while (!stopping_.WaitForNotificationWithTimeout(MeshSimulation::kTick));
  });
}

MeshLab::~MeshLab() {
  stopping_.Notify();
  if (clock_.joinable()) clock_.join();
}

}  // namespace kanarya::lab
