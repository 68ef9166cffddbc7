#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, then every vitest project (unit, msw contract tests, and
# integration tests against real distribution registries that the tests start on free loopback ports).
# Ends with a plain "N passed, N failed" line computed from vitest's JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1
exec node scripts/run-tests.mjs "$@"
