package server

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkContactTracker measures the node's contact path: a
// ContactTracker running its goroutine, fed through its bounded queues
// with, per 5 s radar scan, the AIS states of 1,000 vessels (as the
// fan-out delivers them) and a scan of their radar reports (92% detected,
// 30 m noise) in a 40 km square, as a sensor input submits them. It
// reports radar reports per second, from Submit to the contact recorded,
// and the share given the right MMSI; reports/CPU-s counts the whole
// process's CPU time (the feeding goroutine and the garbage collector too),
// which on a shared machine says more than the wall-clock rate.
//
// "memory" keeps the contacts in memory only; "log" also writes them to
// the contact log in a temporary directory on disk (written and synced
// every second, as a node with a data directory does).
func BenchmarkContactTracker(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchContactTracker(b, false) })
	b.Run("log", func(b *testing.B) { benchContactTracker(b, true) })
}

func benchContactTracker(b *testing.B, withLog bool) {
	rng := rand.New(rand.NewPCG(7, 18))
	const n = 1000
	const lat0, lon0 = 12.0, 45.0
	type ship struct{ x, y, phase float64 }
	ships := make([]ship, n)
	for i := range ships {
		ships[i] = ship{40000 * rng.Float64(), 40000 * rng.Float64(), 2 * math.Pi * rng.Float64()}
	}
	const r, period = 300.0, 500.0 // circles of 300 m in 500 s, about 7 knots
	at := func(i int, s float64) (lat, lon, sog, cog float64) {
		w := 2 * math.Pi / period
		a := ships[i].phase + w*s
		sn, cs := math.Sincos(a)
		x, y := ships[i].x+r*cs, ships[i].y+r*sn
		vx, vy := -r*w*sn, r*w*cs
		return lat0 + y/111320, lon0 + x/(111320*math.Cos(lat0*math.Pi/180)), math.Hypot(vx, vy) / 0.514444, math.Mod(math.Atan2(vx, vy)*180/math.Pi+360, 360)
	}
	opt := ContactTrackerOptions{}
	if withLog {
		opt.LogDir = b.TempDir()
	}
	tr, err := OpenContactTracker(opt)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	t0 := vessel.TimeOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	reports, k := 0, 0
	var scan []vessel.Detection
	cpu0 := cpuNanos()
	for b.Loop() {
		// The feeds come in real time: the AIS of a scan is not sent
		// before the scan ahead of it is in the tracker's hands.
		for len(tr.dets) > 0 {
			runtime.Gosched()
		}
		s := float64(k) * 5
		t := t0 + vessel.Time(k*5000)
		states := make([]contact.VesselState, 0, n)
		for i := range n {
			lat, lon, sog, cog := at(i, s-2)
			states = append(states, contact.VesselState{MMSI: vessel.MMSI(200000000 + i), Time: t - 2000, Lat: lat, Lon: lon, HasMotion: true, SOGKn: sog, COGDeg: cog, LengthM: -1})
		}
		tr.ais <- states
		scan = make([]vessel.Detection, 0, n)
		for i := range n {
			if rng.Float64() >= 0.92 {
				continue
			}
			lat, lon, _, _ := at(i, s)
			lat += 30 * rng.NormFloat64() / 111320
			lon += 30 * rng.NormFloat64() / (111320 * math.Cos(lat0*math.Pi/180))
			scan = append(scan, vessel.Detection{Time: t, Sensor: vessel.SensorRadar, Source: "bench", Scene: "bench " + strconv.Itoa(k),
				Target: strconv.Itoa(i + 1), Lat: lat, Lon: lon, PosErrM: 30})
		}
		if err := tr.SubmitWait(ctx, scan); err != nil {
			b.Fatal(err)
		}
		reports += len(scan)
		k++
	}
	// The last scan waits for the next one or the tick: end the run.
	cancel()
	<-done
	cpu := cpuNanos() - cpu0
	st := tr.Stats()
	if st.Contacts != int64(reports) {
		b.Fatalf("%d contacts for %d reports", st.Contacts, reports)
	}
	b.ReportMetric(float64(reports)/b.Elapsed().Seconds(), "reports/s")
	if cpu > 0 {
		b.ReportMetric(float64(reports)/(float64(cpu)/1e9), "reports/CPU-s")
	}
	b.ReportMetric(float64(st.Associated)/float64(st.Contacts), "associated")
	if withLog {
		if st.LogErrors != 0 {
			b.Fatalf("%d contact log errors", st.LogErrors)
		}
		var size int64
		ents, err := os.ReadDir(opt.LogDir)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range ents {
			if fi, err := e.Info(); err == nil {
				size += fi.Size()
			}
		}
		b.ReportMetric(float64(size)/float64(reports), "log-B/report")
	}
}
