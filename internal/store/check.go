package store

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// CheckReport is what Check found.
type CheckReport struct {
	Blocks    int   // block files that open
	Chunks    int   // chunks read and verified
	Positions int64 // positions readable
	Segments  int   // WAL segments read
	Manifest  bool  // the store has a manifest (false: written before it existed)
	Damage    []Damage
}

// OK reports whether nothing is damaged, missing or unknown.
func (r *CheckReport) OK() bool { return len(r.Damage) == 0 }

// Check verifies every file of the store in dir without changing it: the
// manifest's checksum, each block's whole-file checksum against the
// manifest and every section and chunk, and every WAL record. It holds
// the writer lock meanwhile, so that the files stay put (ErrLocked while
// serve or ingest runs).
func Check(dir string) (*CheckReport, error) { return CheckFS(dir, OSFS{}) }

// CheckFS is Check through the file system fsys.
func CheckFS(dir string, fsys FS) (*CheckReport, error) {
	rfs := asRecordFS(fsys)
	if _, err := rfs.Stat(filepath.Join(dir, markerName)); err != nil {
		return nil, fmt.Errorf("%w: %s has no %s file", ErrNotStore, dir, markerName)
	}
	lock, err := lockDir(rfs, dir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	db, err := Open(dir, Options{ReadOnly: true, exclusive: true, FS: fsys})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	man, merr := readManifest(rfs, dir)
	rep := &CheckReport{Manifest: man != nil && merr == nil}
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	var buf []byte
	var pts []point
	for _, b := range v.blocks {
		rep.Blocks++
		for i := range b.index {
			e := &b.index[i]
			rep.Chunks++
			if pts, err = b.readChunk(pts[:0], e, &buf); err != nil {
				if !db.badChunk(b, e, err) {
					done()
					return nil, err
				}
				continue
			}
			rep.Positions += int64(len(pts))
		}
		// Every byte of a block is under a checksum of its own; the
		// whole-file checksum catches a block that is not the one the
		// manifest lists.
		if man != nil && !db.damaged(b.path) {
			crc, size, err := fileCRC(rfs, b.path)
			if err != nil {
				done()
				return nil, fmt.Errorf("store: %w", err)
			}
			if e := man.block(b.meta.seq); e != nil && (e.crc != crc || e.size != uint64(size)) {
				d := Damage{File: db.rel(b.path), Kind: Damaged, Lost: true,
					Err: fmt.Errorf("%w: file checksum %08x (%d bytes), the manifest says %08x (%d bytes)", ErrCorrupt, crc, size, e.crc, e.size)}
				d.heldBy(e)
				db.addDamage(d)
			}
		}
	}
	for _, h := range v.heads {
		rep.Positions += int64(h.points)
	}
	done()
	rep.Segments = len(db.segments)
	rep.Damage = db.Damage()
	return rep, nil
}

// RepairReport says what Repair did.
type RepairReport struct {
	Found    []Damage // what Check found before the repair
	Aside    string   // the directory damaged files were moved to ("" if none)
	Moved    []string // files moved there, relative to the data directory
	Salvaged []string // damaged blocks whose readable chunks were rewritten into a new block
	After    []Damage // what is still wrong after the repair (empty: the store is clean)
}

// Repair moves the damaged and unknown files of the store in dir aside,
// into dir/damaged-TIME/ (never deleting anything), after saving what
// can be read from them: the readable records of damaged WAL segments and
// the readable chunks of damaged blocks go into new blocks. The manifest
// is moved aside too and rebuilt, so that files it listed that are gone
// are no longer reported. Afterwards the store opens without damage. It
// needs the directory to itself (ErrLocked otherwise).
func Repair(dir string, now time.Time) (*RepairReport, error) { return RepairFS(dir, now, OSFS{}) }

// RepairFS is Repair through the file system fsys.
func RepairFS(dir string, now time.Time, fsys FS) (*RepairReport, error) {
	rfs := asRecordFS(fsys)
	chk, err := CheckFS(dir, fsys)
	if err != nil {
		return nil, err
	}
	rep := &RepairReport{Found: chk.Damage}
	if chk.OK() {
		return rep, nil
	}
	// Save what can be read: replay the WAL into a block, and rewrite the
	// readable chunks of blocks with damaged chunks.
	db, err := Open(dir, Options{Now: func() time.Time { return now }, FS: fsys})
	if err != nil {
		return nil, err
	}
	if err := db.Flush(); err != nil {
		db.Close()
		return nil, err
	}
	bad := map[string]bool{}
	for _, d := range chk.Damage {
		if d.Kind != Missing {
			bad[d.File] = true
		}
	}
	for _, b := range slices.Clone(db.blocks) {
		if !bad[db.rel(b.path)] {
			continue
		}
		if err := db.salvage(b); err != nil {
			db.Close()
			return nil, err
		}
		rep.Salvaged = append(rep.Salvaged, db.rel(b.path))
	}
	for _, d := range db.Damage() { // found by this open (e.g. WAL segments kept)
		if d.Kind != Missing {
			bad[d.File] = true
		}
	}
	if err := db.Close(); err != nil {
		return nil, err
	}

	lock, err := lockDir(rfs, dir)
	if err != nil {
		return nil, err
	}
	rep.Aside = filepath.Join(dir, "damaged-"+now.UTC().Format("20060102T150405Z"))
	bad[manifestName] = true
	files := make([]string, 0, len(bad))
	for f := range bad {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		from := filepath.Join(dir, filepath.FromSlash(f))
		if _, err := rfs.Stat(from); err != nil {
			continue // already gone
		}
		to := filepath.Join(rep.Aside, filepath.FromSlash(f))
		if err := rfs.MkdirAll(filepath.Dir(to), 0o750); err != nil {
			lock.Close()
			return rep, fmt.Errorf("store: repair: %w", err)
		}
		if err := rfs.Rename(from, to); err != nil {
			lock.Close()
			return rep, fmt.Errorf("store: repair: move %s aside: %w", f, err)
		}
		rep.Moved = append(rep.Moved, f)
	}
	for _, sub := range []string{".", "blocks", "wal"} {
		syncDir(rfs, filepath.Join(dir, sub))
	}
	lock.Close()

	// Open again: the manifest is rebuilt from the files that are left.
	db, err = Open(dir, Options{FS: fsys})
	if err != nil {
		return rep, err
	}
	rep.After = db.Damage()
	return rep, db.Close()
}

// salvage rewrites the readable chunks of block b (with its statics,
// provenance and sources) into a new block, which takes b's place. b's
// file stays on disk for Repair to move aside.
func (db *DB) salvage(b *block) error {
	db.mu.Lock()
	db.nextBlk++
	seq := db.nextBlk
	db.mu.Unlock()
	d := &blockData{meta: blockMeta{seq: seq, walUpTo: b.meta.walUpTo}, statics: b.statics, prov: b.prov, sources: b.sources}
	var buf []byte
	var cur *series
	for i := range b.index {
		e := &b.index[i]
		pts, err := b.readChunk(nil, e, &buf)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				return err
			}
			continue
		}
		if cur == nil || cur.mmsi != e.mmsi {
			d.series = append(d.series, series{mmsi: e.mmsi})
			cur = &d.series[len(d.series)-1]
		}
		cur.pts = append(cur.pts, pts...)
	}
	nb, err := writeBlock(db.fsys, filepath.Join(db.dir, "blocks"), d)
	if err != nil {
		return fmt.Errorf("store: salvage %s: %w", b.path, err)
	}
	db.writeMu.Lock()
	db.mu.Lock()
	for i, o := range db.blocks {
		if o == b {
			db.blocks[i] = nb
		}
	}
	db.mu.Unlock()
	err = db.saveManifest(true)
	db.writeMu.Unlock()
	b.f.Close()
	return err
}

// lockDir takes the data directory's writer lock.
func lockDir(fsys record.FS, dir string) (io.Closer, error) {
	l, err := fsys.Lock(dir, "LOCK")
	if errors.Is(err, record.ErrLocked) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return l, nil
}
