#!/usr/bin/env bash
# The README's second command: the demo's world, kept running for exploring
# until Ctrl-C. Builds what is missing, starts kanarya-lab (a Kubernetes API,
# an Istio-like mesh with its telemetry, Loki), a real Prometheus scraping the
# mesh every second and kanaryad on fixed loopback ports, and prints how to
# reach each with kanaryactl, kubectl, buf curl, curl and a browser. Nothing
# is applied: the rollouts are yours (deploy/examples/). Stops everything it
# started on exit.
#
# Ports (override with the environment): kanaryad 7443 (gRPC, kanaryactl's
# default) and 7444 (/healthz), Prometheus 9090, the Kubernetes API 8443, the
# mesh's /metrics 15090, Loki 3100, the lab's control endpoint 8090.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 0 ]] || { echo "usage: scripts/lab.sh   (ports: see the script's header)" >&2; exit 2; }

export WORLD_GRPC_PORT=${WORLD_GRPC_PORT:-7443} WORLD_HTTP_PORT=${WORLD_HTTP_PORT:-7444}
export WORLD_PROMETHEUS_PORT=${WORLD_PROMETHEUS_PORT:-9090} WORLD_KUBE_PORT=${WORLD_KUBE_PORT:-8443}
export WORLD_METRICS_PORT=${WORLD_METRICS_PORT:-15090} WORLD_LOKI_PORT=${WORLD_LOKI_PORT:-3100}
export WORLD_CONTROL_PORT=${WORLD_CONTROL_PORT:-8090}

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target kanaryad kanaryactl kanarya-lab

source scripts/lab_world.sh
trap world_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
world_start

bin=$PWD/build/release/cli
cat <<EOF
=== the lab is running (Ctrl-C stops everything)
  kanaryad        $KANARYAD (gRPC; reflection and health for buf curl)
  Prometheus      $PROMETHEUS_URL   (UI: $PROMETHEUS_URL/graph)
  Kubernetes API  $KUBE_URL   (token kanarya-lab)
  mesh telemetry  $METRICS_URL
  Loki            $LOKI_URL
  lab control     $CONTROL_URL   (POST/GET /faults, GET /traffic)
  logs            $WORLD_DIR/*.log

Try, from another terminal in $PWD:
  export PATH=$bin:\$PATH KUBECONFIG=$KUBECONFIG_FILE
  kanaryactl apply -f deploy/examples/runner-service/rollout-v2.yaml     # prints the rollout's NAME
  kanaryactl watch NAME
  curl -d '{"service": "runner-service", "version": "v2", "error_rate": 0.2}' $CONTROL_URL/faults
  curl $CONTROL_URL/traffic
  kubectl get virtualservices.networking.istio.io --all-namespaces
  kubectl -n runner-service get virtualservices.networking.istio.io runner-service -o yaml
  kubectl -n runner-service get destinationrules.networking.istio.io runner-service -o yaml
  .tools/node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge \\
      --list-services http://$KANARYAD
  kanaryactl describe NAME; kanaryactl pause|resume|abort NAME --reason="..."
Prometheus: $PROMETHEUS_URL/graph?g0.expr=sum%20by%20(destination_workload)%20(rate(istio_requests_total%5B10s%5D))
EOF

# Until Ctrl-C, or until a part of the world dies.
while sleep 1; do
  for pid in "${WORLD_PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "lab: process $pid exited; stopping (logs kept in $WORLD_DIR)" >&2
      KEEP_WORLD_DIR=1
      exit 1
    fi
  done
done
