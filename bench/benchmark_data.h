// Deterministic benchmark samples that bench/scipy_mannwhitneyu.py reproduces bit
// for bit: SplitMix64 outputs mapped to [0, 1) with 53 bits, then scaled.
#ifndef KANARYA_BENCH_BENCHMARK_DATA_H_
#define KANARYA_BENCH_BENCHMARK_DATA_H_

#include <cstdint>
#include <vector>

namespace kanarya::bench {

inline std::vector<double> UniformSample(uint64_t seed, size_t n, double offset, double width) {
  std::vector<double> values(n);
  uint64_t state = seed;
  for (double& v : values) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    v = offset + width * (static_cast<double>(z >> 11) * 0x1.0p-53);
  }
  return values;
}

// Latency-like samples: the canary is 1 % slower.
inline std::vector<double> Baseline(size_t n) { return UniformSample(1, n, 100.0, 20.0); }
inline std::vector<double> Canary(size_t n) { return UniformSample(2, n, 101.0, 20.0); }

}  // namespace kanarya::bench

#endif  // KANARYA_BENCH_BENCHMARK_DATA_H_
