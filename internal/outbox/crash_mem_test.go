package outbox_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/outbox"
	"github.com/tidewatch/tidewatch/internal/record"
)

func memData(seq uint64) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("item %d;", seq)), 1+int(seq%40))
}

// memWorkload appends records to a queue in fsys (small segments, so that
// it rotates), syncs every few, and acknowledges some, until the file
// system fails. It returns the last record acknowledged by a Sync and the
// last Ack that returned nil (and the highest Ack tried).
func memWorkload(fsys *record.MemFS) (synced, acked, tried uint64) {
	q, err := outbox.Open("/data/outbox", outbox.Options{FS: fsys, SegmentBytes: 4096, MaxBytes: 1 << 30})
	if err != nil {
		return
	}
	defer q.Close()
	for seq := uint64(1); seq <= 80; seq++ {
		if _, err := q.Append(int64(seq), memData(seq)); err != nil {
			return
		}
		if seq%6 == 0 {
			if err := q.Sync(); err != nil {
				return
			}
			synced = seq
		}
		if seq%25 == 0 {
			tried = synced - 3
			if err := q.Ack(tried); err != nil {
				return
			}
			acked = tried
		}
	}
	return
}

// TestCrashInMemory crashes the queue at every write, sync, rename, removal
// and directory sync of the workload (dropping unsynced data, and again
// keeping a random torn part of it), reopens it, and checks that every
// synced record after the cursor is readable, intact and in order, that
// the cursor is at an acknowledgement that was made, and that the queue
// takes records again.
func TestCrashInMemory(t *testing.T) {
	dry := record.NewMemFS()
	if synced, acked, _ := memWorkload(dry); synced != 78 || acked != 69 {
		t.Fatalf("workload: synced %d, acked %d", synced, acked)
	}
	ops := dry.Ops()
	torn := 0
	for n := 0; n <= ops; n++ {
		for seed := range 3 {
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m := record.NewMemFS()
			m.CrashAfter(n, rng)
			synced, acked, tried := memWorkload(m)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng)
			}
			q, err := outbox.Open("/data/outbox", outbox.Options{FS: after, SegmentBytes: 4096, MaxBytes: 1 << 30})
			if err != nil {
				t.Fatalf("crash after %d (seed %d): reopen: %v", n, seed, err)
			}
			if q.Stats().TornBytes > 0 {
				torn++
			}
			got := q.Acked()
			if got < acked || got > tried {
				t.Fatalf("crash after %d (seed %d): cursor at %d; acknowledged %d, tried %d", n, seed, got, acked, tried)
			}
			if q.Last() < synced {
				t.Fatalf("crash after %d (seed %d): last record %d, %d was synced", n, seed, q.Last(), synced)
			}
			recs, err := q.Read(got, 1000, 1<<30)
			if err != nil {
				t.Fatalf("crash after %d (seed %d): Read: %v", n, seed, err)
			}
			for i, r := range recs {
				if want := got + 1 + uint64(i); r.Seq != want || r.NotBefore != int64(want) || !bytes.Equal(r.Data, memData(want)) {
					t.Fatalf("crash after %d (seed %d): record %d = seq %d, want seq %d intact", n, seed, i, r.Seq, want)
				}
			}
			if last := got + uint64(len(recs)); last != q.Last() {
				t.Fatalf("crash after %d (seed %d): read up to %d, last is %d", n, seed, last, q.Last())
			}
			if seq, err := q.Append(0, []byte("after")); err != nil || seq != q.Last() {
				t.Fatalf("crash after %d (seed %d): Append after reopen = %d, %v", n, seed, seq, err)
			}
			if err := q.Close(); err != nil {
				t.Fatalf("crash after %d (seed %d): Close: %v", n, seed, err)
			}
		}
	}
	if torn == 0 {
		t.Error("no crash point left a torn tail: tearing is not exercised")
	}
	t.Logf("%d crash points × 3, %d reopens cut a torn tail", ops+1, torn)
}

// TestEmptyV1SegmentUpgraded: a queue whose newest segment is an empty
// version 1 one (rotated just before a crash) gets the current header in
// place, and appends go on in it.
func TestEmptyV1SegmentUpgraded(t *testing.T) {
	dir := copyDir(t, filepath.Join("testdata", "v1"))
	h := []byte("TWOBX\x00\x01\x00")
	h = append(h, 61, 0, 0, 0, 0, 0, 0, 0)
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000061.seg"), h, 0o600); err != nil {
		t.Fatal(err)
	}
	q, err := outbox.Open(dir, outbox.Options{SegmentBytes: 4096, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := q.Append(0, []byte("sixty-one")); err != nil || seq != 61 {
		t.Fatalf("Append = %d, %v; want 61", seq, err)
	}
	q.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "00000000000000000061.seg"))
	if !bytes.HasPrefix(b, []byte("TWOBX\x00\x02\x00")) {
		t.Errorf("segment 61 header % x; want version 2", b[:8])
	}
	q, err = outbox.Open(dir, outbox.Options{SegmentBytes: 4096, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	recs, err := q.Read(59, 10, 1<<20)
	if err != nil || len(recs) != 2 || recs[1].Seq != 61 || string(recs[1].Data) != "sixty-one" {
		t.Fatalf("Read = %d records, %v", len(recs), err)
	}
}
