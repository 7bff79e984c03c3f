#!/usr/bin/env bash
# `npm test`: installs the real peers the tests talk to (Debian packages), type-checks, lints (eslint,
# prettier, the import rules of scripts/check-imports.ts), then runs every test file with the services
# they need started and stopped around them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/harness/install-peers.sh
npx tsc -p tsconfig.json --noEmit
npx tsc -p web/tsconfig.json --noEmit
npx eslint .
node --import tsx scripts/check-imports.ts
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
exec node --import tsx scripts/run-tests.ts "$@"
