#include "tests/lab/test_certificate.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace kanarya::lab {

TestCertificate::TestCertificate() {
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-tls-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  directory_ = pattern;
  certificate_ = directory_ + "/cert.pem";
  key_ = directory_ + "/key.pem";
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key_ + " -out " + certificate_ + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    std::cerr << "openssl could not make a test certificate\n";
    std::abort();
  }
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace kanarya::lab
