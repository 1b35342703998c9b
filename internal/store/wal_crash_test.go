package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// walCrashPayloads are the records of the WAL crash workload: sizes from
// a few bytes to more than a WAL chunk, so that one commit writes in
// pieces.
func walCrashPayloads() [][]byte {
	var out [][]byte
	for i := range 40 {
		n := 1 + i*97%700
		if i == 5 {
			n = walChunk + 3000
		}
		out = append(out, bytes.Repeat([]byte{byte(i)}, n))
	}
	return out
}

// walCrashWorkload writes batches of records to a segment in fsys, each
// ended by its commit record and committed (with fsync), and returns how
// many records were acknowledged (their commit returned nil) before the
// file system failed, and the number of records after each batch.
func walCrashWorkload(fsys *record.MemFS, payloads [][]byte) (acked int, ends []int) {
	i := 0
	for batch := range 12 {
		i += 1 + batch%4
		ends = append(ends, i)
	}
	if err := fsys.MkdirAll("/data/wal", 0o700); err != nil {
		return 0, ends
	}
	w, err := createSegment(fsys, "/data/wal", 1)
	if err != nil {
		return 0, ends
	}
	i = 0
	for batch := range 12 {
		for range 1 + batch%4 {
			w.append(recPositions, payloads[i])
			i++
		}
		w.endBatch()
		if err := w.commit(true); err != nil {
			return acked, ends
		}
		acked = i
	}
	w.close()
	return acked, ends
}

// TestWALCrashEveryPoint crashes the WAL workload in memory after every
// write and sync (dropping what was not synced, and again keeping a random
// torn part of it) and reads the segment back: every acknowledged record
// is there, in order, the records read are a prefix of those written
// made of whole batches (never part of a batch: WAL version 3's commit
// records), and a bad ending is a torn tail, never corruption.
func TestWALCrashEveryPoint(t *testing.T) {
	payloads := walCrashPayloads()
	dry := record.NewMemFS()
	total, ends := walCrashWorkload(dry, payloads)
	ops := dry.Ops()
	if total == 0 || ops < 20 {
		t.Fatalf("workload: %d records acknowledged in %d operations", total, ops)
	}
	path := filepath.Join("/data/wal", fmt.Sprintf("%08d%s", 1, walSuffix))
	torn, inFlight := 0, 0
	for n := 0; n <= ops; n++ {
		for seed := range 4 {
			m := record.NewMemFS()
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m.CrashAfter(n, rng)
			acked, _ := walCrashWorkload(m, payloads)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng) // the workload finished: crash now
			}
			got := 0
			end, err := readSegment(after, path, func(typ byte, p []byte) error {
				if typ != recPositions || got >= len(payloads) || !bytes.Equal(p, payloads[got]) {
					return fmt.Errorf("record %d differs from the one written", got)
				}
				got++
				return nil
			})
			var fe *FileError
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if acked > 0 {
					t.Fatalf("crash after %d (seed %d): segment gone with %d records acknowledged", n, seed, acked)
				}
			case err != nil && !(errors.As(err, &fe) && errors.Is(fe.Err, errTorn)):
				t.Fatalf("crash after %d (seed %d): %v; want nothing or a torn tail", n, seed, err)
			case err != nil:
				torn++
				if fe.Offset != end {
					t.Errorf("crash after %d (seed %d): torn at %d, valid data ends at %d", n, seed, fe.Offset, end)
				}
			}
			if got < acked {
				t.Fatalf("crash after %d (seed %d): %d records read, %d were acknowledged", n, seed, got, acked)
			}
			if got > 0 && !slices.Contains(ends, got) {
				t.Fatalf("crash after %d (seed %d): %d records read, not a whole number of batches (batches end after %v)", n, seed, got, ends)
			}
			if got > acked {
				inFlight++
			}
		}
	}
	if torn == 0 {
		t.Error("no crash point left a torn tail: the tearing is not exercised")
	}
	t.Logf("%d crash points × 4, %d torn tails recovered, %d batches in flight read whole", ops+1, torn, inFlight)
}
