package incident_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkPut stores new records, each fsynced before Put returns.
func BenchmarkPut(b *testing.B) {
	s := openStore(b, filepath.Join(b.TempDir(), "incidents.log"))
	in := draft("bench")
	now := t0
	for b.Loop() {
		if _, err := s.Put(in, now); err != nil {
			b.Fatal(err)
		}
		now = now.Add(time.Second)
	}
}

// bigLog writes a log of n records spread over a year and the Indian
// Ocean, and returns its path.
func bigLog(b *testing.B, n int) string {
	b.Helper()
	ins := make([]incident.Incident, n)
	cats := incident.Categories()
	for i := range ins {
		in := piracy()
		in.ID = incident.NewID()
		in.Version = 1
		in.Category = cats[i%len(cats)]
		in.TLP = incident.TLP(i % 5)
		in.Start = mustTime("2025-01-01T00:00:00Z") + vessel.Time(i)*315_000
		in.End = in.Start + 3_600_000
		in.Lat, in.Lon = -30+float64(i%600)/10, 40+float64(i%500)/10
		in.Vessels = []vessel.MMSI{vessel.MMSI(419000000 + i%1000)}
		if i%10 == 0 {
			in.Kind = incident.KindAssessment
			in.Area = geo.MultiPolygon{{Outer: box(in.Lon, in.Lat, in.Lon+2, in.Lat+2)}}
		}
		ins[i] = in
	}
	path := filepath.Join(b.TempDir(), "big.log")
	if err := incident.WriteLog(path, ins); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkList100k lists from 100,000 records with typical filters.
func BenchmarkList100k(b *testing.B) {
	s := openStore(b, bigLog(b, 100_000))
	amber := incident.TLPAmber
	box := geo.Rect{MinLat: 5, MinLon: 60, MaxLat: 15, MaxLon: 70}
	filters := map[string]incident.Filter{
		"latest50":        {Limit: 50},
		"window+bbox":     {From: mustTime("2025-03-01T00:00:00Z"), To: mustTime("2025-03-31T00:00:00Z"), BBox: &box},
		"category+tlp100": {Category: incident.Piracy, MaxTLP: &amber, Limit: 100},
		"vessel":          {Vessel: 419000123},
	}
	for name, f := range filters {
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = len(s.List(f))
			}
			b.ReportMetric(float64(n), "records")
		})
	}
}

// BenchmarkOpen100k reads a log of 100,000 records.
func BenchmarkOpen100k(b *testing.B) {
	path := bigLog(b, 100_000)
	for b.Loop() {
		s, err := incident.Open(path, incident.Options{Node: node})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func BenchmarkSTIXBundle(b *testing.B) {
	ins := samples()
	for b.Loop() {
		if _, err := incident.STIXBundle(ins, stixOpts); err != nil {
			b.Fatal(err)
		}
	}
}
