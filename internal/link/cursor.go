package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidewatch/tidewatch/internal/record"
)

// ErrCursorCorrupt: a cursor file exists but does not hold a valid cursor
// (wrong size, magic or checksum). The receiver refuses the partner rather
// than start again from zero, which would deliver everything twice.
var ErrCursorCorrupt = errors.New("link: cursor file corrupt")

// Cursor files. Each partner has two in the Cursors directory, each of
// cursorSize bytes: magic (4), seq (8, big endian), CRC-32C of the first
// 12 bytes (4, big endian).
//
//	<partner>.cursor   "TWC1": the highest seq durably delivered; written
//	                   after Sink.Deliver returns, atomically (temp file,
//	                   fsync, rename, fsync of the directory).
//	<partner>.pending  "TWP1": the highest seq handed to Sink.Deliver;
//	                   written before Deliver, without fsync. After a
//	                   crash, seqs in (cursor, pending] may be delivered
//	                   again and are counted as Redelivered.
const (
	cursorSize    = 16
	cursorMagic   = "TWC1"
	pendingMagic  = "TWP1"
	cursorSuffix  = ".cursor"
	pendingSuffix = ".pending"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func encodeCursor(magic string, seq uint64) []byte {
	b := make([]byte, 0, cursorSize)
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint64(b, seq)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodeCursor(magic string, b []byte) (uint64, bool) {
	if len(b) != cursorSize || string(b[:4]) != magic ||
		binary.BigEndian.Uint32(b[12:]) != crc32.Checksum(b[:12], castagnoli) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[4:12]), true
}

// cursorDir reads and writes the cursor files of one receiver in fs (nil:
// the operating system's). The receiver serializes the sessions of each
// partner, so calls for one partner never overlap.
type cursorDir struct {
	fs  record.FS
	dir string
}

func (d cursorDir) fsys() record.FS {
	if d.fs == nil {
		return record.OSFS{}
	}
	return d.fs
}

func (d cursorDir) path(partner, suffix string) string {
	return filepath.Join(d.dir, partner+suffix)
}

// load returns the partner's cursor and pending seqs; both are zero for
// a partner never seen. A missing or corrupt pending file reads as the
// cursor (it is only a hint for counting).
func (d cursorDir) load(partner string) (cursor, pending uint64, err error) {
	b, err := record.ReadFile(d.fsys(), d.path(partner, cursorSuffix))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, 0, fmt.Errorf("link: read cursor of %s: %w", partner, err)
	default:
		var ok bool
		if cursor, ok = decodeCursor(cursorMagic, b); !ok {
			return 0, 0, fmt.Errorf("link: cursor of %s in %s: %w", partner, d.path(partner, cursorSuffix), ErrCursorCorrupt)
		}
	}
	pending = cursor
	if b, err := record.ReadFile(d.fsys(), d.path(partner, pendingSuffix)); err == nil {
		if p, ok := decodeCursor(pendingMagic, b); ok && p > cursor {
			pending = p
		}
	}
	return cursor, pending, nil
}

// savePending records that seqs up to seq are about to be delivered. It
// does not sync: it survives a crash of the process, not of the machine.
func (d cursorDir) savePending(partner string, seq uint64) error {
	// In place, without truncating: the file always has cursorSize bytes,
	// and a torn write fails its checksum (then it reads as the cursor).
	f, err := d.fsys().OpenFile(d.path(partner, pendingSuffix), os.O_WRONLY|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteAt(encodeCursor(pendingMagic, seq), 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("link: write pending cursor of %s: %w", partner, err)
	}
	return nil
}

// save makes seq the partner's durable cursor (record.WriteFileAtomic).
func (d cursorDir) save(partner string, seq uint64) error {
	if err := record.WriteFileAtomic(d.fsys(), d.path(partner, cursorSuffix), encodeCursor(cursorMagic, seq), 0o644); err != nil {
		return fmt.Errorf("link: write cursor of %s: %w", partner, err)
	}
	return nil
}

// removeTemps removes the temporary files of cursor writes
// (record.WriteFileAtomic: <partner>.cursor.RANDOM.tmp, and
// <partner>.cursor.tmp of older versions) that a crash left, and returns
// how many. Other files stay. Called by Serve before any session, when no
// cursor is being written.
func (d cursorDir) removeTemps() (int, error) {
	ents, err := d.fsys().ReadDir(d.dir)
	if err != nil {
		return 0, fmt.Errorf("link: cursors directory: %w", err)
	}
	n := 0
	for _, e := range ents {
		name := e.Name()
		i := strings.Index(name, cursorSuffix+".")
		if e.IsDir() || i <= 0 || checkName(name[:i]) != nil || !record.IsTemp(name, name[:i]+cursorSuffix) {
			continue
		}
		if err := d.fsys().Remove(filepath.Join(d.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("link: remove %s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// noSyncFS is the operating system's file system without fsync of files
// and directories, for tests (fuzzing) that write many cursors.
type noSyncFS struct{ record.OSFS }

func (n noSyncFS) OpenFile(name string, flag int, perm fs.FileMode) (record.File, error) {
	f, err := n.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (noSyncFS) SyncDir(string) error { return nil }

type noSyncFile struct{ record.File }

func (noSyncFile) Sync() error { return nil }
