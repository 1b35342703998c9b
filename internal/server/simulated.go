package server

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SimulatedTraffic is an input of simulated vessels (package simulate)
// paced by the clock: the last Backfill of traffic is delivered at once, so
// a new map has ships and short tracks immediately, and then each report
// when its time comes. The demo uses it as its live feed.
type SimulatedTraffic struct {
	Vessels  int
	Seed     uint64
	Rate     float64       // AIS rate factor (default 0.5)
	Backfill time.Duration // default 30 min
	Submit   func([]vessel.Observation) bool
	Now      func() time.Time
	// Sleep waits for d or until ctx ends (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run delivers traffic until ctx ends.
func (s *SimulatedTraffic) Run(ctx context.Context) error {
	now, sleep := s.Now, s.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	rate, back := s.Rate, s.Backfill
	if rate == 0 {
		rate = 0.5
	}
	if back == 0 {
		back = 30 * time.Minute
	}
	sim := simulate.New(simulate.Config{Vessels: s.Vessels, Rate: rate, Source: "demo-sim"}, rand.New(rand.NewPCG(s.Seed, 7)))
	start := now()
	from := vessel.TimeOf(start.Add(-back))
	var batch []vessel.Observation
	flush := func() {
		if len(batch) > 0 {
			s.Submit(batch)
			batch = nil
		}
	}
	err := sim.Run(from, from+vessel.Time(30*24*time.Hour/time.Millisecond), func(o *vessel.Observation) error {
		if wait := o.Time().Std().Sub(now()); wait > 0 {
			flush()
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
		batch = append(batch, *o)
		if len(batch) >= 512 {
			flush()
		}
		return ctx.Err()
	})
	flush()
	if ctx.Err() != nil {
		return nil
	}
	return err
}
