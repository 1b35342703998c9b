package event_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestEventLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	l, err := event.OpenLog(path, 0)
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
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v; want nil", err)
	}
	// A crash in the middle of a line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"half","type":"gap","sta`)
	f.Close()
	l, err = event.OpenLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v := l.FileVersion(); v != event.LogVersion {
		t.Errorf("FileVersion of a new log = %d; want %d", v, event.LogVersion)
	}
	all := l.Events(event.Filter{From: 0, To: 1 << 40})
	if len(all) != 2 || all[0].ID != "enc-1" || all[1].Version != 2 || all[1].End != 5000 {
		t.Fatalf("after reopen: %+v", all)
	}
	for _, tc := range []struct {
		q    event.Filter
		want int
	}{
		{event.Filter{Types: []string{event.Gap}, To: 1 << 40}, 1},
		{event.Filter{MMSI: 431000002, To: 1 << 40}, 1},
		{event.Filter{From: 6000, To: 1 << 40}, 1}, // the gap ended at 5000
		{event.Filter{OpenOnly: true, To: 1 << 40}, 0},
		{event.Filter{To: 1 << 40, Limit: 1}, 1},
		{event.Filter{To: 1 << 40, BBox: &geo.Rect{MinLat: 0, MinLon: 50, MaxLat: 15, MaxLon: 70}}, 1},
	} {
		if got := l.Events(tc.q); len(got) != tc.want {
			t.Errorf("%+v: %d events, want %d", tc.q, len(got), tc.want)
		}
	}
	b, _ := os.ReadFile(path)
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Error("the torn line was not cut off")
	}
	if first, _, _ := strings.Cut(string(b), "\n"); first != `{"tidewatch":"events","version":1}` {
		t.Errorf("first line %q; want the version header", first)
	}
	if l.Broken != 0 {
		t.Errorf("Broken = %d; want 0 (the header is not an event)", l.Broken)
	}
}

// TestEventLogV0Fixture opens a frozen event log of format version 0 (no
// header line), as nodes wrote it before versions: the zone, teleport and
// port events of the bundled NOAA day with the Galveston Bay zone
// (testdata/eventlog-v0.jsonl, every version of 16 events). A copy is
// opened, since opening may cut a torn tail and appends.
func TestEventLogV0Fixture(t *testing.T) {
	orig, err := os.ReadFile("testdata/eventlog-v0.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	os.WriteFile(path, orig, 0o640)
	l, err := event.OpenLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v := l.FileVersion(); v != 0 {
		t.Errorf("FileVersion = %d; want 0", v)
	}
	all := l.Events(event.Filter{To: 1 << 62})
	if len(all) != 16 || l.Broken != 0 {
		t.Fatalf("%d events, %d broken; want 16, 0", len(all), l.Broken)
	}
	byType := map[string]int{}
	for _, ev := range all {
		byType[ev.Type]++
	}
	if byType[event.ZoneEntry] != 4 || byType[event.ZoneExit] != 6 || byType[event.Teleport] != 3 || byType[event.PortVisit] != 3 {
		t.Errorf("events by type %v; want zone_entry 4, zone_exit 6, teleport 3, port_visit 3", byType)
	}
	// The latest version of each is kept: one event has 6.
	maxV := 0
	for _, ev := range all {
		maxV = max(maxV, ev.Version)
	}
	if maxV != 6 {
		t.Errorf("highest version held %d; want 6", maxV)
	}
	// Appending keeps the file readable as it was (no header is inserted).
	extra := event.Event{ID: "gap-x", Type: event.Gap, Start: 1, Version: 1}
	l.Add([]event.Event{extra})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = event.OpenLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, ok := l.Version("gap-x"); !ok || v != 1 || len(l.Events(event.Filter{To: 1 << 62})) != 17 {
		t.Errorf("after appending to a version 0 file: gap-x %v %v, %d events; want 1, 17", v, ok, len(l.Events(event.Filter{To: 1 << 62})))
	}
}

// TestEventLogNewerVersion: a log written by a newer format version is
// refused with ErrLogVersion, not misread or truncated.
func TestEventLogNewerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	content := `{"tidewatch":"events","version":99}` + "\n" + `{"id":"x"}` + "\n"
	os.WriteFile(path, []byte(content), 0o640)
	if _, err := event.OpenLog(path, 0); !errors.Is(err, event.ErrLogVersion) {
		t.Fatalf("err %v; want ErrLogVersion", err)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Error("the file was changed")
	}
}

// TestAnchoragesSaveLoad: learned anchorages saved come back; no file is
// none; a corrupt file is ErrAnchorages; a save leaves no temporary file
// behind.
func TestAnchoragesSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "anchorages.bin")
	if as, err := event.LoadAnchorages(path); err != nil || as != nil {
		t.Fatalf("no file: %v, %v; want none", as, err)
	}
	want := []event.Anchorage{{Lat: -36.889, Lon: 174.989, Vessels: 4}}
	for range 2 { // the second replaces the first
		if err := event.SaveAnchorages(path, want); err != nil {
			t.Fatal(err)
		}
	}
	got, err := event.LoadAnchorages(path)
	if err != nil || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("loaded %v, %v; want %v", got, err, want)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d files after saving; want only anchorages.bin", len(ents))
	}
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	os.WriteFile(path, b, 0o644)
	if _, err := event.LoadAnchorages(path); !errors.Is(err, event.ErrAnchorages) {
		t.Errorf("corrupt file: err %v; want ErrAnchorages", err)
	}
}
