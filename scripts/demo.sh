#!/usr/bin/env bash
# The main job: installs what it needs, builds kanaryactl and judges the
# shipped canaries, a bad one (rolled back) and a good one (promoted).
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
