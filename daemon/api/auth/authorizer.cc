#include "daemon/api/auth/authorizer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/auth/peer_certificate.h"

namespace kanarya::auth {
namespace {

constexpr absl::string_view kBearer = "bearer";

absl::StatusOr<Identity> AuthenticateCertificate(const std::string& pem) {
  absl::StatusOr<Identity> identity = IdentityOfCertificate(pem);
  if (!identity.ok()) return absl::UnauthenticatedError(identity.status().message());
  return identity;
}

}  // namespace

const Authorizer& Authorizer::Open() {
  static const Authorizer* const open = new Authorizer();
  return *open;
}

Authorizer::Authorizer(AuthenticationSources sources, RoleBindings bindings)
    : sources_(std::move(sources)), bindings_(std::move(bindings)) {}

absl::StatusOr<Identity> Authorizer::AuthenticateToken(const std::string& authorization) const {
  // RFC 6750: the scheme is case-insensitive and one space or more follow it.
  const absl::string_view value = absl::StripAsciiWhitespace(authorization);
  const size_t space = value.find(' ');
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(value.substr(0, space), kBearer)) {
    return absl::UnauthenticatedError("the authorization metadata must be \"Bearer TOKEN\"");
  }
  const absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(space));
  if (sources_.tokens == nullptr) {
    return absl::UnauthenticatedError(
        "bearer tokens are not accepted: the daemon runs without --token_file");
  }
  const std::shared_ptr<const TokenTable> table = sources_.tokens();
  const Identity* identity = table == nullptr ? nullptr : table->Find(token);
  if (identity == nullptr) {
    return absl::UnauthenticatedError("the bearer token is not valid (unknown or revoked)");
  }
  return *identity;
}

absl::StatusOr<Identity> Authorizer::Authenticate(const CallCredentials& credentials) const {
  if (!enabled()) return Identity{.principal = kAnonymous};
  // Without a token file no header can authenticate anyone; one sent by a
  // proxy or a client library must not defeat a verified certificate.
  const bool tokens_accepted = sources_.tokens != nullptr;
  if (!tokens_accepted && sources_.client_certificates &&
      !credentials.client_certificate_pem.empty()) {
    return AuthenticateCertificate(credentials.client_certificate_pem);
  }
  if (credentials.authorization.size() > 1) {
    return absl::UnauthenticatedError("send one authorization metadata entry, not several");
  }
  if (credentials.authorization.size() == 1) {
    return AuthenticateToken(credentials.authorization.front());
  }
  if (sources_.client_certificates && !credentials.client_certificate_pem.empty()) {
    return AuthenticateCertificate(credentials.client_certificate_pem);
  }
  std::string how;
  if (tokens_accepted) how = "\"authorization: Bearer TOKEN\"";
  if (sources_.client_certificates) {
    absl::StrAppend(&how, how.empty() ? "" : " or ", "a client certificate");
  }
  return absl::UnauthenticatedError(absl::StrCat("authentication required: send ", how));
}

absl::Status Authorizer::Authorize(const Identity& identity, ApiMethod method,
                                   absl::string_view namespace_name) const {
  const Role role = RequiredRole(method);
  if (!enabled() || bindings_.Grants(identity, role, namespace_name)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(MethodName(method), " needs the ", RoleName(role), " role in namespace \"",
                   namespace_name, "\", which ", identity.principal, " does not hold"));
}

absl::Status Authorizer::AuthorizeEverywhere(const Identity& identity, ApiMethod method) const {
  const Role role = RequiredRole(method);
  if (!enabled() || bindings_.GrantsEverywhere(identity, role)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      MethodName(method), " needs the ", RoleName(role),
      " role in every namespace (the group \"kanarya:", RoleName(role),
      "\" or a binding without namespaces), which ", identity.principal, " does not hold"));
}

bool Authorizer::MaySee(const Identity& identity, absl::string_view namespace_name) const {
  return !enabled() || bindings_.Grants(identity, Role::kViewer, namespace_name);
}

NamespaceScope Authorizer::ViewableNamespaces(const Identity& identity) const {
  if (!enabled()) return NamespaceScope{.every_namespace = true};
  return bindings_.ViewableNamespaces(identity);
}

absl::Status Authorizer::AuthorizeAnywhere(const Identity& identity, ApiMethod method) const {
  if (!enabled() || bindings_.HoldsAnyRole(identity)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(MethodName(method), " needs the ", RoleName(RequiredRole(method)),
                   " role in some namespace, and ", identity.principal, " holds no role"));
}

}  // namespace kanarya::auth
