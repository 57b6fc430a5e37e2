// The identity a verified client certificate stands for, read as Kubernetes
// reads one: the subject's common name (CN) is the principal, each
// organization (O) a group. The certificate must already be verified (the
// TLS handshake does it against --client_ca). Pure; thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_PEER_CERTIFICATE_H_
#define KANARYA_DAEMON_API_AUTH_PEER_CERTIFICATE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/api/auth/identity.h"

namespace kanarya::auth {

// InvalidArgument when `pem` holds no certificate, or its subject has no
// CN or more than one; the message never quotes the certificate.
absl::StatusOr<Identity> IdentityOfCertificate(absl::string_view pem);

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_PEER_CERTIFICATE_H_
