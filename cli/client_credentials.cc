#include "cli/client_credentials.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/auth/token_file.h"

namespace kanarya::cli {
namespace {

constexpr char kTokenVariable[] = "KANARYA_TOKEN";

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  if (in) contents << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read \"", path, "\""));
  }
  return contents.str();
}

// A token travels in a header: visible ASCII, no blanks. `source` names
// where it came from.
absl::StatusOr<std::string> CheckToken(const std::string& source, absl::string_view text) {
  const absl::string_view token = absl::StripAsciiWhitespace(text);
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the token is empty"));
  }
  if (!auth::IsBearerTokenText(token)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": must hold just the token (visible ASCII characters without spaces)"));
  }
  return std::string(token);
}

absl::StatusOr<std::string> LoadToken(const CredentialFlags& flags,
                                      const std::function<const char*(const char*)>& environment) {
  if (!flags.token_file.empty()) {
    absl::StatusOr<std::string> contents = ReadFile("token_file", flags.token_file);
    if (!contents.ok()) return contents.status();
    return CheckToken(absl::StrCat("--token_file: \"", flags.token_file, "\""), *contents);
  }
  const char* variable = environment(kTokenVariable);
  if (variable == nullptr || *variable == '\0') return std::string();
  return CheckToken(kTokenVariable, variable);
}

absl::StatusOr<std::optional<ClientTls>> LoadTls(const CredentialFlags& flags) {
  if (!flags.tls && flags.tls_ca.empty() && flags.tls_cert.empty() && flags.tls_key.empty() &&
      flags.tls_server_name.empty()) {
    return std::nullopt;
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(flags.tls_cert.empty()
                                          ? "--tls_cert: required with --tls_key"
                                          : "--tls_key: required with --tls_cert");
  }
  ClientTls tls;
  tls.server_name = flags.tls_server_name;
  for (const auto& [flag, path, pem] : {std::tuple{"tls_ca", &flags.tls_ca, &tls.ca_pem},
                                        {"tls_cert", &flags.tls_cert, &tls.certificate_pem},
                                        {"tls_key", &flags.tls_key, &tls.key_pem}}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> contents = ReadFile(flag, *path);
    if (!contents.ok()) return contents.status();
    *pem = *std::move(contents);
  }
  return tls;
}

}  // namespace

void AddCredentialFlags(CLI::App& app, CredentialFlags& flags) {
  app.add_option("--token_file", flags.token_file,
                 "File holding a bearer token for the daemon (else $KANARYA_TOKEN)");
  app.add_flag("--tls", flags.tls, "Talk TLS to the daemon (implied by the other --tls_ flags)");
  app.add_option("--tls_ca", flags.tls_ca,
                 "PEM CA bundle to verify the daemon with (default: the system's)");
  app.add_option("--tls_cert", flags.tls_cert, "PEM client certificate (mTLS; with --tls_key)");
  app.add_option("--tls_key", flags.tls_key, "PEM private key of --tls_cert");
  app.add_option("--tls_server_name", flags.tls_server_name,
                 "Name to expect in the daemon's certificate (default: the --server host)");
}

absl::Status LoadCredentials(const CredentialFlags& flags,
                             const std::function<const char*(const char*)>& environment,
                             ClientOptions& options) {
  absl::StatusOr<std::string> token = LoadToken(flags, environment);
  if (!token.ok()) return token.status();
  absl::StatusOr<std::optional<ClientTls>> tls = LoadTls(flags);
  if (!tls.ok()) return tls.status();
  options.token = *std::move(token);
  options.tls = *std::move(tls);
  return absl::OkStatus();
}

}  // namespace kanarya::cli
