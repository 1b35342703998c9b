#!/usr/bin/env bash
# Benchmarks tidewatch's AIS decoding side by side with its peers, in one
# run, on the real capture and on a generated corpus, and prints the ratios
# the project reports (README "Performance").
#
#   bash bench/run.sh                        # from the repository root
#   COUNT=10 LINES=2000000 bash bench/run.sh
#
# Peers: github.com/BertoldVdb/go-ais v0.4.0 (its fast codec; linked only
# into this separate bench module) and gpsd's gpsdecode (Debian
# gpsd-clients, installed here if missing).
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-5}
LINES=${LINES:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v gpsdecode >/dev/null; then
  echo "installing gpsd-clients for gpsdecode..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq gpsd-clients) >/dev/null
fi

# The command is built in the root module, with the root module's go.sum:
# built from this module (whose go.sum lists only what the bench packages
# import) it fails with "missing go.sum entry" on a clean clone.
(cd .. && go build -o "$work/tidewatch" ./cmd/tidewatch)
go run ./cmd/aisgen -lines "$LINES" > "$work/generated.nmea"
gzip -dc ../testdata/ais/bench.nmea.gz > "$work/real.nmea"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# field NAME UNIT FILE: the values of the metric UNIT for sub-benchmark NAME.
field() { awk -v c="BenchmarkDecode/$1-" -v u="$2" 'index($1,c)==1 {for(i=2;i<=NF;i++) if($i==u) print $(i-1)}' "$3"; }

bench() { # corpus-file label
  local out="$work/bench-$2.txt"
  # At least ~1 s per sub-benchmark: a few passes over the corpus.
  local n=$(( 8000000 / $(wc -l < "$1") + 2 ))
  TIDEWATCH_BENCH_CORPUS="$1" go test -run '^$' -bench 'BenchmarkDecode' -benchtime="${n}x" -count "$COUNT" . > "$out"
  echo "== in-process decode, $2 corpus ($(wc -l < "$1") lines), median of $COUNT runs, same process"
  for c in split-checksum tidewatch go-ais-fast tidewatch-json; do
    ns=$(field "$c" ns/op "$out" | median)
    msgs=$(field "$c" msgs/s "$out" | median)
    allocs=$(field "$c" allocs/op "$out" | median)
    eval "ns_${c//-/_}=$ns"
    awk -v c="$c" -v ns="$ns" -v m="$msgs" -v a="${allocs:-0}" 'BEGIN {
      printf "  %-15s %9.1f ms/pass  %10.0f msgs/s  %9.0f allocs/pass  %.4f allocs/msg\n", c, ns/1e6, m, a, a/(m*ns/1e9) }'
  done
  awk -v g="$ns_go_ais_fast" -v t="$ns_tidewatch" -v s="$ns_split_checksum" 'BEGIN {
    printf "  tidewatch speed-up over go-ais-fast (want >= 1.5):       %.2fx\n", g/t
    printf "  tidewatch time / split-checksum time (want <= 5):         %.2fx\n", t/s }'
}

cli() { # corpus-file label
  local tw=() gd=()
  for _ in $(seq "$COUNT"); do
    s=$(date +%s%N); "$work/tidewatch" decode "$1" > /dev/null; e=$(date +%s%N); tw+=($((e - s)))
    s=$(date +%s%N); gpsdecode < "$1" > /dev/null 2>&1 || true; e=$(date +%s%N); gd+=($((e - s)))
  done
  t=$(printf '%s\n' "${tw[@]}" | median); g=$(printf '%s\n' "${gd[@]}" | median)
  echo "== tidewatch decode (JSON out) vs gpsdecode, $2 corpus, median of $COUNT runs each, alternating"
  awk -v t="$t" -v g="$g" 'BEGIN { printf "  tidewatch decode %7.3f s   gpsdecode %7.3f s   speed-up %.1fx (want >= 10)\n", t/1e9, g/1e9, g/t }'
  echo "  objects: tidewatch $("$work/tidewatch" decode "$1" | wc -l), gpsdecode $(gpsdecode < "$1" 2>/dev/null | wc -l)"
}

go version
bench "$work/real.nmea" real
bench "$work/generated.nmea" generated
cli "$work/real.nmea" real
cli "$work/generated.nmea" generated
