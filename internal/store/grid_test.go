package store

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// gridRows makes tracks where the spatial grid of the block index has its
// edges: across the antimeridian near Fiji, round the North Pole, along
// whole degrees of latitude and longitude, fast craft reporting every 25
// minutes (segments longer than gridMaxWiden: the wide list), long
// fast transits whose boxes cover many cells, and vessels reporting for
// 40 hours, moored (their chunks span most of a block: its long list, in
// cells) or on a long straight transit (the long list's wide part).
func gridRows() []vessel.Position {
	rng := rand.New(rand.NewPCG(7, 8))
	type kind struct {
		n              int
		lat, lon       float64 // where they start, spread by spread°
		spread         float64
		knots          float64
		every          vessel.Time
		straightCourse bool
		hours          vessel.Time // 12 when 0
	}
	kinds := []kind{
		{n: 40, lat: -17, lon: 179.8, spread: 0.5, knots: 12, every: 120_000},
		{n: 20, lat: -17, lon: -179.85, spread: 0.2, knots: 2, every: 120_000}, // east of it
		{n: 20, lat: -17, lon: 179.85, spread: 0.2, knots: 2, every: 120_000},  // west of it
		{n: 20, lat: 86, lon: 0, spread: 3, knots: 10, every: 180_000},
		{n: 30, lat: 10, lon: 60, spread: 0.3, knots: 14, every: 60_000},
		{n: 10, lat: 10.2, lon: 60.2, spread: 1, knots: 60, every: 25 * 60_000, straightCourse: true},
		{n: 5, lat: 0, lon: -30, spread: 1, knots: 30, every: 300_000, straightCourse: true},
		{n: 30, lat: -17, lon: 179.95, spread: 0.2, knots: 0.05, every: 600_000, hours: 40},
		{n: 30, lat: 10, lon: 60, spread: 0.5, knots: 0.05, every: 600_000, hours: 40},
		{n: 5, lat: 0, lon: -30, spread: 1, knots: 9, every: 900_000, straightCourse: true, hours: 40},
	}
	start := vessel.Time(1704067200000)
	var rows []vessel.Position
	m := vessel.MMSI(200000000)
	for _, k := range kinds {
		for range k.n {
			m++
			p := geo.Point{Lat: k.lat + (rng.Float64()-0.5)*k.spread, Lon: geo.NormalizeLon(k.lon + (rng.Float64()-0.5)*k.spread)}
			course := rng.Float64() * 360
			t := start + vessel.Time(rng.Int64N(int64(k.every)))
			hours := cmp.Or(k.hours, 12)
			for t < start+hours*3600_000 {
				rows = append(rows, vessel.Position{MMSI: m, Time: t, Lat: p.Lat, Lon: p.Lon, SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading})
				if !k.straightCourse {
					course += (rng.Float64() - 0.5) * 40
				}
				p = geo.Destination(p, course, k.knots*1852*float64(k.every)/3600_000)
				t += k.every
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b vessel.Position) int { return int(a.Time - b.Time) })
	return rows
}

// TestGridEdges: near and area queries where the grid has edges give
// what a brute-force scan of the rows gives, with the data in blocks and
// partly in the head.
func TestGridEdges(t *testing.T) {
	rows := gridRows()
	tracks := wantTracks(rows)
	for _, tc := range []struct {
		name string
		head int
		long bool // blocks span more than 16 hours: long lists
	}{{"blocks and head", len(rows)/5 + 1, true}, {"small blocks", len(rows)/40 + 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			db := openWith(t, rows, tc.head)
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(9, 10))
			hits := 0
			for q := range 150 {
				r := rows[rng.IntN(len(rows))]
				c := geo.Destination(geo.Point{Lat: r.Lat, Lon: r.Lon}, rng.Float64()*360, rng.Float64()*20000)
				radius := []float64{500, 5000, 15000}[q%3] // bruteNear is exact to 20 km
				from := r.Time - vessel.Time(rng.Int64N(3600_000))
				to := from + 3600_000
				got, err := db.Near(c, radius, from, to, NearOptions{})
				if err != nil {
					t.Fatal(err)
				}
				want := bruteNear(tracks, c, from, to)
				found := map[vessel.MMSI]Approach{}
				for _, a := range got {
					found[a.MMSI] = a
				}
				for m, d := range want {
					a, ok := found[m]
					switch {
					case d <= radius-5 && !ok:
						t.Errorf("query %d (%v r=%.0f): vessel %v passed %.1f m away and was missed", q, c, radius, m, d)
					case ok && (a.Distance > d+0.5 || a.Distance < d-6):
						t.Errorf("query %d: vessel %v closest %.1f m, brute force %.1f m", q, m, a.Distance, d)
					}
				}
				for m, a := range found {
					if d, ok := want[m]; !ok || d > radius+6 {
						t.Errorf("query %d: vessel %v found at %.1f m, brute force says %.1f m", q, m, a.Distance, d)
					}
				}
				hits += len(got)
			}
			if hits < 100 {
				t.Fatalf("%d hits over 150 queries: the queries test too little", hits)
			}
			// Areas: boxes round reported positions, some on whole degrees.
			areaHits := 0
			for q := range 60 {
				r := rows[rng.IntN(len(rows))]
				lat, lon := r.Lat, r.Lon
				if q%2 == 0 { // a corner on the cell edges
					lat, lon = math.Round(lat), math.Round(lon)
					if lon >= 180 {
						lon = 179.999
					}
				}
				d := 0.05 + rng.Float64()*0.3
				ring := geo.Ring{{Lat: lat - d, Lon: lon - d}, {Lat: lat - d, Lon: lon + d}, {Lat: lat + d, Lon: lon + d}, {Lat: lat + d, Lon: lon - d}, {Lat: lat - d, Lon: lon - d}}
				if lat+d >= 90 || lon+d > 180 || lon-d < -180 {
					continue
				}
				area := geo.MultiPolygon{{Outer: ring}}
				from := r.Time - 3600_000
				to := r.Time + 3600_000
				got, err := db.Area(area, from, to, false)
				if err != nil {
					t.Fatal(err)
				}
				want := map[vessel.MMSI]int{}
				for _, p := range rows {
					p = quantize(p)
					if p.Time >= from && p.Time <= to && area.Contains(geo.Point{Lat: p.Lat, Lon: p.Lon}) {
						want[p.MMSI]++
					}
				}
				if len(got) != len(want) {
					t.Fatalf("area %d (%.3f,%.3f ±%.2f): %d vessels, brute force %d", q, lat, lon, d, len(got), len(want))
				}
				for _, h := range got {
					if want[h.MMSI] != h.Reports {
						t.Fatalf("area %d: %v %d reports, brute force %d", q, h.MMSI, h.Reports, want[h.MMSI])
					}
				}
				areaHits += len(got)
			}
			if areaHits == 0 {
				t.Fatal("no area hits")
			}
			// The grid and its wide lists both held chunks.
			v, done, err := db.view()
			if err != nil {
				t.Fatal(err)
			}
			var inCells, wide, longCells, longWide int
			for _, b := range v.blocks {
				for _, g := range b.times.grid {
					inCells += len(g.idx)
					wide += len(g.wide)
				}
				longCells += len(b.times.longGrid.idx)
				longWide += len(b.times.longGrid.wide)
			}
			done()
			if inCells == 0 || wide == 0 || tc.long && (longCells == 0 || longWide == 0) {
				t.Fatalf("%d chunk listings in cells, %d wide, long %d in cells, %d wide: the test does not cover them all", inCells, wide, longCells, longWide)
			}
			t.Logf("%d near hits, %d area hits; %d chunk listings in cells, %d wide; long: %d in cells, %d wide", hits, areaHits, inCells, wide, longCells, longWide)
		})
	}
}

// TestNearEmptySea: a near query over empty sea, on a real day stored in
// one block (its long list holds the chunks of the vessels moored all
// day), finds nothing and examines no block index entry listed in cells,
// hour by hour: only the few wide ones (chunks with implausibly long
// segments or boxes over many cells), which every query examines. One
// round a reported position examines more and finds its vessel.
func TestNearEmptySea(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "noaa_us_coast_20220103.csv.gz"))
	db := openWith(t, rows, len(rows)+1)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	v, done, err := db.view()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	long := 0
	for _, b := range v.blocks {
		b.eachIn(0, 0, &unitBox{}, func(uint32) {}) // builds the cells
		long += len(b.times.long)
	}
	if long == 0 {
		t.Fatal("no chunk in a long list: the test does not cover them")
	}
	first, last, _ := db.Bounds()
	for _, c := range []geo.Point{{Lat: -45, Lon: -130}, {Lat: -10, Lon: 170}, {Lat: 35, Lon: -40}} {
		for t0 := first; t0 < last; t0 += 3600_000 {
			cand := map[vessel.MMSI]bool{}
			lo, hi := int64(t0)-maxInterpGap, int64(t0+3600_000)+maxInterpGap
			wide := 0
			for _, b := range v.blocks {
				wide += len(b.times.longGrid.wide)
				for k := b.times.bucket(lo); k <= b.times.bucket(hi); k++ {
					wide += len(b.times.grid[k].wide)
				}
			}
			if n := v.nearCandidates(c, 10e3, lo, hi, cand); n > wide {
				t.Fatalf("near %v at %v: %d index entries examined, only %d are wide", c, t0, n, wide)
			}
			if res, err := db.Near(c, 10e3, t0, t0+3600_000, NearOptions{}); err != nil || len(res) != 0 {
				t.Fatalf("Near(%v, %v) = %d vessels, %v; want none", c, t0, len(res), err)
			}
		}
	}
	r := rows[len(rows)/2]
	cand := map[vessel.MMSI]bool{}
	n := v.nearCandidates(geo.Point{Lat: r.Lat, Lon: r.Lon}, 1e3, int64(r.Time)-maxInterpGap, int64(r.Time)+maxInterpGap, cand)
	if n == 0 || !cand[r.MMSI] {
		t.Fatalf("near a report of %v: %d entries examined, candidates %v", r.MMSI, n, cand)
	}
	t.Logf("%d chunks in long lists; near a report: %d entries examined, %d candidates", long, n, len(cand))
}
