package server

import (
	"context"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestSimulatedTrafficPacing(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var got []vessel.Observation
	var waits []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	s := &SimulatedTraffic{Vessels: 50, Seed: 1, Backfill: 20 * time.Minute,
		Submit: func(b []vessel.Observation) bool { got = append(got, b...); return true },
		Now:    func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			if len(waits) == 3 {
				cancel()
				return ctx.Err()
			}
			now = now.Add(d) // time passes
			return nil
		}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) < 100 {
		t.Fatalf("%d observations delivered", len(got))
	}
	start := vessel.TimeOf(time.Date(2026, 11, 23, 11, 40, 0, 0, time.UTC))
	for _, o := range got {
		if o.Time() < start || o.Time() > vessel.TimeOf(now) {
			t.Fatalf("observation at %v outside [%v, %v]", o.Time(), start, vessel.TimeOf(now))
		}
	}
	if len(waits) != 3 || waits[0] <= 0 || waits[0] > time.Minute {
		t.Errorf("waits %v", waits)
	}
}

// TestSimulatedTrafficClockStill runs the input on a clock that stands
// still (the demo's test holds its clock at one minute after start): the
// reports up to the clock are delivered and none after it, however often
// the pause returns.
func TestSimulatedTrafficClockStill(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var got []vessel.Observation
	sleeps := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &SimulatedTraffic{Vessels: 50, Seed: 1, Backfill: 20 * time.Minute,
		Submit: func(b []vessel.Observation) bool { got = append(got, b...); return true },
		Now:    func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d <= 0 {
				t.Errorf("pause of %v", d)
			}
			if sleeps++; sleeps == 20 {
				cancel()
				return ctx.Err()
			}
			return nil // the clock has not moved
		}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) < 100 {
		t.Fatalf("%d observations delivered; want the 20 minutes before the clock", len(got))
	}
	for _, o := range got {
		if o.Time() > vessel.TimeOf(now) {
			t.Fatalf("observation at %v delivered, after the clock %v", o.Time(), vessel.TimeOf(now))
		}
	}
}

// TestSimulatedTrafficDelivered: the traffic says when its history (every
// report dated up to the clock) has been handed over, not before, so the
// demo's radar story, dated at the clock, follows it (a story report
// first let event detection follow the clock past a silence whose
// covering reports were still to come: TestDemo missed the story's gap).
func TestSimulatedTrafficDelivered(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	delivered := make(chan struct{})
	closed := func() bool {
		select {
		case <-delivered:
			return true
		default:
			return false
		}
	}
	var n int
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &SimulatedTraffic{Vessels: 50, Seed: 1, Backfill: 20 * time.Minute, Delivered: delivered,
		Submit: func(b []vessel.Observation) bool {
			if closed() {
				t.Errorf("history said handed over before a batch of %d reports dated up to the clock", len(b))
			}
			n += len(b)
			return true
		},
		Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			if !closed() {
				t.Errorf("waiting for the clock with %d reports handed over, history not said handed over", n)
			}
			cancel()
			return ctx.Err()
		}}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n < 100 || !closed() {
		t.Fatalf("%d reports handed over, delivered closed %v; want the 20 minutes before the clock, closed", n, closed())
	}
}
