#!/bin/sh
# Starts kanaryad on free loopback ports and checks what clients see: GET
# /healthz over HTTP, and through `buf curl` the services reflection lists,
# grpc.health.v1 Check, INVALID_ARGUMENT naming the field for an empty
# CreateRollout; then that SIGTERM stops the daemon cleanly. Exit 77 (skipped) without buf.
# Usage: kanaryad_smoke_test.sh KANARYAD BUF
set -u
kanaryad=$1
buf=$2
[ -x "$buf" ] || { echo "buf not installed at $buf (scripts/install-deps.sh)"; exit 77; }

dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- kanaryad's log:"
  cat "$dir/log"
  exit 1
}

"$kanaryad" --grpc_address=127.0.0.1:0 --http_address=127.0.0.1:0 --data_dir="$dir/data" \
  2>"$dir/log" &
pid=$!
port=
for _ in $(seq 100); do  # at most 10 s
  port=$(sed -n 's/.*serving gRPC on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$dir/log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "kanaryad did not report its port"
url="http://127.0.0.1:$port"
http_port=$(sed -n 's/.*HTTP \/healthz on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$dir/log")
healthz=$(curl -s --max-time 10 "http://127.0.0.1:$http_port/healthz")
[ "$healthz" = "ok" ] || fail "GET /healthz answered \"$healthz\""
curl_grpc() { timeout 30 "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

services=$(curl_grpc --list-services "$url") || fail "--list-services: $services"
for service in grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection \
               kanarya.v1.JudgeService kanarya.v1.RolloutService; do
  echo "$services" | grep -qx "$service" || fail "reflection does not list $service: $services"
done

health=$(curl_grpc -d '{}' "$url/grpc.health.v1.Health/Check") || fail "Health/Check: $health"
echo "$health" | grep -q '"status": "SERVING"' || fail "Health/Check answered $health"

if created=$(curl_grpc -d '{}' "$url/kanarya.v1.RolloutService/CreateRollout" 2>&1); then
  fail "an empty CreateRollout succeeded: $created"
fi
echo "$created" | grep -q '"code": "invalid_argument"' || fail "CreateRollout {}: $created"
echo "$created" | grep -q '"message": "spec: required"' || fail "CreateRollout {}: $created"

kill -TERM "$pid"
wait "$pid"
status=$?
pid=
[ "$status" -eq 0 ] || fail "kanaryad exited with $status after SIGTERM"
grep -q "SIGTERM, stopping" "$dir/log" || fail "no graceful stop logged"
echo "PASS"
