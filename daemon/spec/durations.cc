#include "daemon/spec/durations.h"

#include <cstdint>

namespace kanarya::spec {

bool IsValidDuration(const google::protobuf::Duration& duration) {
  constexpr int64_t kMaxSeconds = 315'576'000'000;  // 10,000 years, as duration.proto says
  const int64_t seconds = duration.seconds();
  const int32_t nanos = duration.nanos();
  if (seconds < -kMaxSeconds || seconds > kMaxSeconds) return false;
  if (nanos <= -1'000'000'000 || nanos >= 1'000'000'000) return false;
  return !((seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0));
}

absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

}  // namespace kanarya::spec
