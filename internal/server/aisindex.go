package server

import (
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// aisIndex is the AIS picture as association sees it: each vessel's last
// good position in a grid of 1/aisCellsPerDeg degree cells. It is owned
// by the tracker's goroutine.
//
// The vessels live in pages of aisPage slots (a slot per vessel, found
// by MMSI, numbered in order of arrival), so that a new vessel never
// moves the others: one slice of every slot, grown by append, copied
// every slot at each growth (a quarter of the tracker's CPU and its
// largest allocation on BenchmarkLiveRate's feed of new vessels; see
// BenchmarkAISIndexPut). Each occupied cell is a short slice of slot
// numbers, so that a query reads a handful of contiguous slices and
// rules most vessels out by a latitude and longitude box before the
// great-circle distance. Columns wrap at the antimeridian: a query at 179.99°E reads the cells west of 180°W too.
//
// It keeps each vessel's last aisHistory reports, so that a radar scan
// that reaches the tracker after newer AIS reports of its vessels (the
// two feeds are not in step) still sees the vessel as it was at the
// scan's time. A vessel is in the cell of each report it keeps, and a
// query reports it from the cell of the report it chose, so an older
// report is found where it was, not where the vessel is now.
type aisIndex struct {
	pages  [][]aisSlot // full pages of aisPage slots, and the last one
	n      int32       // slots in use
	byMMSI map[vessel.MMSI]int32
	cells  map[int64]int32 // cell key → index in grid
	grid   [][]int32       // slots in each cell
	free   []int32         // indexes of empty grid slices, for reuse
}

// aisSlot is one vessel: its last state, its older reports and the cells
// it is in.
type aisSlot struct {
	cur   contact.VesselState
	hist  [aisHistory]contact.VesselState // newest first; Time 0: none
	cells [aisHistory + 1]int64           // cells of cur and hist, each once; -1: none
}

// aisCellsPerDeg sets the grid: cells of 1/32° (about 3.5 km of
// latitude), so that a radar query (3 km) reads about nine cells.
const aisCellsPerDeg = 32

// aisCols is the number of cell columns round the globe.
const aisCols = 360 * aisCellsPerDeg

// aisRows is the number of cell rows from pole to pole.
const aisRows = 180 * aisCellsPerDeg

// aisHistory is how many older reports of each vessel the index keeps.
const aisHistory = 4

// aisPage is how many slots a page of the index holds (about 360 kB).
const aisPage = 1024

// slot returns slot i (< ix.n).
func (ix *aisIndex) slot(i int32) *aisSlot { return &ix.pages[i/aisPage][i%aisPage] }

// newSlot adds an empty slot and returns its number.
func (ix *aisIndex) newSlot() int32 {
	i := ix.n
	if int(i/aisPage) == len(ix.pages) {
		ix.pages = append(ix.pages, make([]aisSlot, aisPage))
	}
	ix.slot(i).cells = noCells
	ix.n++
	return i
}

func newAISIndex() *aisIndex {
	return &aisIndex{byMMSI: map[vessel.MMSI]int32{}, cells: map[int64]int32{}}
}

// cellRow returns the row of a latitude, clamped to the grid.
func cellRow(lat float64) int64 {
	y := int64(math.Floor((lat + 90) * aisCellsPerDeg))
	return min(max(y, 0), aisRows-1)
}

// cellCol returns the column of a longitude, wrapped round the globe.
func cellCol(lon float64) int64 {
	x := int64(math.Floor((lon + 180) * aisCellsPerDeg))
	return ((x % aisCols) + aisCols) % aisCols
}

// aisCellOf returns the key of the cell of a position.
func aisCellOf(lat, lon float64) int64 { return cellRow(lat)*aisCols + cellCol(lon) }

// put takes a position (Time set) or a length (Time 0).
func (ix *aisIndex) put(s contact.VesselState) {
	i, had := ix.byMMSI[s.MMSI]
	if !had {
		i = ix.newSlot()
		ix.byMMSI[s.MMSI] = i
	}
	sl := ix.slot(i)
	old := sl.cur
	if s.Time == 0 {
		if had {
			sl.cur.LengthM = s.LengthM
		} else {
			sl.cur = s // a length, no position yet
		}
		return
	}
	if had && old.Time > s.Time {
		return
	}
	if s.LengthM < 0 {
		s.LengthM = 0
		if had {
			s.LengthM = old.LengthM
		}
	}
	if had && old.Time != 0 {
		copy(sl.hist[1:], sl.hist[:aisHistory-1])
		sl.hist[0] = old
	}
	sl.cur = s
	// The cells of the kept reports, each once.
	var want [aisHistory + 1]int64
	n := 0
	add := func(k int64) {
		for _, w := range want[:n] {
			if w == k {
				return
			}
		}
		want[n] = k
		n++
	}
	add(aisCellOf(s.Lat, s.Lon))
	for _, h := range sl.hist {
		if h.Time != 0 {
			add(aisCellOf(h.Lat, h.Lon))
		}
	}
	for _, k := range sl.cells {
		if k >= 0 && !slices.Contains(want[:n], k) {
			ix.remove(k, i)
		}
	}
	for _, k := range want[:n] {
		if !slices.Contains(sl.cells[:], k) {
			ix.add(k, i)
		}
	}
	for j := range sl.cells {
		sl.cells[j] = -1
		if j < n {
			sl.cells[j] = want[j]
		}
	}
}

// add puts slot i in cell k.
func (ix *aisIndex) add(k int64, i int32) {
	g, ok := ix.cells[k]
	if !ok {
		if n := len(ix.free); n > 0 {
			g = ix.free[n-1]
			ix.free = ix.free[:n-1]
		} else {
			g = int32(len(ix.grid))
			ix.grid = append(ix.grid, nil)
		}
		ix.cells[k] = g
	}
	ix.grid[g] = append(ix.grid[g], i)
}

// remove takes slot i out of cell k, freeing the cell when it empties.
func (ix *aisIndex) remove(k int64, i int32) {
	g, ok := ix.cells[k]
	if !ok {
		return
	}
	es := ix.grid[g]
	if j := slices.Index(es, i); j >= 0 {
		es[j] = es[len(es)-1]
		es = es[:len(es)-1]
	}
	ix.grid[g] = es
	if len(es) == 0 {
		delete(ix.cells, k)
		ix.free = append(ix.free, g)
	}
}

// Near implements contact.Vessels.
func (ix *aisIndex) Near(lat, lon, radiusM float64, t vessel.Time, fn func(contact.VesselState) bool) {
	// The box round the circle, in degrees; a circle that reaches a pole
	// takes every longitude.
	dLat := radiusM / (geo.EarthRadius * math.Pi / 180)
	dLon := 180.0
	if lat+dLat < 90 && lat-dLat > -90 {
		// The widest longitude span is at the latitude nearest a pole.
		c := math.Cos((math.Abs(lat) + dLat) * math.Pi / 180)
		if c > 1e-9 {
			dLon = min(180, dLat/c)
		}
	}
	y0, y1 := cellRow(lat-dLat), cellRow(lat+dLat)
	xa := int64(math.Floor((lon - dLon + 180) * aisCellsPerDeg))
	xb := int64(math.Floor((lon + dLon + 180) * aisCellsPerDeg))
	if xb-xa+1 >= aisCols {
		xa, xb = 0, aisCols-1
	}
	p := geo.Point{Lat: lat, Lon: lon}
	for y := y0; y <= y1; y++ {
		for xx := xa; xx <= xb; xx++ {
			x := ((xx % aisCols) + aisCols) % aisCols
			k := y*aisCols + x
			g, ok := ix.cells[k]
			if !ok {
				continue
			}
			for _, i := range ix.grid[g] {
				sl := ix.slot(i)
				s := &sl.cur
				if s.Time > t {
					s = sl.before(t)
					if s == nil {
						continue
					}
				}
				if sl.cells[1] >= 0 && aisCellOf(s.Lat, s.Lon) != k {
					continue // reported from the cell of that report
				}
				if math.Abs(s.Lat-lat) > dLat {
					continue
				}
				if dl := math.Abs(s.Lon - lon); dl > dLon && 360-dl > dLon {
					continue
				}
				if geo.Distance(p, geo.Point{Lat: s.Lat, Lon: s.Lon}) > radiusM {
					continue
				}
				if !fn(*s) {
					return
				}
			}
		}
	}
}

// before returns the newest older report at or before t (nil: none kept).
func (sl *aisSlot) before(t vessel.Time) *contact.VesselState {
	for i := range sl.hist {
		if s := &sl.hist[i]; s.Time != 0 && s.Time <= t {
			return s
		}
	}
	return nil
}

// Vessel implements contact.Vessels.
func (ix *aisIndex) Vessel(m vessel.MMSI) (contact.VesselState, bool) {
	i, ok := ix.byMMSI[m]
	if !ok {
		return contact.VesselState{}, false
	}
	s := ix.slot(i).cur
	return s, s.Time != 0
}

var noCells = func() (c [aisHistory + 1]int64) {
	for i := range c {
		c[i] = -1
	}
	return c
}()

// stateAISHorizon is how far before its newest report a vessel's last
// report may be and still be kept with the tracker's state (appendStates):
// older reports are no candidates (the associator's age limits are
// minutes), and the one thing they still serve, an identity that a radar
// track holds through its vessel's AIS silence, is not held across a
// restart after that long a silence.
const stateAISHorizon = 6 * 3600_000 // ms

// appendStates appends the index's reports to dst, slot by slot in the
// index's order, each vessel's oldest first and its length-only entry as
// it is, leaving out the vessels whose last report is more than
// stateAISHorizon older than the newest: putting them back in that order
// (restore) makes an index that answers as this one does.
func (ix *aisIndex) appendStates(dst []contact.VesselState) []contact.VesselState {
	var newest vessel.Time
	for i := range ix.n {
		newest = max(newest, ix.slot(i).cur.Time)
	}
	kept := func(sl *aisSlot) bool { return sl.cur.Time == 0 || newest-sl.cur.Time <= stateAISHorizon }
	// the room first: one allocation, not one per doubling
	need := 0
	for i := range ix.n {
		if sl := ix.slot(i); kept(sl) {
			need++
			for j := range sl.hist {
				if sl.hist[j].Time != 0 {
					need++
				}
			}
		}
	}
	dst = slices.Grow(dst, need)
	for i := range ix.n {
		sl := ix.slot(i)
		if !kept(sl) {
			continue
		}
		for j := aisHistory - 1; j >= 0; j-- {
			if sl.hist[j].Time != 0 {
				dst = append(dst, sl.hist[j])
			}
		}
		dst = append(dst, sl.cur)
	}
	return dst
}

// restore puts the reports of appendStates into the index (empty).
func (ix *aisIndex) restore(vs []contact.VesselState) {
	for _, v := range vs {
		ix.put(v)
	}
}
