package fusion_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkApply applies the NOAA rows (10,631 vessels), over and over,
// each pass a day later than the one before so that every report is new.
func BenchmarkApply(b *testing.B) {
	rows := readTracks(b, noaaFile, "noaa")
	const day = 86_400_000
	b.Run("serial", func(b *testing.B) {
		p := fusion.NewPicture(fusion.Config{})
		i := 0
		for b.Loop() {
			o := rows[i%len(rows)]
			o.Position.Time += vessel.Time(i/len(rows)) * day
			p.Apply(&o)
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "positions/s")
	})
	b.Run("serial-land", func(b *testing.B) {
		land, err := geo.DefaultLand()
		if err != nil {
			b.Fatal(err)
		}
		p := fusion.NewPicture(fusion.Config{Land: land})
		i := 0
		c0 := cpuNow()
		for b.Loop() {
			o := rows[i%len(rows)]
			o.Position.Time += vessel.Time(i/len(rows)) * day
			p.Apply(&o)
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "positions/s")
		if cpu := cpuNow() - c0; cpu > 0 {
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "positions/cpu-s")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		p := fusion.NewPicture(fusion.Config{})
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1) - 1)
				o := rows[i%len(rows)]
				o.Position.Time += vessel.Time(i/len(rows)) * day
				p.Apply(&o)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "positions/s")
	})
}

// heapPerVessel measures the heap the picture holds per vessel after n
// vessels, each with a full ring of positions and (with static) a name,
// call sign, destination and dimensions.
func heapPerVessel(n int, static bool) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := fusion.NewPicture(fusion.Config{})
	for i := range n {
		m := vessel.MMSI(366000000 + i)
		for k := range 12 {
			o := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{
				MMSI: m, Time: t0 + vessel.Time(k*10_000), Lat: 40 + float64(i%1000)/100, Lon: -70 + float64(k)/1000,
				SOG: 100, COG: 900, Heading: 90, Source: "rx1",
			}}
			p.Apply(&o)
		}
		if static {
			s := vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{
				MMSI: m, Time: t0, Has: vessel.HasName | vessel.HasCallSign | vessel.HasDestination | vessel.HasDimensions | vessel.HasShipType,
				Name: fmt.Sprintf("VESSEL %d", i), CallSign: fmt.Sprintf("W%05d", i%100000), Destination: "NEW YORK",
				ShipType: 70, ToBow: 100, ToStern: 20, ToPort: 10, ToStarboard: 10,
			}}
			p.Apply(&s)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestMemoryPerVessel measures the live picture's memory per vessel over
// 100,000 vessels and holds it to a budget.
func TestMemoryPerVessel(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 vessels")
	}
	const n = 100_000
	pos := heapPerVessel(n, false)
	all := heapPerVessel(n, true)
	t.Logf("heap per vessel over %d vessels: %.0f bytes with positions only, %.0f with static data", n, pos, all)
	if pos > 700 || all > 1100 {
		t.Errorf("per vessel %.0f / %.0f bytes; budget 700 / 1100", pos, all)
	}
}
