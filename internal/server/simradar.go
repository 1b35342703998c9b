package server

import (
	"context"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SimulatedRadar is the demo's radar and satellite input: a
// simulate.RadarScenario (simulate.Demo.Radar) paced by the clock. Its
// AIS goes to the pipeline like any AIS input, its radar reports and SAR
// detections to the node's contact tracker as a live sensor input would
// deliver them (already detections: the NMEA and CSV encodings are
// tested by the sensor package). What is dated before the start is
// delivered at once, twenty seconds of data at a time with the AIS
// before the sensors' reports of the same span, then each item when its
// time comes.
type SimulatedRadar struct {
	Scenario *simulate.RadarScenario
	Node     *Node
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
}

// Run delivers the scenario until its end or until ctx ends.
func (s *SimulatedRadar) Run(ctx context.Context) error {
	now, sleep := s.Now, s.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	sc := s.Scenario
	pipe, tr := s.Node.Pipeline(), s.Node.Contacts()
	// The story yields to the AIS history delivered at start (the
	// pipeline's queue drained, for at most 30 s): the demo's own story
	// events come first.
	for i := 0; i < 300 && pipe.Stats().QueueDepth > 0; i++ {
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil
		}
	}
	ai, ri, si := 0, 0, 0
	for t0 := sc.Start; t0 < sc.End; t0 += 20_000 {
		t1 := t0 + 20_000
		if wait := t1.Std().Sub(now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return nil
			}
		}
		var ais []vessel.Observation
		for ai < len(sc.AIS) && sc.AIS[ai].Time() < t1 {
			ais = append(ais, sc.AIS[ai])
			ai++
		}
		if len(ais) > 0 {
			applied := pipe.Stats().Applied
			pause := 20 * time.Millisecond
			for !pipe.Submit(ais) {
				if err := sleep(ctx, pause); err != nil {
					return nil
				}
				pause = min(2*pause, time.Second)
			}
			// The AIS before the radar: wait (a little) until it is applied.
			for i := 0; i < 100 && pipe.Stats().Applied < applied+int64(len(ais)); i++ {
				if err := sleep(ctx, 5*time.Millisecond); err != nil {
					return nil
				}
			}
		}
		var dets []vessel.Detection
		for ri < len(sc.Radar) && sc.Radar[ri].Det.Time < t1 {
			dets = append(dets, sc.Radar[ri].Det)
			ri++
		}
		for si < len(sc.SAR) && sc.SAR[si].Det.Time < t1 {
			dets = append(dets, sc.SAR[si].Det)
			si++
		}
		if err := tr.SubmitWait(ctx, dets); err != nil {
			return nil
		}
	}
	<-ctx.Done()
	return nil
}
