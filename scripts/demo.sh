#!/usr/bin/env bash
# The README's main command: two canary rollouts on this machine, end to end.
# Installs and builds what is missing, then starts on loopback ports a real
# Prometheus, kanarya-lab (a Kubernetes API, an Istio-like mesh serving real
# telemetry, Loki) and kanaryad, and applies two rollouts with kanaryactl:
# v2 of api-gateway, healthy, is promoted; v2 of runner-service starts
# failing one request in five at its second step (a fault posted to the lab)
# and is rolled back. Shows their progress, then a summary: each rollout's
# final phase and weights, and for the bad one the time from the fault to the
# VirtualService back at 100 % stable and the requests the bad canary served.
# Stops everything it started on exit, Ctrl-C included.
#
#   scripts/demo.sh             the live demo (about 3 minutes once built)
#   scripts/demo.sh --offline   no daemon: kanaryactl judges and replays the
#                               recorded canaries of examples/
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--offline" ]]; then
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release --target kanaryactl
  for example in examples/judge-bad-canary.yaml examples/judge-good-canary.yaml; do
    echo "=== kanaryactl judge -f $example"
    build/release/cli/kanaryactl judge -f "$example"
  done
  for example in examples/replay-bad-canary.json examples/replay-good-canary.json; do
    echo "=== kanaryactl replay -f $example"
    build/release/cli/kanaryactl replay -f "$example"
  done
  exit 0
fi
[[ $# -eq 0 ]] || { echo "usage: scripts/demo.sh [--offline]" >&2; exit 2; }

# The demo's budget: a rollout unfinished by then is reported as such.
readonly DEADLINE_SECONDS=240
readonly BAD_ERROR_RATE=0.2

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target kanaryad kanaryactl kanarya-lab

source scripts/lab_world.sh
trap world_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

started=$(now)
echo "=== starting kanarya-lab, Prometheus and kanaryad"
world_start
cat <<EOF
    Kubernetes API  $KUBE_URL   (kubeconfig $KUBECONFIG_FILE)
    mesh telemetry  $METRICS_URL
    Loki            $LOKI_URL
    lab control     $CONTROL_URL   (POST /faults, GET /traffic)
    Prometheus      $PROMETHEUS_URL   (scraping the mesh every second)
    kanaryad        $KANARYAD   (state in $WORLD_DIR/kanaryad-data)
EOF

echo "=== kanaryactl apply -f deploy/examples/api-gateway/rollout-v2.yaml; ... -f deploy/examples/runner-service/rollout-v2.yaml"
good=$(kanaryactl apply -f deploy/examples/api-gateway/rollout-v2.yaml -o json --reason="demo: healthy v2" |
  jq -r .name)
bad=$(kanaryactl apply -f deploy/examples/runner-service/rollout-v2.yaml -o json \
  --reason="demo: v2 that fails at its second step" | jq -r .name)
kanaryactl list
applied=$(now)

# Progress: one line whenever a rollout's phase, step or weight changes.
declare -A shown=()
terminal() { [[ "$1" =~ ^PHASE_(SUCCEEDED|ROLLED_BACK|ABORTED|FAILED)$ ]]; }
report() {  # NAME JSON
  local line
  line=$(jq -r '[(.status.phase // "-" | sub("PHASE_"; "")),
                 "step " + ((.status.stepIndex // 0) + 1 | tostring),
                 "weight " + (.status.canaryWeight // 0 | tostring) + "%",
                 (.status.reason // "")] | join("  ")' <<<"$2")
  if [[ "${shown[$1]:-}" != "$line" ]]; then
    shown[$1]=$line
    printf '[%6ss] %-24s %s\n' "$(elapsed "$applied" "$(now)")" "$1" "$line"
  fi
}

# Every 10 s, where each unfinished rollout's analysis stands: per metric its
# state, its estimate (the canary/baseline ratio of counts, the shift of a
# continuous metric) and the confidence sequence.
analysis() {  # NAME JSON
  local line
  line=$(jq -r 'def n: if type == "number" then (. * 100 | round / 100 | tostring) else . end;
    [.status.metrics[]? | "\(.name) \(.state | sub("METRIC_STATE_"; "") | ascii_downcase)"
      + " \(.estimate | n) [\(.csLower | n), \(.csUpper | n)]"] | join(", ")' <<<"$2")
  [[ -n "$line" ]] && printf '[%6ss] %-24s   %s\n' "$(elapsed "$applied" "$(now)")" "$1" "$line"
  return 0
}

echo "=== progress (the fault is posted when $bad reaches its second step)"
fault_at="" back_at="" served_before="" last_analysis=$applied
good_json="" bad_json=""
while :; do
  good_json=$(kanaryactl get "$good" -o json)
  bad_json=$(kanaryactl get "$bad" -o json)
  report "$good" "$good_json"
  report "$bad" "$bad_json"
  good_phase=$(jq -r .status.phase <<<"$good_json")
  bad_phase=$(jq -r .status.phase <<<"$bad_json")
  if (($(printf '%.0f' "$(elapsed "$last_analysis" "$(now)")") >= 10)); then
    last_analysis=$(now)
    terminal "$good_phase" || analysis "$good" "$good_json"
    terminal "$bad_phase" || analysis "$bad" "$bad_json"
  fi

  if [[ -z "$fault_at" && "$(jq -r '.status.stepIndex // 0' <<<"$bad_json")" -ge 1 ]] &&
    ! terminal "$bad_phase"; then
    served_before=$(curl -s "$CONTROL_URL/traffic")
    curl -sf "$CONTROL_URL/faults" -d "{\"service\": \"runner-service\", \"version\": \"v2\",
      \"error_rate\": $BAD_ERROR_RATE}" >/dev/null
    fault_at=$(now)
    printf '[%6ss] %-24s %s\n' "$(elapsed "$applied" "$fault_at")" "lab" \
      "fault: runner-service v2 now fails $(awk -v r=$BAD_ERROR_RATE 'BEGIN {print r * 100}') % of its requests"
  fi
  # After the fault, watch the VirtualService itself, as a user would.
  if [[ -n "$fault_at" && -z "$back_at" ]]; then
    for _ in 1 2 3 4; do
      if [[ "$(canary_weight runner-service)" == 0 ]]; then
        back_at=$(now)
        printf '[%6ss] %-24s %s\n' "$(elapsed "$applied" "$back_at")" "lab" \
          "runner-service's VirtualService is back at 100 % stable"
        break
      fi
      sleep 0.2
    done
  else
    sleep 0.8
  fi

  if terminal "$good_phase" && terminal "$bad_phase" && [[ -z "$fault_at" || -n "$back_at" ]]; then
    break
  fi
  if (($(printf '%.0f' "$(elapsed "$applied" "$(now)")") > DEADLINE_SECONDS)); then
    echo "=== stopped waiting after ${DEADLINE_SECONDS}s"
    break
  fi
done

# The summary: final phases and weights, the rollback's speed, the harm done.
routes() {  # SERVICE: the VirtualService's weights and the stable subset's version
  local vs dr
  vs=$(curl -s --cacert "$WORLD_DIR/kube-ca.pem" -H "Authorization: Bearer kanarya-lab" \
    "$KUBE_URL/apis/networking.istio.io/v1/namespaces/$1/virtualservices/$1")
  dr=$(curl -s --cacert "$WORLD_DIR/kube-ca.pem" -H "Authorization: Bearer kanarya-lab" \
    "$KUBE_URL/apis/networking.istio.io/v1/namespaces/$1/destinationrules/$1")
  printf 'VirtualService stable/canary %s/%s, stable subset -> %s' \
    "$(jq -r '.spec.http[0].route[] | select(.destination.subset == "stable") | .weight // 0' <<<"$vs")" \
    "$(jq -r '.spec.http[0].route[] | select(.destination.subset == "canary") | .weight // 0' <<<"$vs")" \
    "$(jq -r '.spec.subsets[] | select(.name == "stable") | .labels.version' <<<"$dr")"
}
served() {  # TRAFFIC_JSON FIELD: what runner-service v2 served
  jq -r --arg field "$2" '.traffic[] | select(.service == "runner-service" and .version == "v2")
    | .[$field]' <<<"$1"
}
traffic=$(curl -s "$CONTROL_URL/traffic")
echo
echo "=== summary"
for name in "$good" "$bad"; do
  json=$(kanaryactl get "$name" -o json)
  service=$(jq -r .spec.target.virtualService <<<"$json")
  printf '%-24s %-12s %s\n' "$name" "$(jq -r '.status.phase | sub("PHASE_"; "")' <<<"$json")" \
    "$(routes "$service")"
  printf '%-24s %s\n' "" "$(jq -r .status.reason <<<"$json")"
done
if [[ -n "$fault_at" ]]; then
  requests=$(served "$traffic" requests)
  errors=$(served "$traffic" errors)
  since_fault=$((requests - $(served "$served_before" requests)))
  failed_since=$((errors - $(served "$served_before" errors)))
  if [[ -n "$back_at" ]]; then
    echo "fault to 100 % stable:   $(elapsed "$fault_at" "$back_at") s"
  else
    echo "fault to 100 % stable:   not reached"
  fi
  echo "the bad canary served:   $requests requests in all; $since_fault after the fault," \
    "$failed_since of them failed"
fi
echo "wall time:               $(elapsed "$started" "$(now)") s (both rollouts: $(elapsed "$applied" "$(now)") s)"
echo "to explore the same world with kanaryactl, kubectl, buf curl and Prometheus: scripts/lab.sh"

good_phase=$(kanaryactl get "$good" -o json | jq -r .status.phase)
bad_phase=$(kanaryactl get "$bad" -o json | jq -r .status.phase)
if [[ "$good_phase" != PHASE_SUCCEEDED || "$bad_phase" != PHASE_ROLLED_BACK ]]; then
  echo "=== not the expected outcome (api-gateway SUCCEEDED, runner-service ROLLED_BACK);" \
    "kanaryad's log: $WORLD_DIR/kanaryad.log (kept)"
  KEEP_WORLD_DIR=1
  exit 1
fi
