// google.protobuf.Duration as absl::Duration, with the proto's own validity
// rule (|seconds| <= 10,000 years, nanos in range and of the same sign). Pure.
#ifndef KANARYA_DAEMON_SPEC_DURATIONS_H_
#define KANARYA_DAEMON_SPEC_DURATIONS_H_

#include <google/protobuf/duration.pb.h>

#include "absl/time/time.h"

namespace kanarya::spec {

bool IsValidDuration(const google::protobuf::Duration& duration);
// Meaningful for a valid duration only.
absl::Duration FromProto(const google::protobuf::Duration& duration);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_DURATIONS_H_
