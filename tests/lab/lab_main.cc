// kanarya-lab: the cluster around kanaryad on one machine, for the demo, the
// end-to-end tests and exploring (docs/lab.md). Writes a kubeconfig for
// kanaryad and kubectl when asked (--kubeconfig), prints one line per listener
// on standard output ("kube https://127.0.0.1:PORT", then metrics, loki,
// control) once all serve, and runs until SIGINT or SIGTERM. Exit codes: 0
// after a signal, 1 when a listener cannot start, 2 for a bad flag or
// services file (the message names it). Test equipment, never product code.
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/lab/lab_services.h"
#include "tests/lab/mesh_lab.h"

namespace {

constexpr int kExitListenerFailed = 1;
constexpr int kExitUsage = 2;

struct Flags {
  std::string services;
  uint64_t seed = 1;
  std::string kube_address = "127.0.0.1:0";
  std::string metrics_address = "127.0.0.1:0";
  std::string loki_address = "127.0.0.1:0";
  std::string control_address = "127.0.0.1:0";
  std::string kube_token = "kanarya-lab";
  std::string kubeconfig;
  std::string log_retention = "10m";
};

// The port of "127.0.0.1:PORT" (or localhost:PORT); 0 asks for a free one.
absl::StatusOr<int> LoopbackPort(const std::string& flag, const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  const std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be 127.0.0.1:PORT, got \"", address, "\""));
  }
  if (host != "127.0.0.1" && host != "localhost") {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": the lab listens on 127.0.0.1 only, got \"", address, "\""));
  }
  return port;
}

absl::StatusOr<kanarya::lab::MeshLabOptions> Options(const Flags& flags) {
  kanarya::lab::MeshLabOptions options;
  absl::StatusOr<std::vector<kanarya::lab::LabService>> services =
      kanarya::lab::LoadLabServices(flags.services);
  if (!services.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--services: ", services.status().message()));
  }
  options.services = *std::move(services);
  options.seed = flags.seed;
  options.kube_token = flags.kube_token;
  options.kube_tls = true;
  if (flags.kube_token.empty() ||
      flags.kube_token.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789._-") != std::string::npos) {
    return absl::InvalidArgumentError("--kube_token: must be letters, digits, '.', '_' and '-'");
  }
  if (!absl::ParseDuration(flags.log_retention, &options.log_retention) ||
      options.log_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_retention: must be a positive duration such as \"10m\", got \"",
                     flags.log_retention, "\""));
  }
  for (const auto& [flag, address, port] :
       {std::tuple{"kube_address", &flags.kube_address, &options.kube_port},
        {"metrics_address", &flags.metrics_address, &options.metrics_port},
        {"loki_address", &flags.loki_address, &options.loki_port},
        {"control_address", &flags.control_address, &options.control_port}}) {
    absl::StatusOr<int> parsed = LoopbackPort(flag, *address);
    if (!parsed.ok()) return parsed.status();
    *port = *parsed;
  }
  return options;
}

int Run(const Flags& flags) {
  absl::StatusOr<kanarya::lab::MeshLabOptions> options = Options(flags);
  if (!options.ok()) {
    std::cerr << "kanarya-lab: " << options.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<kanarya::lab::MeshLab>> lab =
      kanarya::lab::MeshLab::Start(*options, absl::Now());
  if (!lab.ok()) {
    std::cerr << "kanarya-lab: " << lab.status().message() << "\n";
    return kExitListenerFailed;
  }
  if (!flags.kubeconfig.empty()) {
    std::ofstream file(flags.kubeconfig);
    file << (*lab)->Kubeconfig();
    if (!file.flush()) {
      std::cerr << "kanarya-lab: --kubeconfig: cannot write " << flags.kubeconfig << "\n";
      return kExitUsage;
    }
  }
  (*lab)->RunOnWallClock();
  std::cout << "kube " << (*lab)->kube_url() << "\n"
            << "metrics " << (*lab)->metrics_url() << "\n"
            << "loki " << (*lab)->loki_url() << "\n"
            << "control " << (*lab)->control_url() << std::endl;
  std::cerr << "kanarya-lab: " << options->services.size() << " service(s), seed " << flags.seed
            << "; Kubernetes bearer token \"" << flags.kube_token << "\"" << std::endl;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "kanarya-lab: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
            << std::endl;
  return 0;
}

int ParseAndRun(int argc, char** argv) {
  // Every thread started from here on inherits the mask: only sigwait in Run
  // sees SIGINT and SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{
      "kanarya-lab: a Kubernetes API, an Istio-like mesh, its telemetry and Loki, "
      "on 127.0.0.1"};
  Flags flags;
  app.add_option("--services", flags.services, "The services to simulate (YAML)")->required();
  app.add_option("--seed", flags.seed, "Seed of the traffic simulation")->capture_default_str();
  app.add_option("--kube_address", flags.kube_address,
                 "The Kubernetes API emulator, 127.0.0.1:PORT (0: any free port)")
      ->capture_default_str();
  app.add_option("--metrics_address", flags.metrics_address,
                 "Istio's telemetry on GET /metrics, 127.0.0.1:PORT")
      ->capture_default_str();
  app.add_option("--loki_address", flags.loki_address, "The Loki emulator, 127.0.0.1:PORT")
      ->capture_default_str();
  app.add_option("--control_address", flags.control_address,
                 "POST/GET /faults, GET /traffic, 127.0.0.1:PORT")
      ->capture_default_str();
  app.add_option("--kube_token", flags.kube_token,
                 "The bearer token the Kubernetes API emulator accepts (read and write)")
      ->capture_default_str();
  app.add_option("--kubeconfig", flags.kubeconfig,
                 "Write a kubeconfig for kanaryad and kubectl to this file");
  app.add_option("--log_retention", flags.log_retention, "How long Loki keeps log lines")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return Run(flags);
}
}  // namespace

int main(int argc, char** argv) {
  // Parsers contain their own exceptions; what remains (out of memory) ends
  // the run with a message rather than an abort.
  try {
    return ParseAndRun(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kanarya-lab: " << e.what() << "\n";
    return kExitListenerFailed;
  }
}
