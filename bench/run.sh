#!/usr/bin/env bash
# Builds Regatta, then runs every benchmark in bench/ (bench/*.mjs except lib.mjs, and sync-floor.mjs, the floor
# that sync.mjs runs itself), one after the other, each writing its report to bench/results/<name>.json
# (git-ignored). Extra arguments go to every benchmark (e.g. --rounds 3). upload.mjs is copy.mjs with one layer of
# 200 MiB (--layers 1 --size-mib 200), so its report is copy.mjs's. Benchmarks measure wall time: run them on an
# otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
pnpm build
mkdir -p bench/results
for bench in bench/*.mjs; do
  name=$(basename "$bench" .mjs)
  case "$name" in lib | sync-floor) continue ;; esac
  echo "== bench/$name.mjs" >&2
  node "$bench" --json "bench/results/$name.json" "$@"
done
