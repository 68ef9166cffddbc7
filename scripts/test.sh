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
# Before them, the types of every package, its tests included (a test that calls an API with the wrong shape fails
# here, not as a puzzling runtime error), and the linter. A run narrowed by arguments is about tests, so it skips
# all three.
if [ $# -eq 0 ]; then
  pnpm -s typecheck
  pnpm -s lint
  node scripts/check-packages.mjs
fi
exec node scripts/test-node-versions.mjs "$@"
