#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds everything in a release
# build, lints every source (scripts/lint.sh --all), runs every test of every
# label (unit, lint, bench, calibration, ...), then the unit tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer, then each fuzz target for
# 60 s under both. Each stage's duration is printed as it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

# stage NAME: ends the running stage with its duration, starts the next.
stage_name=
stage() {
  [[ -z "$stage_name" ]] || echo "--- $stage_name: $((SECONDS - stage_started)) s"
  stage_name=$1
  stage_started=$SECONDS
  [[ -z "$stage_name" ]] || echo "=== $stage_name"
}

stage "release build"
cmake --preset release
cmake --build --preset release -j "$jobs"

stage "lint"
scripts/lint.sh --all

stage "release: all tests"
ctest --preset release -j "$jobs"

stage "ASan+UBSan build: unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

stage "libFuzzer targets, ASan+UBSan"
scripts/fuzz.sh 60

stage ""
echo "=== every stage passed in $SECONDS s"
