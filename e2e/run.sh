#!/usr/bin/env bash
# Runs the browser test of the web map (map.mjs) against a running server,
# installing what is missing first: Debian's chromium and, with npm ci, the
# pinned playwright-core. Playwright's own browser download is not used.
#
#   BASE_URL=http://127.0.0.1:8080 [TOKEN=...] [SEARCH_NAME=...] \
#   [HOSTILE_MMSI=...] [ARTIFACTS=dir] bash e2e/run.sh
#
# With --install-only it installs and exits (used before go test, whose
# browser tests in internal/server run map.mjs and features/*.mjs against
# real nodes).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules/playwright-core ] || [ "$(cat node_modules/.lock-sha256 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.lock-sha256
fi

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
: "${BASE_URL:?set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080}"
exec node map.mjs
