#include "tests/lab/test_certificate.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace kanarya::lab {
namespace {

void RunOpenssl(const std::string& command) {
  if (std::system((command + " 2>/dev/null").c_str()) != 0) {
    std::cerr << "openssl could not make a test certificate\n";
    std::abort();
  }
}

}  // namespace

TestCertificate::TestCertificate() {
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-tls-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  directory_ = pattern;
  certificate_ = directory_ + "/cert.pem";
  key_ = directory_ + "/key.pem";
  RunOpenssl(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key_ + " -out " + certificate_);
}

TestCertificate::Issued TestCertificate::IssueClientCertificate(
    const std::string& common_name, const std::vector<std::string>& organizations) const {
  const std::string stem = directory_ + "/client-" + common_name;
  Issued issued{stem + ".pem", stem + "-key.pem"};
  std::string subject = "/CN=" + common_name;
  for (const std::string& organization : organizations) subject += "/O=" + organization;
  RunOpenssl("openssl req -newkey rsa:2048 -nodes -subj '" + subject + "' -keyout " +
             issued.key_file + " -out " + stem + ".csr");
  RunOpenssl("openssl x509 -req -days 1 -in " + stem + ".csr -CA " + certificate_ + " -CAkey " +
             key_ + " -CAcreateserial -out " + issued.certificate_file);
  return issued;
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace kanarya::lab
