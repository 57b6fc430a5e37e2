// Rollout names: unique, readable and valid as a DNS label (RFC 1123: at most
// 63 characters of a-z, 0-9 and '-', starting and ending alphanumeric), so
// they can label Kubernetes objects and events: "<virtual_service>-<revision>-<6 hex>".
// Pure.
#ifndef KANARYA_DAEMON_ENGINE_ROLLOUT_NAMES_H_
#define KANARYA_DAEMON_ENGINE_ROLLOUT_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace kanarya::engine {

// `random` supplies the 6 hex digits (its low 24 bits).
std::string MakeRolloutName(std::string_view virtual_service, std::string_view revision,
                            uint32_t random);

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_ROLLOUT_NAMES_H_
