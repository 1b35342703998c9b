package audit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Direction says which way an item went.
type Direction string

// The directions.
const (
	Sent     Direction = "sent"
	Received Direction = "received"
	Refused  Direction = "refused" // an item our policy denied, or a peer refused
)

// Entry is one audited item.
type Entry struct {
	Time      time.Time // when; the zero time means Options.Now at Append
	Direction Direction
	Partner   string
	Kind      string // "position", "static", "event", "incident", "assessment", "link" (connects, refusals)
	Key       string // the item: an MMSI, event ID, incident ID…
	Seq       uint64 // outbox/link sequence number, 0 when none
	Rule      string // the policy rule that allowed or denied it, or the reason
	Origin    string // the node that produced the item
}

// Filter selects entries for Query. Empty strings and zero times match
// everything; From is inclusive, To exclusive.
type Filter struct {
	Partner, Kind, Key, Origin string
	Direction                  Direction
	From, To                   time.Time
	Limit                      int // 0 means DefaultLimit; at most MaxLimit
}

// Query limits.
const (
	DefaultLimit = 1000
	MaxLimit     = 100_000
)

// Options configure a Log. The zero value is usable.
type Options struct {
	// SegmentBytes is the size at which a new segment is started. 0 means
	// 32 MiB.
	SegmentBytes int64
	// SegmentDuration partitions segments in time: a new one starts when
	// Now enters a new period (aligned to the duration). 0 means an hour.
	SegmentDuration time.Duration
	// Retention deletes segments whose newest entry is older than this.
	// 0 keeps everything.
	Retention time.Duration
	// Now is the clock. nil means time.Now.
	Now func() time.Time
	// FS is the file system of the log. Nil means the operating system's
	// (record.OSFS); crash tests pass a record.MemFS.
	FS record.FS
}

// Stats are the log's counters. Appended, SegmentsScanned,
// SegmentsDeleted and DamagedSpans count since Open.
type Stats struct {
	Appended        uint64     // entries appended
	Entries         int64      // entries on disk
	Segments        int        // segment files
	Bytes           int64      // bytes of segment files
	SegmentsScanned uint64     // segments read by queries
	SegmentsDeleted uint64     // segments deleted by retention
	TornBytes       int64      // bytes of a torn tail cut by Open
	DamagedSpans    uint64     // damaged spans skipped, each counted once
	LastDamage      *FileError // the last of them
}

// segInfo describes one segment file.
type segInfo struct {
	path     string
	seq      uint64
	base     int64 // unix ns, from the header
	min, max int64 // entry times, unix ns
	count    int64
	size     int64         // bytes (for the active segment, written so far)
	layout   record.Layout // of the segment's format version
}

func (s *segInfo) widen(t int64) {
	if s.count == 0 {
		s.min, s.max = t, t
	} else {
		s.min, s.max = min(s.min, t), max(s.max, t)
	}
	s.count++
}

type damageKey struct {
	path string
	off  int64
}

// Log is the audit log. It is safe for concurrent use.
type Log struct {
	dir  string
	opts Options
	fsys record.FS
	lock io.Closer

	mu     sync.Mutex // guards the fields below
	segs   []*segInfo // ascending; the active one, if any, is last
	act    *segInfo   // the segment being written, nil until an Append
	f      record.File
	w      *bufio.Writer
	table  map[string]uint64 // the active segment's strings
	enc    []byte
	dirty  bool // appended since the last Sync
	nextNo uint64
	werr   error
	closed bool
	stats  Stats
	damage map[damageKey]bool
}

// Open opens the log in dir, creating it if needed, repairs a torn tail,
// and applies retention.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentBytes < 0 || opts.SegmentDuration < 0 || opts.Retention < 0 {
		return nil, errors.New("audit: negative value in options")
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = 32 << 20
	}
	if opts.SegmentDuration == 0 {
		opts.SegmentDuration = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FS == nil {
		opts.FS = record.OSFS{}
	}
	if err := opts.FS.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	lock, err := opts.FS.Lock(dir, "LOCK")
	if errors.Is(err, record.ErrLocked) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &Log{dir: dir, opts: opts, fsys: opts.FS, lock: lock, damage: map[damageKey]bool{}, nextNo: 1}
	if err := l.recover(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := l.prune(); err != nil {
		lock.Close()
		return nil, err
	}
	return l, nil
}

type listed struct {
	seq  uint64
	name string
}

func (l *Log) recover() error {
	ents, err := l.fsys.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	var files []listed
	for _, e := range ents {
		if seq, _, ok := parseSegmentName(e.Name()); ok {
			files = append(files, listed{seq, e.Name()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].seq < files[j].seq })
	var buf []byte
	for i, fl := range files {
		l.nextNo = max(l.nextNo, fl.seq+1)
		path := filepath.Join(l.dir, fl.name)
		si := &segInfo{path: path, seq: fl.seq}
		f, err := l.fsys.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("audit: %w", err)
		}
		si.size = fi.Size()
		newest := i == len(files)-1
		if !newest {
			// Sealed when it was finished: its seal says what it holds.
			var hs [segHdrLen]byte
			var ss [sealLen]byte
			_, err1 := f.ReadAt(hs[:], 0)
			_, err2 := f.ReadAt(ss[:], si.size-sealLen)
			if err1 == nil && err2 == nil && si.size >= segHdrLen+sealLen {
				base, layout, herr := checkHeader(path, hs[:], fl.seq)
				if errors.Is(herr, ErrVersion) {
					f.Close()
					return herr
				}
				if typ, p, ok := checkRecord(layout, ss[:]); herr == nil && ok && typ == recSeal {
					s := decodeSeal(p)
					si.base, si.layout, si.min, si.max, si.count = base, layout, s.min, s.max, s.count
					f.Close()
					l.segs = append(l.segs, si)
					continue
				}
			}
		}
		buf, err = readFull(f, buf, si.size)
		f.Close()
		if err != nil {
			return fmt.Errorf("audit: read %s: %w", path, err)
		}
		if newest && len(buf) < segHdrLen {
			// Created, but the header never made it: nothing was in it.
			if err := l.fsys.Remove(path); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			continue
		}
		base, layout, err := checkHeader(path, buf, fl.seq)
		if errors.Is(err, ErrVersion) {
			return err
		}
		if err != nil {
			var fe *FileError
			errors.As(err, &fe)
			l.noteDamage(fe) // kept, but unreadable: not queried, never deleted
			continue
		}
		si.base, si.layout = base, layout
		sc := scanner{path: path, b: buf, off: segHdrLen, torn: -1, layout: layout}
		sealed := false
		for {
			typ, p, _, ok := sc.next()
			if !ok {
				break
			}
			sealed = typ == recSeal
			if typ == recEntry {
				c := cursor{b: p}
				si.widen(base + c.varint())
			}
		}
		for _, off := range sc.damage {
			l.noteDamage(&FileError{Path: path, Offset: off, Err: fmt.Errorf("%w: damaged record skipped", ErrCorrupt)})
		}
		if !newest {
			if sc.torn >= 0 {
				l.noteDamage(&FileError{Path: path, Offset: sc.torn, Err: fmt.Errorf("%w: segment ends without its seal", ErrCorrupt)})
			}
			l.segs = append(l.segs, si)
			continue
		}
		if sc.torn >= 0 || !sealed {
			end := int64(len(buf))
			if sc.torn >= 0 {
				end = sc.torn
			}
			if err := l.repair(si, end); err != nil {
				return err
			}
		}
		l.segs = append(l.segs, si)
	}
	return nil
}

// repair cuts the newest segment at end and seals it.
func (l *Log) repair(si *segInfo, end int64) error {
	f, err := l.fsys.OpenFile(si.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("audit: repair %s: %w", si.path, err)
	}
	err = f.Truncate(end)
	if err == nil {
		// In the segment's own layout: a file never mixes versions.
		_, err = f.WriteAt(appendSeal(nil, si.layout, si.min, si.max, si.count), end)
	}
	if err == nil {
		err = f.Sync()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("audit: repair %s: %w", si.path, err)
	}
	l.stats.TornBytes += si.size - end
	si.size = end + sealLen
	return nil
}

func readFull(f record.File, buf []byte, size int64) ([]byte, error) {
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	n, err := f.ReadAt(buf, 0)
	if err == io.EOF && int64(n) == size {
		err = nil
	}
	return buf[:n], err
}

// noteDamage counts a damaged span once. The caller holds mu (or is Open).
func (l *Log) noteDamage(fe *FileError) {
	k := damageKey{fe.Path, fe.Offset}
	if l.damage[k] {
		return
	}
	l.damage[k] = true
	l.stats.DamagedSpans++
	l.stats.LastDamage = fe
}

// scanner walks the records of a segment in memory, skipping damaged
// spans to the next intact record.
type scanner struct {
	path   string
	b      []byte
	off    int
	damage []int64 // offsets where damaged spans start
	torn   int64   // offset of an incomplete or damaged tail, -1 if none
	layout record.Layout
}

// next returns the next intact record and its offset, or ok false at the
// end.
func (s *scanner) next() (typ byte, payload []byte, off int, ok bool) {
	for s.off < len(s.b) {
		typ, p, good := checkRecord(s.layout, s.b[s.off:])
		if !good {
			nv := nextValid(s.layout, s.b, s.off+1)
			if nv < 0 {
				s.torn = int64(s.off)
				s.off = len(s.b)
				return 0, nil, 0, false
			}
			s.damage = append(s.damage, int64(s.off))
			s.off = nv
			continue
		}
		off = s.off
		s.off += recHdrLen + len(p)
		return typ, p, off, true
	}
	return 0, nil, 0, false
}

// Append adds entries (buffered; durable after Sync). An entry with the
// zero Time gets Options.Now. A string longer than MaxString makes Append
// fail with ErrTooLarge before any entry is written.
func (l *Log) Append(entries ...Entry) error {
	for i := range entries {
		e := &entries[i]
		for _, s := range [...]string{string(e.Direction), e.Partner, e.Kind, e.Key, e.Rule, e.Origin} {
			if len(s) > MaxString {
				return fmt.Errorf("%w: a string of %d bytes", ErrTooLarge, len(s))
			}
		}
	}
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.werr != nil {
		return l.werr
	}
	if l.act != nil && l.period(now) != l.period(time.Unix(0, l.act.base)) {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	for i := range entries {
		if l.act != nil && l.act.size >= l.opts.SegmentBytes {
			if err := l.rotate(); err != nil {
				return err
			}
		}
		if l.act == nil {
			if err := l.create(now); err != nil {
				return err
			}
		}
		e := &entries[i]
		t := now.UnixNano()
		if !e.Time.IsZero() {
			t = e.Time.UnixNano()
		}
		l.enc = l.enc[:0]
		dir, partner, kind := l.ref(string(e.Direction)), l.ref(e.Partner), l.ref(e.Kind)
		rule, origin := l.ref(e.Rule), l.ref(e.Origin)
		start := len(l.enc)
		l.enc = append(l.enc, make([]byte, recHdrLen)...)
		l.enc = appendVarint(l.enc, t-l.act.base)
		l.enc = appendField(l.enc, dir, string(e.Direction))
		l.enc = appendField(l.enc, partner, e.Partner)
		l.enc = appendField(l.enc, kind, e.Kind)
		l.enc = appendField(l.enc, -1, e.Key)
		l.enc = appendUvarint(l.enc, e.Seq)
		l.enc = appendField(l.enc, rule, e.Rule)
		l.enc = appendField(l.enc, origin, e.Origin)
		frameRecord(l.enc, start, recEntry)
		if _, err := l.w.Write(l.enc); err != nil {
			l.werr = fmt.Errorf("audit: write %s: %w", l.act.path, err)
			return l.werr
		}
		l.act.size += int64(len(l.enc))
		l.act.widen(t)
		l.stats.Appended++
	}
	l.dirty = true
	return nil
}

// ref returns the table id of s in the active segment, defining it (a
// string record in l.enc) if needed, or -1 if s is to be stored inline.
func (l *Log) ref(s string) int {
	if len(s) > maxInterned {
		return -1
	}
	if id, ok := l.table[s]; ok {
		return int(id)
	}
	if len(l.table) >= maxTableSize {
		return -1
	}
	id := uint64(len(l.table))
	l.table[s] = id
	start := len(l.enc)
	l.enc = append(l.enc, make([]byte, recHdrLen)...)
	l.enc = appendUvarint(l.enc, id)
	l.enc = append(l.enc, s...)
	frameRecord(l.enc, start, recString)
	return int(id)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarint(b []byte, v int64) []byte {
	return appendUvarint(b, uint64(v<<1)^uint64(v>>63))
}

func appendField(b []byte, id int, s string) []byte {
	if id >= 0 {
		return appendUvarint(b, uint64(id)<<1)
	}
	b = appendUvarint(b, uint64(len(s))<<1|1)
	return append(b, s...)
}

func (l *Log) period(t time.Time) int64 {
	return t.UnixNano() / int64(l.opts.SegmentDuration)
}

// create starts a new segment. The caller holds mu.
func (l *Log) create(now time.Time) error {
	si := &segInfo{seq: l.nextNo, base: now.UnixNano()}
	si.path = segPath(l.dir, si.seq, time.Unix(0, si.base))
	f, err := l.fsys.OpenFile(si.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit: create segment: %w", err)
	}
	if _, err := f.Write(segmentHeader(si.seq, si.base)); err != nil {
		f.Close()
		return fmt.Errorf("audit: create segment: %w", err)
	}
	if err := l.fsys.SyncDir(l.dir); err != nil {
		f.Close()
		return fmt.Errorf("audit: %w", err)
	}
	l.nextNo++
	si.size = segHdrLen
	l.act, l.f = si, f
	if l.w == nil {
		l.w = bufio.NewWriterSize(f, 256<<10)
	} else {
		l.w.Reset(f)
	}
	l.table = map[string]uint64{}
	l.segs = append(l.segs, si)
	return nil
}

// rotate seals the active segment and applies retention. The caller holds
// mu.
func (l *Log) rotate() error {
	if err := l.seal(); err != nil {
		return err
	}
	return l.prune()
}

// seal writes the seal record, syncs and closes the active segment.
func (l *Log) seal() error {
	si := l.act
	seal := appendSeal(nil, si.layout, si.min, si.max, si.count)
	_, err := l.w.Write(seal)
	if err == nil {
		err = l.w.Flush()
	}
	if err == nil {
		err = l.f.Sync()
	}
	if err2 := l.f.Close(); err == nil {
		err = err2
	}
	l.act, l.f, l.table = nil, nil, nil
	if err != nil {
		l.werr = fmt.Errorf("audit: seal %s: %w", si.path, err)
		return l.werr
	}
	si.size += int64(len(seal))
	l.dirty = false
	return nil
}

// Prune applies retention now.
func (l *Log) Prune() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.prune()
}

// prune deletes sealed segments whose newest entry is older than the
// retention. The caller holds mu (or is Open).
func (l *Log) prune() error {
	if l.opts.Retention <= 0 {
		return nil
	}
	cutoff := l.opts.Now().Add(-l.opts.Retention).UnixNano()
	kept := l.segs[:0]
	var err error
	for _, si := range l.segs {
		newest := si.max
		if si.count == 0 {
			newest = si.base
		}
		if si != l.act && newest < cutoff {
			if rerr := l.fsys.Remove(si.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = fmt.Errorf("audit: retention: %w", rerr)
				kept = append(kept, si)
				continue
			}
			l.stats.SegmentsDeleted++
			continue
		}
		kept = append(kept, si)
	}
	clear(l.segs[len(kept):])
	l.segs = kept
	return err
}

// Sync makes the appended entries durable.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.werr != nil {
		return l.werr
	}
	if l.act == nil || !l.dirty {
		return nil
	}
	err := l.w.Flush()
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		l.werr = fmt.Errorf("audit: sync %s: %w", l.act.path, err)
		return l.werr
	}
	l.dirty = false
	return nil
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stats
	st.Segments = len(l.segs)
	for _, si := range l.segs {
		st.Entries += si.count
		st.Bytes += si.size
	}
	return st
}

// Close seals the active segment, which makes everything appended
// durable, and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if l.act != nil {
		if l.werr != nil {
			l.f.Close()
			err = l.werr
		} else {
			err = l.seal()
		}
	}
	if cerr := l.lock.Close(); err == nil {
		err = cerr
	}
	return err
}
