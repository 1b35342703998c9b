package contact

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The state (format version 1) is the whole of what an Associator
// decides from: its radar sources and their tracks (filters, confirmation
// history, identities, ledgers, suspects), the episodes open, ended and
// awaiting a continuation, the identities held by tracks that ended, the
// doubtful detections awaiting corroboration, the queue of episode
// updates not yet taken, the next track id and the counters. An
// Associator loaded from it (LoadState) decides every later detection as
// the one it was taken from would, with the same track ids and episodes:
// a node that restarts continues its tracks and raises no alert twice.
// The configuration and the AIS picture are not part of it. Numbers are
// kept exactly (floats as their IEEE 754 bits), so the same state encodes
// to the same bytes. It is a file of package record: the common file
// header ("TWCNTC", uint16 version) and one record of type 1 (uint32
// length, CRC-32C, type) whose payload is the body:
//
//	body     uvarint next track id, 14 × uvarint counters (Stats, in order)
//	         uvarint n episodes, n × episode (the table the rest refers to
//	           by index + 1, 0 for none)
//	         uvarint n ended, n × uvarint index; the same for satellite
//	           episodes and AIS position mismatch episodes
//	         uvarint n held-ended, n × (uvarint MMSI, string source,
//	           varint t, varint AIS t, 4 × float lat, lon, vx, vy)
//	         uvarint n doubtful, n × detection
//	         uvarint n queued, n × Episode
//	         uvarint n sources, n × (string name, float max range,
//	           uvarint n tracks, n × track)
//	episode  Episode, varint last emitted, varint live, varint end t,
//	         14 × float (lat, lon, vx, vy, 3 × position covariance,
//	         3 × velocity covariance, ox, oy), 6 × float (n, mx, my, m2,
//	         lat0, lon0)
//	Episode  string id, uvarint version, string kind, uvarint MMSI, byte
//	         sensor, string source, varint start, varint end, float lat,
//	         float lon, byte closed, evidence
//	evidence uvarint reports, tracks, n targets × string, n scenes ×
//	         string, uvarint doubtful, 3 × float, uvarint nearest,
//	         3 × float
//	track    uvarint id, string target, 4 × float, 16 × float covariance,
//	         varint t, varint t0, 5 × float (lat0, lon0, r0), uvarint
//	         history, byte flags (1 hit, 2 confirmed, 4 held), uvarint
//	         MMSI, uvarint n ledger × entry, float w, uvarint unassoc,
//	         varint dark since, varint AIS t, varint mismatch check,
//	         uvarint n suspects × suspect, uvarint episode, uvarint
//	         nearest, 2 × float
//	entry    uvarint MMSI, float c, byte seen, candidate, 10 × float
//	candidate uvarint MMSI, 6 × float, varint report t, byte via radar
//	suspect  uvarint MMSI, 2 × float, varint since, 3 × float, byte
//	         turned, byte seen, uvarint missed, uvarint episode
//	detection varint time, byte sensor, 3 × string, 3 × float, byte has,
//	         8 × float, string name, byte status
//	float    uint64 IEEE 754 bits, little endian; string: uvarint length,
//	         bytes
//
// A second record, of type 2 (AppendVesselStates), may follow the body:
// the AIS reports the associator saw, for a node whose index of them
// would otherwise start empty. LoadState checks it and leaves it to
// VesselStates:
//
//	vessels  uvarint n, n × (uvarint MMSI, varint time, float lat, float
//	         lon, byte has motion, float SOG, float COG, float length)
//
// LoadState refuses, with a *StateError wrapping ErrState, a wrong magic,
// an unknown version, a record that is not whole or fails its checksum,
// counts beyond the bytes, an episode index out of the table, and
// trailing bytes.
const (
	stateMagic   = "TWCNTC"
	stateVersion = 1
	stateRecord  = 1 // record type of the body
	// stateVessels is the record type of the AIS reports that may follow
	// the body (AppendVesselStates).
	stateVessels = 2
	// maxState bounds the body a state may declare.
	maxState = 1 << 30
)

// ErrState marks an associator state that is not one: a wrong magic, an
// unknown version, a bad checksum, or a body that does not decode.
var ErrState = errors.New("contact: bad associator state")

// StateError is a state that does not decode, with the offset in it.
type StateError struct {
	Offset int
	Err    error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("contact: state at offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns the cause, which wraps ErrState.
func (e *StateError) Unwrap() error { return e.Err }

type stateWriter struct {
	b   []byte
	idx map[*episode]uint64 // index + 1 in the table
}

func (w *stateWriter) u(v uint64)      { w.b = binary.AppendUvarint(w.b, v) }
func (w *stateWriter) i(v int64)       { w.b = binary.AppendVarint(w.b, v) }
func (w *stateWriter) t(v vessel.Time) { w.i(int64(v)) }
func (w *stateWriter) s(v string) {
	w.u(uint64(len(v)))
	w.b = append(w.b, v...)
}
func (w *stateWriter) f(v ...float64) {
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	}
}
func (w *stateWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *stateWriter) cov(c cov) { w.f(c.xx, c.xy, c.yy) }
func (w *stateWriter) ep(ep *episode) {
	if ep == nil {
		w.u(0)
		return
	}
	w.u(w.idx[ep])
}

func (w *stateWriter) episodeValue(e *Episode) {
	w.s(e.ID)
	w.u(uint64(e.Version))
	w.s(e.Kind)
	w.u(uint64(e.MMSI))
	w.b = append(w.b, byte(e.Sensor))
	w.s(e.Source)
	w.t(e.Start)
	w.t(e.End)
	w.f(e.Lat, e.Lon)
	w.bool(e.Closed)
	v := &e.Evidence
	w.u(uint64(v.Reports))
	w.u(uint64(v.Tracks))
	for _, l := range [][]string{v.Targets, v.Scenes} {
		w.u(uint64(len(l)))
		for _, x := range l {
			w.s(x)
		}
	}
	w.u(uint64(v.Doubtful))
	w.f(v.MaxScore, v.LengthM, v.SpeedKn)
	w.u(uint64(v.Nearest))
	w.f(v.NearestD2, v.OffsetM, v.OffsetBearing)
}

func (w *stateWriter) detection(d *vessel.Detection) {
	w.t(d.Time)
	w.b = append(w.b, byte(d.Sensor))
	w.s(d.Source)
	w.s(d.Target)
	w.s(d.Scene)
	w.f(d.Lat, d.Lon, d.PosErrM)
	w.b = append(w.b, byte(d.Has))
	w.f(d.SpeedKn, d.CourseDeg, d.LengthM, d.Score, d.RangeM, d.BearingDeg, d.SensorLat, d.SensorLon)
	w.s(d.Name)
	w.b = append(w.b, d.Status)
}

func (w *stateWriter) track(tr *track) {
	w.u(tr.id)
	w.s(tr.target)
	w.f(tr.lat, tr.lon, tr.vx, tr.vy)
	for r := range tr.p {
		w.f(tr.p[r][:]...)
	}
	w.t(tr.t)
	w.t(tr.t0)
	w.f(tr.lat0, tr.lon0)
	w.cov(tr.r0)
	w.u(uint64(tr.hist))
	var fl byte
	if tr.hit {
		fl |= 1
	}
	if tr.confirmed {
		fl |= 2
	}
	if tr.held {
		fl |= 4
	}
	w.b = append(w.b, fl)
	w.u(uint64(tr.mmsi))
	w.u(uint64(len(tr.ledger)))
	for k := range tr.ledger {
		e := &tr.ledger[k]
		w.u(uint64(e.mmsi))
		w.f(e.c)
		w.bool(e.seen)
		c := &e.cand
		w.u(uint64(c.MMSI))
		w.f(c.AgeS, c.DistM, c.D2, c.LengthD2, c.Cost, c.Score)
		w.t(c.reportT)
		w.bool(c.viaRadar)
		w.f(e.bx, e.by)
		w.cov(e.bc)
		w.f(e.bw, e.bw2, e.bias)
	}
	w.f(tr.w)
	w.u(uint64(tr.unassoc))
	w.t(tr.darkSince)
	w.t(tr.aisT)
	w.t(tr.mmCheck)
	w.u(uint64(len(tr.suspects)))
	for k := range tr.suspects {
		s := &tr.suspects[k]
		w.u(uint64(s.mmsi))
		w.f(s.ox, s.oy)
		w.t(s.since)
		w.f(s.lat, s.lon, s.crs)
		w.bool(s.turned)
		w.bool(s.seen)
		w.u(uint64(s.missed))
		w.ep(s.ep)
	}
	w.ep(tr.ep)
	w.u(uint64(tr.nearest))
	w.f(tr.nearD2, tr.scanNone)
}

// AppendState appends the associator's whole state to dst (see the
// layout above) and returns it. Call it between calls of Radar,
// Satellite and Flush.
func (a *Associator) AppendState(dst []byte) []byte {
	w := &stateWriter{idx: map[*episode]uint64{}}
	var table []*episode
	add := func(ep *episode) {
		if ep == nil {
			return
		}
		if _, ok := w.idx[ep]; !ok {
			table = append(table, ep)
			w.idx[ep] = uint64(len(table))
		}
	}
	for _, src := range a.srcList {
		for _, tr := range src.tracks {
			add(tr.ep)
			for _, s := range tr.suspects {
				add(s.ep)
			}
		}
	}
	for _, l := range [][]*episode{a.ended, a.sat, a.mismatches} {
		for _, ep := range l {
			add(ep)
		}
	}
	w.u(a.nextID)
	st := &a.stats
	for _, v := range []int{st.Reports, st.Rejected, st.Associated, st.Held, st.Tracks, st.Confirmed, st.Breaks,
		st.Episodes, st.Mismatches, st.Linked, st.Doubtful, st.InHarbour, st.QueueDropped, st.DoubtfulDropped} {
		w.u(uint64(v))
	}
	w.u(uint64(len(table)))
	for _, ep := range table {
		w.episodeValue(&ep.Episode)
		w.t(ep.lastEmit)
		w.i(int64(ep.live))
		w.t(ep.endT)
		w.f(ep.lat, ep.lon, ep.vx, ep.vy)
		w.cov(ep.pc)
		w.cov(ep.vc)
		w.f(ep.ox, ep.oy, ep.n, ep.mx, ep.my, ep.m2, ep.lat0, ep.lon0)
	}
	for _, l := range [][]*episode{a.ended, a.sat, a.mismatches} {
		w.u(uint64(len(l)))
		for _, ep := range l {
			w.ep(ep)
		}
	}
	w.u(uint64(len(a.heldEnded)))
	for _, h := range a.heldEnded {
		w.u(uint64(h.mmsi))
		w.s(h.source)
		w.t(h.t)
		w.t(h.aisT)
		w.f(h.lat, h.lon, h.vx, h.vy)
	}
	w.u(uint64(len(a.doubtful)))
	for i := range a.doubtful {
		w.detection(&a.doubtful[i].d)
	}
	w.u(uint64(len(a.queue)))
	for i := range a.queue {
		w.episodeValue(&a.queue[i])
	}
	w.u(uint64(len(a.srcList)))
	for _, src := range a.srcList {
		w.s(src.name)
		w.f(src.maxRangeM)
		w.u(uint64(len(src.tracks)))
		for _, tr := range src.tracks {
			w.track(tr)
		}
	}
	dst = record.AppendFileHeader(dst, stateMagic, stateVersion)
	return record.Append(dst, stateRecord, w.b)
}

// stateReader reads a state body with a sticky error.
type stateReader struct {
	b     []byte
	off   int
	err   error
	table []*episode
}

func (r *stateReader) fail(what string) {
	if r.err == nil {
		r.err = &StateError{Offset: r.off, Err: fmt.Errorf("%w: %s", ErrState, what)}
	}
	r.b = nil
}

// u reads a uvarint no larger than limit.
func (r *stateReader) u(limit uint64) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	if v > limit {
		r.fail("number out of range")
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

// count reads a count of items of at least size bytes each.
func (r *stateReader) count(size int) int {
	return int(r.u(uint64(len(r.b) / size)))
}

func (r *stateReader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

func (r *stateReader) t() vessel.Time { return vessel.Time(r.i()) }

func (r *stateReader) byte() byte {
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	v := r.b[0]
	r.b, r.off = r.b[1:], r.off+1
	return v
}

func (r *stateReader) bool() bool { return r.byte() != 0 }

func (r *stateReader) f(v ...*float64) {
	for _, p := range v {
		if len(r.b) < 8 {
			r.fail("truncated")
			*p = 0
			continue
		}
		*p = math.Float64frombits(binary.LittleEndian.Uint64(r.b))
		r.b, r.off = r.b[8:], r.off+8
	}
}

func (r *stateReader) f1() float64 {
	var v float64
	r.f(&v)
	return v
}

func (r *stateReader) cov() cov {
	var c cov
	r.f(&c.xx, &c.xy, &c.yy)
	return c
}

func (r *stateReader) s() string {
	n := r.u(uint64(len(r.b)))
	if r.err == nil && n > uint64(len(r.b)) {
		// The limit counted the length's own bytes.
		r.fail("string beyond the bytes")
	}
	if r.err != nil {
		return ""
	}
	v := string(r.b[:n])
	r.b, r.off = r.b[n:], r.off+int(n)
	return v
}

func (r *stateReader) ep() *episode {
	k := r.u(uint64(len(r.table)))
	if k == 0 || r.err != nil {
		return nil
	}
	return r.table[k-1]
}

func (r *stateReader) mmsi() vessel.MMSI { return vessel.MMSI(r.u(math.MaxUint32)) }

func (r *stateReader) episodeValue(e *Episode) {
	e.ID = r.s()
	e.Version = int(r.u(math.MaxInt32))
	e.Kind = r.s()
	e.MMSI = r.mmsi()
	e.Sensor = vessel.Sensor(r.byte())
	e.Source = r.s()
	e.Start, e.End = r.t(), r.t()
	r.f(&e.Lat, &e.Lon)
	e.Closed = r.bool()
	v := &e.Evidence
	v.Reports = int(r.u(math.MaxInt32))
	v.Tracks = int(r.u(math.MaxInt32))
	for _, l := range []*[]string{&v.Targets, &v.Scenes} {
		n := r.count(1)
		for range n {
			*l = append(*l, r.s())
		}
	}
	v.Doubtful = int(r.u(math.MaxInt32))
	r.f(&v.MaxScore, &v.LengthM, &v.SpeedKn)
	v.Nearest = r.mmsi()
	r.f(&v.NearestD2, &v.OffsetM, &v.OffsetBearing)
}

func (r *stateReader) detection() vessel.Detection {
	var d vessel.Detection
	d.Time = r.t()
	d.Sensor = vessel.Sensor(r.byte())
	d.Source, d.Target, d.Scene = r.s(), r.s(), r.s()
	r.f(&d.Lat, &d.Lon, &d.PosErrM)
	d.Has = vessel.DetectionFields(r.byte())
	r.f(&d.SpeedKn, &d.CourseDeg, &d.LengthM, &d.Score, &d.RangeM, &d.BearingDeg, &d.SensorLat, &d.SensorLon)
	d.Name = r.s()
	d.Status = r.byte()
	return d
}

func (r *stateReader) track(src *radarSource) *track {
	tr := &track{src: src}
	tr.id = r.u(math.MaxUint64)
	tr.target = r.s()
	r.f(&tr.lat, &tr.lon, &tr.vx, &tr.vy)
	for i := range tr.p {
		for j := range tr.p[i] {
			r.f(&tr.p[i][j])
		}
	}
	tr.t, tr.t0 = r.t(), r.t()
	r.f(&tr.lat0, &tr.lon0)
	tr.r0 = r.cov()
	tr.hist = uint32(r.u(math.MaxUint32))
	fl := r.byte()
	tr.hit, tr.confirmed, tr.held = fl&1 != 0, fl&2 != 0, fl&4 != 0
	tr.mmsi = r.mmsi()
	n := r.count(8)
	for range n {
		var e entry
		e.mmsi = r.mmsi()
		e.c = r.f1()
		e.seen = r.bool()
		c := &e.cand
		c.MMSI = r.mmsi()
		r.f(&c.AgeS, &c.DistM, &c.D2, &c.LengthD2, &c.Cost, &c.Score)
		c.reportT = r.t()
		c.viaRadar = r.bool()
		r.f(&e.bx, &e.by)
		e.bc = r.cov()
		r.f(&e.bw, &e.bw2, &e.bias)
		if r.err != nil {
			return tr
		}
		tr.ledger = append(tr.ledger, e)
	}
	tr.w = r.f1()
	tr.unassoc = int(r.u(math.MaxInt32))
	tr.darkSince, tr.aisT, tr.mmCheck = r.t(), r.t(), r.t()
	n = r.count(8)
	for range n {
		var s suspect
		s.mmsi = r.mmsi()
		r.f(&s.ox, &s.oy)
		s.since = r.t()
		r.f(&s.lat, &s.lon, &s.crs)
		s.turned, s.seen = r.bool(), r.bool()
		s.missed = int(r.u(math.MaxInt32))
		s.ep = r.ep()
		if r.err != nil {
			return tr
		}
		tr.suspects = append(tr.suspects, s)
	}
	tr.ep = r.ep()
	tr.nearest = r.mmsi()
	r.f(&tr.nearD2, &tr.scanNone)
	return tr
}

// LoadState replaces the associator's state with one written by
// AppendState (the configuration and the AIS picture stay those of a).
// On an error a is left as it was.
func (a *Associator) LoadState(b []byte) error {
	bad := func(off int, err error) error { return &StateError{Offset: off, Err: err} }
	v, err := record.ParseFileHeader(b, stateMagic)
	if err != nil {
		return bad(0, fmt.Errorf("%w: not an associator state: %w", ErrState, err))
	}
	if v != stateVersion {
		return bad(record.MagicLen, fmt.Errorf("%w: version %d (this build reads %d): %w", ErrState, v, stateVersion, record.ErrVersion))
	}
	typ, body, n, ok := record.Current.Check(b[record.FileHeaderLen:], maxState)
	switch {
	case !ok:
		return bad(record.FileHeaderLen, fmt.Errorf("%w: record cut or failing its checksum", ErrState))
	case typ != stateRecord:
		return bad(record.FileHeaderLen, fmt.Errorf("%w: record type %d", ErrState, typ))
	}
	if end := record.FileHeaderLen + n; end != len(b) {
		// Only the AIS reports' record may follow (AppendVesselStates).
		if _, err := vesselRecord(b, end); err != nil {
			return err
		}
	}
	r := &stateReader{b: body, off: record.FileHeaderLen + record.HeaderLen}
	fresh := New(a.cfg, a.vessels)
	fresh.cfg = a.cfg // already with defaults
	fresh.nextID = r.u(math.MaxUint64)
	st := &fresh.stats
	for _, p := range []*int{&st.Reports, &st.Rejected, &st.Associated, &st.Held, &st.Tracks, &st.Confirmed, &st.Breaks,
		&st.Episodes, &st.Mismatches, &st.Linked, &st.Doubtful, &st.InHarbour, &st.QueueDropped, &st.DoubtfulDropped} {
		*p = int(r.u(math.MaxInt64))
	}
	n = r.count(40)
	for range n {
		ep := &episode{}
		r.episodeValue(&ep.Episode)
		ep.lastEmit = r.t()
		ep.live = int(r.i())
		ep.endT = r.t()
		r.f(&ep.lat, &ep.lon, &ep.vx, &ep.vy)
		ep.pc, ep.vc = r.cov(), r.cov()
		r.f(&ep.ox, &ep.oy, &ep.n, &ep.mx, &ep.my, &ep.m2, &ep.lat0, &ep.lon0)
		if r.err != nil {
			break
		}
		r.table = append(r.table, ep)
	}
	for _, l := range []*[]*episode{&fresh.ended, &fresh.sat, &fresh.mismatches} {
		n := r.count(1)
		for range n {
			ep := r.ep()
			if ep == nil {
				r.fail("episode list refers to none")
				break
			}
			*l = append(*l, ep)
		}
	}
	n = r.count(20)
	for range n {
		h := heldEnd{mmsi: r.mmsi(), source: r.s(), t: r.t(), aisT: r.t()}
		r.f(&h.lat, &h.lon, &h.vx, &h.vy)
		if r.err != nil {
			break
		}
		fresh.heldEnded = append(fresh.heldEnded, h)
	}
	n = r.count(80)
	for range n {
		d := r.detection()
		if r.err != nil {
			break
		}
		fresh.doubtful = append(fresh.doubtful, pending{d: d})
	}
	n = r.count(20)
	for range n {
		var e Episode
		r.episodeValue(&e)
		if r.err != nil {
			break
		}
		fresh.queue = append(fresh.queue, e)
	}
	n = r.count(9)
	for range n {
		src := fresh.source(r.s())
		src.maxRangeM = r.f1()
		nt := r.count(200)
		for range nt {
			tr := r.track(src)
			if r.err != nil {
				break
			}
			src.tracks = append(src.tracks, tr)
			if tr.target != "" {
				src.byTarget[tr.target] = tr
			}
		}
		if r.err != nil {
			break
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return r.err
	}
	*a = *fresh
	a.visitFn = a.visitRadar
	return nil
}

// AppendVesselStates appends to state, written by AppendState, a record
// of the AIS reports vs (each vessel's reports oldest first, as an index
// of them takes them again), and returns it. A node keeps them with the
// associator's state so that, restarted, it associates its first scans
// with the AIS it had, as if it had never stopped. Append it once, after
// AppendState.
func AppendVesselStates(state []byte, vs []VesselState) []byte {
	// room for the longest encoding at once (MMSI and time varints of at
	// most 10 bytes, five floats, a bool), not a copy at every doubling
	w := &stateWriter{b: make([]byte, 0, binary.MaxVarintLen64+len(vs)*vesselStateMax)}
	w.u(uint64(len(vs)))
	for i := range vs {
		v := &vs[i]
		w.u(uint64(v.MMSI))
		w.t(v.Time)
		w.f(v.Lat, v.Lon)
		w.bool(v.HasMotion)
		w.f(v.SOGKn, v.COGDeg, v.LengthM)
	}
	return record.Append(state, stateVessels, w.b)
}

// vesselStateMax is the longest encoding of one VesselState in
// AppendVesselStates.
const vesselStateMax = 2*binary.MaxVarintLen64 + 5*8 + 1

// VesselStates returns the AIS reports that AppendVesselStates kept in
// state, in their order; nil when the state has none. A state that is
// not one, or whose reports do not decode, is refused with a *StateError
// wrapping ErrState.
func VesselStates(state []byte) ([]VesselState, error) {
	if _, err := record.ParseFileHeader(state, stateMagic); err != nil {
		return nil, &StateError{Err: fmt.Errorf("%w: not an associator state: %w", ErrState, err)}
	}
	_, _, n, ok := record.Current.Check(state[record.FileHeaderLen:], maxState)
	if !ok {
		return nil, &StateError{Offset: record.FileHeaderLen, Err: fmt.Errorf("%w: record cut or failing its checksum", ErrState)}
	}
	if end := record.FileHeaderLen + n; end != len(state) {
		return vesselRecord(state, end)
	}
	return nil, nil
}

// vesselRecord decodes the AIS reports' record at off in b, which must
// end b.
func vesselRecord(b []byte, off int) ([]VesselState, error) {
	bad := func(off int, err error) error { return &StateError{Offset: off, Err: err} }
	typ, body, n, ok := record.Current.Check(b[off:], maxState)
	switch {
	case !ok:
		return nil, bad(off, fmt.Errorf("%w: record cut or failing its checksum", ErrState))
	case typ != stateVessels:
		return nil, bad(off, fmt.Errorf("%w: record type %d", ErrState, typ))
	case off+n != len(b):
		return nil, bad(off+n, fmt.Errorf("%w: bytes after the records", ErrState))
	}
	r := &stateReader{b: body, off: off + record.HeaderLen}
	cnt := r.count(1 + 1 + 8 + 8 + 1 + 24)
	vs := make([]VesselState, 0, cnt)
	for range cnt {
		v := VesselState{MMSI: r.mmsi(), Time: r.t()}
		r.f(&v.Lat, &v.Lon)
		v.HasMotion = r.bool()
		r.f(&v.SOGKn, &v.COGDeg, &v.LengthM)
		if r.err != nil {
			break
		}
		vs = append(vs, v)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	return vs, nil
}
