package fusion

import (
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Ring sizes. A vessel keeps its last ringGood good positions, sorted by
// time, for the plausibility checks of late reports and for dedup, and its
// last ringBad flagged ones (by arrival) so that a flagged report heard by
// a second receiver is a duplicate too. 8 good positions span 16 s for a
// fast Class A vessel (2 s interval) and 24 min for one at anchor; a
// duplicate that arrives after its original has left the ring is stored
// again, flagged late — harmless, and rare with a 30 s window.
const (
	ringGood = 8
	ringBad  = 4
)

// entry is one position, compact: 24 bytes.
type entry struct {
	t        vessel.Time
	lat, lon int32 // 1e-7 degree
	sog      vessel.Speed
	cog      vessel.Course
	hdg      vessel.Heading
	status   vessel.NavStatus
	flags    uint8 // vessel.Flags; all flags fit in 8 bits
}

const e7 = 1e7

func entryOf(p *vessel.Position) entry {
	return entry{
		t:      p.Time,
		lat:    int32(math.Round(p.Lat * e7)),
		lon:    int32(math.Round(p.Lon * e7)),
		sog:    p.SOG,
		cog:    p.COG,
		hdg:    p.Heading,
		status: p.Status,
	}
}

func (e *entry) point() geo.Point {
	return geo.Point{Lat: float64(e.lat) / e7, Lon: float64(e.lon) / e7}
}

// position expands e into a Position of mmsi from src.
func (e *entry) position(mmsi vessel.MMSI, src string) vessel.Position {
	p := e.point()
	return vessel.Position{
		MMSI: mmsi, Time: e.t, Lat: p.Lat, Lon: p.Lon,
		SOG: e.sog, COG: e.cog, Heading: e.hdg, Status: e.status,
		Flags: vessel.Flags(e.flags), Source: src,
	}
}

// samePlace reports whether a and b are the same position to 1e-6 degree:
// at most 7e-7 degree apart in both coordinates. AIS gives positions in
// steps of 1/600000 degree (1.67e-6); one AIS value at full resolution and
// rounded to six decimals by a partner feed differ by at most 5e-7 (plus
// 1e-7 of our own rounding), while two distinct AIS values differ by at
// least 1e-6 even when both are rounded to six decimals.
func samePlace(a, b *entry) bool {
	return absI32(a.lat-b.lat) <= 7 && absI32(a.lon-b.lon) <= 7
}

// sameReport reports whether a and b carry the same kinematics.
func sameReport(a, b *entry) bool {
	return samePlace(a, b) && a.sog == b.sog && a.cog == b.cog && a.hdg == b.hdg && a.status == b.status
}

func absI32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func absT(v vessel.Time) vessel.Time {
	if v < 0 {
		return -v
	}
	return v
}

// hyp is one track hypothesis of an MMSI: the reports of one physical
// transmitter, as far as the picture can tell. About 230 bytes.
type hyp struct {
	good  [ringGood]entry // positions sorted by time; good[ngood-1] is the latest
	src   string          // source of the latest position
	first vessel.Time     // time of its first report
	n     uint16          // reports joined (saturating)
	ngood uint8
	id    uint8 // the track id, 1-255, unique within the MMSI while kept
	// confirmed: n >= the confirmation count over at least the
	// confirmation span, or seeded from the store. Only a confirmed
	// track can take the latest state from another.
	confirmed bool
}

// track is the live state of one vessel (one MMSI): its track hypotheses,
// the flagged positions kept for dedup, its static data and counters.
// Everything a vessel costs the picture is here (about 200 bytes) plus
// its hypotheses (one, normally) and static data, when it has any.
type track struct {
	hyps   []hyp          // at most Config.MaxTracks
	bad    [ringBad]entry // flagged positions, overwritten in arrival order
	heard  vessel.Time    // last heard, any report but future and clock ones
	static *staticData
	ep     *Episode // the open or last identity episode, nil if none

	positions, flagged, dups uint32

	nbad    uint8 // counts modulo 256; the next slot is nbad%ringBad
	primary int8  // index in hyps of the track the latest state follows, -1 for none
	nextID  uint8 // the last track id given
	eps     vessel.Episode
}

// staticData is a vessel's merged static data with per-field times.
type staticData struct {
	s     vessel.Static
	times vessel.FieldTimes
}

func (h *hyp) latest() *entry { return &h.good[h.ngood-1] }

// main returns the hypothesis the latest state follows, nil if none.
func (t *track) main() *hyp {
	if t.primary < 0 {
		return nil
	}
	return &t.hyps[t.primary]
}

// latest returns the latest position of the main track.
func (t *track) latest() (*entry, bool) {
	h := t.main()
	if h == nil {
		return nil, false
	}
	return h.latest(), true
}

// neighbours returns the good positions just before (at or before) and just
// after e in time; nil when there is none.
func (h *hyp) neighbours(e *entry) (prev, next *entry) {
	i := h.search(e.t)
	if i > 0 {
		prev = &h.good[i-1]
	}
	if i < int(h.ngood) {
		next = &h.good[i]
	}
	return prev, next
}

// search returns the index of the first good position later than tm.
func (h *hyp) search(tm vessel.Time) int {
	i := int(h.ngood)
	for i > 0 && h.good[i-1].t > tm {
		i--
	}
	return i
}

// addGood inserts e into the good ring in time order, dropping the oldest
// when full. A position older than every one of a full ring is not kept.
func (h *hyp) addGood(e entry) {
	i := h.search(e.t)
	if int(h.ngood) == ringGood {
		if i == 0 {
			return
		}
		copy(h.good[:i-1], h.good[1:i])
		h.good[i-1] = e
		return
	}
	copy(h.good[i+1:h.ngood+1], h.good[i:h.ngood])
	h.good[i] = e
	h.ngood++
}

func (t *track) addBad(e entry) {
	t.bad[int(t.nbad)%ringBad] = e
	t.nbad++
	if t.nbad == 0 { // keep the count meaningful as "at least ringBad" after wrapping
		t.nbad = ringBad
	}
}

// duplicate returns a kept position that e repeats: the same kinematics
// within window, or the same time and place whatever the kinematics (one
// report decoded or rounded differently by two feeds).
func (t *track) duplicate(e *entry, window vessel.Time) (*entry, bool) {
	match := func(k *entry) bool {
		dt := absT(k.t - e.t)
		return dt <= window && sameReport(k, e) || dt == 0 && samePlace(k, e)
	}
	for k := range t.hyps {
		h := &t.hyps[k]
		for i := range int(h.ngood) {
			if match(&h.good[i]) {
				return &h.good[i], true
			}
		}
	}
	for i := range min(int(t.nbad), ringBad) {
		if match(&t.bad[i]) {
			return &t.bad[i], true
		}
	}
	return nil, false
}

// order returns the indexes of t's hypotheses, the main one first, then
// by id.
func (t *track) order() []int {
	out := make([]int, 0, len(t.hyps))
	if t.primary >= 0 {
		out = append(out, int(t.primary))
	}
	for i := range t.hyps {
		if i != int(t.primary) {
			out = append(out, i)
		}
	}
	slices.SortFunc(out[min(1, len(out)):], func(a, b int) int { return int(t.hyps[a].id) - int(t.hyps[b].id) })
	return out
}
