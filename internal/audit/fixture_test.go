package audit_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
)

var update = flag.Bool("update", false, "rewrite the format fixture in testdata/ (only when adding a new format version)")

// fixtureEntries are the entries of the frozen fixtures: two hourly
// segments (the first sealed by rotation, the second by Close), repeated
// strings for the table and a long inline key.
func fixtureEntries() []audit.Entry {
	t0 := time.Date(2026, 3, 1, 14, 10, 0, 0, time.UTC)
	var out []audit.Entry
	for i := range 40 {
		dir := []audit.Direction{audit.Sent, audit.Received, audit.Refused}[i%3]
		out = append(out, audit.Entry{
			Time: t0.Add(time.Duration(i) * 3 * time.Minute), Direction: dir,
			Partner: []string{"NO-JOC", "DK-MOC"}[i%2], Kind: "position",
			Key: []string{"257123450", "219000123", "incident-" + string(rune('a'+i%26)) + "-long-key-that-is-stored-inline-every-time"}[i%3],
			Seq: uint64(100 + i), Rule: "share-positions-north-sea", Origin: "se-mrcc",
		})
	}
	return out
}

// writeFixture writes the fixture log into dir with today's code.
func writeFixture(t *testing.T, dir string) {
	entries := fixtureEntries()
	now := entries[0].Time
	l, err := audit.Open(dir, audit.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		now = e.Time
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "LOCK"))
}

// TestFixtureV1 opens testdata/v1, a log written by format version 1
// (frozen: never regenerate it once a later version exists), and reads
// every entry back.
func TestFixtureV1(t *testing.T) {
	src := filepath.Join("testdata", "v1")
	if *update {
		os.RemoveAll(src)
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFixture(t, src)
	}
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 2 {
		t.Fatalf("fixture holds %d files, want two segments", len(ents))
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := fixtureEntries()
	l, err := audit.Open(dir, audit.Options{Now: func() time.Time { return want[len(want)-1].Time }})
	if err != nil {
		t.Fatalf("open the version 1 fixture: %v", err)
	}
	defer l.Close()
	got, err := l.Query(audit.Filter{From: want[0].Time, To: want[len(want)-1].Time.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("fixture: %d entries, want %d", len(got), len(want))
	}
	for i := range got { // newest first
		w := want[len(want)-1-i]
		if g := got[i]; !g.Time.Equal(w.Time) || g.Direction != w.Direction || g.Partner != w.Partner || g.Kind != w.Kind ||
			g.Key != w.Key || g.Seq != w.Seq || g.Rule != w.Rule || g.Origin != w.Origin {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
	}
	if st := l.Stats(); st.DamagedSpans != 0 || st.TornBytes != 0 {
		t.Errorf("fixture: %d damaged spans, %d torn bytes; want none", st.DamagedSpans, st.TornBytes)
	}
}
