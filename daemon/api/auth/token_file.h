// The Kubernetes static token file (kube-apiserver --token-auth-file): CSV,
// one line per token, `token,user,uid` and an optional fourth column of
// comma-separated groups, double-quoted when it holds more than one:
//
//   31ada4fd-adec-460c,alice,1001,"kanarya:operator:shop,kanarya:viewer"
//
// Blank lines and lines starting with '#' are skipped. Stricter than
// Kubernetes: an empty or repeated token, a line with fewer than 3 or more
// than 4 columns, a stray quote, a token that cannot travel in a header, and
// a "kanarya:" group naming no role are errors naming the line — never the
// token. Pure; thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_TOKEN_FILE_H_
#define KANARYA_DAEMON_API_AUTH_TOKEN_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/api/auth/identity.h"

namespace kanarya::auth {

struct TokenRecord {
  std::string token;
  Identity identity;
  std::string uid;
  int line = 0;  // 1-based, in the file
};

// Whether `token` can travel in an HTTP/2 header after "Bearer ": visible
// ASCII characters, no blanks, not empty.
bool IsBearerTokenText(absl::string_view token);

// InvalidArgument listing every bad line ("line 3: ...; line 7: ...").
absl::StatusOr<std::vector<TokenRecord>> ParseTokenFile(absl::string_view text);

// The token column of every line of `text` that has one, read even from a
// file ParseTokenFile refuses: the tokens such a file still names.
std::vector<std::string> TokenColumn(absl::string_view text);

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_TOKEN_FILE_H_
