package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"path/filepath"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The snapshot (format version 1) keeps what a node needs to be ready
// without reading every position: per block, per vessel, how many
// positions the block holds and the last good one. The picture at the end
// of the data (At over a window that covers whole blocks, which is what a
// node restores on start) is then folded from these summaries instead of
// decoded from every chunk. DIR/SNAPSHOT is rewritten whole with
// record.WriteFileAtomic after every block write (flush, compaction,
// Repair's salvage is summarised on the next open) and on Open when it did
// not cover every block. Layout:
//
//	header   "TWSNAP", uint16 version (little endian)
//	uint32   length of the body, little endian
//	uint32   CRC-32C of the body
//	body     uvarint n blocks, then per block:
//	           uvarint seq, uvarint file size, uint32 CRC-32C of the whole
//	           file (as in the MANIFEST), uvarint n vessels, then per
//	           vessel, ascending:
//	             uvarint MMSI delta, uvarint positions, byte has-good,
//	             and if has-good the last good position: varint t (Unix
//	             ms), varint lat, varint lon, uvarint sog, cog, hdg, byte
//	             status, uvarint flags, uvarint source id, byte track
//
// A summary is used only for the block it names with the same size and
// CRC as the block the manifest lists (a block rewritten, replaced or
// damaged since is not summarised by it). A missing or damaged snapshot,
// or a block it lacks (a crash between the block write and the snapshot
// write), falls back to reading the block: a writer's Open summarises
// such blocks by decoding them, as opening did before the snapshot
// existed, and writes a new snapshot; a read-only Open leaves them to be
// decoded by the queries that need them. Snapshot says what Open found.
// The last good position of a block is, of the positions without a
// vessel.Bad flag, the latest, and of equal times the last stored: the
// rule At applies when it reads the positions in order.
const (
	snapshotName    = "SNAPSHOT"
	snapshotMagic   = "TWSNAP"
	snapshotVersion = 1
	snapshotHdrLen  = 16
)

// vesselSum is what a block holds of one vessel, as At needs it when the
// block lies wholly inside its window.
type vesselSum struct {
	mmsi  vessel.MMSI
	count uint32
	ok    bool  // last is set: the block has a good position of the vessel
	last  point // the last good position
}

// blockSum is the summary of a block: its vessels, ascending by MMSI.
type blockSum struct {
	vessels []vesselSum
}

// add takes the positions pts of vessel m, in storage order, into s (the
// vessels must come in ascending order, a vessel's positions in one or
// more consecutive calls).
func (s *blockSum) add(m vessel.MMSI, pts []point) {
	if n := len(s.vessels); n == 0 || s.vessels[n-1].mmsi != m {
		s.vessels = append(s.vessels, vesselSum{mmsi: m})
	}
	v := &s.vessels[len(s.vessels)-1]
	v.count += uint32(len(pts))
	for i := range pts {
		if p := &pts[i]; p.good() && (!v.ok || p.t >= v.last.t) {
			v.last, v.ok = *p, true
		}
	}
}

// sumOfSeries summarises the series a block is written from.
func sumOfSeries(ss []series) *blockSum {
	s := &blockSum{vessels: make([]vesselSum, 0, len(ss))}
	for i := range ss {
		s.add(ss[i].mmsi, ss[i].pts)
	}
	return s
}

// summarize reads every chunk of b to summarise it.
func (b *block) summarize() (*blockSum, error) {
	s := &blockSum{}
	var pts []point
	var buf []byte
	for i := range b.index {
		e := &b.index[i]
		var err error
		if pts, err = b.readChunk(pts[:0], e, &buf); err != nil {
			return nil, err
		}
		s.add(e.mmsi, pts)
	}
	return s, nil
}

// snapBlock is one block's entry in the snapshot file.
type snapBlock struct {
	seq, size uint64
	crc       uint32
	sum       *blockSum
}

func encodeSnapshot(blocks []snapBlock) []byte {
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(blocks)))
	for _, b := range blocks {
		body = binary.AppendUvarint(body, b.seq)
		body = binary.AppendUvarint(body, b.size)
		body = binary.LittleEndian.AppendUint32(body, b.crc)
		body = binary.AppendUvarint(body, uint64(len(b.sum.vessels)))
		var last vessel.MMSI
		for i := range b.sum.vessels {
			v := &b.sum.vessels[i]
			body = binary.AppendUvarint(body, uint64(v.mmsi-last))
			last = v.mmsi
			body = binary.AppendUvarint(body, uint64(v.count))
			if !v.ok {
				body = append(body, 0)
				continue
			}
			body = append(body, 1)
			body = appendPoint(body, &v.last)
		}
	}
	out := make([]byte, 0, snapshotHdrLen+len(body))
	out = append(out, snapshotMagic...)
	out = binary.LittleEndian.AppendUint16(out, snapshotVersion)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(body, castagnoli))
	return append(out, body...)
}

// decodeSnapshot decodes a SNAPSHOT; errors are ErrCorrupt or ErrVersion
// in a FileError.
func decodeSnapshot(b []byte, path string) ([]snapBlock, error) {
	bad := func(off int64, what string) error {
		return &FileError{Path: path, Offset: off, Err: fmt.Errorf("%w: %s", ErrCorrupt, what)}
	}
	if len(b) < snapshotHdrLen || string(b[:6]) != snapshotMagic {
		return nil, bad(0, "not a snapshot")
	}
	if v := binary.LittleEndian.Uint16(b[6:]); v != snapshotVersion {
		return nil, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: snapshot version %d", ErrVersion, v)}
	}
	n := binary.LittleEndian.Uint32(b[8:])
	body := b[snapshotHdrLen:]
	if uint64(n) != uint64(len(body)) {
		return nil, bad(8, fmt.Sprintf("body of %d bytes, header says %d", len(body), n))
	}
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[12:]) {
		return nil, bad(snapshotHdrLen, "checksum mismatch")
	}
	r := chunkReader{b: body}
	nb := r.count()
	out := make([]snapBlock, 0, nb)
	for i := 0; i < nb && r.err == nil; i++ {
		sb := snapBlock{seq: r.uvarint(), size: r.uvarint(), sum: &blockSum{}}
		if len(r.b) < 4 {
			r.fail()
			break
		}
		sb.crc = binary.LittleEndian.Uint32(r.b)
		r.b = r.b[4:]
		nv := r.count()
		sb.sum.vessels = make([]vesselSum, 0, nv)
		var mmsi uint64
		for j := 0; j < nv && r.err == nil; j++ {
			d := r.uvarint()
			mmsi += d
			if j > 0 && d == 0 || d > math.MaxUint32 || mmsi > math.MaxUint32 {
				r.fail() // MMSIs ascend, within 32 bits
			}
			v := vesselSum{mmsi: vessel.MMSI(mmsi), count: uint32(r.uvarint())}
			switch r.byte() {
			case 0:
			case 1:
				v.ok = true
				p := &v.last
				p.t = r.varint()
				p.lat = int32(r.varint())
				p.lon = int32(r.varint())
				p.sog = uint16(r.uvarint())
				p.cog = uint16(r.uvarint())
				p.hdg = uint16(r.uvarint())
				p.status = r.byte()
				p.flags = uint16(r.uvarint())
				p.src = uint32(r.uvarint())
				p.track = r.byte()
			default:
				r.fail()
			}
			sb.sum.vessels = append(sb.sum.vessels, v)
		}
		out = append(out, sb)
	}
	if r.err != nil {
		return nil, bad(snapshotHdrLen+int64(len(body)-len(r.b)), "snapshot body: "+r.err.Error())
	}
	if len(r.b) != 0 {
		return nil, bad(snapshotHdrLen+int64(len(body)-len(r.b)), "bytes after the last block")
	}
	return out, nil
}

// ErrNoSnapshot says that the data directory has no snapshot (a store
// written before it existed, or one whose snapshot was removed).
var ErrNoSnapshot = errors.New("store: no snapshot")

// errStaleSnapshot says that the snapshot does not cover every block.
var errStaleSnapshot = errors.New("store: the snapshot is stale")

// readSnapshot reads DIR/SNAPSHOT.
func readSnapshot(fsys record.FS, dir string) ([]snapBlock, error) {
	path := filepath.Join(dir, snapshotName)
	b, err := record.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return decodeSnapshot(b, path)
}

// SnapshotState says how Open used the snapshot.
type SnapshotState struct {
	// Blocks is the number of blocks whose summary came from the
	// snapshot.
	Blocks int
	// Rebuilt is the number of blocks Open read whole because the
	// snapshot did not summarise them (missing, damaged, stale, or a
	// block written after it). A read-only Open rebuilds nothing: its
	// queries read those blocks.
	Rebuilt int
	// Err says why the snapshot was not used whole: ErrNoSnapshot, a
	// damaged or unknown file (ErrCorrupt, ErrVersion in a FileError), or
	// a stale one (blocks it lacks or that changed since). Nil when it
	// covered every block.
	Err error
	// WriteFailures counts snapshot writes that failed since Open (the
	// next block write tries again; a failure never loses data, it only
	// makes the next Open slower).
	WriteFailures int
}

// Snapshot returns how Open used the snapshot and how writing it went.
func (db *DB) Snapshot() SnapshotState {
	db.dmu.Lock()
	defer db.dmu.Unlock()
	return db.snap
}

// loadSnapshot gives the open blocks their summaries from the snapshot and
// (a writer) summarises the others by reading them, then writes a new
// snapshot when the old one did not cover exactly the open blocks.
func (db *DB) loadSnapshot() {
	if db.opt.noSnapshot {
		return
	}
	entries, err := readSnapshot(db.fsys, db.dir)
	if err != nil && db.lockFree() && !errors.Is(err, ErrNoSnapshot) {
		// A writer may be replacing it right now: read it once more.
		entries, err = readSnapshot(db.fsys, db.dir)
	}
	byseq := make(map[uint64]*snapBlock, len(entries))
	for i := range entries {
		byseq[entries[i].seq] = &entries[i]
	}
	var st SnapshotState
	st.Err = err
	stale := 0
	for _, b := range db.blocks {
		e := byseq[b.meta.seq]
		delete(byseq, b.meta.seq)
		if e != nil && e.size == uint64(b.size) && e.crc == b.fileCRC {
			b.sum = e.sum
			st.Blocks++
			continue
		}
		stale++
		if db.opt.ReadOnly {
			continue
		}
		sum, err := b.summarize()
		if err != nil {
			continue // the damaged chunk shows when a query reads it
		}
		b.sum = sum
		st.Rebuilt++
	}
	if st.Err == nil && (stale > 0 || len(byseq) > 0) {
		st.Err = fmt.Errorf("%w: it summarises %d of the %d blocks, and %d blocks that are gone", errStaleSnapshot, len(db.blocks)-stale, len(db.blocks), len(byseq))
	}
	db.dmu.Lock()
	db.snap = st
	db.dmu.Unlock()
	if !db.opt.ReadOnly && st.Err != nil && (len(db.blocks) > 0 || !errors.Is(st.Err, ErrNoSnapshot)) {
		db.saveSnapshot()
	}
}

// saveSnapshot writes the summaries of the current blocks to DIR/SNAPSHOT.
// A failure is counted (SnapshotState.WriteFailures), not returned: the
// snapshot only makes Open faster.
func (db *DB) saveSnapshot() {
	db.mu.RLock()
	entries := make([]snapBlock, 0, len(db.blocks))
	for _, b := range db.blocks {
		if b.sum != nil {
			entries = append(entries, snapBlock{seq: b.meta.seq, size: uint64(b.size), crc: b.fileCRC, sum: b.sum})
		}
	}
	db.mu.RUnlock()
	err := record.WriteFileAtomic(db.fsys, filepath.Join(db.dir, snapshotName), encodeSnapshot(entries), 0o640)
	if err != nil {
		db.dmu.Lock()
		db.snap.WriteFailures++
		db.dmu.Unlock()
	}
}
