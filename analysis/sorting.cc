#include "analysis/sorting.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <utility>

namespace kanarya::analysis {
namespace {

constexpr int kDigitBits = 11;
constexpr int kDigits = (64 + kDigitBits - 1) / kDigitBits;  // 6
constexpr size_t kBuckets = size_t{1} << kDigitBits;
constexpr size_t kRadixThreshold = 6000;  // below this std::sort wins (bench/README.md)

// Maps a double to an unsigned key with the same order: negative values have
// all bits flipped, non-negative ones only the sign bit.
uint64_t ToKey(double value) {
  const uint64_t bits = std::bit_cast<uint64_t>(value);
  return bits ^ ((bits >> 63) != 0 ? ~uint64_t{0} : uint64_t{1} << 63);
}

double FromKey(uint64_t key) {
  return std::bit_cast<double>(key ^ ((key >> 63) != 0 ? uint64_t{1} << 63 : ~uint64_t{0}));
}

size_t Digit(uint64_t key, int d) { return (key >> (d * kDigitBits)) & (kBuckets - 1); }

}  // namespace

void SortAscending(std::vector<double>& values) {
  if (values.size() < kRadixThreshold) {
    std::sort(values.begin(), values.end());
    return;
  }
  std::vector<uint64_t> keys(values.size());
  std::vector<uint64_t> buffer(values.size());
  std::vector<std::array<size_t, kBuckets>> histograms(kDigits);
  for (auto& h : histograms) h.fill(0);
  for (size_t i = 0; i < values.size(); ++i) {
    keys[i] = ToKey(values[i]);
    for (int d = 0; d < kDigits; ++d) ++histograms[d][Digit(keys[i], d)];
  }
  for (int d = 0; d < kDigits; ++d) {
    std::array<size_t, kBuckets>& offsets = histograms[d];
    // A digit shared by every key leaves the order as it is.
    if (offsets[Digit(keys[0], d)] == keys.size()) continue;
    size_t running = 0;
    for (size_t& bucket : offsets) running += std::exchange(bucket, running);
    for (uint64_t key : keys) buffer[offsets[Digit(key, d)]++] = key;
    keys.swap(buffer);
  }
  for (size_t i = 0; i < values.size(); ++i) values[i] = FromKey(keys[i]);
}

}  // namespace kanarya::analysis
