#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds and runs every test in
# a release build, then the unit tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then each fuzz target for 60 s under both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "=== release build: all tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "=== ASan+UBSan build: unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "=== libFuzzer targets, ASan+UBSan"
scripts/fuzz.sh 60
