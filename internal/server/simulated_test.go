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
