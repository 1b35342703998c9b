package httpapi

import (
	"math"
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// gridCell is the side of a cell of the spatial grid, in degrees: 720 by
// 360 cells, of which a picture occupies a few thousand (the sea lanes
// and coasts). A cell of a busy strait holds a few hundred vessels.
const (
	gridCell = 0.5
	gridCols = 720
	gridRows = 360
)

// cellID is a cell of the grid: row*gridCols + col, row 0 at the South
// Pole, col 0 at 180°W.
type cellID uint32

func cellRow(lat float64) int {
	return min(max(int(math.Floor((lat+90)/gridCell)), 0), gridRows-1)
}

func cellCol(lon float64) int {
	return min(max(int(math.Floor((geo.NormalizeLon(lon)+180)/gridCell)), 0), gridCols-1)
}

// rect returns the cell's box.
func (c cellID) rect() geo.Rect {
	lat := float64(c/gridCols)*gridCell - 90
	lon := float64(c%gridCols)*gridCell - 180
	return geo.Rect{MinLat: lat, MinLon: lon, MaxLat: lat + gridCell, MaxLon: lon + gridCell}
}

// gridSlot is where a vessel sits: its cell and its index in the cell's
// list.
type gridSlot struct {
	cell cellID
	i    int32
}

// grid indexes the live picture's vessels by the cell of their latest
// position, so that a bbox query reads the vessels of the cells it
// covers instead of every vessel. It holds MMSIs only: a query looks the
// candidates up in the picture and checks their current position, so a
// cell that is a moment behind the picture never adds a wrong vessel.
// The Hub keeps it up to date from the updates the pipeline publishes
// (grid.move); the API adds the vessels already in the picture when it
// first uses it (grid.add). It is safe for concurrent use.
type grid struct {
	mu    sync.RWMutex
	cells map[cellID][]vessel.MMSI
	where map[vessel.MMSI]gridSlot
}

func newGrid() *grid {
	return &grid{cells: make(map[cellID][]vessel.MMSI), where: make(map[vessel.MMSI]gridSlot)}
}

// located reports whether a position can be placed in the grid.
func gridPlaceable(located bool, lat, lon float64) bool {
	return located && lat >= -90 && lat <= 90 && !math.IsNaN(lon) && !math.IsInf(lon, 0)
}

// move puts m in the cell of its new latest position, or takes it out of
// the grid when it has none.
func (g *grid) move(m vessel.MMSI, located bool, lat, lon float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.place(m, located, lat, lon)
}

// add puts m in the grid unless it is there already: the picture read
// by Range may be older than an update the Hub has just placed.
func (g *grid) add(m vessel.MMSI, located bool, lat, lon float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.where[m]; !ok {
		g.place(m, located, lat, lon)
	}
}

// place moves m; the caller holds the lock.
func (g *grid) place(m vessel.MMSI, located bool, lat, lon float64) {
	old, had := g.where[m]
	if !gridPlaceable(located, lat, lon) {
		if had {
			g.remove(m, old)
		}
		return
	}
	c := cellID(cellRow(lat)*gridCols + cellCol(lon))
	if had {
		if old.cell == c {
			return
		}
		g.remove(m, old)
	}
	list := g.cells[c]
	g.where[m] = gridSlot{cell: c, i: int32(len(list))}
	g.cells[c] = append(list, m)
}

// remove takes m out of its cell; the caller holds the lock.
func (g *grid) remove(m vessel.MMSI, s gridSlot) {
	list := g.cells[s.cell]
	last := len(list) - 1
	if int(s.i) != last {
		moved := list[last]
		list[s.i] = moved
		g.where[moved] = gridSlot{cell: s.cell, i: s.i}
	}
	if last == 0 {
		delete(g.cells, s.cell)
	} else {
		g.cells[s.cell] = list[:last]
	}
	delete(g.where, m)
}

// query appends to dst the vessels of every cell that meets box, a
// superset of those inside it. It reads the cells the box covers, or,
// for a box covering more cells than are occupied, every occupied cell.
func (g *grid) query(box geo.Rect, dst []vessel.MMSI) []vessel.MMSI {
	r0, r1 := cellRow(box.MinLat), cellRow(box.MaxLat)
	width := box.MaxLon - box.MinLon
	if width < 0 {
		width += 360 // crosses the antimeridian
	}
	c0, nc := 0, gridCols
	if width < 360 {
		// From the column of the west edge eastwards to that of the
		// east edge, round the antimeridian if need be (the column of
		// 180° is that of -180°).
		c0 = cellCol(box.MinLon)
		nc = cellCol(box.MaxLon) - c0 + 1
		if nc <= 0 || geo.NormalizeLon(box.MinLon) > box.MaxLon {
			nc += gridCols
		}
		nc = min(nc, gridCols)
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if (r1-r0+1)*nc > len(g.cells) {
		for c, list := range g.cells {
			if c.rect().Intersects(box) {
				dst = append(dst, list...)
			}
		}
		return dst
	}
	for r := r0; r <= r1; r++ {
		for i := range nc {
			dst = append(dst, g.cells[cellID(r*gridCols+(c0+i)%gridCols)]...)
		}
	}
	return dst
}

// len returns the number of vessels in the grid.
func (g *grid) len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.where)
}
