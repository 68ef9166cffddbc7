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
exec node scripts/test-node-versions.mjs "$@"
