#!/usr/bin/env bash
# The main job on a fresh machine: set-up, then a short demo of regatta against a real local registry that the demo
# starts on a free loopback port and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/demo.mjs "$@"
