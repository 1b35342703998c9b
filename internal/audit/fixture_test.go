package audit_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
)

var update = flag.Bool("update", false, "rewrite the fixture of the current format version in testdata/")

// fixtureEntries are the entries of the frozen fixtures: segments of an
// hour each (sealed by rotation, the last by Close), repeated strings for
// the table and a long inline key.
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

// checkFixture opens a copy of the fixture in src and reads every entry
// back; it returns the copy's directory.
func checkFixture(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 2 {
		t.Fatalf("fixture holds %d files, want several segments", len(ents))
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
	wantE := fixtureEntries()
	l, err := audit.Open(dir, audit.Options{Now: func() time.Time { return wantE[len(wantE)-1].Time }})
	if err != nil {
		t.Fatalf("open the fixture %s: %v", src, err)
	}
	defer l.Close()
	got, err := l.Query(audit.Filter{From: wantE[0].Time, To: wantE[len(wantE)-1].Time.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	reversed := make([]audit.Entry, len(wantE))
	for i := range wantE {
		reversed[i] = wantE[len(wantE)-1-i] // newest first
	}
	sameEntries(t, src, got, reversed)
	if st := l.Stats(); st.DamagedSpans != 0 || st.TornBytes != 0 {
		t.Errorf("fixture %s: %d damaged spans, %d torn bytes; want none", src, st.DamagedSpans, st.TornBytes)
	}
	return dir
}

// TestFixtureV1 opens testdata/v1, a log written by format version 1
// (record CRCs over the length too; frozen), reads every entry back, then
// appends to it (a version 2 segment) and reads both versions together.
func TestFixtureV1(t *testing.T) {
	dir := checkFixture(t, filepath.Join("testdata", "v1"))
	later := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l, err := audit.Open(dir, audit.Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	extra := audit.Entry{Time: later, Direction: audit.Sent, Partner: "NO-JOC", Kind: "event", Key: "e1", Seq: 9, Rule: "r", Origin: "se-mrcc"}
	if err := l.Append(extra); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = audit.Open(dir, audit.Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, err := l.Query(audit.Filter{From: fixtureEntries()[0].Time, To: later.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fixtureEntries())+1 || got[0].Key != "e1" {
		t.Errorf("after appending to the version 1 log: %d entries, newest %+v", len(got), got[0])
	}
}

// TestFixtureV1RepairKeepsLayout cuts the seal off the newest version 1
// segment: Open seals it again in the version 1 layout, so a second Open
// finds it intact.
func TestFixtureV1RepairKeepsLayout(t *testing.T) {
	dir := checkFixture(t, filepath.Join("testdata", "v1"))
	segs := segFiles(dir)
	last := segs[len(segs)-1]
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	const sealLen = 9 + 24
	if err := os.WriteFile(last, b[:len(b)-sealLen-5], 0o600); err != nil { // the seal and a torn bit of the last entry
		t.Fatal(err)
	}
	now := func() time.Time { return fixtureEntries()[39].Time }
	l, err := audit.Open(dir, audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.TornBytes == 0 {
		t.Errorf("no torn bytes cut")
	}
	l.Close()
	l, err = audit.Open(dir, audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st := l.Stats(); st.DamagedSpans != 0 || st.TornBytes != 0 {
		t.Errorf("after the repair: %d damaged spans, %d torn bytes; want none (a seal in the wrong layout?)", st.DamagedSpans, st.TornBytes)
	}
	got, _ := l.Query(audit.Filter{From: fixtureEntries()[0].Time, To: fixtureEntries()[39].Time.Add(time.Second)})
	if len(got) != len(fixtureEntries())-1 {
		t.Errorf("after the repair: %d entries, want %d (all but the torn last one)", len(got), len(fixtureEntries())-1)
	}
}

// TestFixtureV2 opens testdata/v2, the same log written by format version
// 2 (record framing; frozen). -update rewrites it with today's code.
func TestFixtureV2(t *testing.T) {
	src := filepath.Join("testdata", "v2")
	if *update {
		os.RemoveAll(src)
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFixture(t, src)
	}
	checkFixture(t, src)
}
