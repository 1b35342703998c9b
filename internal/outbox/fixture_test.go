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

var update = flag.Bool("update", false, "rewrite the fixture of the current format version in testdata/")

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

// checkFixture opens a copy of the fixture queue in src and reads the
// pending records back after the acknowledged cursor; it returns the open
// queue.
func checkFixture(t *testing.T, src string) *outbox.Queue {
	t.Helper()
	q, err := outbox.Open(copyDir(t, src), outbox.Options{SegmentBytes: 4096, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatalf("open the fixture %s: %v", src, err)
	}
	t.Cleanup(func() { q.Close() })
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
	return q
}

// TestFixtureV1 opens testdata/v1, a queue written by format version 1
// (its own record header; frozen), reads the pending records, appends
// (to a new version 2 segment), and reads across both versions.
func TestFixtureV1(t *testing.T) {
	q := checkFixture(t, filepath.Join("testdata", "v1"))
	for want := uint64(61); want <= 63; want++ {
		seq, err := q.Append(0, fixtureData(want))
		if err != nil || seq != want {
			t.Fatalf("Append after the fixture = %d, %v; want %d", seq, err, want)
		}
	}
	if err := q.Sync(); err != nil {
		t.Fatal(err)
	}
	recs, err := q.Read(55, 100, 1<<20)
	if err != nil || len(recs) != 8 || recs[0].Seq != 56 || recs[7].Seq != 63 || !bytes.Equal(recs[7].Data, fixtureData(63)) {
		t.Fatalf("Read across versions = %d records, %v", len(recs), err)
	}
	if err := q.Ack(62); err != nil {
		t.Fatal(err)
	}
	if got := q.Stats().Segments; got != 1 {
		t.Errorf("%d segments after acknowledging the version 1 ones, want 1", got)
	}
}

// TestFixtureV2 opens testdata/v2, the same queue written by format
// version 2 (record framing; frozen). -update rewrites it with today's
// code.
func TestFixtureV2(t *testing.T) {
	src := filepath.Join("testdata", "v2")
	if *update {
		os.RemoveAll(src)
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFixture(t, src)
	}
	q := checkFixture(t, src)
	seq, err := q.Append(0, []byte("next"))
	if err != nil || seq != 61 {
		t.Errorf("Append after the fixture = %d, %v; want 61", seq, err)
	}
}
