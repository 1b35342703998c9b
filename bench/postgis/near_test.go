package main

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// reportsOnly answers q as the harness's PostGIS query does (nearSQL):
// per vessel, its closest report in [From, To) within the radius, on the
// sphere; every row is examined.
func reportsOnly(rows []row, q nearQuery) []nearAnswer {
	best := map[vessel.MMSI]nearAnswer{}
	c := geo.Point{Lat: q.Lat, Lon: q.Lon}
	// The rows are in time order.
	lo, _ := slices.BinarySearchFunc(rows, q.From, func(r row, t vessel.Time) int { return cmp.Compare(r.T, t) })
	for i := lo; i < len(rows) && rows[i].T < q.To; i++ {
		r := &rows[i]
		d := geo.Distance(geo.Point{Lat: r.Lat, Lon: r.Lon}, c)
		if b, ok := best[r.MMSI]; d <= q.Radius && (!ok || d < b.Distance) {
			best[r.MMSI] = nearAnswer{MMSI: r.MMSI, Distance: d, Time: r.T}
		}
	}
	out := make([]nearAnswer, 0, len(best))
	for _, a := range best {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b nearAnswer) int { return int(a.MMSI) - int(b.MMSI) })
	return out
}

// TestNearAgainstReportsOnly: on the harness's own simulated rows and
// queries, the store's near (through the harness's tidewatch backend)
// agrees with a scan of the reports in the window on the sphere, the
// question the harness asks PostGIS: every vessel the scan finds, the
// store finds at least as close, and every vessel only the store finds
// came within the radius between two reports (at the window's ends, or
// between reports). This is the comparison run.sh makes against
// PostGIS (compareNear); here it runs without a server.
func TestNearAgainstReportsOnly(t *testing.T) {
	rows, err := generate(200_000, 500, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Three vessels over empty sea (the South Pacific), each within 10 km
	// of the query's centre only between two of its reports: where its
	// track enters the window, where it leaves it, and passing between
	// two reports 24 km apart. The reports-only scan finds none.
	c := geo.Point{Lat: -45, Lon: -130}
	mid := rows[len(rows)/2].T
	edges := nearQuery{Lat: c.Lat, Lon: c.Lon, Radius: 10_000, From: mid - 1800_000, To: mid + 1800_000}
	put := func(m vessel.MMSI, t vessel.Time, bearing, dist float64) {
		p := geo.Destination(c, bearing, dist)
		rows = append(rows, row{MMSI: m, T: t, Lat: p.Lat, Lon: p.Lon, SOG: nan32, COG: nan32, Heading: -1, Status: 15})
	}
	put(999000001, edges.From-60_000, 0, 9_600) // 9,900 m at From
	put(999000001, edges.From+60_000, 0, 10_200)
	put(999000002, edges.To-60_000, 90, 10_200) // 9,900 m at To
	put(999000002, edges.To+60_000, 90, 9_600)
	west, east := geo.Destination(geo.Destination(c, 0, 5_000), 270, 12_000), geo.Destination(geo.Destination(c, 0, 5_000), 90, 12_000)
	rows = append(rows,
		row{MMSI: 999000003, T: mid - 600_000, Lat: west.Lat, Lon: west.Lon, SOG: nan32, COG: nan32, Heading: -1, Status: 15},
		row{MMSI: 999000003, T: mid + 600_000, Lat: east.Lat, Lon: east.Lon, SOG: nan32, COG: nan32, Heading: -1, Status: 15})
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.T, b.T) })
	tw, err := openTidewatch(false)
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	ctx := context.Background()
	if err := tw.Load(ctx, rows); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 99))
	for _, set := range []struct {
		name string
		qs   []nearQuery
	}{
		{"near", nearQueries(rng, rows, 300)},
		{"near_busy", busyQueries(rng, rows, 300)},
		{"edges", []nearQuery{edges}},
	} {
		var got, want [][]nearAnswer
		for _, q := range set.qs {
			a, err := tw.NearAnswers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(a, func(x, y nearAnswer) int { return int(x.MMSI) - int(y.MMSI) })
			got = append(got, a)
			want = append(want, reportsOnly(rows, q))
		}
		c := compareNear(got, want, 10_000)
		t.Logf("%s: %d vessels found by both, %d only between reports", set.name, c.both, c.interpolatedOnly)
		if len(c.differ) > 0 {
			t.Errorf("%s: %d answers differ:\n%s", set.name, len(c.differ), strings.Join(c.differ[:min(20, len(c.differ))], "\n"))
		}
		if set.name == "edges" {
			if c.both != 0 || c.interpolatedOnly != 3 || len(got[0]) != 3 {
				t.Errorf("edges: %v; want the three vessels, each found only between reports", got[0])
			}
			for _, a := range got[0] {
				if want := map[vessel.MMSI]vessel.Time{999000001: edges.From, 999000002: edges.To - 1}[a.MMSI]; want != 0 && a.Time != want {
					t.Errorf("edges: vessel %v closest at %v; want %v, the window's end", a.MMSI, a.Time, want)
				}
			}
		} else if c.both == 0 {
			t.Errorf("%s: no vessel found: the queries test nothing", set.name)
		}
	}
}

// TestCompareNear: what compareNear accepts (a vessel found by both, at
// least as close in tidewatch; one only tidewatch found between two
// reports; one at the radius's edge in either) and what it reports.
func TestCompareNear(t *testing.T) {
	a := func(m vessel.MMSI, d float64, interp bool) nearAnswer {
		return nearAnswer{MMSI: m, Distance: d, Time: 1, Interpolated: interp}
	}
	tests := []struct {
		name                 string
		tw, other            []nearAnswer
		both, interp, differ int
	}{
		{"same", []nearAnswer{a(1, 5, false), a(2, 7, false)}, []nearAnswer{a(1, 5, false), a(2, 7, false)}, 2, 0, 0},
		{"closer between reports", []nearAnswer{a(1, 3, true)}, []nearAnswer{a(1, 5, false)}, 1, 0, 0},
		{"only tidewatch, between reports", []nearAnswer{a(1, 5, false), a(2, 9990, true)}, []nearAnswer{a(1, 5, false)}, 1, 1, 0},
		{"only tidewatch, at a report", []nearAnswer{a(2, 500, false)}, nil, 0, 0, 1},
		{"only tidewatch, at a report on the edge", []nearAnswer{a(2, 9999.9, false)}, nil, 1, 0, 0},
		{"only the other", nil, []nearAnswer{a(3, 500, false)}, 0, 0, 1},
		{"only the other, on the edge", nil, []nearAnswer{a(3, 9999.9, false)}, 1, 0, 0},
		{"farther in tidewatch", []nearAnswer{a(1, 6, false)}, []nearAnswer{a(1, 5, false)}, 0, 0, 1},
		{"rounding", []nearAnswer{a(1, 5.1, false)}, []nearAnswer{a(1, 5, false)}, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compareNear([][]nearAnswer{tt.tw}, [][]nearAnswer{tt.other}, 10_000)
			if c.both != tt.both || c.interpolatedOnly != tt.interp || len(c.differ) != tt.differ {
				t.Errorf("both %d, interpolated only %d, differ %q; want %d, %d, %d", c.both, c.interpolatedOnly, c.differ, tt.both, tt.interp, tt.differ)
			}
		})
	}
}
