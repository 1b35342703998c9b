package server

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestStopFlushesEvents stops a node while every report it was given is
// still held back in detection's reorder window (a window of 12 hours
// over 3 hours of simulated traffic with zones) and reopens the event log
// afterwards: the events of those reports are there, the same (ids,
// types, vessels, zones, times) as one uninterrupted pass over the file
// with the default one-minute window raises.
func TestStopFlushesEvents(t *testing.T) {
	dir := t.TempDir()
	file, zonesFile, rows := simulatedTraffic(t, dir, 60, 3)

	data := filepath.Join(dir, "data")
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Events: Events{Zones: zonesFile, Reorder: "12h"}, AllowAnonymousRead: true,
		Inputs: []Input{{Type: "replay", File: file, Speed: 0}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan net.Addr, 1)
	n.opt.Started = func(a net.Addr) { started <- a }
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the pipeline to apply the whole file", func() bool {
		return n.Pipeline().Stats().Applied >= int64(rows)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	held := n.events.flushed
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if held < rows/2 {
		t.Fatalf("detection held %d of %d reports at the stop; the test wants most of them held", held, rows)
	}

	// Reopened: the log holds the events of the held reports.
	lg, err := event.OpenLog(filepath.Join(data, eventsFile), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	live := map[string]event.Event{}
	for _, ev := range lg.Events(event.Filter{To: 1<<62 - 1}) {
		live[ev.ID] = ev
	}

	// Uninterrupted: the same file through fusion and an engine with
	// the default window, to its end.
	zf, err := os.Open(zonesFile)
	if err != nil {
		t.Fatal(err)
	}
	zfeat, err := geo.ReadGeoJSON(zf)
	zf.Close()
	if err != nil {
		t.Fatal(err)
	}
	eng := event.New(event.Config{Preset: event.PresetGFW, Ports: event.DefaultPorts(), Zones: event.ZonesFromGeoJSON(zfeat), Reorder: time.Minute})
	pic := fusion.NewPicture(fusion.Config{})
	whole := map[string]event.Event{}
	keep := func(evs []event.Event) {
		for _, ev := range evs {
			if old, ok := whole[ev.ID]; !ok || ev.Version >= old.Version {
				whole[ev.ID] = ev
			}
		}
	}
	_, err = ingest.Observations(context.Background(), file, nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
		if r := pic.Apply(o); r.Outcome == fusion.Stored {
			keep(eng.Observe(r.Position))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keep(eng.Flush(0))
	types := map[string]int{}
	for id, ev := range whole {
		if ev.Retracted {
			delete(whole, id)
			continue
		}
		types[ev.Type]++
	}
	t.Logf("%d rows, %d held at the stop; uninterrupted %d events %v; after the stop %d", rows, held, len(whole), types, len(live))
	if len(whole) < 10 || len(types) < 2 {
		t.Fatalf("the data makes too few events to compare: %v", types)
	}
	for id, w := range whole {
		l, ok := live[id]
		if !ok {
			t.Errorf("event %s (%s) missing after the stop", id, w.Type)
			continue
		}
		if l.Type != w.Type || l.Start != w.Start || l.End != w.End || !slices.Equal(l.Vessels, w.Vessels) || l.Zone != w.Zone {
			t.Errorf("event %s: after the stop %s %v-%v %v %q, uninterrupted %s %v-%v %v %q", id, l.Type, l.Start, l.End, l.Vessels, l.Zone,
				w.Type, w.Start, w.End, w.Vessels, w.Zone)
		}
	}
	for id, l := range live {
		if _, ok := whole[id]; !ok {
			t.Errorf("event %s (%s) after the stop, not in the uninterrupted pass", id, l.Type)
		}
	}
}
