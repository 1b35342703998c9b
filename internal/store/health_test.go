package store

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// faultFS is the operating system's file system with switchable faults:
// while full, writes store half of what they are given and fail with
// ENOSPC (as a full disk does); while blocksFull, only sequential writes
// (blocks, not the WAL) do; while syncEIO, fsync fails with EIO.
type faultFS struct {
	full, blocksFull, syncEIO atomic.Bool
	writeFails                atomic.Int64
}

type faultFile struct {
	*os.File
	fs *faultFS
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	o, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: o, fs: f}, nil
}

func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.full.Load() {
		f.fs.writeFails.Add(1)
		n, _ := f.File.WriteAt(p[:len(p)/2], off)
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.full.Load() || f.fs.blocksFull.Load() {
		f.fs.writeFails.Add(1)
		n, _ := f.File.Write(p[:len(p)/2])
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if f.fs.syncEIO.Load() {
		return &fs.PathError{Op: "sync", Path: f.Name(), Err: syscall.EIO}
	}
	return f.File.Sync()
}

// fakeClock is a clock the test moves.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

// TestDiskFull: commits fail while the disk is full (ENOSPC, with partial
// writes) and while fsync fails (EIO); Health says so, with the cause;
// writes are kept in memory up to MaxBacklog and refused past it; once
// the disk has room, the next commit and the next block write succeed
// without a restart. After reopening, the store holds exactly the batches
// Write accepted, every acknowledged one among them.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	ffs := &faultFS{}
	clk := &fakeClock{}
	clk.t.Store(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC).UnixNano())
	db, err := Open(dir, Options{FS: ffs, Now: clk.now, HeadPoints: 2000, MaxBacklog: 96 << 10})
	if err != nil {
		t.Fatal(err)
	}
	k := 0             // positions written so far (the sequence of crashPosition)
	var accepted []int // per accepted batch: its first k
	var sizes []int
	acked := 0 // positions acknowledged by Commit
	var b Batch
	write := func(n int) error {
		b.Reset()
		for i := 0; i < n; i++ {
			p := crashPosition(k + i)
			b.AddPosition(&p)
		}
		err := db.Write(&b)
		if err == nil {
			accepted = append(accepted, k)
			sizes = append(sizes, n)
			k += n
		}
		return err
	}
	total := func() int {
		s := 0
		for _, n := range sizes {
			s += n
		}
		return s
	}
	for i := 0; i < 30; i++ {
		if err := write(97); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		acked = total()
	}
	if db.Health() != nil {
		t.Fatalf("healthy store: Health() = %v", db.Health())
	}

	// The disk fills up.
	ffs.full.Store(true)
	if err := write(97); err != nil {
		t.Fatalf("Write while the disk is full (kept in memory): %v", err)
	}
	err = db.Commit()
	var we *WriteError
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Commit on a full disk = %v; want ENOSPC", err)
	}
	if h := db.Health(); !errors.As(h, &we) || we.Op != "commit" || !errors.Is(h, syscall.ENOSPC) || we.Failures != 1 || !we.Since.Equal(clk.now()) {
		t.Fatalf("Health() = %v; want a commit WriteError with ENOSPC", h)
	}
	// Keep writing: accepted until the backlog is full, then refused.
	refused := 0
	for i := 0; i < 200 && refused == 0; i++ {
		clk.advance(time.Second)
		if err := write(97); err != nil {
			if !errors.Is(err, ErrBacklog) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Write with a full backlog = %v; want ErrBacklog wrapping ENOSPC", err)
			}
			refused++
			k += 97 // the refused batch is not stored: skip its positions
			continue
		}
		if err := db.Commit(); err == nil {
			t.Fatal("Commit succeeded on a full disk")
		}
	}
	if refused == 0 {
		t.Fatal("the backlog never filled")
	}
	if ws := db.WriteStats(); !ws.Failing || ws.Failures < 2 {
		t.Errorf("WriteStats() = %+v while failing", ws)
	}

	// Space is freed, but fsync now fails with EIO once.
	ffs.full.Store(false)
	ffs.syncEIO.Store(true)
	if err := db.Commit(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Commit with a failing fsync = %v; want EIO", err)
	}
	ffs.syncEIO.Store(false)
	if err := db.Commit(); err != nil {
		t.Fatalf("Commit after the disk recovered: %v", err)
	}
	acked = total()
	if h := db.Health(); h != nil {
		t.Fatalf("Health() after recovery = %v", h)
	}
	// Writes go on; the head is over its limit, so the block write that
	// failed is retried (after its back-off) and works.
	clk.advance(maxRetry)
	for i := 0; i < 5; i++ {
		if err := write(97); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	acked = total()
	if db.Health() != nil || db.Stats().Blocks == 0 {
		t.Fatalf("after recovery: Health() = %v, %d blocks", db.Health(), db.Stats().Blocks)
	}
	if ws := db.WriteStats(); ws.Failing || ws.Recoveries == 0 {
		t.Errorf("WriteStats() = %+v after recovery", ws)
	}

	// Room for the WAL but not for a block: commits work, the block
	// write fails and is retried with back-off.
	ffs.blocksFull.Store(true)
	blocks := db.Stats().Blocks
	for db.Health() == nil {
		if err := write(97); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	acked = total()
	if h := db.Health(); !errors.As(h, &we) || we.Op != "block write" || !errors.Is(h, syscall.ENOSPC) {
		t.Fatalf("Health() = %v; want a failing block write", h)
	}
	before := ffs.writeFails.Load()
	if err := write(97); err != nil { // within the back-off: no new attempt
		t.Fatal(err)
	}
	if ffs.writeFails.Load() != before {
		t.Errorf("block write retried before its back-off")
	}
	ffs.blocksFull.Store(false)
	clk.advance(maxRetry)
	if err := write(97); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	acked = total()
	if db.Health() != nil || db.Stats().Blocks <= blocks {
		t.Fatalf("block write after the back-off: Health() = %v, %d blocks (were %d)", db.Health(), db.Stats().Blocks, blocks)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[vessel.MMSI][]vessel.Position{}
	for i, first := range accepted {
		for j := first; j < first+sizes[i]; j++ {
			p := crashPosition(j)
			want[p.MMSI] = append(want[p.MMSI], quantize(p))
		}
	}
	checkTracks(t, db, want)
	if got := int(db.Stats().Positions); got != total() || got < acked {
		t.Fatalf("%d positions stored; %d accepted, %d acknowledged", got, total(), acked)
	}
}

// TestDiskFullCrash: a crash while commits fail (partial writes on disk)
// keeps every acknowledged position; what follows them is a prefix of
// what was written, never garbage.
func TestDiskFullCrash(t *testing.T) {
	dir := t.TempDir()
	ffs := &faultFS{}
	db, err := Open(dir, Options{FS: ffs})
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	var b Batch
	write := func(n int) {
		b.Reset()
		for i := 0; i < n; i++ {
			p := crashPosition(k + i)
			b.AddPosition(&p)
		}
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		k += n
	}
	for i := 0; i < 10; i++ {
		write(50)
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	acked := k
	ffs.full.Store(true)
	for i := 0; i < 5; i++ {
		write(50)
		if db.Commit() == nil {
			t.Fatal("commit on a full disk succeeded")
		}
	}
	if ffs.writeFails.Load() == 0 {
		t.Fatal("no write failed")
	}
	db.wal.f.Close() // the crash: nothing more reaches the disk
	db.unlock()

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := int(db.Stats().Positions)
	if got < acked || got > k {
		t.Fatalf("%d positions after the crash; %d acknowledged, %d written", got, acked, k)
	}
	want := map[vessel.MMSI][]vessel.Position{}
	for j := 0; j < got; j++ {
		p := crashPosition(j)
		want[p.MMSI] = append(want[p.MMSI], quantize(p))
	}
	checkTracks(t, db, want)
}

// TestTmpfsFull fills a real, small tmpfs (root only: it mounts one),
// then makes room by remounting it larger: the store resumes without a
// restart and keeps every batch it accepted.
func TestTmpfsFull(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("needs root to mount a tmpfs")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	dir := filepath.Join(mnt, "data")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	var b Batch
	var failure error
	for i := 0; i < 10000 && failure == nil; i++ {
		b.Reset()
		for j := 0; j < 97; j++ {
			p := crashPosition(k + j)
			b.AddPosition(&p)
		}
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		k += 97
		failure = db.Commit()
	}
	if !errors.Is(failure, syscall.ENOSPC) || !errors.Is(db.Health(), syscall.ENOSPC) {
		t.Fatalf("commit on a full tmpfs: %v, Health %v", failure, db.Health())
	}
	if out, err := exec.Command("mount", "-o", "remount,size=16m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	if err := db.Commit(); err != nil {
		t.Fatalf("commit after making room: %v", err)
	}
	if db.Health() != nil {
		t.Fatalf("Health() after making room: %v", db.Health())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[vessel.MMSI][]vessel.Position{}
	for j := 0; j < k; j++ {
		p := crashPosition(j)
		want[p.MMSI] = append(want[p.MMSI], quantize(p))
	}
	checkTracks(t, db, want)
}
