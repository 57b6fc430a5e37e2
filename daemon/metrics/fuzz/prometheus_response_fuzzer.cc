// libFuzzer target: any body with any HTTP status must parse to a result or a
// status, never crash, and a result must hold only well-formed series.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/metrics/prometheus_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const long status = data[0] % 2 == 0 ? 200 : 400 + data[0] % 200;  // NOLINT
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto result = kanarya::metrics::ParsePrometheusResponse(body, status);
  if (result.ok()) {
    for (const auto& series : result->series) {
      for (size_t i = 1; i < series.labels.size(); ++i) {
        if (series.labels[i - 1].first > series.labels[i].first) __builtin_trap();
      }
    }
  }
  return 0;
}
