package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// trackerStep is one input of the tracker in time order: an AIS state
// (scan nil) or a radar scan.
type trackerStep struct {
	ais  contact.VesselState
	scan []vessel.Detection
}

// trackerSteps returns the simulated scenario's AIS reports (as the
// fan-out hands them to the tracker, lengths from static data) and its
// radar scans over span, merged in time order.
func trackerSteps(seed uint64, span vessel.Time) []trackerStep {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{}, rand.New(rand.NewPCG(seed, 2)))
	end := sc.Start + span
	var ais []contact.VesselState
	for _, o := range sc.AIS {
		switch o.Kind {
		case vessel.KindStatic:
			if l := float64(o.Static.ToBow) + float64(o.Static.ToStern); l > 0 {
				ais = append(ais, contact.VesselState{MMSI: o.Static.MMSI, LengthM: l})
			}
		case vessel.KindPosition:
			p := o.Position
			if p.Time > end {
				continue
			}
			v := contact.VesselState{MMSI: p.MMSI, Time: p.Time, Lat: p.Lat, Lon: p.Lon, LengthM: -1}
			sog, ok1 := p.SOG.Knots()
			cog, ok2 := p.COG.Degrees()
			if ok1 && ok2 {
				v.HasMotion, v.SOGKn, v.COGDeg = true, sog, cog
			}
			ais = append(ais, v)
		}
	}
	// Lengths first (static data comes before the positions that use
	// it), then positions in time order.
	slices.SortStableFunc(ais, func(a, b contact.VesselState) int { return int(a.Time - b.Time) })
	var steps []trackerStep
	k := 0
	for i := 0; i < len(sc.Radar); {
		j := i
		for j < len(sc.Radar) && sc.Radar[j].Det.Scene == sc.Radar[i].Det.Scene {
			j++
		}
		t := sc.Radar[i].Det.Time
		if t > end {
			break
		}
		for ; k < len(ais) && ais[k].Time <= t; k++ {
			steps = append(steps, trackerStep{ais: ais[k]})
		}
		scan := make([]vessel.Detection, 0, j-i)
		for _, r := range sc.Radar[i:j] {
			scan = append(scan, r.Det)
		}
		steps = append(steps, trackerStep{scan: scan})
		i = j
	}
	return steps
}

// feedTracker plays steps through the tracker's own Run-side methods on
// the calling goroutine (so the order of AIS and scans is the test's),
// with a tick every minute of data time, and returns every contact it
// makes as a line of what association decided.
func feedTracker(ctx context.Context, tr *ContactTracker, steps []trackerStep, out []string) []string {
	tr.AddSink(func(c *contact.Contact) {
		out = append(out, fmt.Sprintf("%d %s %s track %d mmsi %d held %v ep %q score %.9g",
			c.Time, c.Source, c.Target, c.Track, c.MMSI, c.Held, c.Episode, c.Score))
	})
	var ticked vessel.Time
	for _, st := range steps {
		if st.scan == nil {
			tr.takeAIS(st.ais)
			continue
		}
		tr.detections(ctx, st.scan)
		tr.flushScan()
		if t := st.scan[0].Time; t-ticked >= 60_000 {
			tr.tick(ctx)
			ticked = t
		}
	}
	return out
}

// TestTrackerRestartSameAssociations plays an hour of the simulated
// scenario's AIS and radar through a tracker with a log, and again
// through one that saves its state half-way (saveState, as at stop) and
// is opened again on the same directory: every contact after the
// restart (track, MMSI, held, episode, score) is the uninterrupted run's.
// The AIS index goes with the state (contact.AppendVesselStates): a
// control run whose state lacks it, so that the reopened tracker starts
// with no AIS, must differ, or the test would prove nothing.
func TestTrackerRestartSameAssociations(t *testing.T) {
	ctx := context.Background()
	steps := trackerSteps(4, 3600_000)
	half := len(steps) / 2
	for steps[half].scan == nil {
		half++
	}
	whole := feedTracker(ctx, mustOpenTracker(t, record.NewMemFS()), steps, nil)

	run := func(keepAIS bool) []string {
		fsys := record.NewMemFS()
		first := mustOpenTracker(t, fsys)
		got := feedTracker(ctx, first, steps[:half], nil)
		first.saveState()
		if keepAIS {
			n := len(first.stateAIS)
			aisBytes := len(first.stateBuf) - len(first.assoc.AppendState(nil))
			t.Logf("state %d bytes, of which %d for %d AIS reports of %d vessels (%.1f bytes a report)",
				len(first.stateBuf), aisBytes, n, len(first.idx.byMMSI), float64(aisBytes)/float64(max(n, 1)))
		}
		if !keepAIS {
			// The state as it was kept before the index went with it.
			if err := record.WriteFileAtomic(fsys, first.statePath, first.assoc.AppendState(nil), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := first.clog.close(); err != nil {
			t.Fatal(err)
		}
		second := mustOpenTracker(t, fsys)
		if st := second.Stats(); st.StateErrors != 0 {
			t.Fatalf("state errors at open: %d", st.StateErrors)
		}
		if keepAIS {
			if n, want := len(second.idx.byMMSI), len(first.idx.byMMSI); n != want {
				t.Errorf("the reopened tracker's AIS index has %d vessels; want %d", n, want)
			}
		}
		return feedTracker(ctx, second, steps[half:], got)
	}
	resumed := run(true)
	if len(whole) == 0 {
		t.Fatal("no contacts")
	}
	if len(resumed) != len(whole) {
		t.Fatalf("%d contacts with a restart; want %d", len(resumed), len(whole))
	}
	cut := len(whole)
	for i := range whole {
		if resumed[i] != whole[i] {
			cut = min(cut, i)
		}
	}
	if cut < len(whole) {
		t.Fatalf("contact %d of %d after a restart: %q; uninterrupted: %q", cut, len(whole), resumed[cut], whole[cut])
	}
	blind := run(false)
	differ := 0
	for i := range min(len(blind), len(whole)) {
		if blind[i] != whole[i] {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("a restart without the AIS index gives the same contacts: the test cannot tell")
	}
	t.Logf("%d steps, %d contacts, restart at step %d: all the same as uninterrupted; without the AIS index %d differ", len(steps), len(whole), half, differ)
}

// mustOpenTracker opens a tracker whose log and state are on fsys.
func mustOpenTracker(t *testing.T, fsys record.FS) *ContactTracker {
	t.Helper()
	tr, err := OpenContactTracker(logOn(fsys))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
