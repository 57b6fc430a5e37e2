#include "daemon/api/auth/token_table.h"

#include <openssl/sha.h>

namespace kanarya::auth {

std::string Sha256(absl::string_view data) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

TokenTable::TokenTable(const std::vector<TokenRecord>& records) {
  for (const TokenRecord& record : records) identities_[Sha256(record.token)] = record.identity;
}

const Identity* TokenTable::Find(absl::string_view token) const {
  const auto it = identities_.find(Sha256(token));
  return it == identities_.end() ? nullptr : &it->second;
}

TokenTable TokenTable::Retaining(const std::vector<std::string>& tokens) const {
  TokenTable kept;
  for (const std::string& token : tokens) {
    const auto it = identities_.find(Sha256(token));
    if (it != identities_.end()) kept.identities_.insert(*it);
  }
  return kept;
}

}  // namespace kanarya::auth
