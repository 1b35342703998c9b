package fusion

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The state (format version 1) is the whole of what the picture decides
// from: every vessel's track hypotheses with their rings, flagged ring,
// counters, static data and identity episode; every station; the
// receivers' clock records; the per-shard counters and clock readings.
// A picture loaded from it (LoadState) decides every later report as the
// picture it was taken from would. It is what a cluster node keeps beside
// its store so that a restart resumes fusion exactly (see
// internal/server/cluster.go), and what a snapshot carries to a node that
// was away. Vessels, stations and receivers are written in ascending
// order, so two pictures with the same state encode to the same bytes.
// Layout:
//
//	header   "TWFUSE", uint16 version (little endian)
//	uint32   length of the body, little endian
//	uint32   CRC-32C of the body
//	body     uvarint shards (64), then per shard: varint now (Unix ms),
//	           6 × uvarint outcomes, 16 × uvarint flags, uvarint swaps,
//	           episodes, clock
//	         uvarint n vessels, then per vessel (ascending MMSI):
//	           uvarint MMSI delta, varint heard, uvarint positions,
//	           flagged, dups, byte nbad, byte primary+1, byte nextID,
//	           uvarint eps, 4 × entry (the flagged ring), static,
//	           episode (byte 0, or 1: uvarint seq, uvarint n, n bytes
//	           of track ids, varint start, varint end, byte open),
//	           uvarint n hyps, then per hyp: byte ngood, ngood × entry,
//	           string src, varint first, uvarint n, byte id, byte
//	           confirmed
//	         uvarint n stations, then per station (ascending MMSI):
//	           uvarint MMSI delta, byte kind, position, byte located,
//	           varint heard, static, uvarint reports
//	         uvarint n receivers, then per receiver (ascending source):
//	           string source, byte faulty, varint last evidence,
//	           uvarint last vessel, varint offset, varint max late,
//	           uvarint faults, uvarint episodes
//	entry    varint t, varint lat, varint lon (1e-7 degree), uvarint
//	         sog, cog, hdg, byte status, byte flags
//	position (the MMSI is the station's) varint t, uint64 lat, uint64 lon (IEEE 754 bits, LE),
//	         uvarint sog, cog, hdg, byte status, uvarint flags, byte
//	         track, string source
//	static   byte 0, or 1: uvarint MMSI, varint time, uvarint has,
//	         string name, call sign, uvarint IMO, byte ship type, string
//	         destination, ETA, uvarint bow, stern, port, starboard,
//	         draught, string source, 8 × varint field times
//	string   uvarint length, bytes
//
// The decoder refuses, with a *StateError wrapping ErrState, a wrong
// magic, an unknown version, a bad checksum, counts beyond the bytes or
// the picture's limits, MMSIs out of order, a hypothesis without a
// position or with its ring out of time order, a main track out of range,
// and trailing bytes.
const (
	stateMagic   = "TWFUSE"
	stateVersion = 1
	stateHdrLen  = 16
)

// ErrState: a picture state that is not one (a wrong magic, an unknown
// version, a bad checksum, or a body that does not decode).
var ErrState = errors.New("fusion: bad picture state")

// StateError is a state that does not decode, with the offset in it.
type StateError struct {
	Offset int
	Err    error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("fusion: state at offset %d: %v", e.Offset, e.Err)
}
func (e *StateError) Unwrap() error { return e.Err }

var stateCRC = crc32.MakeTable(crc32.Castagnoli)

// AppendState appends the picture's whole state to dst (see the layout
// above) and returns it. It holds every shard's lock while it copies, so
// the state is one consistent cut even while others apply; the caller
// that wants a state matching a position in its input applies nothing
// concurrently.
func (p *Picture) AppendState(dst []byte) []byte {
	for i := range p.shards {
		p.shards[i].mu.Lock()
	}
	p.clocks.mu.Lock()
	defer func() {
		p.clocks.mu.Unlock()
		for i := range p.shards {
			p.shards[i].mu.Unlock()
		}
	}()
	var b []byte
	b = binary.AppendUvarint(b, nShards)
	for i := range p.shards {
		sh := &p.shards[i]
		b = binary.AppendVarint(b, int64(sh.now))
		for _, n := range sh.stats.Outcomes {
			b = binary.AppendUvarint(b, n)
		}
		for _, n := range sh.stats.Flags {
			b = binary.AppendUvarint(b, n)
		}
		b = binary.AppendUvarint(b, sh.stats.Swaps)
		b = binary.AppendUvarint(b, sh.stats.Episodes)
		b = binary.AppendUvarint(b, sh.stats.Clock)
	}
	var vs, ss []vessel.MMSI
	for i := range p.shards {
		for m := range p.shards[i].vessels.All() {
			vs = append(vs, m)
		}
		for m := range p.shards[i].stations {
			ss = append(ss, m)
		}
	}
	slices.Sort(vs)
	slices.Sort(ss)
	b = binary.AppendUvarint(b, uint64(len(vs)))
	var last vessel.MMSI
	for _, m := range vs {
		t := p.shard(m).vessels.Get(m)
		b = binary.AppendUvarint(b, uint64(m-last))
		last = m
		b = binary.AppendVarint(b, int64(t.heard))
		b = binary.AppendUvarint(b, uint64(t.positions))
		b = binary.AppendUvarint(b, uint64(t.flagged))
		b = binary.AppendUvarint(b, uint64(t.dups))
		b = append(b, t.nbad, byte(t.primary+1), t.nextID)
		b = binary.AppendUvarint(b, uint64(t.eps))
		for i := range t.bad {
			b = appendEntry(b, &t.bad[i])
		}
		b = appendStatic(b, t.static)
		if ep := t.ep; ep == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = binary.AppendUvarint(b, uint64(ep.Seq))
			b = binary.AppendUvarint(b, uint64(len(ep.Tracks)))
			b = append(b, ep.Tracks...)
			b = binary.AppendVarint(b, int64(ep.Start))
			b = binary.AppendVarint(b, int64(ep.End))
			b = appendBool(b, ep.Open)
		}
		b = binary.AppendUvarint(b, uint64(len(t.hyps)))
		for i := range t.hyps {
			h := &t.hyps[i]
			b = append(b, h.ngood)
			for j := range int(h.ngood) {
				b = appendEntry(b, &h.good[j])
			}
			b = appendString(b, h.src)
			b = binary.AppendVarint(b, int64(h.first))
			b = binary.AppendUvarint(b, uint64(h.n))
			b = append(b, h.id)
			b = appendBool(b, h.confirmed)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(ss)))
	last = 0
	for _, m := range ss {
		st := p.shard(m).stations[m]
		b = binary.AppendUvarint(b, uint64(m-last))
		last = m
		b = append(b, byte(st.kind))
		b = appendPosition(b, &st.pos)
		b = appendBool(b, st.located)
		b = binary.AppendVarint(b, int64(st.heard))
		b = appendStatic(b, st.static)
		b = binary.AppendUvarint(b, uint64(st.reports))
	}
	srcs := make([]string, 0, len(p.clocks.m))
	for s := range p.clocks.m {
		srcs = append(srcs, s)
	}
	slices.Sort(srcs)
	b = binary.AppendUvarint(b, uint64(len(srcs)))
	for _, s := range srcs {
		sc := p.clocks.m[s]
		b = appendString(b, s)
		b = appendBool(b, sc.faulty)
		b = binary.AppendVarint(b, int64(sc.lastEvidence))
		b = binary.AppendUvarint(b, uint64(sc.lastVessel))
		b = binary.AppendVarint(b, int64(sc.offset))
		b = binary.AppendVarint(b, int64(sc.maxLate))
		b = binary.AppendUvarint(b, sc.faults)
		b = binary.AppendUvarint(b, sc.episodes)
	}
	dst = append(dst, stateMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, stateVersion)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(b, stateCRC))
	return append(dst, b...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendEntry(b []byte, e *entry) []byte {
	b = binary.AppendVarint(b, int64(e.t))
	b = binary.AppendVarint(b, int64(e.lat))
	b = binary.AppendVarint(b, int64(e.lon))
	b = binary.AppendUvarint(b, uint64(e.sog))
	b = binary.AppendUvarint(b, uint64(e.cog))
	b = binary.AppendUvarint(b, uint64(e.hdg))
	return append(b, byte(e.status), e.flags)
}

func appendPosition(b []byte, p *vessel.Position) []byte {
	b = binary.AppendVarint(b, int64(p.Time))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Lat))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Lon))
	b = binary.AppendUvarint(b, uint64(p.SOG))
	b = binary.AppendUvarint(b, uint64(p.COG))
	b = binary.AppendUvarint(b, uint64(p.Heading))
	b = append(b, byte(p.Status))
	b = binary.AppendUvarint(b, uint64(p.Flags))
	b = append(b, p.Track)
	return appendString(b, p.Source)
}

func appendStatic(b []byte, d *staticData) []byte {
	if d == nil {
		return append(b, 0)
	}
	s := &d.s
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(s.MMSI))
	b = binary.AppendVarint(b, int64(s.Time))
	b = binary.AppendUvarint(b, uint64(s.Has))
	b = appendString(b, s.Name)
	b = appendString(b, s.CallSign)
	b = binary.AppendUvarint(b, uint64(s.IMO))
	b = append(b, s.ShipType)
	b = appendString(b, s.Destination)
	b = appendString(b, s.ETA)
	for _, v := range [...]uint16{s.ToBow, s.ToStern, s.ToPort, s.ToStarboard, s.Draught} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = appendString(b, s.Source)
	for _, t := range d.times {
		b = binary.AppendVarint(b, int64(t))
	}
	return b
}

// stateReader is a sticky-error cursor over a state body.
type stateReader struct {
	b    []byte
	off  int
	err  error
	errA int // offset of the first error
}

func (r *stateReader) fail(what string) {
	if r.err == nil {
		r.err, r.errA = errors.New(what), r.off
	}
	r.b = nil
}

func (r *stateReader) uvarint(max uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	if v > max {
		r.fail(fmt.Sprintf("value %d beyond %d", v, max))
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

func (r *stateReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail("truncated")
		return 0
	}
	v := r.b[0]
	r.b, r.off = r.b[1:], r.off+1
	return v
}

func (r *stateReader) bool() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad boolean")
	return false
}

func (r *stateReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.fail("truncated")
		return nil
	}
	v := r.b[:n]
	r.b, r.off = r.b[n:], r.off+int(n)
	return v
}

func (r *stateReader) string() string {
	return string(r.bytes(r.uvarint(uint64(len(r.b)))))
}

func (r *stateReader) uint64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *stateReader) entry(e *entry) {
	e.t = vessel.Time(r.varint())
	lat, lon := r.varint(), r.varint()
	if lat < math.MinInt32 || lat > math.MaxInt32 || lon < math.MinInt32 || lon > math.MaxInt32 {
		r.fail("coordinate out of range")
	}
	e.lat, e.lon = int32(lat), int32(lon)
	e.sog = vessel.Speed(r.uvarint(math.MaxUint16))
	e.cog = vessel.Course(r.uvarint(math.MaxUint16))
	e.hdg = vessel.Heading(r.uvarint(math.MaxUint16))
	e.status = vessel.NavStatus(r.byte())
	e.flags = r.byte()
}

func (r *stateReader) position(p *vessel.Position) {
	p.Time = vessel.Time(r.varint())
	p.Lat = math.Float64frombits(r.uint64())
	p.Lon = math.Float64frombits(r.uint64())
	p.SOG = vessel.Speed(r.uvarint(math.MaxUint16))
	p.COG = vessel.Course(r.uvarint(math.MaxUint16))
	p.Heading = vessel.Heading(r.uvarint(math.MaxUint16))
	p.Status = vessel.NavStatus(r.byte())
	p.Flags = vessel.Flags(r.uvarint(math.MaxUint16))
	p.Track = r.byte()
	p.Source = r.string()
}

func (r *stateReader) static() *staticData {
	if !r.bool() {
		return nil
	}
	d := new(staticData)
	s := &d.s
	s.MMSI = vessel.MMSI(r.uvarint(math.MaxUint32))
	s.Time = vessel.Time(r.varint())
	s.Has = vessel.StaticFields(r.uvarint(math.MaxUint16))
	s.Name = r.string()
	s.CallSign = r.string()
	s.IMO = uint32(r.uvarint(math.MaxUint32))
	s.ShipType = r.byte()
	s.Destination = r.string()
	s.ETA = r.string()
	for _, v := range [...]*uint16{&s.ToBow, &s.ToStern, &s.ToPort, &s.ToStarboard, &s.Draught} {
		*v = uint16(r.uvarint(math.MaxUint16))
	}
	s.Source = r.string()
	for i := range d.times {
		d.times[i] = vessel.Time(r.varint())
	}
	return d
}

// LoadState replaces the picture's whole state with one written by
// AppendState (of a picture with any configuration: the configuration is
// not part of the state). On an error the picture is left as it was. It
// must not run concurrently with anything else on the picture.
func (p *Picture) LoadState(b []byte) error {
	bad := func(off int, err error) error { return &StateError{Offset: off, Err: err} }
	if len(b) < stateHdrLen || string(b[:6]) != stateMagic {
		return bad(0, fmt.Errorf("%w: not a picture state", ErrState))
	}
	if v := binary.LittleEndian.Uint16(b[6:]); v != stateVersion {
		return bad(6, fmt.Errorf("%w: version %d (this build reads %d)", ErrState, v, stateVersion))
	}
	body := b[stateHdrLen:]
	if n := binary.LittleEndian.Uint32(b[8:]); uint64(n) != uint64(len(body)) {
		return bad(8, fmt.Errorf("%w: body of %d bytes, header says %d", ErrState, len(body), n))
	}
	if crc32.Checksum(body, stateCRC) != binary.LittleEndian.Uint32(b[12:]) {
		return bad(12, fmt.Errorf("%w: checksum mismatch", ErrState))
	}
	r := &stateReader{b: body, off: stateHdrLen}
	fresh := NewPicture(Config{})
	if r.uvarint(nShards) != nShards {
		r.fail(fmt.Sprintf("not %d shards", nShards))
	}
	for i := 0; i < nShards && r.err == nil; i++ {
		sh := &fresh.shards[i]
		sh.now = vessel.Time(r.varint())
		for j := range sh.stats.Outcomes {
			sh.stats.Outcomes[j] = r.uvarint(math.MaxUint64)
		}
		for j := range sh.stats.Flags {
			sh.stats.Flags[j] = r.uvarint(math.MaxUint64)
		}
		sh.stats.Swaps = r.uvarint(math.MaxUint64)
		sh.stats.Episodes = r.uvarint(math.MaxUint64)
		sh.stats.Clock = r.uvarint(math.MaxUint64)
	}
	// Each vessel takes at least 4 flagged entries of 9 bytes: a count
	// beyond the bytes is refused before anything is allocated for it.
	nv := r.uvarint(uint64(len(r.b)) / 36)
	var m uint64
	for i := uint64(0); i < nv && r.err == nil; i++ {
		d := r.uvarint(math.MaxUint32)
		if i > 0 && d == 0 {
			r.fail("vessels out of order")
		}
		if m += d; m > math.MaxUint32 {
			r.fail("MMSI out of range")
		}
		mmsi := vessel.MMSI(m)
		t := &track{}
		t.heard = vessel.Time(r.varint())
		t.positions = uint32(r.uvarint(math.MaxUint32))
		t.flagged = uint32(r.uvarint(math.MaxUint32))
		t.dups = uint32(r.uvarint(math.MaxUint32))
		t.nbad = r.byte()
		t.primary = int8(r.byte()) - 1
		t.nextID = r.byte()
		t.eps = vessel.Episode(r.uvarint(math.MaxUint16))
		for j := range t.bad {
			r.entry(&t.bad[j])
		}
		t.static = r.static()
		if r.bool() {
			ep := &Episode{MMSI: mmsi, Seq: vessel.Episode(r.uvarint(math.MaxUint16))}
			ep.Tracks = slices.Clone(r.bytes(r.uvarint(64)))
			ep.Start = vessel.Time(r.varint())
			ep.End = vessel.Time(r.varint())
			ep.Open = r.bool()
			t.ep = ep
		}
		nh := r.uvarint(64)
		t.hyps = make([]hyp, 0, nh)
		for j := uint64(0); j < nh && r.err == nil; j++ {
			var h hyp
			h.ngood = r.byte()
			if h.ngood == 0 || h.ngood > ringGood {
				r.fail("hypothesis ring of bad size")
				break
			}
			for k := range int(h.ngood) {
				r.entry(&h.good[k])
				if k > 0 && h.good[k].t < h.good[k-1].t {
					r.fail("hypothesis ring out of time order")
				}
			}
			h.src = r.string()
			h.first = vessel.Time(r.varint())
			h.n = uint16(r.uvarint(math.MaxUint16))
			h.id = r.byte()
			h.confirmed = r.bool()
			t.hyps = append(t.hyps, h)
		}
		if int(t.primary) >= len(t.hyps) || t.primary < -1 {
			r.fail("main track out of range")
		}
		if r.err == nil {
			fresh.shard(mmsi).vessels.Put(mmsi, t)
		}
	}
	ns := r.uvarint(uint64(len(r.b)) / 30)
	m = 0
	for i := uint64(0); i < ns && r.err == nil; i++ {
		d := r.uvarint(math.MaxUint32)
		if i > 0 && d == 0 {
			r.fail("stations out of order")
		}
		if m += d; m > math.MaxUint32 {
			r.fail("MMSI out of range")
		}
		st := &station{kind: vessel.Kind(r.byte())}
		r.position(&st.pos)
		st.pos.MMSI = vessel.MMSI(m)
		st.located = r.bool()
		st.heard = vessel.Time(r.varint())
		st.static = r.static()
		st.reports = uint32(r.uvarint(math.MaxUint32))
		if r.err == nil {
			fresh.shard(vessel.MMSI(m)).stations[vessel.MMSI(m)] = st
		}
	}
	nc := r.uvarint(min(uint64(len(r.b))/7, maxClockSources))
	var prev string
	var faulty int32
	for i := uint64(0); i < nc && r.err == nil; i++ {
		src := r.string()
		if i > 0 && strings.Compare(src, prev) <= 0 {
			r.fail("receivers out of order")
		}
		prev = src
		sc := &sourceClock{faulty: r.bool(), lastEvidence: vessel.Time(r.varint()),
			lastVessel: vessel.MMSI(r.uvarint(math.MaxUint32)), offset: vessel.Time(r.varint()),
			maxLate: vessel.Time(r.varint()),
			faults:  r.uvarint(math.MaxUint64), episodes: r.uvarint(math.MaxUint64)}
		if fresh.clocks.m == nil {
			fresh.clocks.m = make(map[string]*sourceClock)
		}
		fresh.clocks.m[src] = sc
		if sc.faulty {
			faulty++
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail(fmt.Sprintf("%d trailing bytes", len(r.b)))
	}
	if r.err != nil {
		return bad(r.errA, fmt.Errorf("%w: %w", ErrState, r.err))
	}
	for i := range p.shards {
		sh, f := &p.shards[i], &fresh.shards[i]
		sh.mu.Lock()
		sh.vessels, sh.stations, sh.stats, sh.now = f.vessels, f.stations, f.stats, f.now
		sh.mu.Unlock()
	}
	p.clocks.mu.Lock()
	p.clocks.m = fresh.clocks.m
	p.clocks.faulty.Store(faulty)
	p.clocks.mu.Unlock()
	return nil
}
