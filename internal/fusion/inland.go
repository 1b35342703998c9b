package fusion

import (
	"math"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// inlandCache answers the land margin for whole cells: it remembers, per
// inlandCell cell, whether every point within the margin of every point
// of the cell is on land (the cell is inland), so that a position there
// is on land past the margin without its eight probes. Most positions
// on land are in such cells (the coarse land mask covers rivers, lakes
// and canals): 30,000 of the 44,000 positions on land of bench.nmea.gz
// paid eight probes each before. A cell that is not inland (the coast)
// says nothing, and its positions are probed as before: the answers are
// exactly the probes' (TestInlandExact).
//
// Like geo.CellCache it is bounded (a fixed table of slots, each holding
// one cell, a cell replacing another in its slot) and safe for concurrent
// use without locks: each slot is one atomic word.
type inlandCache struct {
	idx    *geo.Index
	dlat   float64 // the margin in degrees of latitude, padded
	sinD   float64 // sine of the margin's angle at the centre of the earth
	slots  []atomic.Uint64
	mask   uint64
	hits   atomic.Int64 // positions answered from a cell known inland
	misses atomic.Int64 // cells classified
}

// inlandCell is the size of the cache's cells, in degrees (about 1 km).
const inlandCell = 0.01

// Slot states in the low two bits; 0 is an empty slot.
const (
	inlandYes = 1
	inlandNo  = 2
)

func newInlandCache(idx *geo.Index, margin float64) *inlandCache {
	const slots = 1 << 16 // 512 KiB
	δ := margin / geo.EarthRadius
	return &inlandCache{idx: idx, dlat: δ*180/math.Pi*1.01 + 1e-6, sinD: math.Sin(δ),
		slots: make([]atomic.Uint64, slots), mask: slots - 1}
}

// inland reports whether pt is in a cell every point of which has all
// its points within the margin on land. False says nothing.
func (c *inlandCache) inland(pt geo.Point) bool {
	if !(pt.Lat >= -90 && pt.Lat <= 90) || math.IsInf(pt.Lon, 0) || math.IsNaN(pt.Lon) {
		return false
	}
	lon := geo.NormalizeLon(pt.Lon)
	row, col := int64(math.Floor(pt.Lat/inlandCell)), int64(math.Floor(lon/inlandCell))
	key := uint64(row+1<<20)<<21 | uint64(col+1<<20)
	h := (key * 0x9E3779B97F4A7C15) >> 20 & c.mask
	slot := &c.slots[h]
	if v := slot.Load(); v>>2 == key {
		if v&3 == inlandYes {
			c.hits.Add(1)
			return true
		}
		return false
	}
	c.misses.Add(1)
	state := uint64(inlandNo)
	if c.classify(float64(row)*inlandCell, float64(col)*inlandCell) {
		state = inlandYes
	}
	slot.Store(key<<2 | state)
	if state == inlandYes {
		c.hits.Add(1)
	}
	return state == inlandYes
}

// classify reports whether the box of the cell at (lat0, lon0) grown by
// the margin (every point a probe can reach from the cell: a point d
// away on the sphere is at most d/R radians of latitude away and at
// most asin(sin(d/R)/cos φ) of longitude, φ the highest latitude of the
// box; both padded) is wholly on land. Cells near the poles or the
// antimeridian are never inland.
func (c *inlandCache) classify(lat0, lon0 float64) bool {
	minLat, maxLat := lat0-c.dlat, lat0+inlandCell+c.dlat
	φ := max(math.Abs(minLat), math.Abs(maxLat))
	if φ >= 80 {
		return false
	}
	s := c.sinD / math.Cos(φ*math.Pi/180)
	if s >= 1 {
		return false
	}
	dlon := math.Asin(s)*180/math.Pi*1.01 + 1e-6
	minLon, maxLon := lon0-dlon, lon0+inlandCell+dlon
	if minLon < -180 || maxLon > 180 {
		return false
	}
	return c.idx.BoxInside(minLon, minLat, maxLon, maxLat)
}
