package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The applied mark: a writer that applies a replicated log (a cluster
// node, internal/cluster) keeps the sequence of the last entry it applied
// in the store itself, in the same commit as that entry's data, so that
// after a crash the store says exactly which entries it holds; no cursor
// file needs an fsync of its own per entry.
//
// A Batch with SetApplied(seq) writes, after its data, a WAL record of
// type recApplied (uvarint 1, uvarint seq) in the same commit. Open takes
// the largest mark of the WAL it replays. The WAL a block replaces is
// removed after a flush, so each flush first writes the mark to
// DIR/APPLIED (record.WriteFileAtomic: "tidewatch applied 1\n" and the
// sequence in decimal on a second line); Open takes the larger of the file
// and the WAL. Marks only grow: a batch with a smaller mark than the
// store's does not lower it.
const (
	recApplied   = 6
	appliedName  = "APPLIED"
	appliedMagic = "tidewatch applied 1"
)

// SetApplied marks the batch as taking the store up to entry seq of the
// writer's replicated log: the mark is written after the batch's items,
// in the same commit. A batch with only a mark (an entry that changed
// nothing) is written too.
func (b *Batch) SetApplied(seq uint64) { b.applied = seq }

// Applied returns the largest applied mark written (durable once Commit
// returned; after Open, the one the store holds), 0 if none.
func (db *DB) Applied() uint64 {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.applied
}

// appendApplied writes b's mark to the WAL, if it has one. Called by
// Write with writeMu held, after the batch's items.
func (db *DB) appendApplied(b *Batch) {
	if b.applied == 0 {
		return
	}
	buf := binary.AppendUvarint(b.buf[:0], 1)
	buf = binary.AppendUvarint(buf, b.applied)
	db.wal.append(recApplied, buf)
	b.buf = buf
	db.mu.Lock()
	db.applied = max(db.applied, b.applied)
	db.mu.Unlock()
	b.applied = 0
}

// saveApplied writes the mark to DIR/APPLIED when it moved since the
// last time: before a flush, since the WAL that holds the mark goes away
// with it. Called with writeMu held.
func (db *DB) saveApplied() error {
	db.mu.RLock()
	seq, saved := db.applied, db.appliedSaved
	db.mu.RUnlock()
	if seq == saved {
		return nil
	}
	data := fmt.Appendf(nil, "%s\n%d\n", appliedMagic, seq)
	if err := record.WriteFileAtomic(db.fsys, filepath.Join(db.dir, appliedName), data, 0o600); err != nil {
		return fmt.Errorf("store: applied mark: %w", err)
	}
	db.mu.Lock()
	db.appliedSaved = seq
	db.mu.Unlock()
	return nil
}

// loadApplied reads DIR/APPLIED (absent: 0). Called by Open before the
// WAL is replayed.
func (db *DB) loadApplied() error {
	path := filepath.Join(db.dir, appliedName)
	b, err := record.ReadFile(db.fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	seq, err := parseApplied(b)
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	db.applied, db.appliedSaved = seq, seq
	return nil
}

func parseApplied(b []byte) (uint64, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != 3 || lines[0] != appliedMagic || lines[2] != "" {
		return 0, fmt.Errorf("%w: not an applied mark", ErrCorrupt)
	}
	seq, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: applied mark %q", ErrCorrupt, lines[1])
	}
	return seq, nil
}
