// Who a call comes from once authenticated: a principal (a token file's user
// name, or a client certificate's subject CN) and its groups (the token
// file's group column, or the certificate's O= entries), as Kubernetes reads
// them. A plain value; thread-compatible.
#ifndef KANARYA_DAEMON_API_AUTH_IDENTITY_H_
#define KANARYA_DAEMON_API_AUTH_IDENTITY_H_

#include <string>
#include <vector>

namespace kanarya::auth {

struct Identity {
  std::string principal;
  std::vector<std::string> groups;
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_IDENTITY_H_
