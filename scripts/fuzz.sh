#!/usr/bin/env bash
# Builds the libFuzzer targets under ASan+UBSan with clang and runs each for a
# bounded time (seconds per target, default 60: four targets, four minutes)
# from its seed corpus, in a scratch copy so the committed corpus stays as it
# is. A crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
for entry in metrics/prometheus_response metrics/query_template mesh/kube_object \
             kube/kubeconfig; do
  folder=${entry%/*}
  name=${entry#*/}
  target=${name}_fuzzer
  corpus=daemon/$folder/fuzz/corpus/$name
  scratch=$(mktemp -d)
  cp -r "$corpus"/. "$scratch"
  echo "=== $target for ${seconds}s"
  "build/fuzz/daemon/$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    "$scratch" 2>&1 | tail -n 12
  rm -rf "$scratch"
done
