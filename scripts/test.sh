#!/usr/bin/env bash
# The whole test suite: format + lint, type-check (tests included), then vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome check .
npx tsc -p tsconfig.test.json
npx vitest run "$@"
