// Test equipment: a throwaway self-signed certificate for 127.0.0.1, made
// with the openssl command in a temporary directory removed on destruction;
// it also signs client certificates (mTLS).
#ifndef KANARYA_TESTS_LAB_TEST_CERTIFICATE_H_
#define KANARYA_TESTS_LAB_TEST_CERTIFICATE_H_

#include <string>
#include <vector>

namespace kanarya::lab {

class TestCertificate {
 public:
  TestCertificate();  // aborts the test binary if openssl fails
  ~TestCertificate();

  const std::string& certificate_file() const { return certificate_; }  // also the CA
  const std::string& key_file() const { return key_; }
  // A client certificate for `common_name` signed by this one, its subject
  // also holding an O= entry per organization: PEM file paths. The names
  // must not contain '/' or '\''.
  struct Issued {
    std::string certificate_file;
    std::string key_file;
  };
  Issued IssueClientCertificate(const std::string& common_name,
                                const std::vector<std::string>& organizations = {}) const;

 private:
  std::string directory_;
  std::string certificate_;
  std::string key_;
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_TEST_CERTIFICATE_H_
