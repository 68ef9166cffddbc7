#!/usr/bin/env bash
# Installs everything Regatta's demo, tests and benchmarks need on a fresh Debian machine with Node 20 and root
# (or sudo). Idempotent: a second run only checks. Called by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# pnpm at the pinned version. corepack fails against this npm registry (it serves no signatures), so npm i -g.
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  say "installing pnpm@$PNPM_VERSION"
  npm i -g "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error
fi

# Debian packages: the real registry (CNCF distribution), the peer tools the tests check our files against,
# htpasswd for the Basic-auth registry, tmux for the terminal test, openssl for the token server's certificate,
# ip and unshare for the origin tests that run in a network namespace of their own (testkit's runInNetns),
# hyperfine for the start-up benchmark (bench/startup.mjs), zsh and fish so that `regatta completion`'s scripts for
# them are parsed by those shells in the tests (not skipped).
declare -A PKG_FOR=([docker-registry]=docker-registry [skopeo]=skopeo [umoci]=umoci [htpasswd]=apache2-utils
  [tmux]=tmux [openssl]=openssl [curl]=curl [ip]=iproute2 [unshare]=util-linux
  [hyperfine]=hyperfine [zsh]=zsh [fish]=fish)
missing=()
for cmd in "${!PKG_FOR[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_FOR[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The docker-registry package may start its own service on :5000. Nothing here uses a fixed port, so it can stay.
fi

say "installing dependencies"
if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile --reporter=append-only >/dev/null
else
  pnpm install --reporter=append-only >/dev/null
fi

say "building"
TURBO_TELEMETRY_DISABLED=1 pnpm --silent build --output-logs=errors-only
