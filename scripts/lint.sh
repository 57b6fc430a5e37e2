#!/usr/bin/env bash
# Static checks, each failing the run when it finds anything:
#   format  every C++ file matches the repository's .clang-format
#   tidy    clang-tidy with the repository's .clang-tidy over the C++ files
#           changed since the merge-base with main (committed or not), or
#           over every file with --all; needs the release build's
#           compile_commands.json and generated headers, made when missing
#   proto   buf lint of the API (buf from scripts/install-deps.sh)
#   scripts/lint.sh [--all] [format|tidy|proto ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."

scope=changed
steps=()
for arg in "$@"; do
  case "$arg" in
    --all) scope=all ;;
    format | tidy | proto) steps+=("$arg") ;;
    *) echo "usage: scripts/lint.sh [--all] [format|tidy|proto ...]" >&2; exit 2 ;;
  esac
done
((${#steps[@]})) || steps=(format tidy proto)
source_dirs=(analysis cli daemon tests bench)
build=build/release

all_sources() { find "${source_dirs[@]}" -name '*.cc' -o -name '*.h'; }

# Files changed against the merge-base with main, committed, staged, unstaged
# or untracked; every file when there is no main to compare with.
changed_sources() {
  local base
  if ! base=$(git merge-base HEAD main 2>/dev/null); then
    echo "lint: no merge-base with main, checking every file" >&2
    all_sources
    return
  fi
  { git diff --name-only --diff-filter=d "$base" -- "${source_dirs[@]}"
    git ls-files --others --exclude-standard -- "${source_dirs[@]}"; } |
    grep -E '\.(cc|h)$' | sort -u || true
}

# The translation units clang-tidy runs on: the .cc files given, plus the .cc
# beside each header given (its diagnostics come through HeaderFilterRegex),
# restricted to those the release build compiles (not the fuzz targets).
translation_units() {
  local file
  while read -r file; do
    case "$file" in
      *.h) [[ -f "${file%.h}.cc" ]] && echo "${file%.h}.cc" ;;
      *) echo "$file" ;;
    esac
  done | sort -u | while read -r file; do
    grep -qF "\"file\": \"$PWD/$file\"" "$build/compile_commands.json" && echo "$file"
  done || true
}

check_format() {
  echo "=== clang-format"
  all_sources | xargs clang-format --dry-run --Werror
}

check_tidy() {
  if [[ ! -f "$build/compile_commands.json" ]]; then cmake --preset release >/dev/null; fi
  # The generated API headers every translation unit may include.
  cmake --build "$build" --target kanarya_grpc >/dev/null
  local units
  if [[ "$scope" == all ]]; then
    units=$(all_sources | translation_units)
  else
    units=$(changed_sources | translation_units)
  fi
  echo "=== clang-tidy ($scope: $(echo "$units" | grep -c . || true) files)"
  [[ -n "$units" ]] || return 0
  # run-clang-tidy takes path regexes; each unit is anchored at the source root.
  local patterns=()
  for unit in $units; do patterns+=("^$PWD/${unit//./\\.}\$"); done
  # g++-only warning flags in the compile commands are unknown to clang.
  # The report keeps the findings and drops the per-file progress lines.
  local log status=0
  log=$(mktemp)
  run-clang-tidy -p "$build" -j "$(nproc)" -quiet \
    -extra-arg=-Wno-unknown-warning-option "${patterns[@]}" >"$log" 2>&1 || status=$?
  grep -v -E '^(clang-tidy-[0-9]+ |[0-9]+ warnings? generated|Suppressed [0-9]+ warnings|Use -header-filter|Enabled checks|Running clang-tidy)|^\s*$' \
    "$log" || true
  rm -f "$log"
  return "$status"
}

check_proto() {
  echo "=== buf lint"
  local buf=.tools/node_modules/.bin/buf
  [[ -x "$buf" ]] || { echo "lint: $buf missing, run scripts/install-deps.sh" >&2; return 1; }
  "$buf" lint
}

for step in "${steps[@]}"; do
  case "$step" in
    format) check_format ;;
    tidy) check_tidy ;;
    proto) check_proto ;;
  esac
done
echo "lint: clean"
