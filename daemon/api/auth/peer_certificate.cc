#include "daemon/api/auth/peer_certificate.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace kanarya::auth {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};

std::optional<std::string> Utf8(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

}  // namespace

absl::StatusOr<Identity> IdentityOfCertificate(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("cannot read the client certificate");
  std::unique_ptr<X509, X509Free> certificate(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (certificate == nullptr) {
    return absl::InvalidArgumentError("the client certificate cannot be parsed");
  }
  const X509_NAME* subject = X509_get_subject_name(certificate.get());
  Identity identity;
  int common_names = 0;
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid != NID_commonName && nid != NID_organizationName) continue;
    std::optional<std::string> value = Utf8(X509_NAME_ENTRY_get_data(entry));
    if (!value.has_value()) {
      return absl::InvalidArgumentError("the client certificate's subject cannot be decoded");
    }
    if (nid == NID_commonName) {
      ++common_names;
      identity.principal = *std::move(value);
    } else {
      identity.groups.push_back(*std::move(value));
    }
  }
  if (common_names != 1 || identity.principal.empty()) {
    return absl::InvalidArgumentError(
        "the client certificate's subject must hold exactly one non-empty CN");
  }
  return identity;
}

}  // namespace kanarya::auth
