// libFuzzer target: any text as a kubeconfig, with the current context and
// with the one a first line "# NAME" names, must give a configuration or an
// InvalidArgument, never throw or crash; a configuration always has a server.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/kube/kube_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string context =
      input.rfind("# ", 0) == 0 && newline != std::string::npos ? input.substr(2, newline - 2) : "";
  for (const std::string& name : {std::string(), context}) {
    const auto config = kanarya::kube::KubeconfigText(input, "<fuzz>", name);
    if (config.ok() ? config->server.empty()
                    : config.status().code() != absl::StatusCode::kInvalidArgument) {
      __builtin_trap();
    }
  }
  return 0;
}
