package geo

import (
	"math"
	"sync/atomic"
)

// CellCache answers Index.Any from a cache of the cells of a fine grid
// that no polygon edge crosses: in such a cell every point has the answer
// of the cell's centre, so one lookup serves every later point in it.
// Cells that an edge crosses (a coastline) are remembered as such and
// their points looked up in the index each time. The answers are exactly
// Index.Any's.
//
// The cache is bounded: a fixed table of slots, each holding one cell; a
// cell whose slot holds another replaces it (counted). It is safe for
// concurrent use without locks (each slot is one atomic word) and does
// not allocate after NewCellCache.
type CellCache struct {
	idx   *Index
	cell  float64 // degrees
	slots []atomic.Uint64
	mask  uint64

	misses   atomic.Int64
	replaced atomic.Int64
	crossed  atomic.Int64
}

// CellCacheStats counts what a CellCache did.
type CellCacheStats struct {
	Slots    int   // the table's size: at most this many cells are cached
	Misses   int64 // lookups that classified their cell (and cached it)
	Replaced int64 // of them, those that replaced another cached cell
	Crossed  int64 // lookups in cells an edge crosses, answered by the index
}

// Cell states in a slot's low two bits; 0 is an empty slot.
const (
	cacheOut     = 1
	cacheIn      = 2
	cacheCrossed = 3
)

// NewCellCache returns a cache of cells of cellDeg degrees (0 means
// 0.01°, about 1 km) over idx, with room for slots cells (rounded up to a
// power of two; 0 means 1<<18, 2 MiB).
func NewCellCache(idx *Index, cellDeg float64, slots int) *CellCache {
	if !(cellDeg > 0) || cellDeg > 1 {
		cellDeg = 0.01
	}
	if slots <= 0 {
		slots = 1 << 18
	}
	n := 1
	for n < slots && n < 1<<26 {
		n <<= 1
	}
	return &CellCache{idx: idx, cell: cellDeg, slots: make([]atomic.Uint64, n), mask: uint64(n - 1)}
}

// Stats returns the cache's counters.
func (c *CellCache) Stats() CellCacheStats {
	return CellCacheStats{Slots: len(c.slots), Misses: c.misses.Load(), Replaced: c.replaced.Load(), Crossed: c.crossed.Load()}
}

// OnLand is Any, so that a CellCache over a LandMask's index is a land
// mask.
func (c *CellCache) OnLand(p Point) bool { return c.Any(p) }

// Any reports whether any item of the index contains p.
func (c *CellCache) Any(p Point) bool {
	if !(p.Lat >= -90 && p.Lat <= 90) || math.IsInf(p.Lon, 0) || math.IsNaN(p.Lon) {
		return c.idx.Any(p)
	}
	lon := NormalizeLon(p.Lon)
	row, col := int64(math.Floor(p.Lat/c.cell)), int64(math.Floor(lon/c.cell))
	key := uint64(row+1<<20)<<21 | uint64(col+1<<20) // both offsets keep the parts positive and apart
	h := (key * 0x9E3779B97F4A7C15) >> 20 & c.mask
	slot := &c.slots[h]
	if v := slot.Load(); v>>2 == key {
		switch v & 3 {
		case cacheOut:
			return false
		case cacheIn:
			return true
		}
		c.crossed.Add(1)
		return c.idx.Any(p)
	} else if v != 0 {
		c.replaced.Add(1)
	}
	c.misses.Add(1)
	lat0, lon0 := float64(row)*c.cell, float64(col)*c.cell
	state := uint64(cacheCrossed)
	if !c.idx.crossesBox(lon0, lat0, lon0+c.cell, lat0+c.cell) {
		state = cacheOut
		if c.idx.Any(Point{Lat: lat0 + c.cell/2, Lon: lon0 + c.cell/2}) {
			state = cacheIn
		}
	}
	slot.Store(key<<2 | state)
	if state == cacheCrossed {
		c.crossed.Add(1)
		return c.idx.Any(p)
	}
	return state == cacheIn
}

// crossesBox reports whether a polygon edge may meet the box (longitudes
// normalised, minx <= maxx): if not, every point of the box has the same
// answer from Any. The box is inflated by more than the rounding of
// locating a point, so that a point of it on an edge is never missed.
func (x *Index) crossesBox(minx, miny, maxx, maxy float64) bool {
	if x.nx == 0 {
		return false
	}
	const pad = 1e-7
	minx, miny, maxx, maxy = minx-pad, miny-pad, maxx+pad, maxy+pad
	gx, gy := x.x0+float64(x.nx)*x.size, x.y0+float64(x.ny)*x.size
	if maxx < x.x0 || minx > gx || maxy < x.y0 || miny > gy {
		return false // wholly outside the grid, where nothing is
	}
	if minx < x.x0 || maxx > gx || miny < x.y0 || maxy > gy {
		return true // partly: let each point be looked up
	}
	for i := x.col(minx); i <= x.col(maxx); i++ {
		for j := x.row(miny); j <= x.row(maxy); j++ {
			c := i*x.ny + j
			if x.kinds[c]&kindMask != cellMixed {
				continue
			}
			for _, e := range x.ent[x.start[c]:x.start[c+1]] {
				for _, ed := range x.edges[e.lo:e.hi] {
					if ed.hits(minx, miny, maxx, maxy) {
						return true
					}
				}
			}
		}
	}
	return false
}
