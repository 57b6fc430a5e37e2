// Test equipment: an exporter on 127.0.0.1 serving native histograms in
// Prometheus' protobuf exposition format (delimited MetricFamily messages,
// the only format Prometheus 2.42 scrapes them from), every sample with its
// own timestamp, so a real Prometheus scraping it once holds a known history.
// Serves until destroyed; thread-safe. Never product code.
#ifndef KANARYA_TESTS_LAB_NATIVE_HISTOGRAM_EXPORTER_H_
#define KANARYA_TESTS_LAB_NATIVE_HISTOGRAM_EXPORTER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "tests/lab/loopback_server.h"

namespace kanarya::lab {

// One sample of one native histogram series: what a client library reports
// at `time` (counts since the process started, not per bucket cumulative).
struct NativeHistogramSample {
  std::vector<std::pair<std::string, std::string>> labels;  // without __name__
  absl::Time time;
  int schema = 0;  // bucket i of a positive value: (base^(i-1), base^i], base 2^(2^-schema)
  double zero_threshold = 1e-3;
  uint64_t zero_count = 0;
  std::map<int, uint64_t> positive;  // bucket index -> observations in it (none: empty)
  std::map<int, uint64_t> negative;  // the same for negative values, by their magnitude
  double sum = 0;
};

class NativeHistogramExporter {
 public:
  // Serves every sample of the histogram `name` on /metrics at each scrape.
  NativeHistogramExporter(const std::string& name,
                          const std::vector<NativeHistogramSample>& samples);

  std::string target() const;  // "127.0.0.1:PORT", for a scrape config
  int scrapes() const { return scrapes_.load(); }

  // The protobuf exposition of `samples` (delimited MetricFamily messages).
  static std::string Exposition(const std::string& name,
                                const std::vector<NativeHistogramSample>& samples);

 private:
  const std::string body_;
  std::atomic<int> scrapes_{0};
  LoopbackServer server_;  // last: stops serving before the rest goes
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_NATIVE_HISTOGRAM_EXPORTER_H_
