# The lab's world on loopback ports, shared by scripts/demo.sh and
# scripts/lab.sh (sourced, not run): kanarya-lab (the Kubernetes API, the
# mesh with its telemetry, Loki), a real Prometheus scraping the mesh and
# kanaryad's own /metrics (job "kanarya", as deploy/base's ServiceMonitor
# names it) every second, and kanaryad configured for all three. Everything lives in one
# temporary directory; world_stop stops exactly the processes world_start
# started, by their process ids, and removes the directory.
#
#   world_start          ports from WORLD_*_PORT (0 or unset: any free port)
#   world_stop           idempotent; safe from an EXIT trap
# After world_start: WORLD_DIR, KUBE_URL, METRICS_URL, LOKI_URL, CONTROL_URL,
# PROMETHEUS_URL, KANARYAD (HOST:PORT), KANARYAD_HTTP (HOST:PORT, /metrics),
# KUBECONFIG_FILE, and kanaryactl, a
# function running build/release/cli/kanaryactl against the daemon.

BUILD_DIR=${BUILD_DIR:-build/release}
WORLD_PIDS=()
WORLD_DIR=""

# A TCP port on 127.0.0.1 that nothing listens on now, below the ephemeral
# range (where the source ports of outgoing connections would collide).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# Waits up to $2 seconds for the line matching $3 in file $1; prints it.
# Gives up early when process $4 (if given) has exited.
wait_for_line() {
  local file=$1 seconds=$2 pattern=$3 pid=${4:-}
  for _ in $(seq 1 $((seconds * 10))); do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

world_fail() {
  echo "lab: $1" >&2
  [[ -n "${2:-}" && -f "$2" ]] && tail -n 20 "$2" >&2
  return 1
}

world_start() {
  WORLD_DIR=$(mktemp -d /tmp/kanarya-lab-XXXXXX)
  local lab_log=$WORLD_DIR/kanarya-lab.log

  # The cluster: the Kubernetes API, the mesh, Loki.
  KUBECONFIG_FILE=$WORLD_DIR/kubeconfig
  "$BUILD_DIR/tests/kanarya-lab" --services=tests/lab/services.yaml \
    --kubeconfig="$KUBECONFIG_FILE" --seed="${WORLD_SEED:-1}" \
    --kube_address="127.0.0.1:${WORLD_KUBE_PORT:-0}" \
    --metrics_address="127.0.0.1:${WORLD_METRICS_PORT:-0}" \
    --loki_address="127.0.0.1:${WORLD_LOKI_PORT:-0}" \
    --control_address="127.0.0.1:${WORLD_CONTROL_PORT:-0}" \
    >"$WORLD_DIR/lab.addresses" 2>"$lab_log" &
  WORLD_PIDS+=($!)
  wait_for_line "$WORLD_DIR/lab.addresses" 30 '^control ' "${WORLD_PIDS[-1]}" >/dev/null ||
    world_fail "kanarya-lab did not start" "$lab_log" || return 1
  KUBE_URL=$(awk '$1 == "kube" {print $2}' "$WORLD_DIR/lab.addresses")
  METRICS_URL=$(awk '$1 == "metrics" {print $2}' "$WORLD_DIR/lab.addresses")
  LOKI_URL=$(awk '$1 == "loki" {print $2}' "$WORLD_DIR/lab.addresses")
  CONTROL_URL=$(awk '$1 == "control" {print $2}' "$WORLD_DIR/lab.addresses")
  sed -n 's/.*certificate-authority-data: \([A-Za-z0-9+/=]*\).*/\1/p' "$KUBECONFIG_FILE" |
    base64 -d >"$WORLD_DIR/kube-ca.pem"

  # A real Prometheus scraping the mesh's telemetry every second. A port
  # chosen here may be taken before Prometheus binds it: then another one.
  local metrics_target=${METRICS_URL#http://}
  cat >"$WORLD_DIR/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: mesh
    metrics_path: /metrics
    static_configs: [{targets: ['${metrics_target%%/*}']}]
EOF
  local prometheus_port prometheus_pid ready=""
  for _ in 1 2 3; do
    prometheus_port=${WORLD_PROMETHEUS_PORT:-0}
    if [[ "$prometheus_port" == 0 ]]; then
      prometheus_port=$(free_port)
    elif (exec 3<>"/dev/tcp/127.0.0.1/$prometheus_port") 2>/dev/null; then
      world_fail "port $prometheus_port is in use; choose another with WORLD_PROMETHEUS_PORT" ||
        return 1
    fi
    PROMETHEUS_URL=http://127.0.0.1:$prometheus_port
    prometheus --config.file="$WORLD_DIR/prometheus.yml" --storage.tsdb.path="$WORLD_DIR/tsdb" \
      --web.listen-address="127.0.0.1:$prometheus_port" >"$WORLD_DIR/prometheus.log" 2>&1 &
    WORLD_PIDS+=($!)
    prometheus_pid=$!
    for _ in $(seq 1 300); do
      kill -0 "${WORLD_PIDS[-1]}" 2>/dev/null || break
      if curl -sf "$PROMETHEUS_URL/-/ready" >/dev/null 2>&1; then ready=1 && break; fi
      sleep 0.1
    done
    [[ -n "$ready" || "${WORLD_PROMETHEUS_PORT:-0}" != 0 ]] && break
    wait "${WORLD_PIDS[-1]}" 2>/dev/null || true
    unset 'WORLD_PIDS[-1]'
  done
  [[ -n "$ready" ]] || world_fail "Prometheus did not start" "$WORLD_DIR/prometheus.log" || return 1

  # kanaryad, its state in SQLite under the world's directory.
  cat >"$WORLD_DIR/kanaryad.yaml" <<EOF
providers:
  prometheus: {type: prometheus, url: "$PROMETHEUS_URL"}
  loki: {type: loki, url: "$LOKI_URL"}
kubernetes:
  kubeconfig: $KUBECONFIG_FILE
  request_timeout: 5s
EOF
  "$BUILD_DIR/daemon/kanaryad" --config="$WORLD_DIR/kanaryad.yaml" \
    --data_dir="$WORLD_DIR/kanaryad-data" \
    --grpc_address="127.0.0.1:${WORLD_GRPC_PORT:-0}" \
    --http_address="127.0.0.1:${WORLD_HTTP_PORT:-0}" 2>"$WORLD_DIR/kanaryad.log" &
  WORLD_PIDS+=($!)
  local serving
  serving=$(wait_for_line "$WORLD_DIR/kanaryad.log" 30 'serving gRPC on' "${WORLD_PIDS[-1]}") ||
    world_fail "kanaryad did not start" "$WORLD_DIR/kanaryad.log" || return 1
  KANARYAD=$(sed -n 's/.*serving gRPC on \([0-9.]*:[0-9]*\);.*/\1/p' <<<"$serving")
  KANARYAD_HTTP=$(sed -n 's/.*HTTP \/healthz on \([0-9.]*:[0-9]*\);.*/\1/p' <<<"$serving")

  # Prometheus scrapes kanaryad too, once its HTTP port is known: the job
  # is added and the configuration reloaded (SIGHUP). As the Prometheus
  # Operator does for deploy/base's ServiceMonitor, the target carries its
  # pod's namespace, and the scraped `namespace` label (the rollout's) wins
  # over it (honor_labels, the ServiceMonitor's honorLabels).
  cat >>"$WORLD_DIR/prometheus.yml" <<EOF
  - job_name: kanarya
    metrics_path: /metrics
    honor_labels: true
    static_configs: [{targets: ['$KANARYAD_HTTP'], labels: {namespace: kanarya-system}}]
EOF
  kill -HUP "$prometheus_pid"

  # Until Prometheus has held both stable workloads' counters for longer than
  # a tick, a rollout's preflight (which compares them with a tick ago) would
  # find no data.
  for _ in $(seq 1 150); do
    if [[ $(curl -s "$PROMETHEUS_URL/api/v1/query" --data-urlencode \
      'query=count(sum by (destination_workload) (istio_requests_total offset 4s))' |
      jq -r '.data.result[0].value[1] // 0') -ge 2 ]]; then
      return 0
    fi
    sleep 0.2
  done
  world_fail "Prometheus scraped no traffic from $METRICS_URL" "$WORLD_DIR/prometheus.log"
}

kanaryactl() { "$BUILD_DIR/cli/kanaryactl" --server="$KANARYAD" "$@"; }

# The canary weight of a service's VirtualService (namespace = name), read
# from the Kubernetes API as kubectl would.
canary_weight() {
  curl -s --cacert "$WORLD_DIR/kube-ca.pem" -H "Authorization: Bearer kanarya-lab" \
    "$KUBE_URL/apis/networking.istio.io/v1/namespaces/$1/virtualservices/$1" |
    jq -r '.spec.http[0].route[] | select(.destination.subset == "canary") | .weight // 0'
}

world_stop() {
  local pid
  # Reverse order: the daemon first, the cluster last.
  for ((i = ${#WORLD_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${WORLD_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  WORLD_PIDS=()
  if [[ -n "$WORLD_DIR" && -d "$WORLD_DIR" && -z "${KEEP_WORLD_DIR:-}" ]]; then
    rm -rf "$WORLD_DIR"
  fi
  WORLD_DIR=""
}
