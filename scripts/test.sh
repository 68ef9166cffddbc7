#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, then every vitest project (unit, msw contract tests, and
# integration tests against real distribution registries that the tests start on free loopback ports).
# Runs on every supported Node major (REGATTA_NODE_VERSIONS, default "20 22 24"; scripts/node-versions.sh makes
# them available), one whole run each, and ends with a plain "N passed, N failed" line over all of them, computed
# from vitest's JSON reports. `REGATTA_NODE_VERSIONS=20 bash scripts/test.sh` runs one major only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1
# What users get, before the suite so the closing line stays last: every published package packed, publint and
# arethetypeswrong on each tarball, installs from the tarballs alone (scripts/check-packages.mjs, docs/releasing.md).
# A run narrowed by arguments is about tests, so it skips this.
if [ $# -eq 0 ]; then
  node scripts/check-packages.mjs
fi
exec node scripts/test-node-versions.mjs "$@"
