#!/usr/bin/env bash
# The main job: installs what it needs, builds kanaryactl, judges the shipped
# canaries once (a bad one fails, a good one passes), then replays their
# recorded rollouts through the sequential analysis (the bad one is rolled
# back, the good one promoted).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target kanaryactl

kanaryactl=build/release/cli/kanaryactl
for example in examples/judge-bad-canary.yaml examples/judge-good-canary.yaml; do
  echo "=== kanaryactl judge -f $example"
  "$kanaryactl" judge -f "$example"
done
for example in examples/replay-bad-canary.json examples/replay-good-canary.json; do
  echo "=== kanaryactl replay -f $example"
  "$kanaryactl" replay -f "$example"
done
