// Monte Carlo comparison of rollback policies on the same simulated canaries.
//
// Every run is 30 minutes of 5-second ticks at a fixed 10 % canary weight:
// Poisson traffic (1000 baseline and 100 canary requests a tick), binomial
// 5xx errors (0.5 % on the baseline), and each side's mean latency per tick
// (log-normal request latencies, median 100 ms). Scenarios: A/A, and canaries
// with 2x / 5x the error rate or +10 % / +30 % latency. Every policy sees the
// same random streams:
//   kanarya     the sequential analysis (analysis/analysis_session.h), a look
//               every tick, alpha 0.05 split over the two metrics;
//   kayenta     Mann-Whitney on the growing window of per-tick values re-run
//               every 60 s, rollback on the first significant (p < 0.05)
//               increase of either metric;
//   flagger 5/60, 1/60  every 60 s, a failed check when the last minute's
//               canary error rate exceeds 1 % or its mean latency 120 ms;
//               rollback after 5 (Flagger's default) or 1 failed checks.
// The oracle is a fixed-horizon one-sided test of the true effect at
// Kanarya's per-metric level, whose horizon is the shortest at which it
// rejects in 95 % of the same runs.
//
// Usage: rollout_simulation [runs, default 1000]; prints Markdown.
#include <algorithm>
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

namespace kanarya::bench {
namespace {

constexpr int kTicks = 360;
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

// One tick of one run, both sides.
struct TickData {
  int64_t baseline_total, baseline_errors, canary_total, canary_errors;
  double baseline_latency, canary_latency;  // mean over the tick's requests
};

std::vector<TickData> SimulateRun(std::mt19937_64& rng, const Scenario& s) {
  std::vector<TickData> ticks(kTicks);
  const double mean = std::exp(kLatencyMu + kLatencySigma * kLatencySigma / 2);
  const double sd = mean * std::sqrt(std::exp(kLatencySigma * kLatencySigma) - 1);
  std::poisson_distribution<int64_t> baseline_requests(kBaselineRequests),
      canary_requests(kCanaryRequests);
  std::normal_distribution<double> unit(0, 1);
  for (TickData& t : ticks) {
    t.baseline_total = baseline_requests(rng);
    t.canary_total = canary_requests(rng);
    t.baseline_errors = std::binomial_distribution<int64_t>(t.baseline_total, kBaseErrorRate)(rng);
    t.canary_errors =
        std::binomial_distribution<int64_t>(t.canary_total, kBaseErrorRate * s.error_factor)(rng);
    // The mean of n log-normal latencies, by the central limit theorem.
    t.baseline_latency = mean + sd / std::sqrt(std::max<double>(1, t.baseline_total)) * unit(rng);
    t.canary_latency =
        s.latency_factor * (mean + sd / std::sqrt(std::max<double>(1, t.canary_total)) * unit(rng));
  }
  return ticks;
}

// Tick of rollback, or -1 when the policy never rolled back.
using Policy = std::function<int(const std::vector<TickData>&)>;

int Kanarya(const std::vector<TickData>& run) {
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
  analysis::AnalysisSession session(spec);
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

bool SignificantlyHigher(std::vector<double> canary, std::vector<double> baseline) {
  std::sort(canary.begin(), canary.end());
  std::sort(baseline.begin(), baseline.end());
  const analysis::RankSumTest test = analysis::MannWhitney(canary, baseline);
  const double null_u = canary.size() * baseline.size() / 2.0;
  return test.p_value < kAlpha && test.u > null_u;
}

int Kayenta(const std::vector<TickData>& run) {
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
  return [threshold](const std::vector<TickData>& run) {
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

struct Summary {
  double rollback_rate;
  double mean_seconds, median_seconds;  // to rollback, among runs rolled back
  double exposed_requests;              // canary requests served before rollback (or in all)
};

Summary Summarise(const std::vector<std::vector<TickData>>& runs, const std::vector<int>& at) {
  std::vector<double> seconds;
  double exposed = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    const int last = at[r] < 0 ? kTicks - 1 : at[r];
    for (int i = 0; i <= last; ++i) exposed += runs[r][i].canary_total;
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
  const std::vector<std::pair<std::string, Policy>> policies = {{"kanarya", Kanarya},
                                                                {"kayenta", Kayenta},
                                                                {"flagger 5/60s", Flagger(5)},
                                                                {"flagger 1/60s", Flagger(1)}};
  std::printf("%d runs per scenario, 30 min at 10 %% canary weight, 5 s ticks\n\n", runs);
  std::printf(
      "| scenario | policy | rollbacks | mean time to rollback | median | "
      "median / oracle | canary requests exposed |\n|---|---|---|---|---|---|---|\n");
  for (size_t k = 0; k < scenarios.size(); ++k) {
    const Scenario& scenario = scenarios[k];
    std::mt19937_64 rng(1000 + k);
    std::vector<std::vector<TickData>> data;
    data.reserve(runs);
    for (int r = 0; r < runs; ++r) data.push_back(SimulateRun(rng, scenario));
    // The oracle's horizon: the shortest with 95 % rejections.
    double oracle_seconds = NAN;
    if (scenario.name != "A/A") {
      for (int ticks = 1; ticks <= kTicks; ++ticks) {
        int rejections = 0;
        for (const auto& run : data) rejections += OracleRejects(run, ticks, scenario);
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
          "| %s | %s | %.1f %% | %.0f s | %.0f s | %s | %.0f |\n", scenario.name.c_str(),
          name.c_str(), 100 * s.rollback_rate, s.mean_seconds, s.median_seconds,
          std::isnan(oracle_seconds) || std::isnan(s.median_seconds)
              ? "-"
              : (std::to_string(s.median_seconds / oracle_seconds).substr(0, 4) + "x").c_str(),
          s.exposed_requests);
    }
    if (!std::isnan(oracle_seconds)) {
      std::printf("| %s | oracle (fixed horizon, 95 %% power) | - | %.0f s | %.0f s | 1x | - |\n",
                  scenario.name.c_str(), oracle_seconds, oracle_seconds);
    }
  }
  return 0;
}
