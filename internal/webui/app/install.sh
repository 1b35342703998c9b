#!/usr/bin/env bash
# Installs the web map's pinned npm packages (esbuild, TypeScript,
# MapLibre, pmtiles) into internal/webui/app/node_modules with npm ci,
# unless they are there already for this package-lock.json. The Go tests
# of internal/webui need them (TestTypeCheck, TestNodeUnit, TestDistRebuild);
# .ci/run calls this before go test.
set -euo pipefail
cd "$(dirname "$0")"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules/typescript ] || [ "$(cat node_modules/.lock-sha256 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.lock-sha256
fi
