package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Block files (format version 2; version 1, still read, differs only in
// its chunks, which lack the track column: see chunk.go). A block blocks/NNNNNNNN.blk is written
// once and never modified: to a temporary file, synced, renamed, and the
// directory synced. Layout:
//
//	header   "TWBLK" 0x00, uint16 version (little endian)
//	chunks   the encoded position chunks (chunk.go), back to back
//	index    uvarint n, then per chunk, sorted by MMSI then time:
//	         uvarint MMSI delta, uvarint count, varint minT-blockMinT,
//	         uvarint maxT-minT, varint minLat, uvarint latSpan, varint
//	         minLon, uvarint lonSpan, uvarint ext (metres), uvarint length,
//	         uint32 CRC-32C of the chunk bytes
//	statics  a statics record payload (records.go)
//	prov     a provenance record payload
//	sources  a sources record payload: the source table when written
//	meta     uvarint seq, uvarint walUpTo, uvarint n and n replaced block
//	         seqs, varint minT, varint maxT, uvarint positions
//	footer   5 × (uint64 offset, uint64 length, uint32 CRC-32C) for the
//	         index, statics, prov, sources and meta sections, uint32
//	         CRC-32C of those 100 bytes, and "TWBLKEND"
//
// walUpTo is the last WAL segment whose records the block contains (the
// WAL before it need not be replayed); replaces lists the blocks a
// compaction merged into this one (Open deletes them if a crash left them).
const (
	blockMagic    = "TWBLK\x00"
	blockVersion  = 2
	blockEndMagic = "TWBLKEND"
	nSections     = 5
	footerLen     = nSections*20 + 4 + 8
)

type chunkEntry struct {
	mmsi                           vessel.MMSI
	count                          uint32
	minT, maxT                     int64
	minLat, maxLat, minLon, maxLon int32
	// ext is the length in metres of the longest segment between
	// consecutive positions that a query may interpolate along and that
	// has an end in this chunk: a segment can pass within r of a point
	// only if both its ends are within r+ext. (Half would do for the
	// nearer end, but a segment between two blocks counts only in the
	// later block's chunk, which may hold the farther end.)
	ext    uint32
	off    int64
	length uint32
	crc    uint32
}

type blockMeta struct {
	seq       uint64
	walUpTo   uint64
	replaces  []uint64
	minT      int64
	maxT      int64
	positions uint64
}

// block is an open block file.
type block struct {
	path    string
	f       blockFile
	version uint16 // the format version of the file and its chunks
	size    int64
	fileCRC uint32 // CRC-32C of the whole file, for the manifest
	meta    blockMeta
	index   []chunkEntry
	times   timeIndex // built on open, not stored
	// gridOnce guards times.grid, built by the first spatial query
	// (grid.go) so that opening does not pay for it.
	gridOnce sync.Once
	statics  []staticRec
	prov     []provRec
	// provMinT and provMaxT span the times of prov (built on open, not
	// stored): a copy heard by another receiver may be recorded in a
	// later block than its position, outside meta's span, so queries of
	// provenance check this span, not meta's (store.HeardBy).
	provMinT, provMaxT int64
	sources            []sourceDef
	// sum summarises the block per vessel (snapshot.go); nil when not
	// known (a read-only Open of a block the snapshot lacks). Set before
	// the block is shared, never changed after.
	sum *blockSum
}

type sourceDef struct {
	id   uint32
	name string
}

// series is one vessel's positions handed to the block writer, sorted by
// time. prev, when set, is the vessel's last position before the series
// (from an earlier block), so the first segment counts in ext.
type series struct {
	mmsi vessel.MMSI
	pts  []point
	prev *point
}

// blockData is what a block holds, before writing.
type blockData struct {
	meta    blockMeta
	series  []series // sorted by MMSI
	statics []staticRec
	prov    []provRec
	sources []sourceDef
}

// maxInterpGap is the longest time between two consecutive positions that
// queries interpolate across: beyond it the vessel was out of coverage and
// where it went is unknown.
const maxInterpGap = 30 * 60 * 1000

func segLen(a, b *point) float64 {
	if b.t-a.t > maxInterpGap || !a.good() || !b.good() {
		return 0
	}
	return geo.Distance(geo.Point{Lat: toDeg(a.lat), Lon: toDeg(a.lon)}, geo.Point{Lat: toDeg(b.lat), Lon: toDeg(b.lon)})
}

func entryFor(pts []point, before, after *point) chunkEntry {
	e := chunkEntry{count: uint32(len(pts)), minT: pts[0].t, maxT: pts[len(pts)-1].t,
		minLat: math.MaxInt32, maxLat: math.MinInt32, minLon: math.MaxInt32, maxLon: math.MinInt32}
	var ext float64
	for i := range pts {
		p := &pts[i]
		e.minLat, e.maxLat = min(e.minLat, p.lat), max(e.maxLat, p.lat)
		e.minLon, e.maxLon = min(e.minLon, p.lon), max(e.maxLon, p.lon)
		if i > 0 {
			ext = max(ext, segLen(&pts[i-1], p))
		}
	}
	if before != nil {
		ext = max(ext, segLen(before, &pts[0]))
	}
	if after != nil {
		ext = max(ext, segLen(&pts[len(pts)-1], after))
	}
	e.ext = uint32(math.Ceil(min(ext, 1e9)))
	return e
}

// writeBlock writes d to dir as block d.meta.seq (record.WriteFileAtomic:
// encoded in memory, written to a temporary file, synced, renamed, the
// directory synced) and returns it opened.
func writeBlock(fsys record.FS, dir string, d *blockData) (*block, error) {
	final := filepath.Join(dir, fmt.Sprintf("%08d%s", d.meta.seq, blockSuffix))
	var buf bytes.Buffer
	if err := encodeBlock(&buf, d); err != nil {
		return nil, fmt.Errorf("store: write block %s: %w", final, err)
	}
	if err := record.WriteFileAtomic(fsys, final, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("store: write block %s: %w", final, err)
	}
	crc := crc32.Checksum(buf.Bytes(), castagnoli)
	b, err := openBlock(fsys, final)
	if err != nil {
		return nil, err
	}
	b.fileCRC = crc
	b.sum = sumOfSeries(d.series)
	return b, nil
}

func encodeBlock(f io.Writer, d *blockData) error {
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [8]byte
	copy(hdr[:], blockMagic)
	binary.LittleEndian.PutUint16(hdr[6:], blockVersion)
	w.Write(hdr[:])
	off := int64(len(hdr))
	var entries []chunkEntry
	var buf []byte
	minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
	var npos uint64
	for _, s := range d.series {
		pts := s.pts
		prev := s.prev
		for len(pts) > 0 {
			k := min(len(pts), maxPointsPerChunk)
			var after *point
			if k < len(pts) {
				after = &pts[k]
			}
			e := entryFor(pts[:k], prev, after)
			e.mmsi = s.mmsi
			buf = appendChunk(buf[:0], pts[:k])
			e.off, e.length, e.crc = off, uint32(len(buf)), crc32.Checksum(buf, castagnoli)
			w.Write(buf)
			off += int64(len(buf))
			entries = append(entries, e)
			minT, maxT = min(minT, e.minT), max(maxT, e.maxT)
			npos += uint64(k)
			prev = &pts[k-1]
			pts = pts[k:]
		}
	}
	for _, s := range d.statics {
		minT, maxT = min(minT, int64(s.s.Time)), max(maxT, int64(s.s.Time))
	}
	if minT > maxT {
		minT, maxT = 0, 0
	}
	meta := d.meta
	meta.minT, meta.maxT, meta.positions = minT, maxT, npos

	var sections [nSections][]byte
	// index
	b := binary.AppendUvarint(nil, uint64(len(entries)))
	var lastMMSI vessel.MMSI
	for i := range entries {
		e := &entries[i]
		b = binary.AppendUvarint(b, uint64(e.mmsi-lastMMSI))
		lastMMSI = e.mmsi
		b = binary.AppendUvarint(b, uint64(e.count))
		b = binary.AppendVarint(b, e.minT-minT)
		b = binary.AppendUvarint(b, uint64(e.maxT-e.minT))
		b = binary.AppendVarint(b, int64(e.minLat))
		b = binary.AppendUvarint(b, uint64(int64(e.maxLat)-int64(e.minLat)))
		b = binary.AppendVarint(b, int64(e.minLon))
		b = binary.AppendUvarint(b, uint64(int64(e.maxLon)-int64(e.minLon)))
		b = binary.AppendUvarint(b, uint64(e.ext))
		b = binary.AppendUvarint(b, uint64(e.length))
		b = binary.LittleEndian.AppendUint32(b, e.crc)
	}
	sections[0] = b
	b = binary.AppendUvarint(nil, uint64(len(d.statics)))
	for i := range d.statics {
		b = appendStatic(b, &d.statics[i])
	}
	sections[1] = b
	b = binary.AppendUvarint(nil, uint64(len(d.prov)))
	for i := range d.prov {
		b = appendProv(b, &d.prov[i])
	}
	sections[2] = b
	b = binary.AppendUvarint(nil, uint64(len(d.sources)))
	for _, s := range d.sources {
		b = binary.AppendUvarint(b, uint64(s.id))
		b = appendString(b, s.name)
	}
	sections[3] = b
	b = binary.AppendUvarint(nil, meta.seq)
	b = binary.AppendUvarint(b, meta.walUpTo)
	b = binary.AppendUvarint(b, uint64(len(meta.replaces)))
	for _, r := range meta.replaces {
		b = binary.AppendUvarint(b, r)
	}
	b = binary.AppendVarint(b, meta.minT)
	b = binary.AppendVarint(b, meta.maxT)
	b = binary.AppendUvarint(b, meta.positions)
	sections[4] = b

	var footer []byte
	for _, s := range sections {
		footer = binary.LittleEndian.AppendUint64(footer, uint64(off))
		footer = binary.LittleEndian.AppendUint64(footer, uint64(len(s)))
		footer = binary.LittleEndian.AppendUint32(footer, crc32.Checksum(s, castagnoli))
		w.Write(s)
		off += int64(len(s))
	}
	footer = binary.LittleEndian.AppendUint32(footer, crc32.Checksum(footer, castagnoli))
	footer = append(footer, blockEndMagic...)
	w.Write(footer)
	return w.Flush()
}

func openBlock(fsys record.FS, path string) (*block, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	b, err := readBlock(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// blockFile is what a block reads from: a record.File, or memory in tests.
type blockFile interface {
	io.ReaderAt
	io.Closer
}

func readBlock(f record.File, path string) (*block, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return decodeBlock(f, st.Size(), path)
}

func decodeBlock(f blockFile, size int64, path string) (*block, error) {
	bad := func(off int64, format string, args ...any) error {
		return &FileError{Path: path, Offset: off, Err: fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)}
	}
	if size < 8+footerLen {
		return nil, bad(0, "block of %d bytes is too short", size)
	}
	var hdr [8]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, err
	}
	if string(hdr[:6]) != blockMagic {
		return nil, bad(0, "not a block file")
	}
	version := binary.LittleEndian.Uint16(hdr[6:])
	if version < 1 || version > blockVersion {
		return nil, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: block version %d", ErrVersion, version)}
	}
	footer := make([]byte, footerLen)
	if _, err := f.ReadAt(footer, size-footerLen); err != nil {
		return nil, err
	}
	if string(footer[footerLen-8:]) != blockEndMagic ||
		crc32.Checksum(footer[:nSections*20], castagnoli) != binary.LittleEndian.Uint32(footer[nSections*20:]) {
		return nil, bad(size-footerLen, "block footer damaged")
	}
	var sections [nSections][]byte
	for i := range sections {
		fo := footer[i*20:]
		off, n, crc := int64(binary.LittleEndian.Uint64(fo)), int64(binary.LittleEndian.Uint64(fo[8:])), binary.LittleEndian.Uint32(fo[16:])
		if off < 8 || n < 0 || off+n > size-footerLen {
			return nil, bad(size-footerLen, "section %d out of bounds", i)
		}
		s := make([]byte, n)
		if _, err := f.ReadAt(s, off); err != nil {
			return nil, err
		}
		if crc32.Checksum(s, castagnoli) != crc {
			return nil, bad(off, "section %d checksum mismatch", i)
		}
		sections[i] = s
	}
	blk := &block{path: path, f: f, size: size, version: version}
	// meta
	r := chunkReader{b: sections[4]}
	blk.meta.seq = r.uvarint()
	blk.meta.walUpTo = r.uvarint()
	for n := r.count(); n > 0 && r.err == nil; n-- {
		blk.meta.replaces = append(blk.meta.replaces, r.uvarint())
	}
	blk.meta.minT = r.varint()
	blk.meta.maxT = r.varint()
	blk.meta.positions = r.uvarint()
	if r.err != nil {
		return nil, bad(0, "block meta: %v", r.err)
	}
	if blk.meta.minT > blk.meta.maxT {
		return nil, bad(0, "block meta: time range %d > %d", blk.meta.minT, blk.meta.maxT)
	}
	// index
	r = chunkReader{b: sections[0]}
	n := r.count()
	blk.index = make([]chunkEntry, 0, n)
	off := int64(8)
	var mmsi uint64
	var total uint64
	for i := 0; i < n && r.err == nil; i++ {
		var e chunkEntry
		mmsi += r.uvarint()
		e.mmsi = vessel.MMSI(mmsi)
		e.count = uint32(r.uvarint())
		e.minT = blk.meta.minT + r.varint()
		e.maxT = e.minT + int64(r.uvarint())
		e.minLat = int32(r.varint())
		e.maxLat = int32(int64(e.minLat) + int64(r.uvarint()))
		e.minLon = int32(r.varint())
		e.maxLon = int32(int64(e.minLon) + int64(r.uvarint()))
		e.ext = uint32(r.uvarint())
		e.length = uint32(r.uvarint())
		if len(r.b) < 4 {
			r.fail()
			break
		}
		e.crc = binary.LittleEndian.Uint32(r.b)
		r.b = r.b[4:]
		if e.minT < blk.meta.minT || e.maxT > blk.meta.maxT || e.maxT < e.minT {
			r.fail()
			break
		}
		e.off = off
		off += int64(e.length)
		total += uint64(e.count)
		blk.index = append(blk.index, e)
	}
	if r.err != nil || off > size-footerLen || total != blk.meta.positions {
		return nil, bad(0, "block index does not match its chunks")
	}
	sink := recordSink{
		static: func(s *staticRec) { blk.statics = append(blk.statics, *s) },
		prov:   func(p *provRec) { blk.prov = append(blk.prov, *p) },
		source: func(id uint32, name string) { blk.sources = append(blk.sources, sourceDef{id, name}) },
	}
	for i, typ := range [...]byte{recStatics, recProvenance, recSources} {
		if err := decodeRecords(typ, sections[1+i], &sink); err != nil {
			return nil, bad(0, "block section %d: %v", 1+i, err)
		}
	}
	blk.provMinT, blk.provMaxT = math.MaxInt64, math.MinInt64
	for i := range blk.prov {
		blk.provMinT, blk.provMaxT = min(blk.provMinT, blk.prov[i].t), max(blk.provMaxT, blk.prov[i].t)
	}
	if !sort.SliceIsSorted(blk.index, func(i, j int) bool { return blk.index[i].mmsi < blk.index[j].mmsi }) {
		return nil, bad(0, "block index is not sorted")
	}
	blk.times = buildTimeIndex(blk.index, blk.meta.minT, blk.meta.maxT)
	return blk, nil
}

// timeIndex lists, for each slice of a block's time span, the chunks that
// overlap it, so that a query for an hour reads the index entries of that
// hour rather than all of them. Chunks longer than maxBuckets slices (a
// moored vessel reporting every few minutes) go to the long list, checked
// by every query.
type timeIndex struct {
	t0, width int64
	buckets   [][]uint32
	long      []uint32
	grid      []cellIndex // per slice, its chunks by cell (grid.go)
	longGrid  *cellIndex  // the long list by cell (grid.go)
}

const (
	timeBuckets = 512
	maxBuckets  = 16
)

func buildTimeIndex(index []chunkEntry, minT, maxT int64) timeIndex {
	ti := timeIndex{t0: minT, width: max((maxT-minT)/timeBuckets+1, 3600_000)}
	n := int((maxT-minT)/ti.width) + 1
	ti.buckets = make([][]uint32, n)
	for i := range index {
		e := &index[i]
		a, b := ti.bucket(e.minT), ti.bucket(e.maxT)
		if b-a >= maxBuckets {
			ti.long = append(ti.long, uint32(i))
			continue
		}
		for k := a; k <= b; k++ {
			ti.buckets[k] = append(ti.buckets[k], uint32(i))
		}
	}
	return ti
}

func (ti *timeIndex) bucket(t int64) int {
	k := (t - ti.t0) / ti.width
	return int(max(0, min(k, int64(len(ti.buckets)-1))))
}

// each calls fn for the index of every chunk that may overlap [lo, hi]
// (a chunk may come more than once).
func (ti *timeIndex) each(lo, hi int64, fn func(i uint32)) {
	for _, i := range ti.long {
		fn(i)
	}
	if len(ti.buckets) == 0 {
		return
	}
	for k := ti.bucket(lo); k <= ti.bucket(hi); k++ {
		for _, i := range ti.buckets[k] {
			fn(i)
		}
	}
}

// readChunk decodes chunk e of the block, verifying its checksum.
func (b *block) readChunk(dst []point, e *chunkEntry, buf *[]byte) ([]point, error) {
	return b.readChunkUntil(dst, e, buf, math.MaxInt64)
}

// readChunkUntil is readChunk that stops decoding after the first point
// later than until (the points are in time order).
func (b *block) readChunkUntil(dst []point, e *chunkEntry, buf *[]byte, until int64) ([]point, error) {
	if cap(*buf) < int(e.length) {
		*buf = make([]byte, e.length)
	}
	data := (*buf)[:e.length]
	if _, err := b.f.ReadAt(data, e.off); err != nil {
		return dst, &FileError{Path: b.path, Offset: e.off, Err: err}
	}
	if crc32.Checksum(data, castagnoli) != e.crc {
		return dst, &FileError{Path: b.path, Offset: e.off, Err: fmt.Errorf("%w: chunk checksum mismatch", ErrCorrupt)}
	}
	out, err := decodeChunkUntil(dst, data, b.version, until)
	if err != nil {
		return dst, &FileError{Path: b.path, Offset: e.off, Err: err}
	}
	if until >= e.maxT && uint32(len(out)-len(dst)) != e.count {
		return dst, &FileError{Path: b.path, Offset: e.off, Err: fmt.Errorf("%w: chunk holds %d points, index says %d", ErrCorrupt, len(out)-len(dst), e.count)}
	}
	return out, nil
}

// vesselChunks returns the index entries of one vessel.
func (b *block) vesselChunks(m vessel.MMSI) []chunkEntry {
	i := sort.Search(len(b.index), func(i int) bool { return b.index[i].mmsi >= m })
	j := i
	for j < len(b.index) && b.index[j].mmsi == m {
		j++
	}
	return b.index[i:j]
}
