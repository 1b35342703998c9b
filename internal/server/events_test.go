package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestEventLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	l, err := OpenEventLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	gap := event.Event{ID: "gap-1", Type: event.Gap, Start: 1000, Lat: 18.9, Lon: 72.8, Vessels: []vessel.MMSI{419000001}, Version: 1}
	enc := event.Event{ID: "enc-1", Type: event.Encounter, Start: 2000, End: 9000, Lat: 10, Lon: 60, Vessels: []vessel.MMSI{419000001, 431000002}, Version: 1}
	if err := l.Add([]event.Event{gap, enc}); err != nil {
		t.Fatal(err)
	}
	gap.End, gap.Version = 5000, 2
	l.Add([]event.Event{gap})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"half","type":"gap","sta`)
	f.Close()
	l, err = OpenEventLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	all := l.Events(httpapi.EventQuery{From: 0, To: 1 << 40})
	if len(all) != 2 || all[0].ID != "enc-1" || all[1].Version != 2 || all[1].End != 5000 {
		t.Fatalf("after reopen: %+v", all)
	}
	for _, tc := range []struct {
		q    httpapi.EventQuery
		want int
	}{
		{httpapi.EventQuery{Types: []string{event.Gap}, To: 1 << 40}, 1},
		{httpapi.EventQuery{MMSI: 431000002, To: 1 << 40}, 1},
		{httpapi.EventQuery{From: 6000, To: 1 << 40}, 1}, // the gap ended at 5000
		{httpapi.EventQuery{OpenOnly: true, To: 1 << 40}, 0},
		{httpapi.EventQuery{To: 1 << 40, Limit: 1}, 1},
	} {
		if got := l.Events(tc.q); len(got) != tc.want {
			t.Errorf("%+v: %d events, want %d", tc.q, len(got), tc.want)
		}
	}
	b, _ := os.ReadFile(path)
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Error("the torn line was not cut off")
	}
}
