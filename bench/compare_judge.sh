#!/usr/bin/env bash
# Runs the judge benchmark and scipy's mannwhitneyu on the same samples in one
# run, and prints the Markdown table recorded in bench/README.md.
#   bench/compare_judge.sh [build dir, default build/release]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
scripts/install-deps.sh --bench >/dev/null
cmake --preset release >/dev/null
cmake --build "$build" --target judge_benchmark >/dev/null

ours=$(mktemp)
trap 'rm -f "$ours"' EXIT
"$build/bench/judge_benchmark" --benchmark_format=json --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true >"$ours"
bench/scipy_mannwhitneyu.py | bench/judge_table.py "$ours"
