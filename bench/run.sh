#!/usr/bin/env bash
# Benchmarks tidewatch's AIS decoding side by side with its peers, in one
# run, on the real capture and on a generated 1M-line corpus, and prints the
# ratios the project reports (README "Performance").
#
#   bash bench/run.sh            # from the repository root
#   COUNT=10 LINES=2000000 bash bench/run.sh
#
# Peers: github.com/BertoldVdb/go-ais (fast codec; linked only into this
# separate bench module) and gpsd's gpsdecode (Debian gpsd-clients,
# installed here if missing).
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-5}
LINES=${LINES:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v gpsdecode >/dev/null; then
  echo "installing gpsd-clients for gpsdecode..." >&2
  (apt-get update -qq && apt-get install -y -qq gpsd-clients) >/dev/null
fi

go build -o "$work/tidewatch" ../cmd/tidewatch
go run ./cmd/aisgen -lines "$LINES" > "$work/gen.nmea"
gzip -dc ../testdata/ais/bench.nmea.gz > "$work/real.nmea"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

bench() { # corpus-file label
  local out="$work/bench-$2.txt"
  TIDEWATCH_BENCH_CORPUS="$1" go test -run '^$' -bench 'BenchmarkDecode' -benchtime=3x -count "$COUNT" . > "$out"
  echo "== in-process decode, $2 corpus ($(wc -l < "$1") lines), median of $COUNT runs"
  for c in split-checksum tidewatch go-ais-fast tidewatch-json; do
    ns=$(awk -v c="BenchmarkDecode/$c-" 'index($1,c)==1 {print $3}' "$out" | median)
    allocs=$(awk -v c="BenchmarkDecode/$c-" 'index($1,c)==1 {for(i=1;i<=NF;i++) if($(i)=="allocs/op") print $(i-1)}' "$out" | median)
    eval "ns_${c//-/_}=$ns"
    printf '  %-16s %12.1f ms/pass  %s allocs/pass\n' "$c" "$(echo "$ns/1000000" | bc -l)" "${allocs:--}"
  done
  printf '  ratio go-ais-fast / tidewatch (>= 1.5 wanted):  %.2f\n' "$(echo "$ns_go_ais_fast/$ns_tidewatch" | bc -l)"
  printf '  ratio tidewatch / split-checksum (<= 5 wanted): %.2f\n' "$(echo "$ns_tidewatch/$ns_split_checksum" | bc -l)"
  # Allocations per message.
  msgs=$(awk -v c="BenchmarkDecode/tidewatch-" 'index($1,c)==1 {for(i=1;i<=NF;i++) if($(i)=="msgs/s") m=$(i-1)} END{print m}' "$out")
  echo "  (tidewatch allocs/pass over the whole corpus, above, divided by messages gives allocs/message)"
}

cli() { # corpus-file label
  local tw=() gd=()
  for _ in $(seq "$COUNT"); do
    s=$(date +%s.%N); "$work/tidewatch" decode "$1" > /dev/null; e=$(date +%s.%N); tw+=("$(echo "$e - $s" | bc -l)")
    s=$(date +%s.%N); gpsdecode < "$1" > /dev/null 2>&1 || true; e=$(date +%s.%N); gd+=("$(echo "$e - $s" | bc -l)")
  done
  t=$(printf '%s\n' "${tw[@]}" | median); g=$(printf '%s\n' "${gd[@]}" | median)
  echo "== tidewatch decode (JSON) vs gpsdecode, $2 corpus, median of $COUNT runs"
  printf '  tidewatch decode %8.3f s   gpsdecode %8.3f s   ratio %.1fx (>= 10 wanted)\n' "$t" "$g" "$(echo "$g/$t" | bc -l)"
  printf '  messages: tidewatch %s, gpsdecode %s\n' "$("$work/tidewatch" decode "$1" | wc -l)" "$(gpsdecode < "$1" 2>/dev/null | wc -l)"
}

go version
bench "$work/real.nmea" real
bench "$work/gen.nmea" generated
cli "$work/real.nmea" real
cli "$work/gen.nmea" generated
