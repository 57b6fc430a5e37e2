#include "daemon/engine/rollout_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace kanarya::engine {
namespace {

constexpr size_t kMaxLabel = 63;
constexpr size_t kSuffix = 7;  // "-" and 6 hex digits

// Lower case; every run of other characters becomes one '-'; none at the ends.
std::string Sanitize(std::string_view text, size_t max_size) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= max_size) break;
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

std::string MakeRolloutName(std::string_view virtual_service, std::string_view revision,
                            uint32_t random) {
  std::string name = Sanitize(virtual_service, 30);
  if (name.empty()) name = "rollout";
  const std::string version = Sanitize(revision, kMaxLabel - kSuffix - name.size() - 1);
  if (!version.empty()) name += "-" + version;
  return absl::StrFormat("%s-%06x", name, random & 0xffffff);
}

}  // namespace kanarya::engine
