#include "daemon/spec/problems.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kanarya::spec {

void Problems::Add(const std::string& path, const std::string& reason) {
  problems_.push_back(absl::StrCat(path, ": ", reason));
}

void Problems::Add(const absl::Status& status) {
  if (!status.ok()) problems_.emplace_back(status.message());
}

absl::Status Problems::ToStatus() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
}

}  // namespace kanarya::spec
