// Monte Carlo comparison of rollback policies on the same simulated canaries.
//
// Every run is 30 minutes of 5-second ticks at a fixed 10 % canary weight:
// Poisson traffic (1000 baseline and 100 canary requests a tick), binomial
// 5xx errors (0.5 % on the baseline), and each side's requests' latencies
// (log-normal, median 100 ms), seen both as the tick's mean and as Istio's
// default histogram buckets (bench/simulated_requests.h). Scenarios: A/A,
// and canaries with 2x / 5x the error rate or +10 % / +30 % latency. Every
// policy sees the same random streams:
//   kanarya     the sequential analysis (analysis/analysis_session.h), a look
//               every tick, alpha 0.05 split over the two metrics; without
//               and with the baseline's 120 ticks (10 minutes) before the
//               rollout as history, drawn from the same process; and with
//               the latency as a histogram metric (tolerance 0 and 0.2)
//               instead of per-tick means;
//   kayenta     Mann-Whitney on the growing window of per-tick values re-run
//               every 60 s, rollback on the first significant (p < 0.05)
//               increase of either metric;
//   flagger 5/60, 1/60  every 60 s, a failed check when the last minute's
//               canary error rate exceeds 1 % or its mean latency 120 ms;
//               rollback after 5 (Flagger's default) or 1 failed checks.
// The oracle is a fixed-horizon one-sided test of the true effect at
// Kanarya's per-metric level, whose horizon is the shortest at which it
// rejects in 95 % of the same runs; for latency, besides the z-test of the
// per-tick means, the exact test of the share of requests above the bucket
// bound where that horizon is shortest, the histogram's own null
// (tolerance 0).
//
// Usage: rollout_simulation [runs, default 1000]; prints Markdown.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analysis/analysis_session.h"
#include "analysis/binomial.h"
#include "analysis/normal.h"
#include "analysis/rank_sum_test.h"
#include "bench/simulated_requests.h"

namespace kanarya::bench {
namespace {

constexpr int kTicks = 360;
constexpr int kHistoryTicks = 120;
constexpr double kTickSeconds = 5;
constexpr int kTicksPerInterval = 12;  // 60 s
constexpr double kBaselineRequests = 1000;
constexpr double kCanaryRequests = 100;
constexpr double kBaseErrorRate = 0.005;
constexpr double kAlpha = 0.05;
constexpr double kMetricAlpha = kAlpha / 2;  // Kanarya's share per metric
constexpr double kLatencyMu = 4.60517;       // log(100 ms)
constexpr double kLatencySigma = 0.5;

struct Scenario {
  std::string name;
  double error_factor;
  double latency_factor;
};

// One tick of one run, both sides. A side's requests per bucket fit 16 bits:
// Poisson(1000) never comes near 65535.
struct TickData {
  int64_t baseline_total, baseline_errors, canary_total, canary_errors;
  double baseline_latency, canary_latency;  // mean over the tick's requests
  std::array<uint16_t, kBuckets> baseline_buckets, canary_buckets;
};

// A run's ticks, and the baseline's before the rollout.
struct Run {
  std::vector<TickData> ticks;
  std::vector<TickData> history;
};

std::vector<TickData> SimulateTicks(std::mt19937_64& rng, const Scenario& s, int count) {
  std::vector<TickData> ticks(count);
  const LatencyModel baseline(kLatencyMu, kLatencySigma);
  const LatencyModel canary(kLatencyMu + std::log(s.latency_factor), kLatencySigma);
  std::poisson_distribution<int64_t> baseline_requests(kBaselineRequests),
      canary_requests(kCanaryRequests);
  for (TickData& t : ticks) {
    t.baseline_total = baseline_requests(rng);
    t.canary_total = canary_requests(rng);
    t.baseline_errors = std::binomial_distribution<int64_t>(t.baseline_total, kBaseErrorRate)(rng);
    t.canary_errors =
        std::binomial_distribution<int64_t>(t.canary_total, kBaseErrorRate * s.error_factor)(rng);
    t.baseline_latency = baseline.Draw(rng, t.baseline_total, t.baseline_buckets);
    t.canary_latency = canary.Draw(rng, t.canary_total, t.canary_buckets);
  }
  return ticks;
}

// Tick of rollback, or -1 when the policy never rolled back.
using Policy = std::function<int(const Run&)>;

// The history: the baseline's mean latency per tick (no canary yet).
std::vector<v1::Tick> HistoryTicks(const std::vector<TickData>& history) {
  std::vector<v1::Tick> ticks(history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    (*ticks[i].mutable_metrics())["latency"].add_baseline(history[i].baseline_latency);
  }
  return ticks;
}

int KanaryaAnalysis(const Run& data, bool with_history) {
  const std::vector<TickData>& run = data.ticks;
  v1::AnalysisSpec spec;
  spec.set_alpha(kAlpha);
  v1::MetricSpec* errors = spec.add_metrics();
  errors->set_name("errors");
  errors->set_kind(v1::METRIC_KIND_COUNT);
  errors->set_direction(v1::DIRECTION_INCREASE);
  v1::MetricSpec* latency = spec.add_metrics();
  latency->set_name("latency");
  latency->set_kind(v1::METRIC_KIND_CONTINUOUS);
  latency->set_direction(v1::DIRECTION_INCREASE);
  latency->set_tolerance(0.05);
  analysis::AnalysisSession session(
      spec, with_history ? HistoryTicks(data.history) : std::vector<v1::Tick>{});
  for (int i = 0; i < kTicks; ++i) {
    v1::Tick tick;
    v1::Observation& e = (*tick.mutable_metrics())["errors"];
    e.set_baseline_events(run[i].baseline_errors);
    e.set_baseline_total(run[i].baseline_total);
    e.set_canary_events(run[i].canary_errors);
    e.set_canary_total(run[i].canary_total);
    v1::Observation& l = (*tick.mutable_metrics())["latency"];
    l.add_baseline(run[i].baseline_latency);
    l.add_canary(run[i].canary_latency);
    session.Observe(tick);
    if (session.decision() == v1::DECISION_ROLLBACK) return i;
  }
  return -1;
}

// The same analysis with the latency as a histogram metric of Istio's
// buckets, at the given tolerance on the shares above each bound.
int KanaryaHistogram(const Run& data, double tolerance) {
  v1::AnalysisSpec spec;
  spec.set_alpha(kAlpha);
  v1::MetricSpec* errors = spec.add_metrics();
  errors->set_name("errors");
  errors->set_kind(v1::METRIC_KIND_COUNT);
  errors->set_direction(v1::DIRECTION_INCREASE);
  v1::MetricSpec* latency = spec.add_metrics();
  latency->set_name("latency");
  latency->set_kind(v1::METRIC_KIND_HISTOGRAM);
  latency->set_direction(v1::DIRECTION_INCREASE);
  latency->set_tolerance(tolerance);
  const auto& bounds = analysis::testing::IstioBounds();
  analysis::AnalysisSession session(spec);
  for (int i = 0; i < kTicks; ++i) {
    const TickData& t = data.ticks[i];
    v1::Tick tick;
    v1::Observation& e = (*tick.mutable_metrics())["errors"];
    e.set_baseline_events(t.baseline_errors);
    e.set_baseline_total(t.baseline_total);
    e.set_canary_events(t.canary_errors);
    e.set_canary_total(t.canary_total);
    v1::Observation& l = (*tick.mutable_metrics())["latency"];
    l.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
    l.mutable_baseline_buckets()->Add(t.baseline_buckets.begin(), t.baseline_buckets.end());
    l.mutable_canary_buckets()->Add(t.canary_buckets.begin(), t.canary_buckets.end());
    session.Observe(tick);
    if (session.decision() == v1::DECISION_ROLLBACK) return i;
  }
  return -1;
}

bool SignificantlyHigher(std::vector<double> canary, std::vector<double> baseline) {
  std::sort(canary.begin(), canary.end());
  std::sort(baseline.begin(), baseline.end());
  const analysis::RankSumTest test = analysis::MannWhitney(canary, baseline);
  const double null_u = canary.size() * baseline.size() / 2.0;
  return test.p_value < kAlpha && test.u > null_u;
}

int Kayenta(const Run& data) {
  const std::vector<TickData>& run = data.ticks;
  std::vector<double> canary_errors, baseline_errors, canary_latency, baseline_latency;
  for (int i = 0; i < kTicks; ++i) {
    const TickData& t = run[i];
    canary_errors.push_back(t.canary_total ? double(t.canary_errors) / t.canary_total : 0);
    baseline_errors.push_back(t.baseline_total ? double(t.baseline_errors) / t.baseline_total : 0);
    canary_latency.push_back(t.canary_latency);
    baseline_latency.push_back(t.baseline_latency);
    if ((i + 1) % kTicksPerInterval != 0) continue;
    if (SignificantlyHigher(canary_errors, baseline_errors) ||
        SignificantlyHigher(canary_latency, baseline_latency)) {
      return i;
    }
  }
  return -1;
}

Policy Flagger(int threshold) {
  return [threshold](const Run& data) {
    const std::vector<TickData>& run = data.ticks;
    int failed = 0;
    for (int end = kTicksPerInterval; end <= kTicks; end += kTicksPerInterval) {
      int64_t requests = 0, errors = 0;
      double latency = 0;
      for (int i = end - kTicksPerInterval; i < end; ++i) {
        requests += run[i].canary_total;
        errors += run[i].canary_errors;
        latency += run[i].canary_latency / kTicksPerInterval;
      }
      const bool check_failed = (requests > 0 && double(errors) / requests > 0.01) || latency > 120;
      if (check_failed && ++failed >= threshold) return end - 1;
    }
    return -1;
  };
}

// Whether the oracle's fixed-horizon test rejects on the run's first `ticks` ticks.
bool OracleRejects(const std::vector<TickData>& run, int ticks, const Scenario& s) {
  if (s.error_factor != 1.0) {
    int64_t ce = 0, ct = 0, be = 0, bt = 0;
    for (int i = 0; i < ticks; ++i) {
      ce += run[i].canary_errors, ct += run[i].canary_total;
      be += run[i].baseline_errors, bt += run[i].baseline_total;
    }
    const double share = double(ct) / double(ct + bt);
    return analysis::BinomialUpperTail(ce, ce + be, share) < kMetricAlpha;
  }
  // Latency: one-sided z-test of the shift against the same 5 % tolerance,
  // with the true per-tick variances (the oracle knows the noise too).
  double canary_sum = 0, baseline_sum = 0;
  for (int i = 0; i < ticks; ++i) {
    canary_sum += run[i].canary_latency;
    baseline_sum += run[i].baseline_latency;
  }
  const double mean = std::exp(kLatencyMu + kLatencySigma * kLatencySigma / 2);
  const double request_variance = mean * mean * (std::exp(kLatencySigma * kLatencySigma) - 1);
  const double tick_variance =
      request_variance / kBaselineRequests +
      s.latency_factor * s.latency_factor * request_variance / kCanaryRequests;
  const double baseline_mean = baseline_sum / ticks;
  const double shift = canary_sum / ticks - baseline_mean;
  return (shift - 0.05 * baseline_mean) / std::sqrt(tick_variance / ticks) >
         analysis::NormalQuantile(1 - kMetricAlpha);
}

// The histogram oracle's horizon: the fewest ticks at which, at some bound,
// the exact one-sided test of "the canary's share of requests above it is at
// most the baseline's" rejects at Kanarya's per-metric level in 95 % of the
// runs; NAN when none does within the rollout.
double HistogramOracleSeconds(const std::vector<Run>& runs) {
  struct Above {
    int64_t canary = 0, canary_total = 0, baseline = 0, baseline_total = 0;
  };
  std::vector<std::array<Above, kBuckets - 1>> sums(runs.size());
  for (int ticks = 1; ticks <= kTicks; ++ticks) {
    std::array<int, kBuckets - 1> rejections{};
    for (size_t r = 0; r < runs.size(); ++r) {
      const TickData& t = runs[r].ticks[ticks - 1];
      int64_t canary_above = t.canary_total, baseline_above = t.baseline_total;
      for (size_t b = 0; b + 1 < kBuckets; ++b) {
        canary_above -= t.canary_buckets[b];
        baseline_above -= t.baseline_buckets[b];
        Above& a = sums[r][b];
        a.canary += canary_above, a.canary_total += t.canary_total;
        a.baseline += baseline_above, a.baseline_total += t.baseline_total;
        const double share = double(a.canary_total) / double(a.canary_total + a.baseline_total);
        rejections[b] +=
            analysis::BinomialUpperTail(a.canary, a.canary + a.baseline, share) < kMetricAlpha;
      }
    }
    for (int count : rejections) {
      if (count >= 0.95 * double(runs.size())) return ticks * kTickSeconds;
    }
  }
  return NAN;
}

struct Summary {
  double rollback_rate;
  double mean_seconds, median_seconds;  // to rollback, among runs rolled back
  double exposed_requests;              // canary requests served before rollback (or in all)
};

std::string Seconds(double seconds) {
  return std::isnan(seconds) ? "-" : std::to_string(static_cast<int>(std::lround(seconds))) + " s";
}

Summary Summarise(const std::vector<Run>& runs, const std::vector<int>& at) {
  std::vector<double> seconds;
  double exposed = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    const int last = at[r] < 0 ? kTicks - 1 : at[r];
    for (int i = 0; i <= last; ++i) exposed += runs[r].ticks[i].canary_total;
    if (at[r] >= 0) seconds.push_back((at[r] + 1) * kTickSeconds);
  }
  Summary s{double(seconds.size()) / runs.size(), NAN, NAN, exposed / runs.size()};
  if (!seconds.empty()) {
    std::sort(seconds.begin(), seconds.end());
    double total = 0;
    for (double x : seconds) total += x;
    s.mean_seconds = total / seconds.size();
    s.median_seconds = seconds[seconds.size() / 2];
  }
  return s;
}

}  // namespace
}  // namespace kanarya::bench

int main(int argc, char** argv) {
  using namespace kanarya::bench;
  const int runs = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::vector<Scenario> scenarios = {{"A/A", 1, 1},
                                           {"errors 2x", 2, 1},
                                           {"errors 5x", 5, 1},
                                           {"latency +10%", 1, 1.1},
                                           {"latency +30%", 1, 1.3}};
  const std::vector<std::pair<std::string, Policy>> policies = {
      {"kanarya, without history", [](const Run& run) { return KanaryaAnalysis(run, false); }},
      {"kanarya, with history", [](const Run& run) { return KanaryaAnalysis(run, true); }},
      {"kanarya, histogram, tolerance 0",
       [](const Run& run) { return KanaryaHistogram(run, 0.0); }},
      {"kanarya, histogram, tolerance 0.2",
       [](const Run& run) { return KanaryaHistogram(run, 0.2); }},
      {"kayenta", Kayenta},
      {"flagger 5/60s", Flagger(5)},
      {"flagger 1/60s", Flagger(1)}};
  std::printf("%d runs per scenario, 30 min at 10 %% canary weight, 5 s ticks\n\n", runs);
  std::printf(
      "| scenario | policy | rollbacks | mean time to rollback | median | "
      "median / oracle | canary requests exposed |\n|---|---|---|---|---|---|---|\n");
  for (size_t k = 0; k < scenarios.size(); ++k) {
    const Scenario& scenario = scenarios[k];
    // The history has its own stream, so the rollouts' are those of the
    // tables without it.
    std::mt19937_64 rng(1000 + k), history_rng(2000 + k);
    std::vector<Run> data;
    data.reserve(runs);
    for (int r = 0; r < runs; ++r) {
      std::vector<TickData> ticks = SimulateTicks(rng, scenario, kTicks);
      data.push_back({std::move(ticks), SimulateTicks(history_rng, scenario, kHistoryTicks)});
    }
    // The oracle's horizon: the shortest with 95 % rejections.
    double oracle_seconds = NAN;
    if (scenario.name != "A/A") {
      for (int ticks = 1; ticks <= kTicks; ++ticks) {
        int rejections = 0;
        for (const auto& run : data) rejections += OracleRejects(run.ticks, ticks, scenario);
        if (rejections >= 0.95 * runs) {
          oracle_seconds = ticks * kTickSeconds;
          break;
        }
      }
    }
    for (const auto& [name, policy] : policies) {
      std::vector<int> at;
      at.reserve(data.size());
      for (const auto& run : data) at.push_back(policy(run));
      const Summary s = Summarise(data, at);
      std::printf(
          "| %s | %s | %.1f %% | %s | %s | %s | %.0f |\n", scenario.name.c_str(), name.c_str(),
          100 * s.rollback_rate, Seconds(s.mean_seconds).c_str(), Seconds(s.median_seconds).c_str(),
          std::isnan(oracle_seconds) || std::isnan(s.median_seconds)
              ? "-"
              : (std::to_string(s.median_seconds / oracle_seconds).substr(0, 4) + "x").c_str(),
          s.exposed_requests);
    }
    if (!std::isnan(oracle_seconds)) {
      std::printf("| %s | oracle (fixed horizon, 95 %% power) | - | %.0f s | %.0f s | 1x | - |\n",
                  scenario.name.c_str(), oracle_seconds, oracle_seconds);
    }
    if (scenario.latency_factor != 1.0) {
      const double histogram_seconds = HistogramOracleSeconds(data);
      std::printf(
          "| %s | oracle, histogram (fixed horizon at the best bound, tolerance 0, 95 %% power) "
          "| - | %.0f s | %.0f s | %s | - |\n",
          scenario.name.c_str(), histogram_seconds, histogram_seconds,
          (std::to_string(histogram_seconds / oracle_seconds).substr(0, 4) + "x").c_str());
    }
  }
  return 0;
}
