package audit

import (
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Query returns the entries that match f, newest first (by Time, then
// latest appended), at most f.Limit of them. It reads only segments whose
// time range meets [f.From, f.To), and sees every entry appended so far,
// synced or not. Damaged records are skipped and counted in Stats.
func (l *Log) Query(f Filter) ([]Entry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		from = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		to = f.To.UnixNano()
	}

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	if l.act != nil && l.werr == nil {
		if err := l.w.Flush(); err != nil {
			l.werr = fmt.Errorf("audit: write %s: %w", l.act.path, err)
		}
	}
	snap := make([]segInfo, len(l.segs))
	for i, si := range l.segs {
		snap[i] = *si
	}
	l.mu.Unlock()

	q := query{from: from, to: to, limit: limit, fsys: l.fsys}
	q.match = [5]matcher{
		{want: []byte(f.Direction)}, {want: []byte(f.Partner)}, {want: []byte(f.Kind)},
		{want: []byte(f.Key)}, {want: []byte(f.Origin)},
	}
	var scanned uint64
	var damage []*FileError
	var buf []byte
	for i := len(snap) - 1; i >= 0; i-- {
		si := &snap[i]
		if si.count == 0 || si.max < from || si.min >= to {
			continue
		}
		if len(q.top) == limit && si.max <= q.top[0].t {
			continue // older segments cannot beat the oldest entry kept
		}
		scanned++
		var err error
		buf, err = q.segment(si, buf, &damage)
		if err != nil {
			return nil, err
		}
	}

	l.mu.Lock()
	l.stats.SegmentsScanned += scanned
	for _, fe := range damage {
		l.noteDamage(fe)
	}
	l.mu.Unlock()

	slices.SortFunc(q.top, func(a, b ranked) int { return -cmpRank(a, b) })
	out := make([]Entry, len(q.top))
	for i := range q.top {
		out[i] = q.top[i].e
	}
	return out, nil
}

// matcher tests one string field against a filter value.
type matcher struct {
	want []byte
	id   int // the want string's id in the current segment, -1 if undefined
}

type ranked struct {
	t   int64
	ord uint64 // segment number and offset: append order
	e   Entry
}

func cmpRank(a, b ranked) int {
	if a.t != b.t {
		if a.t < b.t {
			return -1
		}
		return 1
	}
	if a.ord != b.ord {
		if a.ord < b.ord {
			return -1
		}
		return 1
	}
	return 0
}

// topK is a min-heap of the newest entries found.
type topK []ranked

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return cmpRank(h[i], h[j]) < 0 }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(ranked)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type query struct {
	from, to int64
	limit    int
	match    [5]matcher // direction, partner, kind, key, origin
	top      topK
	table    [][]byte
	strs     []string
	fsys     record.FS
}

// wants reports whether an entry at t with order ord would be kept.
func (q *query) wants(t int64, ord uint64) bool {
	return len(q.top) < q.limit || cmpRank(ranked{t: t, ord: ord}, q.top[0]) > 0
}

func (q *query) keep(r ranked) {
	if len(q.top) < q.limit {
		heap.Push(&q.top, r)
		return
	}
	q.top[0] = r
	heap.Fix(&q.top, 0)
}

// segment reads one segment and keeps its matching entries.
func (q *query) segment(si *segInfo, buf []byte, damage *[]*FileError) ([]byte, error) {
	f, err := q.fsys.OpenFile(si.path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return buf, nil // deleted by retention since the snapshot
	} else if err != nil {
		return buf, fmt.Errorf("audit: %w", err)
	}
	buf, err = readFull(f, buf, si.size)
	f.Close()
	if err != nil {
		return buf, fmt.Errorf("audit: read %s: %w", si.path, err)
	}
	return buf, q.scan(si.path, si.seq, buf, damage)
}

// scan reads the segment in buf and keeps its matching entries; damage
// gets the damaged spans.
func (q *query) scan(path string, seq uint64, buf []byte, damage *[]*FileError) error {
	base, layout, err := checkHeader(path, buf, seq)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			*damage = append(*damage, fe)
			return nil
		}
		return err
	}
	q.table, q.strs = q.table[:0], q.strs[:0]
	for i := range q.match {
		q.match[i].id = -1
	}
	bad := func(off int, what error) {
		*damage = append(*damage, &FileError{Path: path, Offset: int64(off), Err: what})
	}
	sc := scanner{path: path, b: buf, off: segHdrLen, torn: -1, layout: layout}
	for {
		typ, p, off, ok := sc.next()
		if !ok {
			break
		}
		switch typ {
		case recString:
			c := cursor{b: p}
			id := c.uvarint()
			if c.err != nil || id != uint64(len(q.table)) || id >= maxTableSize {
				bad(off, fmt.Errorf("%w: string record out of order", ErrCorrupt))
				continue
			}
			s := p[c.off:]
			q.table = append(q.table, s)
			q.strs = append(q.strs, "")
			for i := range q.match {
				if m := &q.match[i]; len(m.want) > 0 && bytes.Equal(m.want, s) {
					m.id = int(id)
				}
			}
		case recEntry:
			if err := q.entry(p, base, seq<<40|uint64(off)); err != nil {
				bad(off, err)
			}
		}
	}
	for _, off := range sc.damage {
		bad(int(off), fmt.Errorf("%w: damaged record skipped", ErrCorrupt))
	}
	if sc.torn >= 0 {
		bad(int(sc.torn), fmt.Errorf("%w: segment ends with a damaged record", ErrCorrupt))
	}
	return nil
}

// field is a decoded string field: a table id, or -1 and the bytes.
type field struct {
	id  int
	inl []byte
}

// The string fields of an entry, in the order they are stored (the
// sequence number comes between fKey and fRule).
const (
	fDirection = iota
	fPartner
	fKind
	fKey
	fRule
	fOrigin
)

// filtered maps the query's matchers to entry fields.
var filtered = [5]int{fDirection, fPartner, fKind, fKey, fOrigin}

// entry decodes an entry record and keeps it if it matches.
func (q *query) entry(p []byte, base int64, ord uint64) error {
	c := cursor{b: p}
	t := base + c.varint()
	if c.err != nil {
		return c.err
	}
	if t < q.from || t >= q.to || !q.wants(t, ord) {
		return nil
	}
	var fs [6]field
	for i := fDirection; i <= fKey; i++ {
		fs[i].id, fs[i].inl = c.field()
	}
	seq := c.uvarint()
	fs[fRule].id, fs[fRule].inl = c.field()
	fs[fOrigin].id, fs[fOrigin].inl = c.field()
	c.done()
	if c.err != nil {
		return c.err
	}
	for _, fl := range fs {
		if fl.id >= len(q.table) {
			return fmt.Errorf("%w: string %d undefined", ErrCorrupt, fl.id)
		}
	}
	for i, fi := range filtered {
		m := &q.match[i]
		if len(m.want) == 0 {
			continue
		}
		if fl := fs[fi]; fl.id >= 0 {
			if fl.id != m.id {
				return nil
			}
		} else if !bytes.Equal(fl.inl, m.want) {
			return nil
		}
	}
	str := func(i int) string {
		fl := fs[i]
		if fl.id < 0 {
			return string(fl.inl)
		}
		if q.strs[fl.id] == "" && len(q.table[fl.id]) > 0 {
			q.strs[fl.id] = string(q.table[fl.id])
		}
		return q.strs[fl.id]
	}
	q.keep(ranked{t: t, ord: ord, e: Entry{
		Time: time.Unix(0, t).UTC(), Direction: Direction(str(fDirection)), Partner: str(fPartner), Kind: str(fKind),
		Key: str(fKey), Seq: seq, Rule: str(fRule), Origin: str(fOrigin),
	}})
	return nil
}
