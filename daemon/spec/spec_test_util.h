// Test support: a small valid rollout spec to mutate, one problem at a time.
#ifndef KANARYA_DAEMON_SPEC_SPEC_TEST_UTIL_H_
#define KANARYA_DAEMON_SPEC_SPEC_TEST_UTIL_H_

#include <gtest/gtest.h>

#include "daemon/spec/rollout_document.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

inline v1::RolloutSpec ValidSpec() {
  absl::StatusOr<v1::RolloutSpec> spec = ParseRolloutDocument(R"yaml(
target:
  namespace: shop
  virtual_service: checkout
  destination_rule: checkout
  stable: {host: checkout.shop.svc.cluster.local, subset: stable}
  canary: {subset: canary}
revision: "1.4.2"
scopes:
  baseline: {workload: checkout-v1, version: v1}
  canary: {workload: checkout-v2, version: v2}
  variables: {cluster: eu-1}
steps:
  tick_interval: 15s
  steps:
    - weight: 10
    - weight: 50
      gate: {manual_approval: true}
analysis:
  metrics:
    - name: errors
      kind: METRIC_KIND_COUNT
      direction: DIRECTION_INCREASE
      tolerance: 0.2
      source:
        provider: prometheus
        events_query: 'sum(increase(requests_total{cluster="{{cluster}}",workload="{{workload}}",code=~"5.."}[{{window}}]))'
        total_query: 'sum(increase(requests_total{cluster="{{cluster}}",workload="{{workload}}"}[{{window}}]))'
    - name: latency
      kind: METRIC_KIND_CONTINUOUS
      direction: DIRECTION_INCREASE
      tolerance: 0.1
      source:
        provider: prometheus
        value_query: 'avg by (pod) (rate(latency_sum{version="{{version}}"}[{{window}}]))'
      guardrail: {max: 0.5}
)yaml");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::RolloutSpec();
}

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_SPEC_TEST_UTIL_H_
