// kanaryactl's credentials towards the daemon: the bearer token from
// --token_file (a file holding just the token) or else the KANARYA_TOKEN
// environment variable, and TLS from --tls, --tls_ca, --tls_cert, --tls_key
// and --tls_server_name (any of them turns TLS on). Errors are
// InvalidArgument naming the flag or variable, never quoting a token.
// Reads files; thread-compatible.
#ifndef KANARYA_CLI_CLIENT_CREDENTIALS_H_
#define KANARYA_CLI_CLIENT_CREDENTIALS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "cli/rpc_client.h"

namespace kanarya::cli {

struct CredentialFlags {
  std::string token_file;
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
};

void AddCredentialFlags(CLI::App& app, CredentialFlags& flags);

// Fills options.token and options.tls. `environment` is getenv, or a
// stand-in in tests.
absl::Status LoadCredentials(const CredentialFlags& flags,
                             const std::function<const char*(const char*)>& environment,
                             ClientOptions& options);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_CLIENT_CREDENTIALS_H_
