#!/usr/bin/env bash
# Alternating A/B of `sovang import` of the 100k bundle that `make bench-sync` leaves in
# bench-data/sync: each run gets a fresh city that trusts the ward's card. This VM's speed
# drifts by up to 1.7× within minutes, so compare binaries only by alternating them.
# Usage: [BUNDLE=ward-big] tests/bench/ab_import.sh RUNS SOVANG_BINARY...
set -euo pipefail
runs=$1; shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/bench-data/sync"
city="$root/bench-data/ab-city"
bundle=${BUNDLE:-ward-100k}
for _ in $(seq "$runs"); do
  for bin in "$@"; do
    rm -rf "$city"
    "$bin" --json --data-dir "$city" init --unit 01 >/dev/null
    "$bin" --json --data-dir "$city" trust add "$data/$bundle-card.json" >/dev/null
    sync
    /usr/bin/time -f "$bin %e s wall, %U+%S s CPU, %M KB peak" \
      "$bin" --json --data-dir "$city" import "$data/$bundle.sovang" >/dev/null
  done
done 2>&1 | sort
rm -rf "$city"
