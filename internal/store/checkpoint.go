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
// then links (or, across file systems, copies) every block into
// dir/blocks and writes the marker, a manifest listing those blocks and
// no WAL, and the applied mark. A store opened on dir holds the same
// data and mark; it summarises its blocks on its first open by a
// writer (no SNAPSHOT is copied).
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
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("store: checkpoint: %s exists", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "blocks"), 0o700); err != nil {
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
		if err := linkOrCopy(p, filepath.Join(dir, "blocks", filepath.Base(p))); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
	}
	marker, err := os.ReadFile(filepath.Join(db.dir, markerName))
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	osfs := record.OSFS{}
	for name, data := range map[string][]byte{
		markerName:   marker,
		manifestName: encodeManifest(man),
		appliedName:  fmt.Appendf(nil, "%s\n%d\n", appliedMagic, applied),
	} {
		if err := record.WriteFileAtomic(osfs, filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
	}
	return nil
}

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
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
// installs a peer's snapshot so. Other files of dir (a node's other data)
// stay. Each step is a rename; Replace run again after a crash between
// two continues (what is already moved is not there to move again).
func Replace(dir, from, aside string) error {
	if err := os.MkdirAll(aside, 0o700); err != nil {
		return fmt.Errorf("store: replace: %w", err)
	}
	// Once dir's store is aside (the note says so), a second run moves
	// nothing more aside: what dir holds then is the new store's.
	note := filepath.Join(aside, "REPLACED")
	if _, err := os.Stat(note); errors.Is(err, fs.ErrNotExist) {
		for _, name := range storeEntries {
			if err := os.Rename(filepath.Join(dir, name), filepath.Join(aside, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("store: replace: %w", err)
			}
		}
		if err := record.WriteFileAtomic(record.OSFS{}, note, []byte("the store that was in "+dir+"\n"), 0o600); err != nil {
			return fmt.Errorf("store: replace: %w", err)
		}
	}
	// The marker last: a crash before it leaves dir without one, and
	// Replace, run again, finishes.
	for _, name := range slices.Concat(storeEntries[1:], storeEntries[:1]) {
		if err := os.Rename(filepath.Join(from, name), filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: replace: %w", err)
		}
	}
	if err := syncDir(record.OSFS{}, dir); err != nil {
		return fmt.Errorf("store: replace: %w", err)
	}
	return nil
}
