package fusion

import (
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

// BenchmarkTrackTable looks up the real NOAA day's MMSIs in the order of
// its positions, routed to their shards as Apply routes them: the shards'
// tables (mmsitable, tested there) against the map they replaced.
func BenchmarkTrackTable(b *testing.B) {
	ms := noaaMMSIs(b)
	b.Run("table", func(b *testing.B) {
		p := NewPicture(Config{})
		for _, m := range ms {
			if sh := p.shard(m); sh.vessels.Get(m) == nil {
				sh.vessels.Put(m, &track{heard: vessel.Time(m)})
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if p.shard(m).vessels.Get(m).heard == vessel.Time(m) {
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
