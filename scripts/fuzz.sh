#!/usr/bin/env bash
# Runs every native fuzz target in the module for the given time each.
set -euo pipefail
fuzztime=${1:-1m}
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' pkg cmd | while read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
    echo "== $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"
  done
done
