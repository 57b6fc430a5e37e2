// absl::Time and protobuf Timestamps, both ways; an unset Timestamp is the
// Unix epoch, which no rollout ever sees. Pure.
#ifndef KANARYA_DAEMON_ENGINE_PROTO_TIME_H_
#define KANARYA_DAEMON_ENGINE_PROTO_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace kanarya::engine {

inline google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp proto;
  const int64_t nanos = absl::ToUnixNanos(time);
  proto.set_seconds(nanos / 1'000'000'000);
  proto.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  if (proto.nanos() < 0) {  // before the epoch: nanos must be non-negative
    proto.set_seconds(proto.seconds() - 1);
    proto.set_nanos(proto.nanos() + 1'000'000'000);
  }
  return proto;
}

inline absl::Time FromProto(const google::protobuf::Timestamp& proto) {
  return absl::FromUnixSeconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
}

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_PROTO_TIME_H_
