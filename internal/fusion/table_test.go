package fusion

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// noaaMMSIs returns the MMSIs of the real NOAA day's positions, in the
// order of its rows (10,631 distinct).
func noaaMMSIs(tb testing.TB) []vessel.MMSI {
	var ms []vessel.MMSI
	for _, r := range aistest.ReadTracks(tb, aistest.TrackPath(tb, "noaa_us_coast_20220103.csv.gz")) {
		ms = append(ms, vessel.MMSI(r.MMSI))
	}
	return ms
}

// TestTrackTable checks the shards' track tables against maps: the real
// NOAA day's MMSIs routed to their shards as Apply routes them (every key
// of a table then shares the top bits of the shard's hash), then random
// ones, some with the same low bits; every lookup, the count and the
// listing agree, and no key needs a long probe.
func TestTrackTable(t *testing.T) {
	p := NewPicture(Config{})
	want := map[vessel.MMSI]*track{}
	check := func(m vessel.MMSI) {
		sh := p.shard(m)
		got := sh.vessels.get(m)
		if got != want[m] {
			t.Fatalf("get(%d) = %p; want %p", m, got, want[m])
		}
		if got == nil {
			tr := &track{}
			sh.vessels.put(m, tr)
			want[m] = tr
		}
	}
	for _, m := range noaaMMSIs(t) {
		check(m)
	}
	rng := rand.New(rand.NewPCG(17, 17))
	for i := range 200000 {
		m := vessel.MMSI(rng.IntN(1_000_000_000))
		if i%3 == 0 {
			m = vessel.MMSI(200000000 + rng.IntN(3000)*1024)
		}
		check(m)
	}
	n, longest := 0, 0
	for i := range p.shards {
		tab := &p.shards[i].vessels
		n += tab.len()
		tab.all(func(m vessel.MMSI, tr *track) {
			if want[m] != tr {
				t.Fatalf("all lists %d with %p; want %p", m, tr, want[m])
			}
			probe := 0
			for j := tab.home(m); tab.keys[j] != m || tab.vals[j] == nil; j = (j + 1) & tab.mask {
				probe++
			}
			longest = max(longest, probe)
		})
	}
	if n != len(want) {
		t.Fatalf("tables hold %d vessels; want %d", n, len(want))
	}
	if longest > 64 {
		t.Errorf("longest probe %d slots: the hash does not spread a shard's keys", longest)
	}
	t.Logf("%d vessels, longest probe %d", n, longest)
}

// BenchmarkTrackTable looks up the real NOAA day's MMSIs in the order of
// its positions, routed to their shards as Apply routes them: the track
// table against the map it replaced.
func BenchmarkTrackTable(b *testing.B) {
	ms := noaaMMSIs(b)
	b.Run("table", func(b *testing.B) {
		p := NewPicture(Config{})
		for _, m := range ms {
			if sh := p.shard(m); sh.vessels.get(m) == nil {
				sh.vessels.put(m, &track{heard: vessel.Time(m)})
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if p.shard(m).vessels.get(m).heard == vessel.Time(m) {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
	b.Run("map", func(b *testing.B) {
		var maps [nShards]map[vessel.MMSI]*track
		for i := range maps {
			maps[i] = map[vessel.MMSI]*track{}
		}
		idx := func(m vessel.MMSI) int { return int((uint32(m) * 0x9E3779B9) >> (32 - 6)) } // as Picture.shard
		for _, m := range ms {
			if maps[idx(m)][m] == nil {
				maps[idx(m)][m] = &track{heard: vessel.Time(m)}
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if maps[idx(m)][m].heard == vessel.Time(m) {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
}
