#!/usr/bin/env bash
# The deploy checks CI runs (ctest label `deploy`, deploy/CMakeLists.txt):
#   manifests   kubectl kustomize renders deploy/base, deploy/overlays/*,
#               deploy/examples and each example; every object is valid
#               against the Kubernetes, Istio and Prometheus Operator schemas
#               (npm kubernetes-models, offline), unknown fields refused;
#               every workload passes the Pod Security Standards'
#               restricted profile; no NetworkPolicy opens a wide address
#               block (0.0.0.0/0); deploy/overlays/tls serves TLS from
#               its Secret with an HTTP readiness probe; each example's
#               rollout spec names the objects its directory ships; the
#               PrometheusRule equals the plain rules file. The checks also
#               run on deploy/checks/testdata, which they must refuse.
#   specs KANARYACTL   every example rollout spec passes `kanaryactl check`'s
#               validation against the providers of deploy/base/kanaryad.yaml
#               (exit 2 is a refused spec or configuration; the providers are
#               moved to an unused loopback port, so the queries fail: exit 1)
#   rules       promtool check rules and promtool test rules
#   dashboards  the Grafana dashboards' structure (check_dashboards.mjs;
#               their expressions run in lab_queries.sh), and, where python3
#               is installed, that they are what dashboards/generate.py writes
# Needs kubectl (any with `kustomize`: Debian's 1.20 or newer), node and the
# npm packages scripts/install-deps.sh puts in .tools/.
set -euo pipefail
cd "$(dirname "$0")/../.."
readonly NODE_MODULES=$PWD/.tools/node_modules
readonly CHECKS=deploy/checks

fail() { echo "FAIL: $*" >&2; exit 1; }

render_all() {  # DIR: renders every kustomization into DIR/NAME.yaml
  local out=$1 dir name
  for dir in deploy/base deploy/overlays/* deploy/examples deploy/examples/*/; do
    dir=${dir%/}
    [[ -f "$dir/kustomization.yaml" ]] || continue
    name=${dir#deploy/}
    name=${name//\//-}
    kubectl kustomize "$dir" >"$out/$name.yaml" 2>"$out/$name.err" ||
      fail "kubectl kustomize $dir: $(cat "$out/$name.err")"
    echo "rendered $dir: $(grep -c '^kind:' "$out/$name.yaml") objects"
  done
}

# Runs a check that must fail on the refused fixtures and name each problem.
expect_refused() {  # SCRIPT EXPECTED_LINE...
  local script=$1 output
  shift
  if output=$(node "$CHECKS/$script" "$NODE_MODULES" "$CHECKS/testdata/insecure-workloads.yaml"); then
    fail "$script accepted deploy/checks/testdata/insecure-workloads.yaml"
  fi
  for expected in "$@"; do
    grep -qF -- "$expected" <<<"$output" || fail "$script did not report: $expected"
  done
  echo "ok   $script refuses the fixtures ($(grep -c '^FAIL' <<<"$output") problems)"
}

check_manifests() {
  command -v kubectl >/dev/null || fail "kubectl not found (scripts/install-deps.sh installs it)"
  for module in kubernetes-models @kubernetes-models/istio @kubernetes-models/prometheus-operator yaml; do
    [[ -d "$NODE_MODULES/$module" ]] || fail "$NODE_MODULES/$module missing: run scripts/install-deps.sh"
  done
  local out
  out=$(mktemp -d)
  trap 'rm -rf "$out"' RETURN
  render_all "$out"
  local rendered=("$out"/*.yaml)
  node "$CHECKS/validate_manifests.mjs" "$NODE_MODULES" "${rendered[@]}" >"$out/schemas.log" ||
    { grep -v '^ok' "$out/schemas.log"; fail "schema validation"; }
  tail -n 1 "$out/schemas.log"
  node "$CHECKS/pod_security.mjs" "$NODE_MODULES" "${rendered[@]}" || fail "Pod Security Standards"
  node "$CHECKS/network_policies.mjs" "$NODE_MODULES" "${rendered[@]}" || fail "NetworkPolicies"
  node "$CHECKS/check_examples.mjs" "$NODE_MODULES" "$out/examples.yaml" deploy/examples \
    deploy/prometheus/kanarya.rules.yaml "$out/base.yaml" || fail "examples and rules"
  # The image's user is the one the Deployment runs as.
  local image_user pod_user
  image_user=$(sed -n 's/^USER \([0-9]*\):.*/\1/p' Dockerfile)
  pod_user=$(sed -n 's/^ *runAsUser: \([0-9]*\)$/\1/p' deploy/base/deployment.yaml)
  [[ -n "$image_user" && "$image_user" == "$pod_user" && "$image_user" != 0 ]] ||
    fail "Dockerfile USER ($image_user) and the Deployment's runAsUser ($pod_user) differ or are root"
  echo "ok   Dockerfile USER $image_user is the Deployment's runAsUser"
  # The TLS overlay serves gRPC with the certificate of Secret kanarya-tls and
  # probes readiness over HTTP; the base (plaintext) is refused by the same check.
  node "$CHECKS/tls_overlay.mjs" "$NODE_MODULES" "$out/overlays-tls.yaml" || fail "deploy/overlays/tls"
  if node "$CHECKS/tls_overlay.mjs" "$NODE_MODULES" "$out/base.yaml" >/dev/null; then
    fail "tls_overlay.mjs accepted deploy/base, which serves plaintext"
  fi
  # kanaryad is granted on VirtualServices and DestinationRules exactly the
  # verbs its router calls (daemon/mesh/: Get, Create, Update, MergePatch and
  # JsonPatch of daemon/kube/kube_client.h).
  local used granted resource
  used=$(grep -ohE --exclude='*_test.cc' 'client_\.(Get|Create|Update|MergePatch|JsonPatch)\(' daemon/mesh/*.cc |
    sed -E 's/client_\.//; s/\(//; s/(Merge|Json)Patch/patch/' | tr 'A-Z' 'a-z' | sort -u | paste -sd,)
  for resource in virtualservices destinationrules; do
    granted=$(sed -n "/resources: \[$resource\]/{n;s/.*verbs: \[\(.*\)\]/\1/p}" deploy/base/rbac.yaml |
      tr -d ' ' | tr , '\n' | sort -u | paste -sd,)
    [[ -n "$used" && "$granted" == "$used" ]] ||
      fail "deploy/base/rbac.yaml grants [$granted] on $resource; daemon/mesh calls [$used]"
  done
  echo "ok   the ClusterRole grants on VirtualServices and DestinationRules what daemon/mesh calls ($used)"
  # kanaryad's series carry the rollout's namespace: the scrape must not
  # rename it exported_namespace (lab_queries.sh checks the same on the lab).
  grep -qE '^[ -]*honorLabels: true$' "$out/base.yaml" ||
    fail "the ServiceMonitor must keep kanaryad's namespace label (honorLabels: true)"
  echo "ok   the ServiceMonitor honors kanaryad's labels"
  expect_refused validate_manifests.mjs "replicas must be integer" \
    "weight must be integer" "no schema for example.com/v1 Unknown" \
    "unknown field(s) spec.http[0].route[0].wieght" \
    "unknown field(s) spec.groups[0].rules[0].annotation" \
    "NetworkPolicy bad/misspelled-spec: unknown field(s) specs" \
    "ServiceAccount bad/misspelled-automount: unknown field(s) automountServiceAcountToken"
  expect_refused pod_security.mjs "hostNetwork: must not be true" \
    "hostPath: volume type hostPath is not allowed" "runAsUser: must not be 0" \
    "privileged: must not be true" "NET_ADMIN may not be added" "hostPort: must not be set" \
    "initContainers[0].securityContext.allowPrivilegeEscalation: must be false" \
    "initContainers[0].securityContext.seccompProfile.type" \
    "spec.template.spec.securityContext.windowsOptions.hostProcess: must not be true" \
    "containers[0].securityContext.windowsOptions.hostProcess: must not be true" \
    "containers[0].securityContext.appArmorProfile.type: must be RuntimeDefault or Localhost" \
    "annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]: must be runtime/default"
  expect_refused network_policies.mjs \
    "NetworkPolicy bad/wide-open: spec.egress[0].to[1].ipBlock.cidr: 0.0.0.0/0 is wide open" \
    "NetworkPolicy bad/wide-open: spec.egress[1].to[0].ipBlock.cidr: ::/0 is wide open"
}

check_specs() {  # KANARYACTL
  local kanaryactl=$1 config spec rc
  config=$(mktemp)
  trap 'rm -f "$config"' RETURN
  # The shipped configuration (deploy/base/kanaryad.yaml: its providers'
  # names and types are what the specs name), its URLs moved to port 9
  # (discard) on loopback: nothing listens, every query fails at once.
  sed -E 's#url: http://[^ ]*#url: http://127.0.0.1:9#' deploy/base/kanaryad.yaml >"$config"
  [[ $(grep -c 'url: http://127.0.0.1:9$' "$config") == 2 ]] ||
    fail "deploy/base/kanaryad.yaml: expected two provider URLs"
  local count=0
  for spec in deploy/examples/*/rollout-v2.yaml; do
    rc=0
    "$kanaryactl" check -f "$spec" --config="$config" >/dev/null 2>"$config.err" || rc=$?
    [[ $rc == 1 ]] || fail "kanaryactl check -f $spec: exit $rc (1 expected: valid, no data): $(cat "$config.err")"
    echo "ok   $spec is valid"
    count=$((count + 1))
  done
  rm -f "$config.err"
  ((count == 5)) || fail "expected the five services' specs, found $count"
  # The same validation refuses a broken spec: a step's weight going down.
  rc=0
  sed 's/- weight: 25/- weight: 5/' deploy/examples/api-gateway/rollout-v2.yaml |
    "$kanaryactl" check -f - --config="$config" >/dev/null 2>"$config.err" || rc=$?
  if [[ $rc != 2 ]] || ! grep -q 'steps.steps\[1\].weight' "$config.err"; then
    fail "a spec with decreasing weights was not refused (exit $rc): $(cat "$config.err")"
  fi
  echo "ok   a spec with decreasing weights is refused: $(head -c 120 "$config.err")"
  rm -f "$config.err"
}

check_rules() {
  promtool check rules deploy/prometheus/kanarya.rules.yaml
  (cd deploy/prometheus && promtool test rules kanarya.rules.test.yaml)
}

check_dashboards() {
  node "$CHECKS/check_dashboards.mjs" dashboards/*.json || fail "dashboards"
  local output
  if output=$(node "$CHECKS/check_dashboards.mjs" "$CHECKS/testdata/broken-dashboard.json"); then
    fail "check_dashboards.mjs accepted deploy/checks/testdata/broken-dashboard.json"
  fi
  for expected in "datasource is not \$datasource" "id repeated" "outside the 24 columns" \
    "no \`datasource\` variable"; do
    grep -qF -- "$expected" <<<"$output" || fail "check_dashboards.mjs did not report: $expected"
  done
  echo "ok   check_dashboards.mjs refuses the broken fixture"
  if command -v python3 >/dev/null; then
    local out
    out=$(mktemp -d)
    python3 dashboards/generate.py "$out"
    diff -r -x generate.py -x '__pycache__' dashboards "$out" ||
      fail "dashboards/*.json differ from what dashboards/generate.py writes"
    rm -rf "$out"
    echo "ok   dashboards/*.json are what dashboards/generate.py writes"
  else
    echo "note: no python3, dashboards/generate.py not compared"
  fi
}

case "${1:-}" in
  manifests) check_manifests ;;
  specs) check_specs "${2:?usage: check_manifests.sh specs KANARYACTL}" ;;
  rules) check_rules ;;
  dashboards) check_dashboards ;;
  *)
    echo "usage: deploy/checks/check_manifests.sh manifests | specs KANARYACTL | rules | dashboards" >&2
    exit 2
    ;;
esac
