package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The contact log keeps the node's contacts across restarts: DATA/contacts/
// holds segment files contacts-NNNNNNNN.log (NNNNNNNN: the segment's
// sequence number, decimal), each the common file header (magic
// "TWCTC\x00", version 1) and records in the framing of package record
// (length, CRC-32C, type, payload). Record type 1 is a contact:
//
//	varint time (ms since the Unix epoch) | float64 lat | float64 lon
//	| string sensor | string source | string target | string scene
//	| string episode | uvarint mmsi (0: none) | float64 score
//	| byte flags (1 held, 2 confirmed, 4 doubtful, 8 motion)
//	| uvarint track | [float64 speed_kn | float64 course_deg, with motion]
//	| float64 length_m | uvarint n | n × (uvarint mmsi | float64 score
//	| float64 distance_m | float64 d2 | float64 age_s)
//
// Strings are a uvarint length and bytes; floats are IEEE 754 bits, little
// endian. The tracker appends contacts in the order it makes them and
// writes and syncs them every second (tick) and at the end of Run: a
// crash loses at most that second. A segment is closed at
// contactSegmentBytes and a new one started; beyond contactSegments
// segments the oldest is deleted (bounded retention: at most
// contactSegments × contactSegmentBytes on disk, about 1.7 million
// radar contacts of some 160 bytes with one candidate).
//
// The log keeps in memory an index of each segment in blocks of about
// contactBlockBytes of whole records: each block's byte range, time
// range, bounding box and whether it holds a dark contact. A history
// query reads only the blocks that can hold what it asks for (newer than
// Since, meeting the bbox, dark when it wants dark), newest first, and
// with a limit stops reading blocks once nothing older can make the cut:
// a narrow query reads a few blocks, not the whole log.
//
// At open, the segments are read in order: a torn tail of the last one
// (a write cut by a crash) is cut off; damage (a bad record followed by
// good ones) ends that segment's reading, is counted and logged, and the
// next contact goes to a new segment, so good data is never overwritten.
const (
	contactLogMagic   = "TWCTC\x00"
	contactLogVersion = 1
	contactRecord     = 1 // record type of a contact
	// contactSegmentBytes and contactSegments bound the log on disk.
	contactSegmentBytes = 16 << 20
	contactSegments     = 16
	// maxContactRecord bounds a contact record's payload.
	maxContactRecord = 64 << 10
	// contactBlockBytes is the size of the blocks of the log's index.
	contactBlockBytes = 64 << 10
)

// ErrContactLog marks a contact log that cannot be read or written.
var ErrContactLog = errors.New("server: contact log")

// contactSegment is one segment file as the log knows it.
type contactSegment struct {
	seq        uint64
	size       int64       // bytes written and synced
	minT, maxT vessel.Time // of its contacts (0, 0: none)
	blocks     []contactBlock
}

// contactBlock is a run of whole records of a segment, [off, end), and
// what a query needs to know to skip it.
type contactBlock struct {
	off, end   int64
	minT, maxT vessel.Time
	box        geo.Rect // of its contacts' positions
	dark       bool     // it holds a dark contact
}

// note adds the contact c, whose record ends at end, to the segment's
// time range and index; a block is closed once it spans blockBytes.
func (s *contactSegment) note(c *httpapi.Contact, end, blockBytes int64) {
	if s.minT == 0 || c.Time < s.minT {
		s.minT = c.Time
	}
	s.maxT = max(s.maxT, c.Time)
	pt := geo.Rect{MinLat: c.Lat, MinLon: c.Lon, MaxLat: c.Lat, MaxLon: c.Lon}
	n := len(s.blocks)
	if n == 0 || s.blocks[n-1].end-s.blocks[n-1].off >= blockBytes {
		off := int64(record.FileHeaderLen)
		if n > 0 {
			off = s.blocks[n-1].end
		}
		s.blocks = append(s.blocks, contactBlock{off: off, minT: c.Time, maxT: c.Time, box: pt})
		n++
	}
	b := &s.blocks[n-1]
	b.end = end
	b.minT, b.maxT = min(b.minT, c.Time), max(b.maxT, c.Time)
	b.box = b.box.Union(pt)
	b.dark = b.dark || c.Dark()
}

func (s *contactSegment) name(dir string) string {
	return filepath.Join(dir, fmt.Sprintf("contacts-%08d.log", s.seq))
}

// contactLog is the tracker's persistent history. append and flush are
// called by the tracker's goroutine; history by the API's, concurrently.
type contactLog struct {
	fs          record.FS
	dir         string
	segBytes    int64
	maxSegments int

	f    record.File // the last segment, open for appending
	buf  []byte      // encoded contacts not yet written
	ends []int64     // where each of them ends in buf

	blockBytes int64
	read       atomic.Int64 // bytes of segments history has read

	mu      sync.Mutex
	segs    []contactSegment  // oldest first; the last is f's
	pending []httpapi.Contact // appended, not yet written: history sees them

	damaged int64 // segments whose reading stopped at damage
}

// contactLogOptions configure a contactLog; zero values mean the defaults.
type contactLogOptions struct {
	FS          record.FS // default record.OSFS
	SegmentSize int64     // default contactSegmentBytes
	Segments    int       // default contactSegments
	BlockSize   int64     // default contactBlockBytes
}

// openContactLog opens (creating) the log in dir and returns it with the
// last keep contacts it holds, oldest first.
func openContactLog(dir string, opt contactLogOptions, keep int) (*contactLog, []httpapi.Contact, error) {
	if opt.FS == nil {
		opt.FS = record.OSFS{}
	}
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = contactSegmentBytes
	}
	if opt.Segments <= 0 {
		opt.Segments = contactSegments
	}
	if opt.BlockSize <= 0 {
		opt.BlockSize = contactBlockBytes
	}
	l := &contactLog{fs: opt.FS, dir: dir, segBytes: opt.SegmentSize, maxSegments: opt.Segments, blockBytes: opt.BlockSize}
	ents, err := l.fs.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil, nil // made at the first flush
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	for _, e := range ents {
		n, ok := strings.CutPrefix(e.Name(), "contacts-")
		if n, ok2 := strings.CutSuffix(n, ".log"); ok && ok2 {
			if seq, err := strconv.ParseUint(n, 10, 64); err == nil {
				l.segs = append(l.segs, contactSegment{seq: seq})
			}
		}
	}
	slices.SortFunc(l.segs, func(a, b contactSegment) int { return cmpU64(a.seq, b.seq) })
	var ring []httpapi.Contact
	next := 0
	keepIt := func(c httpapi.Contact) {
		if keep <= 0 {
			return
		}
		if len(ring) < keep {
			ring = append(ring, c)
			return
		}
		ring[next] = c
		next = (next + 1) % keep
	}
	appendable := false
	for i := range l.segs {
		s := &l.segs[i]
		last := i == len(l.segs)-1
		var clean bool
		if s.size, clean, err = l.scan(s, keepIt, last); err != nil {
			return nil, nil, err
		}
		if last {
			appendable = clean
		}
	}
	out := append(ring[next:len(ring):len(ring)], ring[:next]...)
	if len(l.segs) > 0 && appendable {
		s := l.segs[len(l.segs)-1]
		f, err := l.fs.OpenFile(s.name(dir), os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrContactLog, err)
		}
		if err := f.Truncate(s.size); err != nil { // cut a torn tail
			f.Close()
			return nil, nil, fmt.Errorf("%w: %w", ErrContactLog, err)
		}
		if _, err := f.Seek(s.size, io.SeekStart); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%w: %w", ErrContactLog, err)
		}
		l.f = f
	} else if len(l.segs) > 0 {
		// Damage at the end: the next contact goes to a new segment.
		if err := l.rotate(); err != nil {
			return nil, nil, err
		}
	}
	return l, out, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scan reads a segment's contacts into fn and returns the length of its
// good part and whether the next contact may be appended to it (no damage
// and no bad header). A torn tail ends the good part (it is cut when the
// segment is the last one); damage ends it too and is counted.
func (l *contactLog) scan(s *contactSegment, fn func(httpapi.Contact), last bool) (size int64, clean bool, err error) {
	name := s.name(l.dir)
	data, err := record.ReadFile(l.fs, name)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	if v, err := record.ParseFileHeader(data, contactLogMagic); err != nil || v != contactLogVersion {
		if errors.Is(err, record.ErrTorn) && last {
			return 0, false, nil // a segment whose header was cut by a crash: left as it is
		}
		l.damaged++
		return 0, false, nil
	}
	size, clean = readContacts(data[record.FileHeaderLen:], record.FileHeaderLen, name, func(c httpapi.Contact, end int64) {
		s.note(&c, end, l.blockBytes)
		fn(c)
	})
	if !clean {
		l.damaged++
	}
	return size, clean, nil
}

// readContacts calls fn for each contact of data, records of a segment
// from offset off, with the offset where its record ends, and returns
// the offset where the good part ends, and false when a damaged or
// undecodable record (not a torn tail) ended it.
func readContacts(data []byte, off int64, name string, fn func(c httpapi.Contact, end int64)) (int64, bool) {
	r := record.NewReader(bytes.NewReader(data), name,
		record.ReaderOptions{Offset: off, MaxPayload: maxContactRecord})
	for {
		off := r.Offset()
		typ, p, err := r.Next()
		switch {
		case err == io.EOF:
			return r.Offset(), true
		case errors.Is(err, record.ErrTorn):
			return r.Offset(), true
		case err != nil:
			return off, false
		}
		if typ != contactRecord {
			return off, false
		}
		c, err := decodeContact(p)
		if err != nil {
			return off, false
		}
		fn(c, r.Offset())
	}
}

// append adds a contact to what the next flush writes.
func (l *contactLog) append(c *httpapi.Contact) {
	start := len(l.buf)
	l.buf = append(l.buf, make([]byte, record.HeaderLen)...)
	l.buf = appendContact(l.buf, c)
	record.Frame(l.buf[start:], contactRecord)
	l.ends = append(l.ends, int64(len(l.buf)))
	l.mu.Lock()
	l.pending = append(l.pending, *c)
	l.mu.Unlock()
}

// flush writes and syncs what was appended, and starts a new segment
// (dropping the oldest beyond the bound) when the current one is full.
func (l *contactLog) flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	if l.f == nil {
		if err := l.fs.MkdirAll(l.dir, 0o755); err != nil {
			return fmt.Errorf("%w: %w", ErrContactLog, err)
		}
		if err := l.rotate(); err != nil {
			return err
		}
	}
	_, err := l.f.Write(l.buf)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		// The segment may now end in part of a record: it is left as it
		// is (its synced part is what history reads) and the next flush
		// writes everything pending to a new segment.
		l.f.Close()
		l.f = nil
		return fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	l.mu.Lock()
	s := &l.segs[len(l.segs)-1]
	for i := range l.pending {
		s.note(&l.pending[i], s.size+l.ends[i], l.blockBytes)
	}
	s.size += int64(len(l.buf))
	l.pending = l.pending[:0]
	full := s.size >= l.segBytes
	l.mu.Unlock()
	l.buf = l.buf[:0]
	l.ends = l.ends[:0]
	if full {
		return l.rotate()
	}
	return nil
}

// position is where the log ends on disk after a flush: the last
// segment's number and size (0, 0 before the first segment).
func (l *contactLog) position() (seg uint64, size int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.segs); n > 0 {
		return l.segs[n-1].seq, l.segs[n-1].size
	}
	return 0, 0
}

// rotate closes the current segment, starts the next and deletes the
// oldest beyond maxSegments.
func (l *contactLog) rotate() error {
	if l.f != nil {
		if err := l.f.Close(); err != nil {
			return fmt.Errorf("%w: %w", ErrContactLog, err)
		}
		l.f = nil
	}
	l.mu.Lock()
	seq := uint64(1)
	if n := len(l.segs); n > 0 {
		seq = l.segs[n-1].seq + 1
	}
	l.mu.Unlock()
	s := contactSegment{seq: seq}
	f, err := l.fs.OpenFile(s.name(l.dir), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	// Known from now (empty until its header is synced), so that a
	// failure below makes the next rotate take the next number.
	l.mu.Lock()
	l.segs = append(l.segs, s)
	l.mu.Unlock()
	if _, err = f.Write(record.AppendFileHeader(nil, contactLogMagic, contactLogVersion)); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = l.fs.SyncDir(l.dir)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	l.f = f
	l.mu.Lock()
	l.segs[len(l.segs)-1].size = record.FileHeaderLen
	var drop []contactSegment
	if n := len(l.segs) - l.maxSegments; n > 0 {
		drop = slices.Clone(l.segs[:n])
		l.segs = slices.Delete(l.segs, 0, n)
	}
	l.mu.Unlock()
	for _, d := range drop {
		if err := l.fs.Remove(d.name(l.dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %w", ErrContactLog, err)
		}
	}
	if len(drop) > 0 {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return fmt.Errorf("%w: %w", ErrContactLog, err)
		}
	}
	return nil
}

// close writes what is pending and closes the current segment.
func (l *contactLog) close() error {
	err := l.flush()
	if l.f != nil {
		if cerr := l.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%w: %w", ErrContactLog, cerr)
		}
		l.f = nil
	}
	return err
}

// history returns the contacts q selects, newest first, at most q.Limit
// (0: all), from what is not yet written and the segments' blocks that
// can hold such contacts, newest first; with a limit, a block that holds
// nothing newer than the oldest of the limit found so far is not read.
// A segment deleted meanwhile is skipped.
func (l *contactLog) history(q httpapi.ContactQuery) []httpapi.Contact {
	l.mu.Lock()
	segs := slices.Clone(l.segs)
	for i := range segs {
		segs[i].blocks = slices.Clone(segs[i].blocks) // the last one grows
	}
	out := make([]httpapi.Contact, 0, len(l.pending))
	for i := range l.pending {
		if q.Match(&l.pending[i]) {
			out = append(out, l.pending[i])
		}
	}
	l.mu.Unlock()
	// The times of the Limit newest found so far, the oldest of them on
	// top: a block with nothing newer than it cannot make the cut.
	var newest timeHeap
	found := func(c *httpapi.Contact) {
		out = append(out, *c)
		if q.Limit > 0 {
			newest.keep(c.Time, q.Limit)
		}
	}
	for i := range out {
		if q.Limit > 0 {
			newest.keep(out[i].Time, q.Limit)
		}
	}
	var buf []byte
	for i := len(segs) - 1; i >= 0; i-- {
		s := &segs[i]
		if s.size <= record.FileHeaderLen || s.maxT < q.Since {
			continue
		}
		var f record.File
		for j := len(s.blocks) - 1; j >= 0; j-- {
			b := &s.blocks[j]
			if b.maxT < q.Since || q.DarkOnly && !b.dark || q.BBox != nil && !q.BBox.Intersects(b.box) || b.end > s.size {
				continue
			}
			if q.Limit > 0 && len(newest) >= q.Limit && b.maxT < newest[0] {
				continue // nothing in it can make the cut
			}
			if f == nil {
				var err error
				if f, err = l.fs.OpenFile(s.name(l.dir), os.O_RDONLY, 0); err != nil {
					break
				}
			}
			n := int(b.end - b.off)
			if cap(buf) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			if _, err := f.ReadAt(buf, b.off); err != nil {
				break
			}
			l.read.Add(int64(n))
			readContacts(buf, b.off, "", func(c httpapi.Contact, _ int64) {
				if q.Match(&c) {
					found(&c)
				}
			})
		}
		if f != nil {
			f.Close()
		}
	}
	slices.SortStableFunc(out, func(a, b httpapi.Contact) int { return cmpTimeDesc(a.Time, b.Time) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

// timeHeap is a min-heap of times.
type timeHeap []vessel.Time

// keep adds t, keeping the n largest times.
func (h *timeHeap) keep(t vessel.Time, n int) {
	x := *h
	if len(x) < n {
		x = append(x, t)
		for i := len(x) - 1; i > 0; { // up
			p := (i - 1) / 2
			if x[p] <= x[i] {
				break
			}
			x[p], x[i] = x[i], x[p]
			i = p
		}
		*h = x
		return
	}
	if t <= x[0] {
		return
	}
	x[0] = t
	for i := 0; ; { // down
		l, m := 2*i+1, i
		if l < len(x) && x[l] < x[m] {
			m = l
		}
		if l+1 < len(x) && x[l+1] < x[m] {
			m = l + 1
		}
		if m == i {
			break
		}
		x[m], x[i] = x[i], x[m]
		i = m
	}
}

// Encoding of a contact record's payload (see the log's format above).

const (
	cfHeld      = 1
	cfConfirmed = 2
	cfDoubtful  = 4
	cfMotion    = 8
)

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendContact(b []byte, c *httpapi.Contact) []byte {
	b = binary.AppendVarint(b, int64(c.Time))
	b = appendF64(b, c.Lat)
	b = appendF64(b, c.Lon)
	for _, s := range []string{c.Sensor, c.Source, c.Target, c.Scene, c.Episode} {
		b = appendStr(b, s)
	}
	b = binary.AppendUvarint(b, uint64(c.MMSI))
	b = appendF64(b, c.Score)
	var fl byte
	if c.Held {
		fl |= cfHeld
	}
	if c.Confirmed {
		fl |= cfConfirmed
	}
	if c.Doubtful {
		fl |= cfDoubtful
	}
	if c.HasMotion {
		fl |= cfMotion
	}
	b = append(b, fl)
	b = binary.AppendUvarint(b, c.Track)
	if c.HasMotion {
		b = appendF64(b, c.SpeedKn)
		b = appendF64(b, c.CourseDeg)
	}
	b = appendF64(b, c.LengthM)
	b = binary.AppendUvarint(b, uint64(len(c.Candidates)))
	for _, cd := range c.Candidates {
		b = binary.AppendUvarint(b, uint64(cd.MMSI))
		b = appendF64(b, cd.Score)
		b = appendF64(b, cd.DistM)
		b = appendF64(b, cd.D2)
		b = appendF64(b, cd.AgeS)
	}
	return b
}

// errContactRecord: a contact record's payload does not decode.
var errContactRecord = errors.New("server: bad contact record")

// contactCursor reads a payload with a sticky error.
type contactCursor struct {
	b   []byte
	err error
}

func (r *contactCursor) fail() {
	if r.err == nil {
		r.err = errContactRecord
	}
	r.b = nil
}

func (r *contactCursor) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *contactCursor) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *contactCursor) f64() float64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *contactCursor) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *contactCursor) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// decodeContact decodes a contact record's payload.
func decodeContact(p []byte) (httpapi.Contact, error) {
	r := &contactCursor{b: p}
	var c httpapi.Contact
	c.Time = vessel.Time(r.varint())
	c.Lat, c.Lon = r.f64(), r.f64()
	c.Sensor, c.Source, c.Target, c.Scene, c.Episode = r.str(), r.str(), r.str(), r.str(), r.str()
	m := r.uvarint()
	if m > math.MaxUint32 {
		r.fail()
	}
	c.MMSI = vessel.MMSI(m)
	c.Score = r.f64()
	fl := r.byte()
	c.Held, c.Confirmed, c.Doubtful, c.HasMotion = fl&cfHeld != 0, fl&cfConfirmed != 0, fl&cfDoubtful != 0, fl&cfMotion != 0
	c.Track = r.uvarint()
	if c.HasMotion {
		c.SpeedKn, c.CourseDeg = r.f64(), r.f64()
	}
	c.LengthM = r.f64()
	n := r.uvarint()
	if n > uint64(len(r.b))/33 { // each candidate takes at least 33 bytes
		r.fail()
	}
	for range n {
		if r.err != nil {
			break
		}
		cm := r.uvarint()
		if cm > math.MaxUint32 {
			r.fail()
		}
		c.Candidates = append(c.Candidates, httpapi.ContactCandidate{MMSI: vessel.MMSI(cm), Score: r.f64(), DistM: r.f64(), D2: r.f64(), AgeS: r.f64()})
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail() // trailing bytes
	}
	if r.err != nil {
		return httpapi.Contact{}, r.err
	}
	if !(c.Lat >= -90 && c.Lat <= 90 && c.Lon >= -180 && c.Lon <= 180) || c.Time <= 0 {
		return httpapi.Contact{}, errContactRecord
	}
	return c, nil
}
