#!/bin/sh
# kanaryad with --token_file as kanaryactl users meet it: roles per
# namespace (the token file's kanarya: groups and the configuration's
# bindings), refusals with the gRPC code and exit 1, the audit trail in
# `describe`, the token file rewritten while the daemon runs, a bad rewrite
# logged with its line and ignored — and no token in the daemon's log or the
# event log. Also: without authentication a non-loopback address is refused.
# Usage: kanaryad_auth_smoke_test.sh KANARYAD KANARYACTL SPEC
set -u
kanaryad=$1
kanaryactl=$2
spec=$3

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

"$kanaryad" --grpc_address=0.0.0.0:0 --data_dir="$dir/open" >"$dir/open.log" 2>&1
status=$?
[ "$status" -eq 2 ] || fail "no authentication on 0.0.0.0: exit $status, want 2"
grep -q -- '--grpc_address: "0.0.0.0" is not a loopback address' "$dir/open.log" ||
  fail "no authentication on 0.0.0.0: $(cat "$dir/open.log")"

# Tokens are replaced in one rename, as a mounted Secret is.
write_tokens() {
  printf '%s' "$1" >"$dir/tokens.new" && mv "$dir/tokens.new" "$dir/tokens.csv"
}
write_tokens 'tok-otto-51e2,otto,1,kanarya:operator:api-gateway
tok-vera-7a90,vera,2,kanarya:viewer:api-gateway
tok-anna-c3d4,anna,3
'
cat >"$dir/kanaryad.yaml" <<'YAML'
providers:
  prometheus: {type: prometheus, url: "http://127.0.0.1:9"}
  loki: {type: loki, url: "http://127.0.0.1:9"}
auth:
  bindings:
    - {principal: anna, role: approver, namespaces: [api-gateway]}
YAML
"$kanaryad" --grpc_address=127.0.0.1:0 --http_address=127.0.0.1:0 --data_dir="$dir/data" \
  --config="$dir/kanaryad.yaml" --token_file="$dir/tokens.csv" 2>"$dir/log" &
pid=$!
port=
for _ in $(seq 100); do  # at most 10 s
  port=$(sed -n 's/.*serving gRPC on 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$dir/log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "kanaryad did not report its port"
grep -q "authentication: bearer tokens from $dir/tokens.csv (3 token(s)" "$dir/log" ||
  fail "the start line does not say how callers authenticate"

ctl() {  # ctl TOKEN ARGS...: kanaryactl as the token's holder; output in $dir/out, $dir/err
  token=$1
  shift
  KANARYA_TOKEN=$token "$kanaryactl" --server="127.0.0.1:$port" "$@" >"$dir/out" 2>"$dir/err"
}

ctl "" list
[ $? -eq 1 ] || fail "list without a token: want exit 1"
grep -q "kanaryactl list: UNAUTHENTICATED: authentication required" "$dir/err" ||
  fail "list without a token: $(cat "$dir/err")"

ctl tok-vera-7a90 apply -f "$spec" --reason="release 9"
[ $? -eq 1 ] || fail "apply by a viewer: want exit 1"
grep -q 'PERMISSION_DENIED: CreateRollout needs the operator role in namespace "api-gateway", which vera does not hold' "$dir/err" ||
  fail "apply by a viewer: $(cat "$dir/err")"

ctl tok-otto-51e2 apply -f "$spec" --reason="release 9" -o json ||
  fail "apply by an operator: $(cat "$dir/err")"
name=$(sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' "$dir/out" | head -n 1)
[ -n "$name" ] || fail "apply printed no name: $(cat "$dir/out")"

ctl tok-vera-7a90 get "$name" || fail "get by a viewer: $(cat "$dir/err")"
ctl tok-anna-c3d4 abort "$name" --reason="not mine to abort"
[ $? -eq 1 ] || fail "abort by an approver: want exit 1"
grep -q "PERMISSION_DENIED: AbortRollout needs the operator role" "$dir/err" ||
  fail "abort by an approver: $(cat "$dir/err")"
ctl tok-otto-51e2 abort "$name" --reason="wrong build" || fail "abort: $(cat "$dir/err")"
ctl tok-vera-7a90 describe "$name" || fail "describe: $(cat "$dir/err")"
grep -q "AbortRollout by otto as operator" "$dir/out" || fail "describe: $(cat "$dir/out")"
grep -q "(wrong build)" "$dir/out" || fail "describe shows no reason: $(cat "$dir/out")"
ctl tok-vera-7a90 describe "$name" -o json || fail "describe -o json: $(cat "$dir/err")"
cp "$dir/out" "$dir/events.json"

# vera's token is removed and a new one added while the daemon runs.
write_tokens 'tok-otto-51e2,otto,1,kanarya:operator:api-gateway
tok-nina-2f6b,nina,4,kanarya:viewer
'
accepted=
for _ in $(seq 100); do  # at most 10 s: the file is polled every second
  if ctl tok-nina-2f6b get "$name"; then accepted=1; break; fi
  sleep 0.1
done
[ -n "$accepted" ] || fail "the new token was never accepted: $(cat "$dir/err")"
ctl tok-vera-7a90 get "$name"
[ $? -eq 1 ] || fail "the removed token still works"
grep -q "UNAUTHENTICATED: the bearer token is not valid" "$dir/err" ||
  fail "removed token: $(cat "$dir/err")"

write_tokens 'tok-otto-51e2,otto,1
tok-broken-8d1e,"unterminated
'
logged=
for _ in $(seq 100); do
  if grep -q 'line 2: column 2: a quote is not closed.*keeping the previous 1 token(s) (1 revoked' "$dir/log"; then
    logged=1
    break
  fi
  sleep 0.1
done
[ -n "$logged" ] || fail "the bad token file was not logged with its line"
ctl tok-otto-51e2 get "$name" || fail "a bad token file revoked a token it still names"
ctl tok-nina-2f6b get "$name"
[ $? -eq 1 ] || fail "a bad token file kept a token it no longer names"

for token in tok-otto-51e2 tok-vera-7a90 tok-anna-c3d4 tok-nina-2f6b tok-broken-8d1e; do
  if grep -q "$token" "$dir/log" "$dir/events.json"; then
    fail "$token appears in the daemon's log or the events"
  fi
done

kill -TERM "$pid"
wait "$pid"
status=$?
pid=
[ "$status" -eq 0 ] || fail "kanaryad exited with $status after SIGTERM"
echo "PASS"
