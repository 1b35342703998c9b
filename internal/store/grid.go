package store

import (
	"math/bits"
	"slices"
)

// The spatial part of a block's time index: within each time slice, the
// chunks by the 1° cells their boxes cover, so that a query for a small
// area reads the index entries of its few cells rather than every chunk
// of the hour. An empty stretch of sea costs a few lookups.
//
// A chunk is in the cells of its own box. A near query widens its box by
// a chunk's ext (the longest segment it may interpolate along), so a chunk
// is only put in cells when its widening is bounded by gridMaxWiden; a
// chunk with a longer segment, or whose box covers more than maxCells
// cells (a fast vessel's long block, a box across the antimeridian), goes
// to its slice's wide list, read by every query of that slice. The grid
// only chooses which entries a query examines; the exact test stays the
// caller's.

const (
	// cellsPerRow is the number of 1° cells in a row of latitude.
	cellsPerRow = 360
	// maxCells is the most cells a chunk is listed in before it goes to
	// the wide list.
	maxCells = 16
	// gridExtBits bounds the ext of chunks in cells: ext < 1<<gridExtBits
	// metres, so nearBoxes.around widens by at most gridMaxWiden.
	gridExtBits  = 15
	gridMaxWiden = 1 << gridExtBits
)

// cellIndex is one time slice's chunks by cell, in compressed rows: the
// chunks of cells[j] are idx[starts[j]:starts[j+1]].
type cellIndex struct {
	cells  []uint32
	starts []uint32
	idx    []uint32
	wide   []uint32
}

// cellRow and cellCol are the 1° row and column of a latitude and a
// longitude in stored units, clamped to the world.
func cellRow(lat int32) uint32 { return uint32(max(0, min(179, floorDivUnits(lat)+90))) }
func cellCol(lon int32) uint32 { return uint32(max(0, min(359, floorDivUnits(lon)+180))) }

func floorDivUnits(u int32) int32 {
	q := u / coordScale
	if u%coordScale != 0 && u < 0 {
		q--
	}
	return q
}

// chunkCells returns the cell rectangle of e's box, ok false when e goes
// to the wide list.
func chunkCells(e *chunkEntry) (r0, r1, c0, c1 uint32, ok bool) {
	if bits.Len32(e.ext) > gridExtBits || e.minLon > e.maxLon || e.minLat > e.maxLat {
		return 0, 0, 0, 0, false
	}
	r0, r1 = cellRow(e.minLat), cellRow(e.maxLat)
	c0, c1 = cellCol(e.minLon), cellCol(e.maxLon)
	if (r1-r0+1)*(c1-c0+1) > maxCells {
		return 0, 0, 0, 0, false
	}
	return r0, r1, c0, c1, true
}

// buildCellIndexes fills ti.grid, one cellIndex per time slice, from the
// chunks ti lists in its slices, and ti.longGrid from its long list.
func (ti *timeIndex) buildCellIndexes(index []chunkEntry) {
	ti.grid = make([]cellIndex, len(ti.buckets))
	var pairs []cellPair
	for k, list := range ti.buckets {
		pairs = ti.grid[k].fill(index, list, pairs)
	}
	ti.longGrid = new(cellIndex)
	ti.longGrid.fill(index, ti.long, pairs)
}

// cellPair is a chunk listed in a cell, while a cellIndex is built.
type cellPair struct{ cell, i uint32 }

// fill lists the chunks list (indices into index) by cell in g, those
// that fit no cells in g.wide. It returns pairs, its scratch, for reuse.
func (g *cellIndex) fill(index []chunkEntry, list []uint32, pairs []cellPair) []cellPair {
	pairs = pairs[:0]
	for _, i := range list {
		r0, r1, c0, c1, ok := chunkCells(&index[i])
		if !ok {
			g.wide = append(g.wide, i)
			continue
		}
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				pairs = append(pairs, cellPair{r*cellsPerRow + c, i})
			}
		}
	}
	if len(pairs) == 0 {
		return pairs
	}
	slices.SortFunc(pairs, func(a, b cellPair) int {
		if a.cell != b.cell {
			return int(a.cell) - int(b.cell)
		}
		return int(a.i) - int(b.i)
	})
	g.idx = make([]uint32, len(pairs))
	for j, p := range pairs {
		if j == 0 || p.cell != pairs[j-1].cell {
			g.cells = append(g.cells, p.cell)
			g.starts = append(g.starts, uint32(j))
		}
		g.idx[j] = p.i
	}
	g.starts = append(g.starts, uint32(len(pairs)))
	return pairs
}

// scan calls fn for every chunk listed in the cells [from, to].
func (g *cellIndex) scan(from, to uint32, fn func(i uint32)) {
	j, _ := slices.BinarySearch(g.cells, from)
	for ; j < len(g.cells) && g.cells[j] <= to; j++ {
		for _, i := range g.idx[g.starts[j]:g.starts[j+1]] {
			fn(i)
		}
	}
}

// eachIn calls fn for every chunk of g that may meet box: its wide list
// and the chunks of the cells box covers.
func (g *cellIndex) eachIn(box *unitBox, fn func(i uint32)) {
	for _, i := range g.wide {
		fn(i)
	}
	if len(g.cells) == 0 {
		return
	}
	r0, r1 := cellRow(box.minLat), cellRow(box.maxLat)
	w, e := cellCol(box.west), cellCol(box.east)
	// Rows wholly outside the listed cells cost nothing.
	r0 = max(r0, g.cells[0]/cellsPerRow)
	r1 = min(r1, g.cells[len(g.cells)-1]/cellsPerRow)
	for r := r0; r <= r1; r++ {
		row := r * cellsPerRow
		if box.west <= box.east {
			g.scan(row+w, row+e, fn)
		} else { // across the antimeridian
			g.scan(row+w, row+cellsPerRow-1, fn)
			g.scan(row, row+e, fn)
		}
	}
}

// eachIn is times.eachIn, the cells built on first use.
func (b *block) eachIn(lo, hi int64, box *unitBox, fn func(i uint32)) {
	b.gridOnce.Do(func() { b.times.buildCellIndexes(b.index) })
	b.times.eachIn(lo, hi, box, fn)
}

// eachIn calls fn for the index of every chunk that may overlap [lo, hi]
// and whose box may meet box: those of the long list and of the slices
// [lo, hi] covers that are wide or in the cells box covers (a chunk may
// come more than once). The long list is by cell too: a block of a day
// holds thousands of chunks of moored vessels that span most of it, and
// a query over empty sea would otherwise examine every one of them.
func (ti *timeIndex) eachIn(lo, hi int64, box *unitBox, fn func(i uint32)) {
	ti.longGrid.eachIn(box, fn)
	if len(ti.buckets) == 0 {
		return
	}
	for k := ti.bucket(lo); k <= ti.bucket(hi); k++ {
		ti.grid[k].eachIn(box, fn)
	}
}
