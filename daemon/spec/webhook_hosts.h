// Which hosts a rollout's webhooks may call: the daemon's
// notifications.allowed_hook_hosts, each a host name ("gates.internal") or
// "*." and a domain ("*.example.com": its subdomains, not itself), matched
// case-insensitively against the host of the URL (no user info, no port).
// Pure functions.
#ifndef KANARYA_DAEMON_SPEC_WEBHOOK_HOSTS_H_
#define KANARYA_DAEMON_SPEC_WEBHOOK_HOSTS_H_

#include <set>
#include <string>
#include <string_view>

namespace kanarya::spec {

// The lower-case host of an http(s) URL ("[::1]" for an IPv6 literal); ""
// when it has none.
std::string HostOfUrl(std::string_view url);

// Whether `pattern` is a host name or "*." and a domain (lower case).
bool IsHostPattern(std::string_view pattern);

// Whether `host` matches one of `allowed`.
bool HostAllowed(std::string_view host, const std::set<std::string>& allowed);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_WEBHOOK_HOSTS_H_
