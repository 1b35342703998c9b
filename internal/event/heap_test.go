package event

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestReorderBufOrder: the buffer releases positions in exactly the order
// of a min-heap by (time, arrival), the structure it replaces, whatever
// the mix of in-order and late arrivals and of pushes and pops: late by
// up to 5 s, by up to a minute (every position, as the AIS second field
// makes a feed's times jitter), and late ones older than some already
// released (release 3 s behind, late up to 5 s).
func TestReorderBufOrder(t *testing.T) {
	for _, c := range []struct{ late, spread int }{ // one in late is out of order, up to spread ms
		{0, 5000}, {1, 5000}, {3, 5000}, {10, 5000}, {1, 60000}, {2, 2500},
	} {
		late := c.late
		rng := rand.New(rand.NewPCG(uint64(late), uint64(c.spread)))
		var r reorderBuf
		var h posHeap
		var clock vessel.Time
		released := 0
		pop := func() {
			if r.minSeq() != h.min().seq || r.minTime() != h.min().p.Time {
				t.Fatalf("late 1/%d: min is arrival %d, heap's %d", late, r.minSeq(), h.min().seq)
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
				tm -= vessel.Time(rng.IntN(c.spread))
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
// order, a third of them up to 20 s late (jitter), or every one up to a
// minute late (second: the times of a live feed refined by the AIS
// second field, as in BenchmarkLiveRate's):
//
//	go test -run '^$' -bench BenchmarkReorder -cpu 1 ./internal/event
func BenchmarkReorder(b *testing.B) {
	const n, window = 600000, 60000 // positions, and held at once (1 ms apart)
	for _, name := range []string{"inorder", "jitter", "second"} {
		rng := rand.New(rand.NewPCG(3, 3))
		ps := make([]queued, n)
		for i := range ps {
			t := vessel.Time(i)
			switch {
			case name == "jitter" && rng.IntN(3) == 0:
				t -= vessel.Time(rng.IntN(20000))
			case name == "second":
				t -= vessel.Time(rng.IntN(60000))
			}
			ps[i] = queued{p: vessel.Position{Time: t, MMSI: vessel.MMSI(i % 5000)}, seq: uint64(i)}
		}
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
					for r.minTime() <= vessel.Time(i-window) {
						r.pop()
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pos/s")
			b.ReportMetric(float64(n*b.N)/(cpuTime()-c0).Seconds(), "pos/cpu-s")
		})
	}
}

// posHeap is a min-heap of held-back positions by time, then arrival:
// the structure the reorder buffer replaced, kept as the reference of
// its order.
type posHeap struct{ h []queued }

func (q *posHeap) len() int     { return len(q.h) }
func (q *posHeap) min() *queued { return &q.h[0] }
func (q *posHeap) less(i, j int) bool {
	return queuedLess(&q.h[i], &q.h[j])
}

func queuedLess(a, b *queued) bool {
	return a.p.Time < b.p.Time || a.p.Time == b.p.Time && a.seq < b.seq
}

func (q *posHeap) push(x queued) {
	q.h = append(q.h, x)
	for i := len(q.h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *posHeap) pop() queued {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = queued{}
	q.h = q.h[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
