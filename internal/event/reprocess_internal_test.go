package event

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestFeedOrder: feed hands out the positions in the order given, each
// once, whether the order is a whole number of its chunks or not, and
// returns the last; without an order, ps as it is.
func TestFeedOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	for _, n := range []int{0, 1, feedChunk - 1, feedChunk, feedChunk + 1, 3*feedChunk + 517, 70_000} {
		ps := make([]vessel.Position, n+3) // room no order reaches
		for i := range ps {
			ps[i] = vessel.Position{MMSI: vessel.MMSI(i), Time: vessel.Time(rng.Int64N(1 << 40)), Source: "rx"}
		}
		order := make([]uint32, n)
		for k, i := range rng.Perm(n) {
			order[k] = uint32(i)
		}
		var got []vessel.MMSI
		last, err := feed(context.Background(), ps, order, func(p *vessel.Position) { got = append(got, p.MMSI) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d in the order: %d handed out", n, len(got))
		}
		for k, i := range order {
			if got[k] != vessel.MMSI(i) {
				t.Fatalf("%d in the order: position %d is %d, want %d", n, k, got[k], i)
			}
		}
		switch {
		case n == 0 && last != nil:
			t.Errorf("empty order: last %+v, want none", *last)
		case n > 0 && (last == nil || *last != ps[order[n-1]]):
			t.Errorf("%d in the order: last %v, want %+v", n, last, ps[order[n-1]])
		}
		got = got[:0]
		last, err = feed(context.Background(), ps[:n], nil, func(p *vessel.Position) { got = append(got, p.MMSI) })
		if err != nil || len(got) != n || n > 0 && (got[n-1] != vessel.MMSI(n-1) || last != &ps[n-1]) || n == 0 && last != nil {
			t.Errorf("%d without an order: %d handed out, last %v, err %v", n, len(got), last, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := feed(ctx, make([]vessel.Position, 10), []uint32{1, 2}, func(*vessel.Position) {}); err != context.Canceled {
		t.Errorf("cancelled: %v, want %v", err, context.Canceled)
	}
}
