package event

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Anchorage is a place learned from the data, as Global Fishing Watch
// derives its anchorages from AIS: a grid cell where at least
// LearnParams.MinVessels distinct vessels stopped (within
// LearnParams.StopRadius for LearnParams.MinStop), counting the eight
// cells around it too. Learned anchorages count as anchorages for
// encounters, loitering and gaps, beside the bundled port list.
type Anchorage struct {
	Lat, Lon float64
	// Vessels is how many distinct vessels were seen stopped in and
	// around its cell when it was learned or last saved.
	Vessels int
	// Since is when it was learned, in data time; events judged before
	// that do not see it (so that live, batch and replayed runs agree).
	// Anchorages given in Config.Anchorages have Since 0: always known.
	Since vessel.Time
}

// learnCell is a cell of the anchorage-learning grid.
type learnCell struct {
	vessels []vessel.MMSI // distinct vessels stopped here, at most 64
	at      []vessel.Time // when each was counted
	sumLat  float64
	sumDLon float64
	lon0    float64
	n       int
	idx     int // index in Engine.learned, -1 until learned
}

// learnKey is the learning-grid cell of a point.
func (e *Engine) learnKey(pt geo.Point) (int, int) {
	c := e.p.Anchorages.Cell
	return int(math.Floor(pt.Lat / c)), int(math.Floor(geo.NormalizeLon(pt.Lon) / c))
}

// learnOnReport follows the vessel's stops: a run of reports slower than
// StopSpeed (or moored or at anchor), all within StopRadius of its first,
// lasting MinStop, is a stop; its place is counted in the learning grid.
func (e *Engine) learnOnReport(tr *track, p *vessel.Position, pt geo.Point, speed float64) {
	lp := &e.p.Anchorages
	if !lp.Enabled {
		return
	}
	stopped := speed >= 0 && speed < lp.StopSpeed || berthedStatus(p.Status) && speed < 1
	if !stopped {
		tr.stopOn = false
		return
	}
	if !tr.stopOn || p.Time-tr.stopRef.Time > vessel.Time(e.p.MaxReportGap.ms())+vessel.Time(lp.MinStop.ms()) ||
		fastDistance(posPoint(&tr.stopRef), pt) > lp.StopRadius {
		tr.stopOn, tr.stopRef, tr.stopDone = true, *p, false
		return
	}
	if !tr.stopDone && p.Time-tr.stopRef.Time >= vessel.Time(lp.MinStop.ms()) {
		tr.stopDone = true
		e.learnStop(tr.mmsi, posPoint(&tr.stopRef), p.Time)
	}
}

// maxStoppers bounds the vessels with invalid MMSIs followed for stops.
const maxStoppers = 4096

// learnInvalid follows the stops of a vessel with an invalid MMSI (fusion
// flags them; they make no event): a boat with a placeholder or
// mistyped MMSI still stops at its berth or anchorage, and a harbour it
// shares with two others is an anchorage. Its speed is its SOG (without
// one, it is not judged stopped); reports older than its last are
// skipped. At most maxStoppers vessels are followed (Stats.Stoppers).
func (e *Engine) learnInvalid(p *vessel.Position) {
	if !e.p.Anchorages.Enabled {
		return
	}
	tr := e.stoppers[p.MMSI]
	if tr == nil {
		if len(e.stoppers) >= maxStoppers {
			return
		}
		if e.stoppers == nil {
			e.stoppers = make(map[vessel.MMSI]*track)
		}
		tr = &track{mmsi: p.MMSI, heapIdx: -1}
		e.stoppers[p.MMSI] = tr
	} else if p.Time < tr.seen {
		return
	}
	tr.seen = p.Time
	speed := -1.0
	if v, ok := p.SOG.Knots(); ok {
		speed = v
	}
	e.learnOnReport(tr, p, posPoint(p), speed)
}

// learnStop counts a vessel's stop at pt, learning the anchorages it
// completes.
func (e *Engine) learnStop(m vessel.MMSI, pt geo.Point, t vessel.Time) {
	row, col := e.learnKey(pt)
	k := cellKey(row, col)
	c := e.learnCells[k]
	if c == nil {
		c = &learnCell{idx: -1, lon0: pt.Lon}
		e.learnCells[k] = c
	}
	known := false
	for _, v := range c.vessels {
		known = known || v == m
	}
	if !known && len(c.vessels) < 64 {
		c.vessels = append(c.vessels, m)
		c.at = append(c.at, t)
	}
	c.sumLat += pt.Lat
	c.sumDLon += geo.NormalizeLon(pt.Lon - c.lon0)
	c.n++
	// distinct vessels in the 3 × 3 cells around
	var seen []vessel.MMSI
	for r := row - 1; r <= row+1; r++ {
		for cc := col - 1; cc <= col+1; cc++ {
			if n := e.learnCells[cellKey(r, cc)]; n != nil {
				for _, v := range n.vessels {
					dup := false
					for _, s := range seen {
						dup = dup || s == v
					}
					if !dup {
						seen = append(seen, v)
					}
				}
			}
		}
	}
	if len(seen) < e.p.Anchorages.MinVessels {
		return
	}
	for r := row - 1; r <= row+1; r++ {
		for cc := col - 1; cc <= col+1; cc++ {
			n := e.learnCells[cellKey(r, cc)]
			if n == nil || n.n == 0 {
				continue
			}
			if n.idx >= 0 {
				e.learned[n.idx].Vessels = max(e.learned[n.idx].Vessels, len(seen))
				continue
			}
			a := Anchorage{Lat: n.sumLat / float64(n.n), Lon: geo.NormalizeLon(n.lon0 + n.sumDLon/float64(n.n)), Vessels: len(seen), Since: t}
			n.idx = e.addLearned(a)
		}
	}
}

// learnGridCell is the side, in degrees, of the grid learned anchorages
// are looked up in.
const learnGridCell = 0.1

// addLearned adds an anchorage to the lookup grid and returns its index.
func (e *Engine) addLearned(a Anchorage) int {
	i := len(e.learned)
	e.learned = append(e.learned, a)
	k := learnGridKey(a)
	e.learnGrid[k] = append(e.learnGrid[k], int32(i))
	e.stats.Anchorages = len(e.learned)
	return i
}

// learnGridKey is the lookup grid's cell of anchorage a.
func learnGridKey(a Anchorage) int64 {
	return cellKey(int(math.Floor(a.Lat/learnGridCell)), int(math.Floor(geo.NormalizeLon(a.Lon)/learnGridCell)))
}

// learnedNear reports whether an anchorage learned by time t is within
// r metres of pt.
func (e *Engine) learnedNear(pt geo.Point, r float64, t vessel.Time) bool {
	i, _ := e.learnedNearest(pt, r, func(a *Anchorage) bool { return a.Since <= t })
	return i >= 0
}

// learnedNearest returns the nearest anchorage within r metres of pt
// that ok accepts: its index in e.learned (-1 when none) and distance (r
// when none).
func (e *Engine) learnedNearest(pt geo.Point, r float64, ok func(*Anchorage) bool) (int, float64) {
	best, bd := -1, r
	if len(e.learned) == 0 || r <= 0 {
		return best, bd
	}
	rc := geo.RectAround(pt, r)
	r0, r1 := int(math.Floor(rc.MinLat/learnGridCell)), int(math.Floor(rc.MaxLat/learnGridCell))
	c0, c1 := int(math.Floor(rc.MinLon/learnGridCell)), int(math.Floor(rc.MaxLon/learnGridCell))
	ncol := int(math.Round(360 / learnGridCell))
	if c1 < c0 {
		c1 += ncol
	}
	for row := r0; row <= r1; row++ {
		for cc := c0; cc <= min(c1, c0+ncol-1); cc++ {
			col := cc
			if col >= ncol/2 {
				col -= ncol
			}
			for _, i := range e.learnGrid[cellKey(row, col)] {
				a := &e.learned[i]
				if !ok(a) {
					continue
				}
				if d := geo.Distance(pt, geo.Point{Lat: a.Lat, Lon: a.Lon}); d <= bd {
					best, bd = int(i), d
				}
			}
		}
	}
	return best, bd
}

// Anchorages returns the anchorages the engine knows from
// Config.Anchorages and has learned since, for saving
// (MarshalAnchorages) and giving back to the next engine.
func (e *Engine) Anchorages() []Anchorage {
	out := make([]Anchorage, len(e.learned))
	copy(out, e.learned)
	for i := range out {
		out[i].Since = 0
	}
	return out
}

// KnownAnchorages is Anchorages with Since kept: when each was learned,
// in data time (0 for those given in Config.Anchorages, which a restart
// gives back the anchorages saved before). The order is that of
// Anchorages: those given first, then those learned, in the order they
// were learned.
func (e *Engine) KnownAnchorages() []Anchorage {
	return slices.Clone(e.learned)
}

// ErrAnchorages: a learned-anchorages file is corrupt or of an unknown
// version.
var ErrAnchorages = errors.New("event: invalid anchorages file")

// The anchorages file format, version 1, all integers little-endian:
//
//	magic "TWAN" | version uint8 = 1 | count uint32
//	count × { lat float64 | lon float64 | vessels uint32 }
//	crc32 (Castagnoli) of everything before it, uint32
const (
	anchMagic   = "TWAN"
	anchVersion = 1
	anchRecord  = 20
)

// MarshalAnchorages encodes anchorages in the versioned, checksummed
// file format (see ErrAnchorages for reading it back). Since is not
// kept: loaded anchorages are always known.
func MarshalAnchorages(as []Anchorage) []byte {
	b := make([]byte, 0, 9+len(as)*anchRecord+4)
	b = append(b, anchMagic...)
	b = append(b, anchVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(as)))
	for _, a := range as {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Lat))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Lon))
		b = binary.LittleEndian.AppendUint32(b, uint32(min(max(a.Vessels, 0), math.MaxUint32)))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// UnmarshalAnchorages decodes what MarshalAnchorages writes. A truncated
// or corrupted file, an unknown version or an anchorage off the globe is
// an error wrapping ErrAnchorages.
func UnmarshalAnchorages(b []byte) ([]Anchorage, error) {
	if len(b) < 13 || string(b[:4]) != anchMagic {
		return nil, fmt.Errorf("%w: no header", ErrAnchorages)
	}
	if b[4] != anchVersion {
		return nil, fmt.Errorf("%w: version %d", ErrAnchorages, b[4])
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrAnchorages)
	}
	n := binary.LittleEndian.Uint32(b[5:9])
	if uint64(len(body)-9) != uint64(n)*anchRecord {
		return nil, fmt.Errorf("%w: %d bytes for %d anchorages", ErrAnchorages, len(body)-9, n)
	}
	out := make([]Anchorage, n)
	for i := range out {
		r := body[9+i*anchRecord:]
		a := Anchorage{Lat: math.Float64frombits(binary.LittleEndian.Uint64(r)),
			Lon: math.Float64frombits(binary.LittleEndian.Uint64(r[8:])), Vessels: int(binary.LittleEndian.Uint32(r[16:]))}
		if !(a.Lat >= -90 && a.Lat <= 90 && a.Lon >= -180 && a.Lon <= 180) {
			return nil, fmt.Errorf("%w: anchorage %d at %v,%v", ErrAnchorages, i, a.Lat, a.Lon)
		}
		out[i] = a
	}
	return out, nil
}

// AnchorageCount returns how many anchorages the engine knows: saving
// them again is worth it only when this changed.
func (e *Engine) AnchorageCount() int { return len(e.learned) }

// stoppersNear counts the distinct vessels other than m counted stopped
// by time t in the learning cell of pt and the eight around it.
func (e *Engine) stoppersNear(pt geo.Point, t vessel.Time, m vessel.MMSI) int {
	if !e.p.Anchorages.Enabled {
		return 0
	}
	row, col := e.learnKey(pt)
	var seen [8]vessel.MMSI
	n := 0
	for r := row - 1; r <= row+1; r++ {
		for cc := col - 1; cc <= col+1; cc++ {
			c := e.learnCells[cellKey(r, cc)]
			if c == nil {
				continue
			}
			for i, v := range c.vessels {
				if v == m || c.at[i] > t {
					continue
				}
				dup := false
				for _, s := range seen[:min(n, len(seen))] {
					dup = dup || s == v
				}
				if !dup {
					if n < len(seen) {
						seen[n] = v
					}
					n++
				}
			}
		}
	}
	return n
}
