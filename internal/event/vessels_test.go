package event

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestVesselTable: the table agrees with a map through a random mix of
// additions, lookups and deletions (MMSIs from a small range, so that
// probe runs collide and wrap round the table, and deletions shift keys
// back), and lists exactly the vessels it holds.
func TestVesselTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var tab vesselTable
	want := map[vessel.MMSI]*track{}
	for i := range 400000 {
		m := vessel.MMSI(rng.IntN(5000))
		if i%3 == 0 {
			m = vessel.MMSI(200000000 + rng.IntN(3000)*1024) // same low bits: long probe runs
		}
		switch got := tab.get(m); {
		case got != want[m]:
			t.Fatalf("step %d: get(%d) = %p; want %p", i, m, got, want[m])
		case got == nil && rng.IntN(4) != 0:
			tr := &track{mmsi: m}
			tab.put(m, tr)
			want[m] = tr
		case got != nil && rng.IntN(2) == 0:
			tab.del(m)
			delete(want, m)
		}
		if tab.len() != len(want) {
			t.Fatalf("step %d: len %d; want %d", i, tab.len(), len(want))
		}
	}
	seen := map[vessel.MMSI]bool{}
	tab.all(func(tr *track) {
		if want[tr.mmsi] != tr || seen[tr.mmsi] {
			t.Fatalf("all lists %d (%p) once more or not held", tr.mmsi, tr)
		}
		seen[tr.mmsi] = true
	})
	if len(seen) != len(want) {
		t.Fatalf("all listed %d vessels; want %d", len(seen), len(want))
	}
	tab.del(123456789) // not there: nothing happens
	var empty vesselTable
	empty.del(1)
	if empty.get(1) != nil || empty.len() != 0 {
		t.Fatal("an empty table holds something")
	}
}

// BenchmarkVesselTable looks up the vessels of the real NOAA day (10,631
// MMSIs) in the order of its positions, in the table and in a Go map.
func BenchmarkVesselTable(b *testing.B) {
	var ms []vessel.MMSI
	for _, r := range aistest.ReadTracks(b, aistest.TrackPath(b, "noaa_us_coast_20220103.csv.gz")) {
		ms = append(ms, vessel.MMSI(r.MMSI))
	}
	b.Run("table", func(b *testing.B) {
		var tab vesselTable
		for _, m := range ms {
			if tab.get(m) == nil {
				tab.put(m, &track{mmsi: m})
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if tab.get(m).mmsi == m {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
	b.Run("map", func(b *testing.B) {
		tab := map[vessel.MMSI]*track{}
		for _, m := range ms {
			if tab[m] == nil {
				tab[m] = &track{mmsi: m}
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if tab[m].mmsi == m {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
}
