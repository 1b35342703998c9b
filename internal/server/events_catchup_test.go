package server

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// eventSink keeps what live detection publishes, with the backlog's
// time when it did.
type eventSink struct {
	e       *liveEvents
	pubs    []published
	checked bool // the backlog is still to be waited for: check each gap
	t       *testing.T
}

type published struct {
	ev      event.Event
	backlog vessel.Time
}

func (s *eventSink) Result(*vessel.Observation, *fusion.Result) {}
func (s *eventSink) Commit()                                    {}
func (s *eventSink) Events(evs []event.Event) {
	var b vessel.Time
	if in := s.e.inputs["backlog"]; in != nil { // under the engine's lock: publish runs there
		b = in.newest
	}
	for _, ev := range evs {
		s.pubs = append(s.pubs, published{ev, b})
		if s.checked && ev.Type == event.Gap && ev.Start+vessel.Time(ev.Params["min_duration_s"]*1000) > b {
			s.t.Errorf("gap %s of %v (silent from %v, %v s) judged while the backlog was at %v",
				ev.ID, ev.Vessels, ev.Start.Std(), ev.Params["min_duration_s"], b.Std())
		}
	}
}

// TestLiveEventsPerInputCatchUp: a node's live detection with two
// inputs, a live receiver (reports dated at the wall clock, one every
// five minutes: a slow reporter, less often than the reorder window) and
// a replayed backlog (../shared/testdata/tracks/
// suez_evergiven_20210320_24.csv.gz, five days of the Suez Canal around
// the Ever Given's grounding, 46 gaps in TestRealGolden, ending two hours
// before the wall clock), the backlog delivered after the live report in
// chunks, a commit every second of wall time. The live
// receiver is caught up, the backlog is not, so detection must not
// follow the wall clock: the backlog goes through in time order, no gap
// is judged before the backlog's time has passed its silence, and the
// events are those of the time-ordered run of the same reports. Judging "caught up" by the
// newest report of any input, as before, advanced detection to the wall
// clock at the first commit and made the whole backlog late (7 gaps judged
// early, 226 of 266 events differ, the live report released at once). Once the
// backlog has been silent for silentAfter it is ignored and detection
// follows the clock again (the live reports held in the reorder window
// are released).
func TestLiveEventsPerInputCatchUp(t *testing.T) {
	file := filepath.Join("..", "..", "..", "shared", "testdata", "tracks", "suez_evergiven_20210320_24.csv.gz")
	var clock time.Time
	now := func() time.Time { return clock }

	var backlog []vessel.Observation
	if _, err := ingest.Observations(context.Background(), file, nil, ingest.ObserveOptions{Now: now}, func(o *vessel.Observation) error {
		o.Position.Source, o.Static.Source = "backlog", "backlog"
		backlog = append(backlog, *o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var end vessel.Time
	for i := range backlog {
		end = max(end, backlog[i].Time())
	}
	w0 := end.Std().Add(2 * time.Hour)
	clock = w0
	// The live receiver's vessel: four real reports of one vessel in the
	// Hauraki Gulf, dated when they arrive.
	var live []vessel.Observation
	byMMSI := map[vessel.MMSI][]vessel.Observation{}
	auck := filepath.Join("..", "..", "..", "shared", "testdata", "tracks", "auckland_hauraki_20170907_09.csv.gz")
	if _, err := ingest.Observations(context.Background(), auck, nil, ingest.ObserveOptions{Now: now}, func(o *vessel.Observation) error {
		if o.Kind == vessel.KindPosition && o.Position.HasPosition() && live == nil {
			o.Position.Source = "live"
			m := o.Position.MMSI
			if byMMSI[m] = append(byMMSI[m], *o); len(byMMSI[m]) == 4 {
				live = byMMSI[m]
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(backlog) < 20000 || len(live) != 4 {
		t.Fatalf("%d backlog observations, %d live reports", len(backlog), len(live))
	}
	liveAt := func(i int) *vessel.Observation {
		o := live[i]
		o.Position.Time = vessel.TimeOf(clock)
		return &o
	}
	ec, err := EventConfig(EventSpec{Reorder: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Live: the node's detection (liveEvents), given what the picture
	// decided as the fan-out gives it (here every report stored as it
	// came: the backlog's MMSIs are anonymised, which fusion would flag).
	dir := t.TempDir()
	e := &liveEvents{fan: &Fanout{}, now: now, logger: slog.New(slog.DiscardHandler), anchPath: filepath.Join(dir, anchoragesFile), flushed: -1}
	e.det = Detector{Engine: event.New(ec), Publish: e.publish}
	if e.log, err = event.OpenLog(filepath.Join(dir, eventsFile), 0); err != nil {
		t.Fatal(err)
	}
	defer e.log.Close()
	sink := &eventSink{e: e, checked: true, t: t}
	e.fan.Subscribe("sink", sink, SubscribeOptions{})
	observe := func(o *vessel.Observation) { e.Result(o, storedAs(o)) }
	tick := func(d time.Duration) {
		clock = clock.Add(d)
		e.Commit()
	}
	var ref []vessel.Observation // what went in, in arrival order
	observe(liveAt(0))
	ref = append(ref, *liveAt(0))
	const chunk = 500
	for i := 0; i < len(backlog); i += chunk {
		tick(time.Second)
		for j := i; j < min(i+chunk, len(backlog)); j++ {
			observe(&backlog[j])
		}
	}
	tick(time.Second)
	heard := clock // the backlog's last reports arrived
	ref = append(ref, backlog...)
	// The backlog has ended; the live receiver goes on, every five
	// minutes. While the backlog may still come (heard within
	// silentAfter), the live report stays held back; once it has been
	// silent longer it is ignored and detection follows the clock.
	sink.checked = false
	for i := 1; i < 4; i++ {
		for k := 0; k < 10; k++ {
			tick(30 * time.Second)
		}
		held := e.det.Engine.Stats().Held
		t.Logf("wall clock +%v, the backlog silent %v: %d live reports held back", clock.Sub(w0), clock.Sub(heard), held)
		switch {
		case i == 1 && held != 1:
			t.Errorf("at +%v, the backlog silent less than %v, the engine holds %d reports; want the live one (no advance to the clock)", clock.Sub(w0), silentAfter, held)
		case i == 3 && held != 0:
			t.Errorf("at +%v, the backlog silent past %v, the engine holds %d reports; want none (the clock followed)", clock.Sub(w0), silentAfter, held)
		}
		observe(liveAt(i))
		ref = append(ref, *liveAt(i))
		tick(time.Second)
	}
	e.Stop()

	// The same reports in time order, through the same path, inline.
	slices.SortStableFunc(ref, func(a, b vessel.Observation) int { return int(a.Time() - b.Time()) })
	want := map[string]event.Event{}
	keep := func(evs []event.Event) {
		for _, ev := range evs {
			want[ev.ID] = ev
		}
	}
	eng := event.New(ec)
	det := &Detector{Engine: eng, Publish: keep}
	for i := range ref {
		det.Result(&ref[i], storedAs(&ref[i]))
	}
	keep(eng.Flush(0))

	got := map[string]event.Event{}
	for _, p := range sink.pubs {
		got[p.ev.ID] = p.ev
	}
	for _, m := range []map[string]event.Event{got, want} {
		for id, ev := range m {
			if ev.Retracted {
				delete(m, id)
			}
		}
	}
	types := map[string]int{}
	for _, ev := range want {
		types[ev.Type]++
	}
	t.Logf("time order: %d events %v; live: %d events", len(want), types, len(got))
	if types[event.Gap] < 20 {
		t.Fatalf("the data makes too few events to compare: %v", types)
	}
	diff := 0
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			diff++
			if diff <= 10 {
				t.Errorf("event %s (%s %v) of the time-ordered run missing live", id, w.Type, w.Vessels)
			}
		case g.Start != w.Start || g.End != w.End || !slices.Equal(g.Vessels, w.Vessels) || g.Zone != w.Zone:
			diff++
			if diff <= 10 {
				t.Errorf("event %s: live %v-%v %v %q, time order %v-%v %v %q", id, g.Start, g.End, g.Vessels, g.Zone, w.Start, w.End, w.Vessels, w.Zone)
			}
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			diff++
			if diff <= 10 {
				t.Errorf("live event %s (%s %v) not in the time-ordered run", id, g.Type, g.Vessels)
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d events differ", diff)
	}
}

// storedAs is the picture's decision for an observation kept as it came.
func storedAs(o *vessel.Observation) *fusion.Result {
	r := &fusion.Result{Outcome: fusion.Stored, MMSI: o.MMSI(), Time: o.Time(), Source: o.Position.Source, Position: o.Position}
	if o.Kind == vessel.KindStatic {
		r.Outcome, r.Source = fusion.Static, o.Static.Source
	}
	return r
}
