package event

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestReorderBufOrder: the buffer releases positions in exactly the order
// of a min-heap by (time, arrival), the structure it replaces, whatever
// the mix of in-order and late arrivals and of pushes and pops.
func TestReorderBufOrder(t *testing.T) {
	for _, late := range []int{0, 1, 3, 10} { // one in late is out of order
		rng := rand.New(rand.NewPCG(uint64(late), 9))
		var r reorderBuf
		var h posHeap
		var clock vessel.Time
		released := 0
		pop := func() {
			if r.min().seq != h.min().seq {
				t.Fatalf("late 1/%d: min is arrival %d, heap's %d", late, r.min().seq, h.min().seq)
			}
			a, b := r.pop(), h.pop()
			if a.seq != b.seq || a.p != b.p {
				t.Fatalf("late 1/%d: release %d is arrival %d (time %d), heap's %d (time %d)", late, released, a.seq, a.p.Time, b.seq, b.p.Time)
			}
			released++
		}
		for i := range 50000 {
			clock += vessel.Time(rng.IntN(50))
			tm := clock
			if late > 0 && rng.IntN(late) == 0 {
				tm -= vessel.Time(rng.IntN(5000))
			}
			q := queued{p: vessel.Position{Time: tm, MMSI: vessel.MMSI(i % 977), Source: "rx"}, seq: uint64(i)}
			r.push(q)
			h.push(q)
			for h.len() > 0 && h.min().p.Time <= clock-3000 && rng.IntN(4) > 0 {
				pop()
			}
			if r.len() != h.len() {
				t.Fatalf("late 1/%d: %d held, heap %d", late, r.len(), h.len())
			}
		}
		for h.len() > 0 {
			pop()
		}
		if r.len() != 0 {
			t.Fatalf("late 1/%d: %d left in the buffer", late, r.len())
		}
		if (late > 0) != (r.outOfOrder > 0) {
			t.Errorf("late 1/%d: %d counted out of order", late, r.outOfOrder)
		}
	}
}

// BenchmarkReorder compares, in one run, the reorder buffer with the
// min-heap it replaced, holding a window of 60,000 positions (a minute
// of a busy feed) and releasing in time order, with positions in time
// order or a third of them up to 20 s late:
//
//	go test -run '^$' -bench BenchmarkReorder -cpu 1 ./internal/event
func BenchmarkReorder(b *testing.B) {
	const n, window = 600000, 60000 // positions, and held at once (1 ms apart)
	for _, jitter := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, 3))
		ps := make([]queued, n)
		for i := range ps {
			t := vessel.Time(i)
			if jitter && rng.IntN(3) == 0 {
				t -= vessel.Time(rng.IntN(20000))
			}
			ps[i] = queued{p: vessel.Position{Time: t, MMSI: vessel.MMSI(i % 5000)}, seq: uint64(i)}
		}
		name := map[bool]string{false: "inorder", true: "jitter"}[jitter]
		b.Run("heap/"+name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				var h posHeap
				for i := range ps {
					h.push(ps[i])
					for h.min().p.Time <= vessel.Time(i-window) {
						h.pop()
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pos/s")
			b.ReportMetric(float64(n*b.N)/(cpuTime()-c0).Seconds(), "pos/cpu-s")
		})
		b.Run("buffer/"+name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				var r reorderBuf
				for i := range ps {
					r.push(ps[i])
					for r.min().p.Time <= vessel.Time(i-window) {
						r.pop()
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pos/s")
			b.ReportMetric(float64(n*b.N)/(cpuTime()-c0).Seconds(), "pos/cpu-s")
		})
	}
}
