#include "daemon/spec/webhook_hosts.h"

#include "absl/strings/ascii.h"

namespace kanarya::spec {

std::string HostOfUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.starts_with('[')) {  // an IPv6 literal, then maybe a port
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? "" : std::string(authority.substr(0, close + 1));
  }
  return absl::AsciiStrToLower(std::string(authority.substr(0, authority.find(':'))));
}

bool IsHostPattern(std::string_view pattern) {
  if (pattern.starts_with("*.")) pattern.remove_prefix(2);
  if (pattern.empty() || pattern.size() > 253 || pattern.starts_with('.') ||
      pattern.ends_with('.')) {
    return false;
  }
  if (pattern.starts_with('[') && pattern.ends_with(']')) return true;  // an IPv6 literal
  for (const char c : pattern) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

bool HostAllowed(std::string_view host, const std::set<std::string>& allowed) {
  if (host.empty()) return false;
  for (const std::string& pattern : allowed) {
    if (pattern.starts_with("*.")) {
      const std::string_view domain = std::string_view(pattern).substr(1);  // ".example.com"
      if (host.size() > domain.size() && host.ends_with(domain)) return true;
    } else if (host == pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace kanarya::spec
