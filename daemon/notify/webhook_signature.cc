#include "daemon/notify/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace kanarya::notify {

std::string HmacSha256Hex(absl::string_view key, absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // HMAC() fails only on an unknown digest or an allocation failure.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &length) == nullptr) {
    return "";
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

http::Headers SignatureHeaders(absl::string_view secret, absl::string_view body, absl::Time now) {
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(now));
  return {{kTimestampHeader, timestamp},
          {kSignatureHeader,
           absl::StrCat("sha256=", HmacSha256Hex(secret, absl::StrCat(timestamp, ".", body)))}};
}

http::Headers HookSignatureHeaders(absl::string_view secret, absl::string_view namespace_name,
                                   absl::string_view rollout_name, absl::string_view body,
                                   absl::Time now) {
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(now));
  const std::string signed_text =
      absl::StrCat(timestamp, ".", namespace_name, ".", rollout_name, ".", body);
  return {{kTimestampHeader, timestamp},
          {kNamespaceHeader, std::string(namespace_name)},
          {kRolloutHeader, std::string(rollout_name)},
          {kSignatureHeader, absl::StrCat("sha256=", HmacSha256Hex(secret, signed_text))}};
}

}  // namespace kanarya::notify
