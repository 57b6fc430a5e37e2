// SHA-256 of a byte stream fed in pieces (a backup's checksum), as lowercase
// hex. Not thread-safe: one owner feeds it.
#ifndef KANARYA_DAEMON_STORE_SHA256_H_
#define KANARYA_DAEMON_STORE_SHA256_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct evp_md_ctx_st;

namespace kanarya::store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // The digest of everything fed so far, as 64 lowercase hex digits; the
  // hasher then starts afresh.
  std::string HexDigest();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> context_;
};

// The SHA-256 of a whole file, read in pieces; FailedPrecondition naming the
// file when it cannot be read.
absl::StatusOr<std::string> FileSha256(const std::string& path);

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SHA256_H_
