// Who calls and whether they may. Authentication takes a bearer token (the
// "authorization: Bearer TOKEN" metadata, looked up in the current token
// table) or, without one, a verified client certificate; a token, when
// sent, must be valid even beside a certificate — unless no token file is
// configured, when the certificate decides and the header is ignored. Authorization asks the
// role bindings for the role the method needs in the rollout's namespace.
// An Authorizer with no source (Open) lets every caller do everything as
// "anonymous". Error messages name the method, role, namespace and
// principal, never a credential. Thread-safe when the token source is.
#ifndef KANARYA_DAEMON_API_AUTH_AUTHORIZER_H_
#define KANARYA_DAEMON_API_AUTH_AUTHORIZER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/api/auth/api_method.h"
#include "daemon/api/auth/identity.h"
#include "daemon/api/auth/role_bindings.h"
#include "daemon/api/auth/token_table.h"

namespace kanarya::auth {

// The principal of every call while authentication is off.
inline constexpr char kAnonymous[] = "anonymous";

// What a call presents, taken from its metadata and its TLS session.
struct CallCredentials {
  std::vector<std::string> authorization;  // every "authorization" metadata value
  std::string client_certificate_pem;      // verified by the handshake; empty: none
};

struct AuthenticationSources {
  // The token table in force (TokenFileWatcher::Current); unset: bearer
  // tokens are not accepted.
  std::function<std::shared_ptr<const TokenTable>()> tokens;
  // Verified client certificates identify their callers (mTLS).
  bool client_certificates = false;
};

class Authorizer {
 public:
  // Authentication off: every caller is anonymous with every role.
  static const Authorizer& Open();
  Authorizer(AuthenticationSources sources, RoleBindings bindings);

  bool enabled() const { return sources_.tokens != nullptr || sources_.client_certificates; }

  // Unauthenticated when credentials are missing, malformed or unknown (a
  // removed token included).
  absl::StatusOr<Identity> Authenticate(const CallCredentials& credentials) const;

  // PermissionDenied unless `identity` holds the role `method` needs in
  // `namespace_name`.
  absl::Status Authorize(const Identity& identity, ApiMethod method,
                         absl::string_view namespace_name) const;
  // PermissionDenied unless `identity` holds the role `method` needs in
  // every namespace (NeedsEveryNamespace: Backup).
  absl::Status AuthorizeEverywhere(const Identity& identity, ApiMethod method) const;
  // Whether `identity` holds the viewer role (any role) in the namespace.
  bool MaySee(const Identity& identity, absl::string_view namespace_name) const;
  NamespaceScope ViewableNamespaces(const Identity& identity) const;
  // PermissionDenied unless `identity` holds a role somewhere: the
  // namespace-free calls (Judge, Replay) need that much.
  absl::Status AuthorizeAnywhere(const Identity& identity, ApiMethod method) const;

 private:
  Authorizer() = default;
  absl::StatusOr<Identity> AuthenticateToken(const std::string& authorization) const;

  AuthenticationSources sources_;
  RoleBindings bindings_;
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_AUTHORIZER_H_
