#!/usr/bin/env bash
# Builds the libFuzzer targets under ASan+UBSan with clang and runs each for a
# bounded time (seconds, default 60) from its seed corpus, in a scratch copy so
# the committed corpus stays as it is. A crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
for target in prometheus_response_fuzzer query_template_fuzzer; do
  corpus=daemon/metrics/fuzz/corpus/${target%_fuzzer}
  scratch=$(mktemp -d)
  cp -r "$corpus"/. "$scratch"
  echo "=== $target for ${seconds}s"
  "build/fuzz/daemon/$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    "$scratch" 2>&1 | tail -n 12
  rm -rf "$scratch"
done
