package event_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
)

// FuzzOpenLog: whatever the events file holds (a torn or corrupt file, a
// hand-edited one), OpenLog does not panic; it either refuses the file
// with an error or opens it, and what it opened can be appended to and
// read back with no more events than lines.
func FuzzOpenLog(f *testing.F) {
	if b, err := os.ReadFile("testdata/eventlog-v0.jsonl"); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(`{"tidewatch":"events","version":1}` + "\n"))
	f.Add([]byte(`{"tidewatch":"events","version":2}` + "\n{}\n"))
	f.Add([]byte("\n\n{\"id\":\"a\",\"type\":\"gap\",\"start\":\"2024-01-01T00:00:00Z\"}\nnot json\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "events.jsonl")
		if err := os.WriteFile(path, data, 0o640); err != nil {
			t.Fatal(err)
		}
		l, err := event.OpenLog(path, 0)
		if err != nil {
			return
		}
		lines := 0
		for _, c := range data {
			if c == '\n' {
				lines++
			}
		}
		if got := len(l.Events(event.Filter{From: -1 << 62, To: 1 << 62})); got > lines {
			t.Errorf("%d events from %d lines", got, lines)
		}
		if err := l.Add([]event.Event{{ID: "fuzz", Type: event.Gap, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l, err = event.OpenLog(path, 0)
		if err != nil {
			t.Fatalf("reopening after an append: %v", err)
		}
		defer l.Close()
		if _, ok := l.Version("fuzz"); !ok {
			t.Error("the appended event is not read back")
		}
	})
}
