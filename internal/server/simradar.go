package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
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
//
// On a cluster node it publishes to the ingest log instead (runCluster),
// so that every member makes the same contacts: for each 20 seconds of
// data, the AIS as NMEA lines (publishObservations, input
// "simulated-radar-ais"), then the radars' NMEA output (the patrol ship's
// RMC, HDT and TTM reports and the fixed site's TLL, one record a line)
// as a sensor batch of input "simulated-radar", then the SAR detections
// as a sensor batch of input "simulated-sar" (the CSV header, then the
// rows), each acknowledged before the next goes: the log holds the AIS
// before the radar reports of the same span, on every member.
type SimulatedRadar struct {
	Scenario *simulate.RadarScenario
	Node     *Node
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
	// Resume, in cluster mode, holds back everything dated before it (a
	// cluster demo's generator restarted: the log holds what it
	// published before; see DemoState).
	Resume time.Time
	// After, when set, holds the story back until it is closed (the
	// traffic's history handed over, SimulatedTraffic.Delivered): the
	// story's own AIS, dated at the clock, would otherwise reach event
	// detection before the history and let detection follow the clock
	// past silences whose covering reports are still to come.
	After <-chan struct{}
}

// Run delivers the scenario until its end or until ctx ends.
func (s *SimulatedRadar) Run(ctx context.Context) error {
	if s.After != nil {
		select {
		case <-s.After:
		case <-ctx.Done():
			return nil
		}
	}
	now, sleep := s.Now, s.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	if m := s.Node.cl; m != nil {
		return s.runCluster(ctx, m, now, sleep)
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
		for wait := t1.Std().Sub(now()); wait > 0; wait = t1.Std().Sub(now()) { // until the clock reaches t1
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

// The input names of the simulated radar's entries in the ingest log.
const (
	simRadarAISInput = "simulated-radar-ais"
	simRadarInput    = "simulated-radar"
	simSARInput      = "simulated-sar"
)

// runCluster is Run on a cluster node: it publishes the scenario to the
// ingest log, 20 seconds of data at a time (what is dated before now at
// once), the AIS, then the radar reports, then the SAR detections of
// each span.
func (s *SimulatedRadar) runCluster(ctx context.Context, m *clusterMember, now func() time.Time,
	sleep func(ctx context.Context, d time.Duration) error) error {
	sc := s.Scenario
	scans, scanTimes, err := simRadarScans(sc)
	if err != nil {
		return err
	}
	header, rows, rowTimes, err := simSARRows(sc)
	if err != nil {
		return err
	}
	seq := 0
	ai, ri, si := 0, 0, 0
	if !s.Resume.IsZero() {
		// Everything is in time order: skip what is dated before Resume.
		r := vessel.TimeOf(s.Resume)
		for ai < len(sc.AIS) && sc.AIS[ai].Time() < r {
			ai++
		}
		for ri < len(scans) && scanTimes[ri] < r {
			ri++
		}
		for si < len(rows) && rowTimes[si] < r {
			si++
		}
	}
	for t0 := sc.Start; t0 < sc.End; t0 += 20_000 {
		t1 := t0 + 20_000
		for wait := t1.Std().Sub(now()); wait > 0; wait = t1.Std().Sub(now()) { // until the clock reaches t1
			if err := sleep(ctx, wait); err != nil {
				return nil
			}
		}
		start := ai
		for ai < len(sc.AIS) && sc.AIS[ai].Time() < t1 {
			ai++
		}
		if err := m.publishObservations(ctx, simRadarAISInput, sc.AIS[start:ai], &seq); err != nil {
			return simRadarStopped(ctx, err)
		}
		var recs [][]byte
		for ; ri < len(scans) && scanTimes[ri] < t1; ri++ {
			recs = append(recs, scans[ri]...)
		}
		if len(recs) > 0 {
			b := cluster.Batch{Input: simRadarInput, Received: now(), Sensor: cluster.SensorRadarNMEA, Lines: recs}
			if err := m.publishBatch(ctx, b, ""); err != nil {
				return simRadarStopped(ctx, err)
			}
		}
		recs = [][]byte{header}
		for ; si < len(rows) && rowTimes[si] < t1; si++ {
			recs = append(recs, rows[si])
		}
		if len(recs) > 1 {
			b := cluster.Batch{Input: simSARInput, Received: now(), Sensor: cluster.SensorSAR, Lines: recs}
			if err := m.publishBatch(ctx, b, ""); err != nil {
				return simRadarStopped(ctx, err)
			}
		}
	}
	<-ctx.Done()
	return nil
}

// simRadarStopped is runCluster's return for a publish that failed: nil
// when the node stops (ctx ended, the log closed), else the error.
func simRadarStopped(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, cluster.ErrClosed) {
		return nil
	}
	return fmt.Errorf("server: simulated radar: %w", err)
}

// simRadarScans returns the scenario's radar output (WriteRadarNMEA) cut
// into its scans, each a record a line (tag block kept, no line end),
// with the scan's time: a scan is the patrol ship's fix (RMC, HDT), its
// TTM reports and the fixed site's TLL reports of the same time.
func simRadarScans(sc *simulate.RadarScenario) (scans [][][]byte, times []vessel.Time, err error) {
	var buf bytes.Buffer
	if err := sc.WriteRadarNMEA(&buf); err != nil {
		return nil, nil, err
	}
	i := -1
	for line := range bytes.Lines(buf.Bytes()) {
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			continue
		}
		if bytes.Contains(line, []byte("$GPRMC,")) {
			if i+1 >= len(sc.OwnShip) {
				return nil, nil, fmt.Errorf("server: simulated radar: more scans than own-ship fixes (%d)", len(sc.OwnShip))
			}
			i++
			scans = append(scans, nil)
			times = append(times, sc.OwnShip[i].Time)
		}
		if i < 0 {
			return nil, nil, fmt.Errorf("server: simulated radar: a report before the first own-ship fix: %q", line)
		}
		scans[i] = append(scans[i], line)
	}
	return scans, times, nil
}

// simSARRows returns the scenario's SAR detections as the Global Fishing
// Watch CSV of WriteSARCSV: its header line and its rows (no line ends),
// with each row's time.
func simSARRows(sc *simulate.RadarScenario) (header []byte, rows [][]byte, times []vessel.Time, err error) {
	var buf bytes.Buffer
	if err := sc.WriteSARCSV(&buf); err != nil {
		return nil, nil, nil, err
	}
	for line := range bytes.Lines(buf.Bytes()) {
		line = bytes.TrimRight(line, "\r\n")
		if header == nil {
			header = line
			continue
		}
		rows = append(rows, line)
	}
	if len(rows) != len(sc.SAR) {
		return nil, nil, nil, fmt.Errorf("server: simulated SAR: %d rows for %d detections", len(rows), len(sc.SAR))
	}
	for i := range sc.SAR {
		times = append(times, sc.SAR[i].Det.Time)
	}
	return header, rows, times, nil
}
