package outbox

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Options configure a Queue. The zero value is usable.
type Options struct {
	// MaxBytes bounds the bytes of records not yet acknowledged (headers
	// included). When an Append goes beyond it, the oldest segments are
	// dropped whole and counted in Stats.Dropped; Append never blocks or
	// fails for lack of room. 0 means 1 GiB.
	MaxBytes int64
	// SegmentBytes is the size at which a new segment file is started.
	// 0 means 64 MiB. It is lowered to MaxBytes/8 (at least 4 KiB) so
	// that dropping a whole segment keeps the bound within an eighth.
	SegmentBytes int64
	// FS is the file system of the queue. Nil means the operating
	// system's (record.OSFS); crash tests pass a record.MemFS.
	FS record.FS
}

const (
	defaultMaxBytes     = 1 << 30
	defaultSegmentBytes = 64 << 20
	minSegmentBytes     = 4 << 10
	writeBuffer         = 256 << 10
)

// Record is one queued item.
type Record struct {
	Seq       uint64 // 1, 2, 3… per queue, never reused, survives restarts
	NotBefore int64  // unix milliseconds before which the record must not be sent (0 = now)
	Data      []byte
}

// Stats are the queue's counters. Appended, Dropped and Acked count since
// Open; the others describe the queue now.
type Stats struct {
	Appended uint64 // records appended
	Dropped  uint64 // records dropped unsent because MaxBytes was reached
	Acked    uint64 // records acknowledged

	PendingRecords int64 // records appended, not acknowledged and not dropped
	PendingBytes   int64 // their size on disk (headers included)
	Segments       int   // segment files
	TornBytes      int64 // bytes of a torn tail cut by Open
}

// segment is one segment file.
type segment struct {
	path    string
	first   uint64
	last    uint64      // first-1 while empty
	size    int64       // bytes written, buffered ones included
	durable int64       // bytes fsynced: readable
	marks   []mark      // sparse index, about one entry per indexEvery bytes
	f       record.File // read handle (for the newest segment, its writer's file)
	rf      recFormat   // the record layout of the segment's version
}

// mark locates one record in a segment.
type mark struct {
	seq uint64
	off int64
}

func (s *segment) addMark(seq uint64, off int64) {
	if n := len(s.marks); n == 0 || off-s.marks[n-1].off >= indexEvery {
		s.marks = append(s.marks, mark{seq, off})
	}
}

func (s *segment) file(fsys record.FS) (record.File, error) {
	if s.f == nil {
		f, err := fsys.OpenFile(s.path, os.O_RDONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		s.f = f
	}
	return s.f, nil
}

func (s *segment) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// Queue is a durable FIFO of records for one partner. See the package
// documentation for the concurrency contract.
type Queue struct {
	dir    string
	opts   Options
	fsys   record.FS
	lock   io.Closer
	notify chan struct{}

	wmu sync.Mutex // the appender side: Append, Sync, Close
	amu sync.Mutex // the acknowledging side: Ack, Close

	mu       sync.Mutex // guards the fields below
	segs     []*segment // ascending; the last one is written
	w        *bufio.Writer
	hdr      [recHdrLen]byte
	last     uint64 // last appended
	synced   uint64 // last synced: Read returns no further
	acked    uint64
	ackOff   int64  // offset of record acked+1 in its segment
	dropped  uint64 // records up to here were dropped (0: none)
	pending  int64  // PendingBytes
	dirDirty bool   // segments removed since the directory was last synced
	werr     error  // sticky write error
	closed   bool
	stats    Stats
	rbuf     []byte
	recs     []Record
	rc       struct { // where the last Read stopped
		seg *segment
		seq uint64
		off int64
	}
}

// Open opens the queue in dir, creating it if needed, and recovers it
// after a crash (see the package documentation).
func Open(dir string, opts Options) (*Queue, error) {
	if opts.MaxBytes < 0 || opts.SegmentBytes < 0 {
		return nil, errors.New("outbox: negative size in options")
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = defaultSegmentBytes
	}
	opts.SegmentBytes = max(min(opts.SegmentBytes, opts.MaxBytes/8), minSegmentBytes)
	if opts.FS == nil {
		opts.FS = record.OSFS{}
	}
	if err := opts.FS.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	lock, err := opts.FS.Lock(dir, "LOCK")
	if errors.Is(err, record.ErrLocked) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	q := &Queue{dir: dir, opts: opts, fsys: opts.FS, lock: lock, notify: make(chan struct{}, 1)}
	if err := q.recover(); err != nil {
		for _, s := range q.segs {
			s.close()
		}
		lock.Close()
		return nil, err
	}
	return q, nil
}

// recover reads the cursor and every segment, cuts a torn tail, and opens
// the newest segment for writing.
func (q *Queue) recover() error {
	acked, err := readCursor(q.fsys, q.dir)
	if err != nil {
		return err
	}
	q.acked = acked
	firsts, err := listSegments(q.fsys, q.dir)
	if err != nil {
		return err
	}
	var buf []byte
	q.ackOff = -1
	for i, first := range firsts {
		s := &segment{path: segmentPath(q.dir, first), first: first, last: first - 1}
		f, err := q.fsys.OpenFile(s.path, os.O_RDONLY, 0)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		q.segs = append(q.segs, s)
		buf, err = readAll(f, buf)
		f.Close()
		if err != nil {
			return fmt.Errorf("outbox: read %s: %w", s.path, err)
		}
		end, rf, err := scanSegment(s.path, buf, first, func(seq uint64, off int64, _ int) {
			s.addMark(seq, off)
			s.last = seq
			if seq == acked+1 {
				q.ackOff = off
			}
		})
		s.rf = rf
		newest := i == len(firsts)-1
		if err != nil {
			if !errors.Is(err, errTorn) {
				return err
			}
			if !newest {
				return fmt.Errorf("%w (a segment that is not the newest is incomplete)", mark2corrupt(err))
			}
			if err := q.cutTail(s, end, int64(len(buf))); err != nil {
				return err
			}
			end = max(end, segHdrLen)
		}
		s.size, s.durable = end, end
		if i > 0 {
			if prev := q.segs[i-1]; prev.last+1 != first || prev.last < prev.first {
				return &FileError{Path: s.path, Offset: 0, Err: fmt.Errorf("%w: segment starts at %d after one ending at %d", ErrCorrupt, first, prev.last)}
			}
		}
	}
	if len(q.segs) == 0 {
		s, err := createSegment(q.fsys, q.dir, acked+1)
		if err != nil {
			return err
		}
		q.segs = append(q.segs, s)
	}
	active := q.segs[len(q.segs)-1]
	if acked > active.last {
		return &FileError{Path: filepath.Join(q.dir, cursorFile), Offset: 8,
			Err: fmt.Errorf("%w: cursor acknowledges %d, the last record on disk is %d", ErrCorrupt, acked, active.last)}
	}
	if active.rf.version != segVersion {
		if active, err = q.upgradeActive(active); err != nil {
			return err
		}
	}
	q.last, q.synced = active.last, active.last
	// Segments acknowledged before a crash cut their deletion short.
	for len(q.segs) > 1 && q.segs[0].last <= acked {
		q.segs[0].close()
		if err := q.fsys.Remove(q.segs[0].path); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		q.segs = q.segs[1:]
		q.dirDirty = true
	}
	if f := q.segs[0].first; f > acked+1 {
		q.dropped = f - 1
	}
	if q.ackOff < 0 || q.dropped > acked {
		q.ackOff = segHdrLen
		if s := q.segs[0]; s.first <= acked {
			q.ackOff = s.size // acked+1 is the next record of the newest segment
		}
	}
	if active.f == nil {
		f, err := q.fsys.OpenFile(active.path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if _, err := f.Seek(active.size, io.SeekStart); err != nil {
			f.Close()
			return fmt.Errorf("outbox: %w", err)
		}
		active.f = f
	}
	q.w = bufio.NewWriterSize(active.f, writeBuffer)
	q.recomputePending()
	return nil
}

func mark2corrupt(err error) error {
	var fe *FileError
	errors.As(err, &fe)
	return &FileError{Path: fe.Path, Offset: fe.Offset, Err: fmt.Errorf("%w: incomplete record", ErrCorrupt)}
}

// upgradeActive makes the newest segment, of an older format version,
// one that appends can go to: an empty one gets the current header in
// place; one with records is synced and left as it is (it is read in its
// own layout until acknowledged), and a new segment of the current
// version is started after it. It returns the segment to append to.
func (q *Queue) upgradeActive(a *segment) (*segment, error) {
	f, err := q.fsys.OpenFile(a.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if a.last < a.first {
		_, err = f.WriteAt(segmentHeader(a.first), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil || a.last >= a.first {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("outbox: upgrade %s: %w", a.path, err)
		}
		s, err := createSegment(q.fsys, q.dir, a.last+1)
		if err != nil {
			return nil, err
		}
		a.close()
		q.segs = append(q.segs, s)
		return s, nil
	}
	if _, err := f.Seek(a.size, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("outbox: upgrade %s: %w", a.path, err)
	}
	a.close()
	a.f, a.rf = f, formatOf(segVersion)
	return a, nil
}

// cutTail truncates the newest segment after its last valid record, or
// rewrites its header if even that is incomplete.
func (q *Queue) cutTail(s *segment, end, size int64) error {
	f, err := q.fsys.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("outbox: repair %s: %w", s.path, err)
	}
	if end < segHdrLen {
		end = 0
	}
	err = f.Truncate(end)
	if err == nil && end == 0 {
		_, err = f.WriteAt(segmentHeader(s.first), 0)
		end = segHdrLen
		s.rf = formatOf(segVersion)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		_, err = f.Seek(end, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("outbox: repair %s: %w", s.path, err)
	}
	s.f = f
	q.stats.TornBytes += max(size-end, 0)
	return nil
}

func readAll(f record.File, buf []byte) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return buf, err
	}
	n := int(fi.Size())
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err = io.ReadFull(f, buf)
	return buf, err
}

func createSegment(fsys record.FS, dir string, first uint64) (*segment, error) {
	path := segmentPath(dir, first)
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: create segment: %w", err)
	}
	if _, err := f.Write(segmentHeader(first)); err != nil {
		f.Close()
		return nil, fmt.Errorf("outbox: create segment: %w", err)
	}
	if err := syncDir(fsys, dir); err != nil {
		f.Close()
		return nil, err
	}
	return &segment{path: path, first: first, last: first - 1, size: segHdrLen, durable: segHdrLen, f: f, rf: formatOf(segVersion)}, nil
}

// gone is the highest sequence number that Read will never return again.
func (q *Queue) gone() uint64 { return max(q.acked, q.dropped) }

func (q *Queue) recomputePending() {
	gone := q.gone()
	var p int64
	for _, s := range q.segs {
		if s.last <= gone {
			continue
		}
		start := int64(segHdrLen)
		if s.first <= gone {
			start = q.ackOff
		}
		p += s.size - start
	}
	q.pending = p
}

// Append queues data, to be sent not before notBefore (unix milliseconds;
// 0 means at once), and returns its sequence number. The record is
// buffered: it is durable, and visible to Read, after Sync. Append does
// not keep data.
func (q *Queue) Append(notBefore int64, data []byte) (uint64, error) {
	if len(data) > MaxData {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
	}
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, ErrClosed
	}
	if q.werr != nil {
		q.mu.Unlock()
		return 0, q.werr
	}
	a := q.segs[len(q.segs)-1]
	q.mu.Unlock()
	total := int64(recHdrLen + len(data))
	if a.size+total > q.opts.SegmentBytes && a.last >= a.first {
		var err error
		if a, err = q.rotate(a); err != nil {
			return 0, err
		}
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	seq := q.last + 1
	putRecordHeader(q.hdr[:], seq, notBefore, data)
	if _, err := q.w.Write(q.hdr[:]); err != nil {
		q.werr = fmt.Errorf("outbox: write %s: %w", a.path, err)
		return 0, q.werr
	}
	if _, err := q.w.Write(data); err != nil {
		q.werr = fmt.Errorf("outbox: write %s: %w", a.path, err)
		return 0, q.werr
	}
	a.addMark(seq, a.size)
	a.size += total
	a.last = seq
	q.last = seq
	q.pending += total
	q.stats.Appended++
	for q.pending > q.opts.MaxBytes && len(q.segs) > 1 {
		q.dropOldest()
	}
	return seq, nil
}

// dropOldest deletes the oldest segment, which is not the newest, and
// counts its records that were neither acknowledged nor dropped.
func (q *Queue) dropOldest() {
	s := q.segs[0]
	if gone := q.gone(); s.last > gone {
		q.stats.Dropped += s.last - max(gone, s.first-1)
	}
	q.dropped = max(q.dropped, s.last)
	s.close()
	if err := q.fsys.Remove(s.path); err != nil && q.werr == nil {
		q.werr = fmt.Errorf("outbox: drop segment: %w", err)
	}
	q.segs = q.segs[1:]
	q.dirDirty = true
	if q.rc.seg == s {
		q.rc.seg = nil
	}
	q.recomputePending()
}

// rotate seals the newest segment (flush, fsync) and starts the next. The
// caller holds wmu.
func (q *Queue) rotate(a *segment) (*segment, error) {
	err := q.w.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if err != nil {
		err = fmt.Errorf("outbox: seal %s: %w", a.path, err)
		q.mu.Lock()
		q.werr = err
		q.mu.Unlock()
		return nil, err
	}
	s, err := createSegment(q.fsys, q.dir, a.last+1)
	if err != nil {
		q.mu.Lock()
		q.werr = err
		q.mu.Unlock()
		return nil, err
	}
	q.mu.Lock()
	a.durable = a.size
	q.synced = a.last
	q.segs = append(q.segs, s)
	q.w.Reset(s.f)
	q.mu.Unlock()
	q.signal()
	return s, nil
}

func (q *Queue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// Sync makes every appended record durable and readable, and then sends
// on Notify. The caller calls it once per batch.
func (q *Queue) Sync() error {
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if q.werr != nil {
		q.mu.Unlock()
		return q.werr
	}
	a := q.segs[len(q.segs)-1]
	last, size, dirty := q.last, a.size, q.dirDirty
	if last == q.synced && !dirty {
		q.mu.Unlock()
		return nil
	}
	err := q.w.Flush()
	q.dirDirty = false
	q.mu.Unlock()
	if err == nil {
		err = a.f.Sync()
	}
	if err == nil && dirty {
		err = syncDir(q.fsys, q.dir)
	}
	q.mu.Lock()
	if err != nil {
		q.werr = fmt.Errorf("outbox: sync %s: %w", a.path, err)
		q.mu.Unlock()
		return q.werr
	}
	a.durable = size
	q.synced = last
	q.mu.Unlock()
	q.signal()
	return nil
}

// Read returns up to max records with Seq > after, in order, holding at
// most maxBytes of Data (but always at least one record if any is
// readable). It returns only synced records and never one that was
// acknowledged or dropped: if the first record's Seq is above after+1,
// the records between are gone. The Data slices are valid until the next
// call to Read; copy what must outlive it. Read does not consider
// NotBefore: the sender holds a record back until its time.
func (q *Queue) Read(after uint64, max int, maxBytes int) ([]Record, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	if max <= 0 {
		return nil, nil
	}
	seq := after + 1
	if g := q.gone(); after < g {
		seq = g + 1
	}
	q.rbuf = q.rbuf[:0]
	out := q.recs[:0]
	nbytes := 0
	for seq <= q.synced && len(out) < max && (len(out) == 0 || nbytes < maxBytes) {
		s := q.find(seq)
		off, err := q.locate(s, seq)
		if err != nil {
			return nil, err
		}
		for off < s.durable && seq <= q.synced && len(out) < max && (len(out) == 0 || nbytes < maxBytes) {
			hl := s.rf.hdr
			want := int64(maxBytes-nbytes) + int64(max-len(out))*int64(hl)
			want = min(s.durable-off, clamp(want, 4<<10, 4<<20))
			chunk, err := q.readAt(s, off, want)
			if err != nil {
				return nil, err
			}
			p := 0
			for p < len(chunk) && seq <= q.synced && len(out) < max && (len(out) == 0 || nbytes < maxBytes) {
				if len(chunk)-p < hl {
					break
				}
				n := s.rf.dataLen(chunk[p:])
				if n < 0 {
					return nil, &FileError{Path: s.path, Offset: off + int64(p), Err: fmt.Errorf("%w: record length %d", ErrCorrupt, binary.LittleEndian.Uint32(chunk[p:]))}
				}
				if len(chunk)-p < hl+n {
					if p == 0 && off+int64(hl+n) <= s.durable {
						chunk, err = q.readAt(s, off, int64(hl+n)) // one record longer than the chunk
						if err != nil {
							return nil, err
						}
						continue
					}
					break
				}
				if st, _ := s.rf.checkRecord(chunk[p:], seq); st != recOK {
					return nil, &FileError{Path: s.path, Offset: off + int64(p), Err: fmt.Errorf("%w: damaged record %d", ErrCorrupt, seq)}
				}
				total := hl + n
				out = append(out, Record{Seq: seq, NotBefore: int64(binary.LittleEndian.Uint64(chunk[p+s.rf.nbAt:])), Data: chunk[p+hl : p+total : p+total]})
				nbytes += n
				p += total
				seq++
			}
			if p == 0 {
				return nil, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("%w: incomplete record %d", ErrCorrupt, seq)}
			}
			off += int64(p)
		}
		if off >= s.durable && s == q.segs[len(q.segs)-1] && seq <= q.synced {
			return nil, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("%w: record %d missing", ErrCorrupt, seq)}
		}
		q.rc.seg, q.rc.seq, q.rc.off = s, seq, off
	}
	q.recs = out
	return out, nil
}

func clamp(v, lo, hi int64) int64 { return max(lo, min(v, hi)) }

// readAt appends n bytes of s at off to q.rbuf and returns them.
func (q *Queue) readAt(s *segment, off, n int64) ([]byte, error) {
	f, err := s.file(q.fsys)
	if err != nil {
		return nil, err
	}
	l := len(q.rbuf)
	if cap(q.rbuf)-l < int(n) {
		nb := make([]byte, l, 2*cap(q.rbuf)+int(n))
		copy(nb, q.rbuf)
		q.rbuf = nb
	}
	b := q.rbuf[l : l+int(n)]
	if _, err := f.ReadAt(b, off); err != nil {
		return nil, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("outbox: read: %w", err)}
	}
	q.rbuf = q.rbuf[:l+int(n)]
	return b, nil
}

// find returns the segment that holds seq (or would hold it next).
func (q *Queue) find(seq uint64) *segment {
	i := sort.Search(len(q.segs), func(i int) bool { return q.segs[i].first > seq })
	return q.segs[max(i-1, 0)]
}

// locate returns the offset of record seq in s (s.durable for the record
// after the last durable one), from where the last Read stopped or from
// the sparse index.
func (q *Queue) locate(s *segment, seq uint64) (int64, error) {
	if q.rc.seg == s && q.rc.seq == seq {
		return q.rc.off, nil
	}
	if seq == s.first {
		return segHdrLen, nil
	}
	i := sort.Search(len(s.marks), func(i int) bool { return s.marks[i].seq > seq })
	cur, off := s.first, int64(segHdrLen)
	if i > 0 {
		cur, off = s.marks[i-1].seq, s.marks[i-1].off
	}
	f, err := s.file(q.fsys)
	if err != nil {
		return 0, err
	}
	var hb [recHdrLen]byte
	h := hb[:s.rf.hdr]
	for cur < seq {
		if off+int64(len(h)) > s.durable {
			return 0, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("%w: record %d not found", ErrCorrupt, seq)}
		}
		if _, err := f.ReadAt(h, off); err != nil {
			return 0, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("outbox: read: %w", err)}
		}
		if got := binary.LittleEndian.Uint64(h[s.rf.seqAt:]); got != cur {
			return 0, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("%w: record %d where %d was expected", ErrCorrupt, got, cur)}
		}
		n := s.rf.dataLen(h)
		if n < 0 {
			return 0, &FileError{Path: s.path, Offset: off, Err: fmt.Errorf("%w: record %d has a bad length", ErrCorrupt, cur)}
		}
		off += int64(len(h) + n)
		cur++
	}
	return off, nil
}

// Ack records that every record up to seq was delivered. The cursor is
// durable when Ack returns; segments holding only acknowledged records are
// then deleted. An Ack at or below Acked does nothing; one beyond the last
// synced record is ErrAckRange.
func (q *Queue) Ack(seq uint64) error {
	q.amu.Lock()
	defer q.amu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if seq <= q.acked {
		q.mu.Unlock()
		return nil
	}
	if seq > q.synced {
		synced := q.synced
		q.mu.Unlock()
		return fmt.Errorf("%w: ack %d, last synced %d", ErrAckRange, seq, synced)
	}
	q.mu.Unlock()
	if err := writeCursor(q.fsys, q.dir, seq); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if g := q.gone(); seq > g {
		q.stats.Acked += seq - g
	}
	q.acked = seq
	var err error
	for len(q.segs) > 1 && q.segs[0].last <= seq {
		s := q.segs[0]
		s.close()
		if rerr := q.fsys.Remove(s.path); rerr != nil && err == nil {
			err = fmt.Errorf("outbox: delete acknowledged segment: %w", rerr)
		}
		if q.rc.seg == s {
			q.rc.seg = nil
		}
		q.segs = q.segs[1:]
		q.dirDirty = true
	}
	if seq >= q.dropped {
		s := q.find(seq + 1)
		off, lerr := q.locate(s, seq+1)
		if lerr != nil && err == nil {
			err = lerr
		}
		q.ackOff = off
	}
	q.recomputePending()
	return err
}

// Acked returns the last acknowledged sequence number.
func (q *Queue) Acked() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.acked
}

// Last returns the last appended sequence number, synced or not.
func (q *Queue) Last() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.last
}

// Synced returns the last synced sequence number: the last Read can return.
func (q *Queue) Synced() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.synced
}

// DroppedThrough returns the highest sequence number dropped for overflow
// (0 if none was): records up to it that were not acknowledged will never
// be sent.
func (q *Queue) DroppedThrough() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Notify returns a channel that receives (capacity 1, never blocking the
// queue) when records become readable: after Sync, or after an Append
// that started a new segment, which seals the previous one. It is never
// closed.
func (q *Queue) Notify() <-chan struct{} { return q.notify }

// Stats returns the counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.stats
	st.PendingRecords = int64(q.last - min(q.gone(), q.last))
	st.PendingBytes = q.pending
	st.Segments = len(q.segs)
	return st
}

// Close syncs what was appended and closes the queue.
func (q *Queue) Close() error {
	err := q.Sync()
	if errors.Is(err, ErrClosed) {
		return nil
	}
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.amu.Lock()
	defer q.amu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	for _, s := range q.segs {
		s.close()
	}
	if cerr := q.lock.Close(); err == nil {
		err = cerr
	}
	return err
}
