package event_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/record/crashtest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const crashLogPath = "/data/events.jsonl"

// crashEvents is the workload's sequence of event versions: 60 events,
// every third one later closed by a second version.
func crashEvents() []event.Event {
	var evs []event.Event
	for i := range 60 {
		ev := event.Event{ID: fmt.Sprintf("gap-%03d", i), Type: event.Gap, Start: vessel.TimeOf(t0.Add(time.Duration(i) * time.Minute)),
			Lat: 10 + float64(i)/100, Lon: 60, Vessels: []vessel.MMSI{vessel.MMSI(419000000 + i)}, Zone: "Arabian Sea", Severity: 0.5, Version: 1}
		evs = append(evs, ev)
		if i%3 == 2 {
			closed := evs[i/3*2] // an earlier event, closed now
			closed.End, closed.Version = ev.Start, 2
			evs = append(evs, closed)
		}
	}
	return evs
}

// logWorkload adds crashEvents to a log in fsys, a few at a time, syncing
// after every second batch, until the file system fails; it returns the
// latest version of each event a Sync acknowledged.
func logWorkload(fsys *record.MemFS) map[string]int {
	acked := map[string]int{}
	if err := fsys.MkdirAll("/data", 0o755); err != nil {
		return acked
	}
	l, err := event.OpenLogFS(fsys, crashLogPath, 0)
	if err != nil {
		return acked
	}
	defer l.Close()
	pending := map[string]int{}
	evs := crashEvents()
	for i := 0; i < len(evs); i += 4 {
		batch := evs[i:min(i+4, len(evs))]
		if err := l.Add(batch); err != nil {
			return acked
		}
		for _, ev := range batch {
			pending[ev.ID] = ev.Version
		}
		if i%8 == 4 || i+4 >= len(evs) {
			if err := l.Sync(); err != nil {
				return acked
			}
			for id, v := range pending {
				acked[id] = v
			}
			clear(pending)
		}
	}
	return acked
}

// TestEventLogCrashInMemory crashes the event log (events.jsonl) at every
// write, sync and directory sync of the workload (dropping what was not
// synced, and again keeping a random torn part of it), reopens it and
// checks that every event version a Sync acknowledged is there (or a
// later one), that no line is counted broken (a torn last line is cut),
// and that the log takes and keeps events again.
func TestEventLogCrashInMemory(t *testing.T) {
	all := crashEvents()
	if acked := logWorkload(record.NewMemFS()); len(acked) != 60 {
		t.Fatalf("workload acknowledged %d of 60 events", len(acked))
	}
	cut := 0
	n := crashtest.Run(t, 3, logWorkload, func(p crashtest.Point, after *record.MemFS, acked map[string]int) {
		if _, err := after.Stat("/data"); err != nil {
			after.MkdirAll("/data", 0o755) // crashed before the directory was made durable
		}
		if fi, err := after.Stat(crashLogPath); err == nil && fi.Size() > 0 {
			if b, _ := record.ReadFile(after, crashLogPath); b[len(b)-1] != '\n' {
				cut++
			}
		}
		l, err := event.OpenLogFS(after, crashLogPath, 0)
		if err != nil {
			t.Fatalf("%v: reopen: %v", p, err)
		}
		if l.Broken != 0 {
			t.Fatalf("%v: %d lines broken; want 0 (a torn tail is cut)", p, l.Broken)
		}
		got := map[string]event.Event{}
		for _, ev := range l.Events(event.Filter{From: 0, To: 1 << 62}) {
			got[ev.ID] = ev
		}
		for id, v := range acked {
			if ev, ok := got[id]; !ok || ev.Version < v {
				t.Fatalf("%v: acknowledged %s version %d: got %+v", p, id, v, ev)
			}
		}
		for id, ev := range got {
			want := all[0]
			for _, w := range all {
				if w.ID == id && w.Version == ev.Version {
					want = w
				}
			}
			if want.ID != id || ev.Start != want.Start || ev.End != want.End || ev.Lat != want.Lat || len(ev.Vessels) != 1 || ev.Vessels[0] != want.Vessels[0] {
				t.Fatalf("%v: %s read back as %+v; want %+v", p, id, ev, want)
			}
		}
		again := event.Event{ID: "after", Type: event.Gap, Start: all[len(all)-1].Start, Vessels: []vessel.MMSI{419000999}, Version: 1}
		if err := l.Add([]event.Event{again}); err != nil {
			t.Fatalf("%v: Add after reopen: %v", p, err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("%v: Close after reopen: %v", p, err)
		}
		l, err = event.OpenLogFS(after, crashLogPath, 0)
		if err != nil {
			t.Fatalf("%v: second reopen: %v", p, err)
		}
		if _, ok := l.Version("after"); !ok || l.Broken != 0 || l.FileVersion() != event.LogVersion {
			t.Fatalf("%v: after the second reopen: event added %v, %d broken, file version %d", p, ok, l.Broken, l.FileVersion())
		}
		l.Close()
	})
	if cut == 0 {
		t.Error("no crash point left a torn last line: tearing is not exercised")
	}
	t.Logf("%d crash points × 3, %d reopens cut a torn last line", n, cut)
}
