#!/usr/bin/env bash
# The PostGIS side of the store benchmark: installs PostgreSQL and PostGIS
# from Debian if they are missing, creates a throwaway cluster in a
# temporary directory (as the postgres user when run as root), listening
# only on a Unix socket there, runs the Go harness (main.go) against it,
# and stops and removes the cluster on exit, whatever happens.
#
#   bash bench/postgis/run.sh                      # 5M positions
#   POSITIONS=1000000 VESSELS=1000 bash bench/postgis/run.sh
#   bash bench/postgis/run.sh --answers DIR          # also write the near answers (main.go)
#
# Output: one "name value unit" line per metric (see main.go).
set -euo pipefail
cd "$(dirname "$0")/.."   # the bench module
POSITIONS=${POSITIONS:-5000000}
VESSELS=${VESSELS:-2000}
QUERIES=${QUERIES:-300}
RATE=${RATE:-0.25}
SEED=${SEED:-1}
PORT=${PORT:-54329}

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
   ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  echo "installing postgresql and postgis..." >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3 >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d)
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown postgres "$work"
  as_pg() { runuser -u postgres -- "$@"; }
fi
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

as_pg "$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
# A server a user would tune for bulk loads and queries on a machine of
# this size; durability settings (fsync, synchronous_commit) stay at their
# defaults.
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w start -o \
  "-c listen_addresses='' -k $work -p $PORT -c shared_buffers=1GB -c work_mem=64MB \
   -c maintenance_work_mem=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min \
   -c effective_cache_size=8GB -c random_page_cost=1.1" >/dev/null

export PGHOST=$work PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
echo "postgis_server $("$PGBIN/postgres" --version | awk '{print $3}') version" 
psql -qAtc "SELECT 'postgis_extension ' || default_version || ' version' FROM pg_available_extensions WHERE name = 'postgis'"
go run ./postgis --positions "$POSITIONS" --vessels "$VESSELS" --rate "$RATE" --queries "$QUERIES" --seed "$SEED" "$@"
