#include "daemon/spec/rollout_document.h"

#include "cli/message_io.h"

namespace kanarya::spec {

absl::StatusOr<v1::RolloutSpec> ParseRolloutDocument(const std::string& document) {
  v1::RolloutSpec spec;
  if (absl::Status status = cli::ParseDocument(document, spec); !status.ok()) return status;
  return spec;
}

absl::StatusOr<v1::RolloutSpec> ReadRolloutDocument(const std::string& path) {
  absl::StatusOr<std::string> document = cli::ReadInput(path);
  if (!document.ok()) return document.status();
  absl::StatusOr<v1::RolloutSpec> spec = ParseRolloutDocument(*document);
  if (!spec.ok()) {
    return absl::Status(spec.status().code(), path + ": " + std::string(spec.status().message()));
  }
  return spec;
}

}  // namespace kanarya::spec
