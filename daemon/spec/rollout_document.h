// A RolloutSpec from a YAML or JSON document (the proto3 JSON mapping, field
// names in either spelling, enums by name, durations as "30s"). Only parses:
// ValidateRolloutSpec judges the content. Thread-safe.
#ifndef KANARYA_DAEMON_SPEC_ROLLOUT_DOCUMENT_H_
#define KANARYA_DAEMON_SPEC_ROLLOUT_DOCUMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

// InvalidArgument with the parser's position or the field's path on error;
// unknown fields are errors.
absl::StatusOr<v1::RolloutSpec> ParseRolloutDocument(const std::string& document);

// Reads the file ("-": standard input) and parses it; NotFound when the file
// cannot be read.
absl::StatusOr<v1::RolloutSpec> ReadRolloutDocument(const std::string& path);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_ROLLOUT_DOCUMENT_H_
