// Collects every problem of a document as "field.path: reason" so that one
// answer lists them all. Not thread-safe; one per validation.
#ifndef KANARYA_DAEMON_SPEC_PROBLEMS_H_
#define KANARYA_DAEMON_SPEC_PROBLEMS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kanarya::spec {

class Problems {
 public:
  void Add(const std::string& path, const std::string& reason);
  // Adds a non-OK status's message as it is (it names its field already).
  void Add(const absl::Status& status);
  bool empty() const { return problems_.empty(); }
  // OK when empty; otherwise InvalidArgument with the problems "; "-separated.
  absl::Status ToStatus() const;

 private:
  std::vector<std::string> problems_;
};

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_PROBLEMS_H_
