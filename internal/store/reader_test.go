package store

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestReadersBesideWriter: read-only opens take no lock and read a
// consistent snapshot while a writer writes, flushes blocks (removing the
// WAL they replace) and compacts (removing merged blocks); the writer
// never fails, and every reader sees exactly a prefix of what was written,
// at least what was committed when it opened.
func TestReadersBesideWriter(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{HeadPoints: 700, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A reader opened first does not keep the writer out either.
	r, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("Check beside a writer: %v; want ErrLocked", err)
	}
	r.Close()

	var committed, written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				low := committed.Load()
				rd, err := Open(dir, Options{ReadOnly: true})
				if err != nil {
					t.Errorf("read-only open beside a writer: %v", err)
					return
				}
				n := rd.Stats().Positions
				high := written.Load()
				if n < low || n > high {
					t.Errorf("reader sees %d positions; %d were committed before it opened, %d written", n, low, high)
				}
				// Exactly the first n positions: check one vessel's track.
				m := crashPosition(5).MMSI
				want := 0
				for k := 0; k < int(n); k++ {
					if crashPosition(k).MMSI == m {
						want++
					}
				}
				tr, err := rd.Track(m, 0, vessel.Time(1<<60), true)
				if err != nil || len(tr) != want {
					t.Errorf("reader with %d positions: track of %v has %d points, %v; want %d", n, m, len(tr), err, want)
				}
				if d := rd.Damage(); len(d) != 0 {
					t.Errorf("reader beside a writer reports damage: %v", d)
				}
				rd.Close()
				reads.Add(1)
			}
		}()
	}
	k := 0
	var b Batch
	for round := 0; round < 120 && !t.Failed(); round++ {
		b.Reset()
		for i := 0; i < 97; i++ {
			p := crashPosition(k + i)
			b.AddPosition(&p)
		}
		written.Store(int64(k + 97))
		if err := db.Write(&b); err != nil {
			t.Fatalf("writer: %v", err)
		}
		if err := db.Commit(); err != nil {
			t.Fatalf("writer: %v", err)
		}
		k += 97
		committed.Store(int64(k))
		if round%15 == 14 {
			if _, err := db.Compact(CompactOptions{}); err != nil {
				t.Fatalf("compaction beside readers: %v", err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("no read completed")
	}
	t.Logf("%d reads beside %d positions written", reads.Load(), k)
}
