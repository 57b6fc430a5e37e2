// Mann-Whitney U + Hodges-Lehmann + confidence interval from unsorted samples,
// as the judge computes them (its own radix sort included), next to std::sort
// of the pooled sample: the floor of a comparison-sort rank method.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "analysis/metric_judgement.h"
#include "analysis/rank_sum_test.h"
#include "analysis/shift_estimate.h"
#include "analysis/sorting.h"
#include "bench/benchmark_data.h"

namespace kanarya::bench {
namespace {

void BM_SortPooled(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<double> pooled = Baseline(n);
  const std::vector<double> canary = Canary(n);
  pooled.insert(pooled.end(), canary.begin(), canary.end());
  std::vector<double> work;
  for (auto _ : state) {
    work = pooled;
    std::sort(work.begin(), work.end());
    benchmark::DoNotOptimize(work.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pooled.size()));
}

// Times `compute(sorted canary, sorted baseline)` after sorting fresh copies
// of both samples with the judge's own sort, as the judge does.
template <typename Compute>
void SortThen(benchmark::State& state, Compute compute) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<double> baseline = Baseline(n);
  const std::vector<double> canary = Canary(n);
  std::vector<double> b, c;
  for (auto _ : state) {
    b = baseline;
    c = canary;
    analysis::SortAscending(b);
    analysis::SortAscending(c);
    benchmark::DoNotOptimize(compute(c, b));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(2 * n));
}

// What scipy.stats.mannwhitneyu computes: U and its p-value, nothing more.
void BM_RankSumTest(benchmark::State& state) {
  SortThen(state, [](const auto& c, const auto& b) { return analysis::MannWhitney(c, b); });
}

// Everything the judge reports for a continuous metric.
void BM_RankSumShiftInterval(benchmark::State& state) {
  SortThen(state, [](const auto& c, const auto& b) {
    return analysis::EstimateShift(c, b, analysis::MannWhitney(c, b), 0.95);
  });
}

// A count metric with totals near 2^52, the largest the judge accepts: the
// exact binomial test and the Clopper-Pearson interval of the event share.
void BM_JudgeHugeCounts(benchmark::State& state) {
  v1::MetricInput metric;
  metric.set_name("errors");
  metric.set_kind(v1::METRIC_KIND_COUNT);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_canary_total((int64_t{1} << 52) - 3);
  metric.set_canary_events(int64_t{1} << 50);
  metric.set_baseline_total(int64_t{1} << 52);
  metric.set_baseline_events((int64_t{1} << 50) + (int64_t{1} << 26));
  for (auto _ : state) benchmark::DoNotOptimize(analysis::JudgeMetric(metric, 0.95));
}

BENCHMARK(BM_JudgeHugeCounts)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SortPooled)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RankSumTest)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RankSumShiftInterval)
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kanarya::bench

BENCHMARK_MAIN();
