#!/usr/bin/env bash
# The whole test suite: format + lint, type-check (tests included, and the dashboard's ui/), then vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome check .
npx tsc -p tsconfig.test.json
npx tsc -p ui/tsconfig.json --noEmit
npx vitest run "$@"
