package recorder

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fullFS fails every write with ENOSPC while full is set.
type fullFS struct{ full atomic.Bool }

type fullFile struct {
	*os.File
	fs *fullFS
}

func (f *fullFS) OpenFile(name string, flag int, perm fs.FileMode) (store.File, error) {
	o, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &fullFile{o, f}, nil
}

func (f *fullFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.full.Load() {
		return 0, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

func (f *fullFile) Write(p []byte) (int, error) {
	if f.fs.full.Load() {
		return 0, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

// TestCommittedOnlyWhenAcknowledged: while the store's commits fail,
// Committed does not grow and Uncommitted counts what waits; after the
// disk has room, one commit acknowledges everything and the store holds
// every position the picture stored.
func TestCommittedOnlyWhenAcknowledged(t *testing.T) {
	var obs []vessel.Observation
	if _, err := ingest.Observations(context.Background(), aistest.Path("raw/dma-stream-example.nmea"), nil, ingest.ObserveOptions{},
		func(o *vessel.Observation) error { obs = append(obs, *o); return nil }); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ffs := &fullFS{}
	db, err := store.Open(dir, store.Options{FS: ffs})
	if err != nil {
		t.Fatal(err)
	}
	positions := int64(0) // what the picture hands to the store
	rec := New(fusion.NewPicture(fusion.Config{}), db, Options{CommitEvery: 500, OnResult: func(o *vessel.Observation, r *fusion.Result) {
		if r.Outcome == fusion.Stored || r.Outcome == fusion.Station && r.Position.HasPosition() {
			positions++
		}
	}})
	half := len(obs) / 2
	for i := range obs[:half] {
		if err := rec.Record(&obs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Commit(); err != nil {
		t.Fatal(err)
	}
	before := rec.Stats().Committed
	ffs.full.Store(true)
	failures := 0
	for i := half; i < len(obs); i++ {
		if err := rec.Record(&obs[i]); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Record on a full disk: %v", err)
			}
			failures++
		}
	}
	if err := rec.Commit(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Commit on a full disk: %v", err)
	}
	if st := rec.Stats(); st.Committed != before || rec.Uncommitted() == 0 || failures == 0 {
		t.Fatalf("while failing: committed %d (was %d), %d uncommitted, %d failures", st.Committed, before, rec.Uncommitted(), failures)
	}
	ffs.full.Store(false)
	if err := rec.Commit(); err != nil {
		t.Fatalf("Commit after the disk has room: %v", err)
	}
	st := rec.Stats()
	if rec.Uncommitted() != 0 || st.Refused != 0 {
		t.Fatalf("after recovery: %d uncommitted, %d refused", rec.Uncommitted(), st.Refused)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().Positions; got != positions || positions == 0 {
		t.Errorf("store holds %d positions; the picture stored %d", got, positions)
	}
}
