#!/usr/bin/env bash
# Rebuilds the web map into dist/ (committed, embedded by webui.go), from the
# pinned packages of app/package-lock.json. Run after changing app/.
set -euo pipefail
cd "$(dirname "$0")/app"
npm ci --no-audit --no-fund
npm run build
