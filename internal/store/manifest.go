package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The manifest (format version 1) lists every block and WAL segment the
// store holds, so that Open can name a file that is missing or damaged
// and what it held. DIR/MANIFEST is rewritten whole, atomically (a
// temporary file, fsync, rename, and a directory fsync unless a stale
// manifest is harmless, see writeManifest), when a block or a
// segment comes or goes, on Open and Close, and at most every
// Options.ManifestEvery while commits go on (to record how much of the
// current WAL segment is committed). Layout:
//
//	header   "TWMAN" 0x00, uint16 version (little endian)
//	uint32   length of the body, little endian
//	uint32   CRC-32C of the body
//	body     uvarint n blocks, then per block:
//	           uvarint seq, uvarint file size, uint32 CRC-32C of the whole
//	           file, varint minT, varint maxT (Unix ms), uvarint
//	           positions, uvarint n vessels, n × uvarint MMSI delta
//	           (ascending)
//	         uvarint n WAL segments, then per segment:
//	           uvarint seq, varint created (Unix ms), uvarint bytes known
//	           committed (a lower bound), byte flags (bit 0: found damaged,
//	           kept for inspection)
//
// Files the manifest does not list are taken in when they read correctly
// (a crash between writing a file and the manifest) and reported
// otherwise; a store written before the manifest existed gets one on its
// first Open by a writer.
const (
	manifestName    = "MANIFEST"
	manifestMagic   = "TWMAN\x00"
	manifestVersion = 1
)

// manifest is the decoded MANIFEST.
type manifest struct {
	blocks   []manBlock
	segments []manSegment
}

type manBlock struct {
	seq, size  uint64
	crc        uint32
	minT, maxT int64
	positions  uint64
	vessels    []vessel.MMSI
}

type manSegment struct {
	seq       uint64
	created   int64
	committed uint64
	damaged   bool
}

func (m *manifest) block(seq uint64) *manBlock {
	for i := range m.blocks {
		if m.blocks[i].seq == seq {
			return &m.blocks[i]
		}
	}
	return nil
}

func (m *manifest) segment(seq uint64) *manSegment {
	for i := range m.segments {
		if m.segments[i].seq == seq {
			return &m.segments[i]
		}
	}
	return nil
}

func encodeManifest(m *manifest) []byte {
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(m.blocks)))
	for _, b := range m.blocks {
		body = binary.AppendUvarint(body, b.seq)
		body = binary.AppendUvarint(body, b.size)
		body = binary.LittleEndian.AppendUint32(body, b.crc)
		body = binary.AppendVarint(body, b.minT)
		body = binary.AppendVarint(body, b.maxT)
		body = binary.AppendUvarint(body, b.positions)
		body = binary.AppendUvarint(body, uint64(len(b.vessels)))
		var last vessel.MMSI
		for _, v := range b.vessels {
			body = binary.AppendUvarint(body, uint64(v-last))
			last = v
		}
	}
	body = binary.AppendUvarint(body, uint64(len(m.segments)))
	for _, s := range m.segments {
		body = binary.AppendUvarint(body, s.seq)
		body = binary.AppendVarint(body, s.created)
		body = binary.AppendUvarint(body, s.committed)
		var flags byte
		if s.damaged {
			flags |= 1
		}
		body = append(body, flags)
	}
	out := make([]byte, 0, 16+len(body))
	out = append(out, manifestMagic...)
	out = binary.LittleEndian.AppendUint16(out, manifestVersion)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(body, castagnoli))
	return append(out, body...)
}

// decodeManifest decodes a MANIFEST; errors are ErrCorrupt or ErrVersion
// in a FileError.
func decodeManifest(b []byte, path string) (*manifest, error) {
	bad := func(off int64, what string) error {
		return &FileError{Path: path, Offset: off, Err: fmt.Errorf("%w: %s", ErrCorrupt, what)}
	}
	if len(b) < 16 || string(b[:6]) != manifestMagic {
		return nil, bad(0, "not a manifest")
	}
	if v := binary.LittleEndian.Uint16(b[6:]); v != manifestVersion {
		return nil, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: manifest version %d", ErrVersion, v)}
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if uint64(n) != uint64(len(b)-16) {
		return nil, bad(8, fmt.Sprintf("body of %d bytes, length says %d", len(b)-16, n))
	}
	body := b[16:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[12:]) {
		return nil, bad(12, "checksum mismatch")
	}
	r := chunkReader{b: body}
	m := &manifest{}
	for k := r.count(); k > 0 && r.err == nil; k-- {
		var e manBlock
		e.seq = r.uvarint()
		e.size = r.uvarint()
		if len(r.b) < 4 {
			r.fail()
			break
		}
		e.crc = binary.LittleEndian.Uint32(r.b)
		r.b = r.b[4:]
		e.minT = r.varint()
		e.maxT = r.varint()
		e.positions = r.uvarint()
		var last uint64
		for v := r.count(); v > 0 && r.err == nil; v-- {
			last += r.uvarint()
			e.vessels = append(e.vessels, vessel.MMSI(last))
		}
		m.blocks = append(m.blocks, e)
	}
	for k := r.count(); k > 0 && r.err == nil; k-- {
		var s manSegment
		s.seq = r.uvarint()
		s.created = r.varint()
		s.committed = r.uvarint()
		s.damaged = r.byte()&1 != 0
		m.segments = append(m.segments, s)
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, bad(16, "body does not decode")
	}
	return m, nil
}

// readManifest reads DIR/MANIFEST; it returns nil, nil when there is none.
func readManifest(fsys record.FS, dir string) (*manifest, error) {
	path := filepath.Join(dir, manifestName)
	b, err := record.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return decodeManifest(b, path)
}

// writeManifest replaces DIR/MANIFEST atomically. Unless durable, the
// directory is not synced after the rename: a power loss may then leave
// the previous manifest, which is harmless where the files that follow
// the change only add (a new block, taken in when unlisted) or remove
// what a block already holds (WAL segments up to its checkpoint).
func writeManifest(fsys record.FS, dir string, m *manifest, durable bool) error {
	rfs := fsys
	if !durable {
		rfs = noDirSync{rfs}
	}
	if err := record.WriteFileAtomic(rfs, filepath.Join(dir, manifestName), encodeManifest(m), 0o600); err != nil {
		return fmt.Errorf("store: write manifest: %w", err)
	}
	return nil
}

// noDirSync is a file system that does not sync directories.
type noDirSync struct{ record.FS }

func (noDirSync) SyncDir(string) error { return nil }

// manEntry describes an open block for the manifest.
func (b *block) manEntry() manBlock {
	e := manBlock{seq: b.meta.seq, size: uint64(b.size), crc: b.fileCRC, minT: b.meta.minT, maxT: b.meta.maxT, positions: b.meta.positions}
	for i := range b.index {
		if m := b.index[i].mmsi; len(e.vessels) == 0 || e.vessels[len(e.vessels)-1] != m {
			e.vessels = append(e.vessels, m)
		}
	}
	return e
}

// fileCRC computes the CRC-32C of a whole file.
func fileCRC(fsys record.FS, path string) (uint32, int64, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	h := crc32.New(castagnoli)
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err != nil {
			break
		}
	}
	return h.Sum32(), n, nil
}

// currentManifest builds the manifest of the store as it is now. Called
// with writeMu held.
func (db *DB) currentManifest() *manifest {
	db.mu.RLock()
	defer db.mu.RUnlock()
	m := &manifest{}
	for _, b := range db.blocks {
		m.blocks = append(m.blocks, b.manEntry())
	}
	m.blocks = append(m.blocks, db.keptBlocks...)
	slices.SortFunc(m.blocks, func(a, b manBlock) int { return cmpU(a.seq, b.seq) })
	for _, s := range db.segments {
		if db.wal != nil && s.seq == db.wal.seq {
			s.committed = uint64(db.wal.synced)
		}
		m.segments = append(m.segments, s)
	}
	return m
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// saveManifest writes the current manifest (see writeManifest for
// durable). Called with writeMu held.
func (db *DB) saveManifest(durable bool) error {
	err := writeManifest(db.fsys, db.dir, db.currentManifest(), durable)
	if err == nil {
		db.manifestAt = db.now()
	}
	return err
}
