#!/bin/sh
# The real kanaryad on loopback with --log_format=json and a metric provider
# that is down: every log line is one JSON object; /readyz answers 503 naming
# the provider; /metrics carries the documented series and passes
# `promtool check metrics` (skipped with a message when promtool is missing);
# SIGUSR1 lowers the log level; SIGTERM stops it with exit 0 within 15 s.
# Usage: kanaryad_telemetry_test.sh KANARYAD
set -u
kanaryad=$1

dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- kanaryad's log:"
  cat "$dir/log"
  exit 1
}

printf 'providers:\n  prometheus:\n    type: prometheus\n    url: http://127.0.0.1:1\n' \
  > "$dir/config.yaml"
"$kanaryad" --grpc_address=127.0.0.1:0 --http_address=127.0.0.1:0 --data_dir="$dir/data" \
  --config="$dir/config.yaml" --log_format=json 2>"$dir/log" &
pid=$!
http_port=
for _ in $(seq 100); do  # at most 10 s
  http_port=$(sed -n 's/.*HTTP \/healthz on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$dir/log")
  [ -n "$http_port" ] && break
  sleep 0.1
done
[ -n "$http_port" ] || fail "kanaryad did not report its HTTP port"
base="http://127.0.0.1:$http_port"

ready_code=$(curl -s -o "$dir/ready" -w '%{http_code}' --max-time 20 "$base/readyz")
[ "$ready_code" = 503 ] || fail "/readyz answered $ready_code"
grep -q '^not ready: provider prometheus: ' "$dir/ready" || fail "/readyz said $(cat "$dir/ready")"

curl -s --max-time 10 "$base/metrics" > "$dir/metrics" || fail "GET /metrics failed"
for series in 'kanarya_leader 1' 'kanarya_rollouts{phase="progressing"} 0' \
    'kanarya_decisions_total{outcome="rolled_back"} 0' 'kanarya_time_to_decision_seconds_count{outcome="rolled_back"} 0' \
    'kanarya_time_to_rollback_seconds_count 0' 'kanarya_analysis_duration_seconds_count 0' \
    'kanarya_notifications_total{outcome="dropped"} 0' \
    'kanarya_store_commit_duration_seconds_count 0'; do
  grep -qxF "$series" "$dir/metrics" || fail "/metrics lacks \"$series\""
done
if command -v promtool > /dev/null; then
  promtool check metrics < "$dir/metrics" > "$dir/promtool" 2>&1 ||
    fail "promtool check metrics: $(cat "$dir/promtool")"
else
  echo "promtool not installed (Debian package prometheus): the format check is skipped"
fi

kill -USR1 "$pid"
for _ in $(seq 50); do
  grep -q '"message":"log level now debug"' "$dir/log" && break
  sleep 0.1
done
grep -q '"message":"log level now debug"' "$dir/log" || fail "SIGUSR1 did not lower the level"

kill -TERM "$pid"
for _ in $(seq 150); do  # at most 15 s: 5 s of gRPC grace and a runner pass
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "kanaryad still runs 15 s after SIGTERM"
wait "$pid"
status=$?
pid=
[ "$status" = 0 ] || fail "kanaryad exited $status after SIGTERM"
grep -q '"message":"stopped"' "$dir/log" || fail "no stop logged"
while IFS= read -r line; do
  case "$line" in
    '{"time":"'*'","level":"'*'","message":"'*'}') ;;
    *) fail "not a JSON log line: $line" ;;
  esac
done < "$dir/log"
echo PASS
