#!/usr/bin/env bash
# The fast reads of issue 17 side by side: BenchmarkPicture of
# internal/httpapi (20,000 live vessels: the full picture, a bbox holding
# 1% of them, an empty bbox; uncompressed, gzip, zstd, cached) run on this
# checkout and on an older commit (default: main) checked out in a
# temporary directory, alternately, COUNT times each; prints the median
# of each measurement for both and the ratios the README reports.
#
#   bash bench/reads.sh                 # from the repository root
#   BASE=main~3 COUNT=5 bash bench/reads.sh
#
# The benchmark file uses only the API httpapi had before the fast reads,
# so the same file runs on the older commit.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:-main}
COUNT=${COUNT:-3}
BENCHTIME=${BENCHTIME:-10x}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rev=$(git rev-parse --verify "$BASE^{commit}")
git clone -q --no-checkout . "$work/base"
git -C "$work/base" checkout -q --detach "$rev"
cp internal/httpapi/picture_bench_test.go internal/httpapi/cputime_*_test.go "$work/base/internal/httpapi/"

for i in $(seq "$COUNT"); do
  for side in base new; do
    dir=.
    [ "$side" = base ] && dir="$work/base"
    (cd "$dir" && go test -run '^$' -bench '^BenchmarkPicture$' -benchtime "$BENCHTIME" ./internal/httpapi) |
      grep '^BenchmarkPicture/' >> "$work/$side.txt"
  done
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# value SIDE CASE UNIT: the median of the metric UNIT of sub-benchmark CASE.
value() { awk -v c="BenchmarkPicture/$2-" -v u="$3" 'index($1,c)==1 {for(i=2;i<=NF;i++) if($i==u) print $(i-1)}' "$work/$1.txt" | median; }

printf "%-22s %12s %12s %12s %12s %12s %12s\n" case "base ms" "base cpu-ms" "base bytes" "ms" "cpu-ms" bytes
for c in full/identity full/gzip full/zstd full/gzip-cached bbox1pct/identity bbox1pct/gzip bbox-empty/identity; do
  awk -v c="$c" -v bt="$(value base "$c" ns/op)" -v bc="$(value base "$c" cpu-ms/op)" -v bb="$(value base "$c" wire-B/op)" \
      -v nt="$(value new "$c" ns/op)" -v nc="$(value new "$c" cpu-ms/op)" -v nb="$(value new "$c" wire-B/op)" \
      'BEGIN { printf "%-22s %12.2f %12.2f %12d %12.2f %12.2f %12d\n", c, bt/1e6, bc, bb, nt/1e6, nc, nb }'
done
for u in ns/op cpu-ms/op; do
  awk -v u="$u" -v f="$(value new full/identity "$u")" -v g="$(value new full/gzip "$u")" -v p="$(value new bbox1pct/identity "$u")" \
      -v e="$(value new bbox-empty/identity "$u")" -v bf="$(value base full/identity "$u")" \
      -v bp="$(value base bbox1pct/identity "$u")" -v be="$(value base bbox-empty/identity "$u")" 'BEGIN {
    printf "== by %s\n", u
    printf "full picture, this / base:              %.2f\n", f/bf
    printf "bbox of 1%%, time / full picture time:   %.3f (base %.3f; want <= 0.10)\n", p/f, bp/bf
    printf "empty bbox, time / full picture time:   %.4f (base %.3f)\n", e/f, be/bf
    printf "full picture gzip / identity:           %.2f\n", g/f }'
done
