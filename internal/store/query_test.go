package store

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// bruteNear is the reference for Near: every vessel's track is walked in
// full, each segment sampled every 10 m (no index, no pruning, no
// closest-point formula).
func bruteNear(tracks map[vessel.MMSI][]vessel.Position, c geo.Point, from, to vessel.Time) map[vessel.MMSI]float64 {
	out := map[vessel.MMSI]float64{}
	for m, tr := range tracks {
		best := math.Inf(1)
		for _, p := range tr {
			if p.Time >= from && p.Time <= to {
				best = min(best, geo.Distance(geo.Point{Lat: p.Lat, Lon: p.Lon}, c))
			}
		}
		for i, p := range tr {
			if i == 0 {
				continue
			}
			a := tr[i-1]
			if p.Time-a.Time > maxInterpGap || p.Time <= a.Time || a.Time > to || p.Time < from {
				continue
			}
			pa, pb := geo.Point{Lat: a.Lat, Lon: a.Lon}, geo.Point{Lat: p.Lat, Lon: p.Lon}
			l := geo.Distance(pa, pb)
			// Triangle inequality: no point of the segment comes closer
			// than this to c.
			if min(geo.Distance(pa, c), geo.Distance(pb, c))-l > min(best, 20000) {
				continue
			}
			n := int(min(l/10, 20000)) + 1
			for k := -2; k <= n; k++ {
				tk := a.Time + vessel.Time(float64(p.Time-a.Time)*float64(k)/float64(n))
				switch k { // the window's edges, when they cut the segment
				case -2:
					tk = from
				case -1:
					tk = to
				}
				if tk < a.Time || tk > p.Time {
					continue
				}
				if tk < from || tk > to {
					continue
				}
				q := geo.Interpolate(pa, pb, float64(tk-a.Time)/float64(p.Time-a.Time))
				best = min(best, geo.Distance(q, c))
			}
		}
		if !math.IsInf(best, 1) {
			out[m] = best
		}
	}
	return out
}

func openWith(t *testing.T, rows []vessel.Position, head int) *DB {
	t.Helper()
	db, err := Open(t.TempDir(), Options{HeadPoints: head, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	writeAll(t, db, rows, 4000)
	return db
}

// TestNearMatchesBruteForce runs random near queries over real tracks
// (stored across blocks and the head) and compares them with a brute-force
// scan of the raw rows.
func TestNearMatchesBruteForce(t *testing.T) {
	// NOAA is in the repository; the others are read from the shared
	// workspace when it is there.
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "auckland_hauraki_20170907_09.csv.gz", "suez_evergiven_20210320_24.csv.gz", "boston_201401.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			rows := readTrackRows(t, trackFile(t, name))
			db := openWith(t, rows, len(rows)/4+1)
			tracks := wantTracks(rows)
			rng := rand.New(rand.NewPCG(3, 4))
			var hits, interpolated int
			for q := 0; q < 60; q++ {
				r := rows[rng.IntN(len(rows))]
				c := geo.Destination(geo.Point{Lat: r.Lat, Lon: r.Lon}, rng.Float64()*360, rng.Float64()*3000)
				radius := []float64{500, 2000, 10000}[q%3]
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
					if a.Interpolated {
						interpolated++
					}
					if a.Time < from || a.Time > to {
						t.Errorf("query %d: %v closest at %v, outside the window", q, a.MMSI, a.Time)
					}
					if d := geo.Distance(geo.Point{Lat: a.Lat, Lon: a.Lon}, c); math.Abs(d-a.Distance) > 1 {
						t.Errorf("query %d: %v reported %.1f m but its point is %.1f m away", q, a.MMSI, a.Distance, d)
					}
				}
				hits += len(got)
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
			}
			t.Logf("%d hits, %d of them between reports", hits, interpolated)
			if hits == 0 {
				t.Fatal("no hits: the queries test nothing")
			}
		})
	}
}

func TestAreaMatchesBruteForce(t *testing.T) {
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "auckland_hauraki_20170907_09.csv.gz"} {
		t.Run(name, func(t *testing.T) { testArea(t, name) })
	}
}

func testArea(t *testing.T, name string) {
	rows := readTrackRows(t, trackFile(t, name))
	db := openWith(t, rows, len(rows)/4+1)
	rng := rand.New(rand.NewPCG(5, 6))
	var total int
	for q := 0; q < 40; q++ {
		r := rows[rng.IntN(len(rows))]
		c := geo.Point{Lat: r.Lat, Lon: r.Lon}
		var ring geo.Ring
		for k := 0; k <= 6; k++ {
			ring = append(ring, geo.Destination(c, float64(k%6)*60+rng.Float64()*20, 1000+rng.Float64()*4000))
		}
		area := geo.MultiPolygon{{Outer: ring}}
		from := r.Time - vessel.Time(rng.Int64N(7200_000))
		to := from + 7200_000
		got, err := db.Area(area, from, to, false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[vessel.MMSI]*AreaHit{}
		for _, p := range rows {
			p = quantize(p)
			if p.Time < from || p.Time > to || !area.Contains(geo.Point{Lat: p.Lat, Lon: p.Lon}) {
				continue
			}
			h := want[p.MMSI]
			if h == nil {
				h = &AreaHit{MMSI: p.MMSI, First: p.Time}
				want[p.MMSI] = h
			}
			h.Reports++
			h.First, h.Last = min(h.First, p.Time), max(h.Last, p.Time)
		}
		if len(got) != len(want) {
			t.Fatalf("query %d: %d vessels, brute force %d", q, len(got), len(want))
		}
		for _, h := range got {
			w := want[h.MMSI]
			if w == nil || w.Reports != h.Reports || w.First != h.First || w.Last != h.Last {
				t.Fatalf("query %d: %+v, brute force %+v", q, h, w)
			}
		}
		total += len(got)
	}
	if total == 0 {
		t.Fatal("no hits")
	}
	t.Logf("%d vessel hits over 40 polygons", total)
}

// TestAtMatchesRows: the picture at a moment is the last row of each
// vessel at or before it, within the age limit.
func TestAtMatchesRows(t *testing.T) {
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "auckland_hauraki_20170907_09.csv.gz"} {
		t.Run(name, func(t *testing.T) { testAt(t, name) })
	}
}

func testAt(t *testing.T, name string) {
	rows := readTrackRows(t, trackFile(t, name))
	db := openWith(t, rows, len(rows)/3+1)
	for _, at := range []vessel.Time{rows[len(rows)/2].Time, rows[len(rows)-1].Time} {
		const age = 3600_000
		got, err := db.At(at, age, false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[vessel.MMSI]vessel.Position{}
		for _, p := range rows { // sorted by time in the file
			if p.Time > at-age && p.Time <= at {
				want[p.MMSI] = quantize(p)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("at %v: %d vessels, want %d", at, len(got), len(want))
		}
		for _, v := range got {
			w := want[v.MMSI]
			if v.Position.Time != w.Time || v.Position.Lat != w.Lat || v.Position.Lon != w.Lon {
				t.Errorf("at %v: vessel %v at %+v, want %+v", at, v.MMSI, v.Position, w)
			}
		}
	}
}

// TestNewest: the newest position at or before a limit, from blocks (whole
// chunks and a chunk straddling the limit) and the head.
func TestNewest(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "dma_stream_20100611_from_nmea.csv.gz"))[:500]
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writeAll(t, db, rows[:400], 100)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	writeAll(t, db, rows[400:], 100) // in the head
	future := rows[0]
	future.Time = vessel.TimeOf(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	writeAll(t, db, []vessel.Position{future}, 1)
	newestBefore := func(lim vessel.Time) (vessel.Time, bool) {
		best, ok := vessel.Time(0), false
		for _, r := range rows {
			if r.Time <= lim && (!ok || r.Time > best) {
				best, ok = r.Time, true
			}
		}
		return best, ok
	}
	for _, lim := range []vessel.Time{rows[0].Time - 1, rows[10].Time, rows[200].Time, rows[450].Time, future.Time - 1, future.Time} {
		got, ok, err := db.Newest(lim)
		if err != nil {
			t.Fatal(err)
		}
		want, wok := newestBefore(lim)
		if lim == future.Time {
			want, wok = future.Time, true
		}
		if got != want || ok != wok {
			t.Errorf("Newest(%v) = %v, %v; want %v, %v", lim, got, ok, want, wok)
		}
	}
}
