package event_test

import (
	"runtime"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
)

// BenchmarkState: saving the fixture engine's state after its first half
// (AppendState) and loading it into a new engine (LoadState): the fixed
// costs of a state (the configuration's fingerprint, the schema), which
// a small engine shows. The cost that grows with the vessels is the
// body's. cpu-ns/op is the benchmark thread's CPU time (the goroutine
// locked to it), steadier than the wall clock on a loaded machine.
func BenchmarkState(b *testing.B) {
	e, ps := fixtureEngine(b)
	for _, p := range ps[:len(ps)/2] {
		e.Observe(p)
	}
	st, err := e.AppendState(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("save", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b.ReportAllocs()
		buf := make([]byte, 0, len(st))
		t0 := event.ThreadCPUTime()
		for b.Loop() {
			if buf, err = e.AppendState(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(event.ThreadCPUTime()-t0)/float64(b.N), "cpu-ns/op")
		b.SetBytes(int64(len(st)))
	})
	b.Run("load", func(b *testing.B) { benchLoadState(b, st) })
}

// benchLoadState loads st into b.N fresh fixture engines (made before
// the timer starts), reporting the thread's CPU a load.
func benchLoadState(b *testing.B, st []byte) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	ls := make([]*event.Engine, b.N)
	for i := range ls {
		ls[i] = fixtureEngineWith(b, nil)
	}
	b.ResetTimer()
	t0 := event.ThreadCPUTime()
	for i := range b.N {
		if err := ls[i].LoadState(st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(event.ThreadCPUTime()-t0)/float64(b.N), "cpu-ns/op")
	b.SetBytes(int64(len(st)))
}

// BenchmarkStateAnchorages: loading the fixture engine's state when the
// engine knows 2,000 anchorages (as a node that ran for weeks may:
// given at the start, spread over 10° × 8°), the state's anchorages
// checked as they load (checkState). cpu-ns/op as in BenchmarkState.
func BenchmarkStateAnchorages(b *testing.B) {
	anch := make([]event.Anchorage, 2000)
	for i := range anch {
		anch[i] = event.Anchorage{Lat: 5 + float64(i%40)*0.25, Lon: 5 + float64(i/40)*0.2, Vessels: 3}
	}
	e := fixtureEngineWith(b, anch)
	_, ps := fixtureEngine(b)
	for _, p := range ps[:len(ps)/2] {
		e.Observe(p)
	}
	st, err := e.AppendState(nil)
	if err != nil {
		b.Fatal(err)
	}
	benchLoadState(b, st)
}
