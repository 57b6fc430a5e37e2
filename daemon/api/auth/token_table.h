// Bearer tokens and the identities they stand for, keyed by each token's
// SHA-256: the table keeps no token, and a lookup compares digests, so its
// time says nothing about how much of a guessed token was right. Immutable;
// thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_TOKEN_TABLE_H_
#define KANARYA_DAEMON_API_AUTH_TOKEN_TABLE_H_

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/string_view.h"
#include "daemon/api/auth/identity.h"
#include "daemon/api/auth/token_file.h"

namespace kanarya::auth {

// The SHA-256 of `data`, 32 raw bytes.
std::string Sha256(absl::string_view data);

class TokenTable {
 public:
  // The records' tokens must be distinct (ParseTokenFile checks).
  explicit TokenTable(const std::vector<TokenRecord>& records);

  // The identity of `token`, or nullptr when it is not in the table.
  const Identity* Find(absl::string_view token) const;
  size_t size() const { return identities_.size(); }
  // The entries of this table whose token is among `tokens`.
  TokenTable Retaining(const std::vector<std::string>& tokens) const;

 private:
  TokenTable() = default;

  std::unordered_map<std::string, Identity> identities_;  // by SHA-256 of the token
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_TOKEN_TABLE_H_
