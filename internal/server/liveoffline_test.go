package server

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestLiveMatchesOffline: a real capture (../shared/testdata/tracks/
// noaa_us_coast_20220103.csv.gz, a day of US Coast Guard AIS: 100,000
// positions of 10,631 vessels) replayed through a live node — event
// detection on its own goroutine behind the fan-out's queue, the stream's
// snapshots skipped with no client — gives the same events and the same
// store contents (every vessel's track with its flags, the counts) as the
// same file through one core with the engine inline, as ingest and
// events do offline (both ending with what the reorder window holds: the
// node flushes it when it stops).
func TestLiveMatchesOffline(t *testing.T) {
	file := filepath.Join("..", "..", "..", "shared", "testdata", "tracks", "noaa_us_coast_20220103.csv.gz")
	now := func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	dir := t.TempDir()

	// Live.
	liveData := filepath.Join(dir, "live")
	cfg := Config{Data: liveData, Listen: "127.0.0.1:0", Land: "none", Events: Events{Reorder: "1m"}, AllowAnonymousRead: true,
		Inputs: []Input{{Type: "replay", File: file, Speed: 0}}}
	node := startNode(t, Options{Config: cfg, Now: now})
	base := node.base

	// Offline: one core, the engine inline on the same goroutine.
	offData := filepath.Join(dir, "offline")
	db, err := store.Open(offData, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	core, _, err := NewCore(CoreConfig{Store: db, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ec, err := EventConfig(EventSpec{Reorder: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	offline := map[string]event.Event{}
	keep := func(evs []event.Event) {
		for _, ev := range evs {
			if old, ok := offline[ev.ID]; !ok || ev.Version >= old.Version {
				offline[ev.ID] = ev
			}
		}
	}
	eng := event.New(ec)
	core.Fanout.Subscribe("events", &Detector{Engine: eng, Publish: keep}, SubscribeOptions{})
	mmsis := map[vessel.MMSI]bool{}
	n, err := ingest.Observations(context.Background(), file, nil, ingest.ObserveOptions{Now: now}, func(o *vessel.Observation) error {
		mmsis[o.MMSI()] = true
		o.Position.Source = "replay:" + file // as the node's replay input names it
		o.Static.Source = o.Position.Source
		return core.Observe(o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Commit(); err != nil {
		t.Fatal(err)
	}
	keep(eng.Flush(0)) // what is held back at the end, as a stopping node does
	t.Logf("%d observations of %d MMSIs", n.Observations, len(mmsis))

	waitFor(t, 120*time.Second, "the pipeline to apply the whole file", func() bool {
		return metric(t, base, "tidewatch_pipeline_applied_total") >= float64(n.Observations)
	})
	node.stop(t)
	live := finalEvents(t, filepath.Join(liveData, "events.jsonl"))
	for _, m := range []map[string]event.Event{live, offline} {
		for id, ev := range m {
			if ev.Retracted {
				delete(m, id)
			}
		}
	}
	types := map[string]int{}
	for _, ev := range offline {
		types[ev.Type]++
	}
	t.Logf("offline %d events %v; live %d", len(offline), types, len(live))
	if len(offline) < 10 {
		t.Fatalf("the capture makes too few events to compare: %v", types)
	}
	for id, b := range offline {
		l, ok := live[id]
		if !ok {
			t.Errorf("offline event %s (%s) missing live", id, b.Type)
			continue
		}
		if l.Start != b.Start || l.End != b.End || !slices.Equal(l.Vessels, b.Vessels) || l.Zone != b.Zone {
			t.Errorf("event %s: live %v-%v %v %q, offline %v-%v %v %q", id, l.Start, l.End, l.Vessels, l.Zone, b.Start, b.End, b.Vessels, b.Zone)
		}
	}
	for id, l := range live {
		if _, ok := offline[id]; !ok {
			t.Errorf("live event %s (%s) not found offline", id, l.Type)
		}
	}

	// The stores hold the same.
	ldb, err := store.Open(liveData, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ldb.Close()
	ls, offs := ldb.Stats(), db.Stats()
	if ls.Positions != offs.Positions || ls.Statics != offs.Statics || ls.Vessels != offs.Vessels || ls.Provenance != offs.Provenance {
		t.Errorf("live store %+v; offline %+v", ls, offs)
	}
	if offs.Positions < 50000 {
		t.Errorf("offline stored %d positions; the capture has more", offs.Positions)
	}
	diff := 0
	for m := range mmsis {
		lt, err1 := ldb.Track(m, 0, 1<<62, true)
		ot, err2 := db.Track(m, 0, 1<<62, true)
		if err1 != nil || err2 != nil {
			t.Fatalf("track %d: %v, %v", m, err1, err2)
		}
		if !slices.Equal(lt, ot) && diff < 5 {
			diff++
			t.Errorf("vessel %d: live track of %d positions, offline %d; they differ: %+v vs %+v", m, len(lt), len(ot), lt[0], ot[0])
		}
	}
}
