package outbox_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/outbox"
)

var update = flag.Bool("update", false, "rewrite the format fixture in testdata/ (only when adding a new format version)")

// fixtureData is the data of record seq in the frozen fixtures.
func fixtureData(seq uint64) []byte {
	return fmt.Appendf(nil, `{"mmsi":%d,"lat":57.%04d,"lon":10.%04d}`, 219000000+seq, seq*37%10000, seq*91%10000)
}

// writeFixture writes the fixture queue into dir with today's code: 60
// records over several segments, the first 20 acknowledged (so a cursor
// and a deleted first segment), the rest pending.
func writeFixture(t *testing.T, dir string) {
	q, err := outbox.Open(dir, outbox.Options{SegmentBytes: 4096, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 60; seq++ {
		if _, err := q.Append(int64(seq)*1000, fixtureData(seq)); err != nil {
			t.Fatal(err)
		}
		if seq%10 == 0 {
			if err := q.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := q.Ack(20); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "LOCK"))
}

// copyDir copies the files of src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
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
	return dir
}

// TestFixtureV1 opens testdata/v1, a queue written by format version 1
// (frozen: never regenerate it once a later version exists), and reads the
// pending records back after the acknowledged cursor.
func TestFixtureV1(t *testing.T) {
	src := filepath.Join("testdata", "v1")
	if *update {
		os.RemoveAll(src)
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFixture(t, src)
	}
	q, err := outbox.Open(copyDir(t, src), outbox.Options{SegmentBytes: 4096, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatalf("open the version 1 fixture: %v", err)
	}
	defer q.Close()
	if got := q.Acked(); got != 20 {
		t.Errorf("Acked = %d, want 20", got)
	}
	recs, err := q.Read(q.Acked(), 1000, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 40 {
		t.Fatalf("read %d records, want 40 (21…60)", len(recs))
	}
	for i, r := range recs {
		seq := uint64(21 + i)
		if r.Seq != seq || r.NotBefore != int64(seq)*1000 || !bytes.Equal(r.Data, fixtureData(seq)) {
			t.Errorf("record %d = {%d %d %s}, want {%d %d %s}", i, r.Seq, r.NotBefore, r.Data, seq, seq*1000, fixtureData(seq))
		}
	}
	if st := q.Stats(); st.TornBytes != 0 {
		t.Errorf("fixture: %d torn bytes, want none", st.TornBytes)
	}
	// The next record continues the numbering.
	seq, err := q.Append(0, []byte("next"))
	if err != nil || seq != 61 {
		t.Errorf("Append after the fixture = %d, %v; want 61", seq, err)
	}
}
