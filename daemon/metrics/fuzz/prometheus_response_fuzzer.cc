// libFuzzer target: any body with any HTTP status must parse to a result or a
// status, never crash, and a result must hold only well-formed series; read
// as a histogram's bucket increments (classic or native), it gives no data, a
// status, or bounds strictly increasing up to +Inf with counts >= 0.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "daemon/metrics/bucket_increments.h"
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
    const auto increments = kanarya::metrics::BucketIncrementsOf(*result);
    if (increments.ok() && increments->has_value()) {
      const auto& [bounds, counts, clamped, left_out, exponential] = **increments;
      if (bounds.size() < 2 || bounds.size() != counts.size() ||
          bounds.back() != std::numeric_limits<double>::infinity()) {
        __builtin_trap();
      }
      for (size_t i = 0; i < bounds.size(); ++i) {
        if (counts[i] < 0 || (i > 0 && !(bounds[i - 1] < bounds[i]))) __builtin_trap();
      }
    }
  }
  return 0;
}
