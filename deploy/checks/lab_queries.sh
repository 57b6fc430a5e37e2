#!/usr/bin/env bash
# Every PromQL expression of the alerting rules and the dashboards runs
# against a real Prometheus that scraped the lab's mesh and kanaryad during
# the demo's rollouts, and returns data: a misspelled metric or label returns
# nothing and fails the check. One world (scripts/lab_world.sh), about a
# minute and a half:
#   - api-gateway v2 (healthy) and runner-service v2 (a fault at its second
#     step: rolled back), as scripts/demo.sh applies them;
#   - segmentation-service v2, which the lab does not serve: its preflight
#     fails on the missing VirtualService (a Kubernetes API error, a failed
#     rollout);
#   - runner-service with a query Prometheus refuses, once the bad canary is
#     rolled back: a provider error and a failed rollout;
#   - runner-service v2 again, healthy, paused by an operator: a rollout
#     waiting for a human.
# The expressions run twice, while api-gateway's analysis is under way (the
# per-rollout series) and after it is promoted (the decisions); each must
# return data at least once. Alerts are run without their threshold
# (deploy/checks/list_promql.mjs).
#
#   deploy/checks/lab_queries.sh BUILD_DIR    (kanaryad, kanaryactl and kanarya-lab built)
set -euo pipefail
cd "$(dirname "$0")/../.."
export BUILD_DIR=${1:?usage: deploy/checks/lab_queries.sh BUILD_DIR}
readonly NODE_MODULES=$PWD/.tools/node_modules
readonly DEADLINE_SECONDS=200

expressions=$(node deploy/checks/list_promql.mjs "$NODE_MODULES" deploy/prometheus/kanarya.rules.yaml \
  dashboards/*.json)

source scripts/lab_world.sh
trap world_stop EXIT
world_start

fail() {
  echo "FAIL: $*" >&2
  KEEP_WORLD_DIR=1
  echo "the world's logs are kept in $WORLD_DIR" >&2
  exit 1
}
query() {  # EXPRESSION: Prometheus' JSON answer
  curl -s --max-time 10 "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$1"
}
phase() { kanaryactl get "$1" -o json | jq -r .status.phase; }
terminal() { [[ "$1" =~ ^PHASE_(SUCCEEDED|ROLLED_BACK|ABORTED|FAILED)$ ]]; }
started=$SECONDS
waited() { ((SECONDS - started < DEADLINE_SECONDS)) || fail "not done after ${DEADLINE_SECONDS}s: $*"; }

for _ in $(seq 1 100); do
  [[ $(query 'up{job="kanarya"}' | jq -r '.data.result[0].value[1] // 0') == 1 ]] && break
  sleep 0.2
done
[[ $(query 'up{job="kanarya"}' | jq -r '.data.result[0].value[1] // 0') == 1 ]] ||
  fail "Prometheus does not scrape kanaryad's /metrics at $KANARYAD_HTTP"

apply() {  # FILE REASON: the rollout's name
  kanaryactl apply -f "$1" -o json --reason="$2" | jq -r .name
}
good=$(apply deploy/examples/api-gateway/rollout-v2.yaml "deploy check: healthy v2")
bad=$(apply deploy/examples/runner-service/rollout-v2.yaml "deploy check: v2 with a fault")
unserved=$(apply deploy/examples/segmentation-service/rollout-v2.yaml "deploy check: no VirtualService")
echo "applied $good, $bad, $unserved"

until [[ $(kanaryactl get "$bad" -o json | jq -r '.status.stepIndex // 0') -ge 1 ]] ||
  terminal "$(phase "$bad")"; do
  waited "$bad's second step"
  sleep 0.5
done
healthy_rate=$(curl -sf "$CONTROL_URL/faults" |
  jq '.faults[] | select(.service == "runner-service" and .version == "v2") | .error_rate')
[[ -n "$healthy_rate" ]] || fail "the lab does not list runner-service v2's error rate"
curl -sf "$CONTROL_URL/faults" -d '{"service": "runner-service", "version": "v2", "error_rate": 0.2}' >/dev/null
until terminal "$(phase "$bad")"; do
  waited "$bad's rollback"
  sleep 0.5
done
[[ $(phase "$bad") == PHASE_ROLLED_BACK ]] || fail "$bad ended $(phase "$bad"), not rolled back"

broken=$(sed 's/^revision: v2$/revision: v2-unknown-function/;
              0,/sum(istio_requests_total/s//no_such_function(istio_requests_total/' \
  deploy/examples/runner-service/rollout-v2.yaml |
  kanaryactl apply -f - -o json --reason="deploy check: a query Prometheus refuses" | jq -r .name)
until terminal "$(phase "$broken")"; do
  waited "$broken's preflight"
  sleep 0.5
done
echo "$unserved: $(phase "$unserved"); $broken: $(phase "$broken")"

# A rollout an operator paused (KanaryaRolloutWaitingForHuman's series).
curl -sf "$CONTROL_URL/faults" \
  -d "{\"service\": \"runner-service\", \"version\": \"v2\", \"error_rate\": $healthy_rate}" >/dev/null
held=$(sed 's/^revision: v2$/revision: v2-held/' deploy/examples/runner-service/rollout-v2.yaml |
  kanaryactl apply -f - -o json --reason="deploy check: paused by an operator" | jq -r .name)
until [[ $(phase "$held") == PHASE_PROGRESSING ]]; do
  terminal "$(phase "$held")" && fail "$held ended $(phase "$held") before it could be paused"
  waited "$held's first step"
  sleep 0.5
done
kanaryactl pause "$held" --reason="deploy check: waiting for a human" >/dev/null
[[ $(phase "$held") == PHASE_PAUSED ]] || fail "$held is $(phase "$held"), not paused"

declare -A answered=()
evaluate() {  # LABEL: runs every expression, records those with data
  local source expr answer count=0
  while IFS=$'\t' read -r source expr; do
    answer=$(query "$expr")
    [[ $(jq -r .status <<<"$answer") == success ]] ||
      fail "$source: Prometheus refused $expr: $(jq -r .error <<<"$answer")"
    if [[ $(jq '.data.result | length' <<<"$answer") -gt 0 ]]; then
      answered[$source]="$1: $(jq -c '[.data.result[:3][] | .value[1] // .] ' <<<"$answer" | cut -c1-80)"
      count=$((count + 1))
    fi
  done <<<"$expressions"
  echo "$1: $count of $(wc -l <<<"$expressions") expressions returned data"
}

sleep 2  # a scrape after the last failure
[[ $(phase "$good") == PHASE_PROGRESSING ]] ||
  echo "note: $good is $(phase "$good") at the first evaluation"
evaluate "during $good"
# The per-rollout series keep the rollout's namespace, not the scrape
# target's (kanarya-system): honor_labels, as the ServiceMonitor's
# honorLabels, which the alerts' summaries, the dashboards' $namespace and
# their `by (namespace, rollout)` need.
good_namespace=$(kanaryactl get "$good" -o json | jq -r .spec.target.namespace)
labels=$(query "kanarya_rollout_canary_weight{job=\"kanarya\",rollout=\"$good\"}" |
  jq -c '[.data.result[].metric | {namespace, exported_namespace}]')
if [[ $labels == '[]' ]] && terminal "$(phase "$good")"; then
  echo "note: $good finished before its namespace label could be checked"
else
  [[ $labels == "[{\"namespace\":\"$good_namespace\",\"exported_namespace\":null}]" ]] ||
    fail "kanarya_rollout_canary_weight of $good has labels $labels, not namespace $good_namespace"
  echo "ok   $good's series keep its namespace $good_namespace"
fi
[[ $(query 'up{job="kanarya"}' | jq -r '.data.result[0].metric.namespace') == kanarya-system ]] ||
  fail "the scrape target has no namespace label: the check above proves nothing"
# Promoted at the latest 120 s into its last step, or paused there when its
# errors are still not shown within tolerance (rarely, docs/lab.md).
until terminal "$(phase "$good")" || [[ $(phase "$good") == PHASE_PAUSED ]]; do
  waited "$good's promotion"
  sleep 1
done
sleep 2
evaluate "after $good $(phase "$good")"

missing=0
while IFS=$'\t' read -r source expr; do
  if [[ -n "${answered[$source]:-}" ]]; then
    printf 'ok   %s  (%s)\n' "$source" "${answered[$source]}"
  else
    printf 'FAIL %s: no data for %s\n' "$source" "$expr"
    missing=$((missing + 1))
  fi
done <<<"$expressions"
((missing == 0)) || fail "$missing expression(s) never returned data"
echo "every expression returned data; $((SECONDS - started)) s"
