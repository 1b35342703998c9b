package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Checkpoint writes a copy of the store as of now into dir, which must
// not exist: for a snapshot that a cluster node gives to a peer that was
// away past the log's retention. Under the write lock it commits and
// flushes the head to a block, so that every item written is in a block,
// then links (or, across file systems and on file systems without links,
// copies and syncs) every block into dir/blocks, syncs that directory,
// and writes the marker, a manifest listing those blocks and no WAL, and
// the applied mark (record.WriteFileAtomic). A store opened on dir holds
// the same data and mark; it summarises its blocks on its first open by a
// writer (no SNAPSHOT is copied). Every file operation goes through the
// store's file system (Options.FS), so the crash test crashes it at each
// of them.
func (db *DB) Checkpoint(dir string) error {
	if db.opt.ReadOnly {
		return errors.New("store: opened read-only")
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.wal == nil {
		return ErrClosed
	}
	if err := db.commitLocked(); err != nil {
		return err
	}
	if err := db.flushLocked(false); err != nil {
		return err
	}
	fsys := db.fsys
	if _, err := fsys.Stat(dir); err == nil {
		return fmt.Errorf("store: checkpoint: %s exists", dir)
	}
	bdir := filepath.Join(dir, "blocks")
	if err := fsys.MkdirAll(bdir, 0o700); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	man := db.currentManifest()
	man.segments = nil
	db.mu.RLock()
	paths := make([]string, 0, len(db.blocks))
	for _, b := range db.blocks {
		paths = append(paths, b.path)
	}
	applied := db.applied
	db.mu.RUnlock()
	for _, p := range paths {
		if err := linkOrCopy(fsys, p, filepath.Join(bdir, filepath.Base(p))); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
	}
	if err := fsys.SyncDir(bdir); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	marker, err := record.ReadFile(fsys, filepath.Join(db.dir, markerName))
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	// The marker last: a directory without it is not a store.
	for _, f := range []struct {
		name string
		data []byte
	}{
		{manifestName, encodeManifest(man)},
		{appliedName, fmt.Appendf(nil, "%s\n%d\n", appliedMagic, applied)},
		{markerName, marker},
	} {
		if err := record.WriteFileAtomic(fsys, filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
	}
	return nil
}

// linker is a file system that makes hard links (record.OSFS).
type linker interface {
	Link(oldname, newname string) error
}

// linkOrCopy links src to dst, or copies it (synced) where links fail.
func linkOrCopy(fsys record.FS, src, dst string) error {
	if l, ok := fsys.(linker); ok && l.Link(src, dst) == nil {
		return nil
	}
	in, err := fsys.OpenFile(src, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := fsys.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// storeEntries are the names a store keeps in its directory.
var storeEntries = []string{markerName, manifestName, snapshotName, appliedName, "blocks", "wal"}

// Replace moves the store in dir (closed) aside into aside, and the
// store in from (a Checkpoint, or a copy of one) into dir: a node
// installs a peer's snapshot so. It is ReplaceFS on the operating
// system's file system.
func Replace(dir, from, aside string) error {
	return ReplaceFS(record.OSFS{}, dir, from, aside)
}

// ReplaceFS is Replace on fsys. Other files of dir (a node's other data)
// stay. Each step is a rename, made durable (directory sync) before the
// next step depends on it; ReplaceFS run again after a crash anywhere in
// it continues (what is already moved is not there to move again) and
// leaves the same result.
func ReplaceFS(fsys record.FS, dir, from, aside string) error {
	if err := fsys.MkdirAll(aside, 0o700); err != nil {
		return fmt.Errorf("store: replace: %w", err)
	}
	// Once dir's store is aside (the note says so), a second run moves
	// nothing more aside: what dir holds then is the new store's.
	note := filepath.Join(aside, "REPLACED")
	if _, err := fsys.Stat(note); errors.Is(err, fs.ErrNotExist) {
		for _, name := range storeEntries {
			if err := fsys.Rename(filepath.Join(dir, name), filepath.Join(aside, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("store: replace: %w", err)
			}
		}
		// The moves durable before the note says they are done: the
		// destination first, so that a crash in between leaves a file
		// in both places, never in neither.
		if err := syncDirs(fsys, aside, dir); err != nil {
			return err
		}
		if err := record.WriteFileAtomic(fsys, note, []byte("the store that was in "+dir+"\n"), 0o600); err != nil {
			return fmt.Errorf("store: replace: %w", err)
		}
	}
	// The marker last: a crash before it leaves dir without one, and
	// Replace, run again, finishes.
	for _, name := range slices.Concat(storeEntries[1:], storeEntries[:1]) {
		if name == markerName {
			// What came before the marker durable first.
			if err := syncDirs(fsys, dir, from); err != nil {
				return err
			}
		}
		if err := fsys.Rename(filepath.Join(from, name), filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: replace: %w", err)
		}
	}
	return syncDirs(fsys, dir, from)
}

// syncDirs syncs the directories that exist of dirs, in order (from is
// gone when Replace runs again after its caller removed it).
func syncDirs(fsys record.FS, dirs ...string) error {
	for _, d := range dirs {
		if err := fsys.SyncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: replace: %w", err)
		}
	}
	return nil
}
