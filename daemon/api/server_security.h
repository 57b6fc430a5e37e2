// kanaryad's security flags made into what its gRPC server needs: the
// authorizer (bearer tokens from --token_file, kept current; client
// certificates verified against --client_ca; role bindings), the TLS
// settings, and what to log at start. Without any authentication the
// daemon serves loopback only unless told otherwise (--insecure_listen_any).
// Errors are InvalidArgument naming the flag or configuration field.
// Thread-compatible; the result owns the token file's watcher thread.
#ifndef KANARYA_DAEMON_API_SERVER_SECURITY_H_
#define KANARYA_DAEMON_API_SERVER_SECURITY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/api/auth/authorizer.h"
#include "daemon/api/auth/role_bindings.h"
#include "daemon/api/auth/token_file_watcher.h"
#include "daemon/api/server.h"

namespace kanarya::api {

struct SecurityFlags {
  std::string grpc_address;  // HOST:PORT
  std::string token_file;
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  bool insecure_listen_any = false;
  absl::Duration token_file_period = absl::Seconds(1);
};

struct ServerSecurity {
  std::unique_ptr<auth::TokenFileWatcher> tokens;  // null without --token_file
  std::unique_ptr<auth::Authorizer> authorizer;
  std::optional<TlsSettings> tls;
  std::string summary;                // what is in force, for the start of the log
  std::vector<std::string> warnings;  // settings that work but should not stay
};

// `report` receives the token file's reloads and errors.
absl::StatusOr<ServerSecurity> SetUpSecurity(const SecurityFlags& flags,
                                             std::vector<auth::RoleBinding> bindings,
                                             auth::TokenFileWatcher::Report report);

// localhost, 127.0.0.0/8, ::1 (bracketed or not); anything else, an empty
// host (every interface) included, is not.
bool IsLoopbackHost(absl::string_view host);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_SERVER_SECURITY_H_
