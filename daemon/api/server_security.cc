#include "daemon/api/server_security.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kanarya::api {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  if (in) contents << in.rdbuf();
  if (!in || contents.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read \"", path, "\" (or it is empty)"));
  }
  return contents.str();
}

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

absl::Status CheckFlagCombination(const SecurityFlags& flags) {
  if (!flags.tls_cert.empty() && flags.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_key: required with --tls_cert");
  }
  if (flags.tls_cert.empty() && !flags.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert: required with --tls_key");
  }
  if (!flags.client_ca.empty() && flags.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--client_ca: needs --tls_cert and --tls_key (client certificates are checked in the "
        "TLS handshake)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TlsSettings>> ReadTls(const SecurityFlags& flags) {
  if (flags.tls_cert.empty()) return std::nullopt;
  TlsSettings tls;
  for (const auto& [flag, path, pem] :
       {std::tuple{"tls_cert", &flags.tls_cert, &tls.certificate_chain_pem},
        {"tls_key", &flags.tls_key, &tls.private_key_pem},
        {"client_ca", &flags.client_ca, &tls.client_ca_pem}}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> read = ReadPem(flag, *path);
    if (!read.ok()) return read.status();
    *pem = *std::move(read);
  }
  // Token clients present no certificate, so one is required only when
  // certificates are the sole way in.
  tls.require_client_certificate = !flags.client_ca.empty() && flags.token_file.empty();
  return tls;
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<ServerSecurity> SetUpSecurity(const SecurityFlags& flags,
                                             std::vector<auth::RoleBinding> bindings,
                                             auth::TokenFileWatcher::Report report) {
  if (absl::Status combination = CheckFlagCombination(flags); !combination.ok()) {
    return combination;
  }
  ServerSecurity security;
  absl::StatusOr<std::optional<TlsSettings>> tls = ReadTls(flags);
  if (!tls.ok()) return tls.status();
  security.tls = *std::move(tls);

  const std::string host = HostOf(flags.grpc_address);
  const bool loopback = IsLoopbackHost(host);
  const bool authenticated = !flags.token_file.empty() || !flags.client_ca.empty();
  if (!authenticated) {
    if (!bindings.empty()) {
      return absl::InvalidArgumentError(
          "auth.bindings: set, but no authentication is configured (--token_file or "
          "--client_ca)");
    }
    if (!loopback && !flags.insecure_listen_any) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--grpc_address: \"", host,
          "\" is not a loopback address and no authentication is configured: set --token_file "
          "or --client_ca, or pass --insecure_listen_any to let any caller act anonymously with "
          "every role"));
    }
    security.authorizer =
        std::make_unique<auth::Authorizer>(auth::AuthenticationSources{}, auth::RoleBindings());
    security.summary = absl::StrCat(
        "authentication: none, every caller acts as anonymous with every role; ",
        loopback ? "serving loopback only"
                 : absl::StrCat("--insecure_listen_any: serving \"", host, "\" to anyone"),
        security.tls.has_value() ? "; TLS on" : "");
    return security;
  }

  auth::AuthenticationSources sources;
  std::vector<std::string> methods;
  if (!flags.token_file.empty()) {
    absl::StatusOr<std::unique_ptr<auth::TokenFileWatcher>> watcher =
        auth::TokenFileWatcher::Start(flags.token_file, flags.token_file_period, std::move(report));
    if (!watcher.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--token_file: ", watcher.status().message()));
    }
    security.tokens = *std::move(watcher);
    sources.tokens = [watcher = security.tokens.get()] { return watcher->Current(); };
    methods.push_back(absl::StrCat("bearer tokens from ", flags.token_file, " (",
                                   security.tokens->Current()->size(),
                                   " token(s), re-read when it changes)"));
  }
  if (!flags.client_ca.empty()) {
    sources.client_certificates = true;
    methods.push_back(absl::StrCat("client certificates signed by ", flags.client_ca,
                                   security.tls->require_client_certificate ? " (required)" : ""));
  }
  const size_t configured = bindings.size();
  security.authorizer = std::make_unique<auth::Authorizer>(std::move(sources),
                                                           auth::RoleBindings(std::move(bindings)));
  security.summary =
      absl::StrCat("authentication: ", absl::StrJoin(methods, "; "), "; ", configured,
                   " role binding(s) from the configuration besides the kanarya: "
                   "groups; TLS ",
                   security.tls.has_value() ? "on" : "off");
  if (!security.tls.has_value() && !loopback) {
    security.warnings.push_back(absl::StrCat("bearer tokens cross the network in plaintext: \"",
                                             host, "\" is not loopback and no --tls_cert is set"));
  }
  if (flags.insecure_listen_any) {
    security.warnings.push_back(
        "--insecure_listen_any has no effect: authentication is configured");
  }
  return security;
}

}  // namespace kanarya::api
