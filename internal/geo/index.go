package geo

import (
	"fmt"
	"math"
	"slices"
)

// IndexOptions configures NewIndex. The zero value is ready to use.
type IndexOptions struct {
	// CellSize is the side of a grid cell in degrees. Zero chooses about
	// two cells per polygon edge over the area the polygons cover (0.25°
	// for Natural Earth 1:10m land, 0.65° for 1:50m). Smaller cells make
	// lookups near boundaries faster and the index bigger.
	CellSize float64
}

// maxCells bounds the grid, whatever CellSize asks for; maxEntries bounds
// the number of (cell, covering polygon) entries, which only many large
// overlapping polygons reach.
const (
	maxCells   = 1 << 22
	maxEntries = 1 << 22
	maxEdges   = 1 << 26
)

// Index is a static spatial index over polygons, answering which of them
// contain a point. It gives exactly the answers of MultiPolygon.Contains,
// points on edges included.
//
// The index is a uniform grid of square cells over the polygons' bounding
// box. Each cell is classified when the index is built: empty (no polygon
// touches it), covered (it lies wholly inside one or more polygons and no
// edge crosses it), or mixed (edges cross it: the cell keeps a copy of
// those edges, grouped by polygon). Most lookups read one byte. In a mixed
// cell a polygon's status is found with the even-odd rule along the cell's
// meridian, counting only the polygon's edges in the cells between the
// point and the nearest cell, north or south (chosen when building), that
// the polygon does not cross, whose status is known.
//
// An Index is immutable, safe for concurrent use, and does not refer to
// the polygons it was built from.
type Index struct {
	items    int
	polyItem []int32 // the item of each polygon
	nx, ny   int     // columns, rows; cell id = column*ny + row
	x0, y0   float64 // south-west corner of the grid
	size     float64 // cell side, degrees
	kinds    []uint8 // per cell: kind | dirSouth
	start    []uint32
	ent      []entry // per cell, ent[start[c]:start[c+1]]
	edges    []edge  // referred to by mixed-cell entries
}

// entry is a polygon's part in a cell: its edges edges[lo:hi], or, when
// lo == hi, the fact that it covers the whole cell.
type entry struct{ poly, lo, hi uint32 }

// Cell kinds.
const (
	cellEmpty   = 0
	cellCovered = 1
	cellMixed   = 2
	kindMask    = 3
	dirSouth    = 4 // mixed cells: walk south rather than north
)

// eps inflates cells when edges are assigned to them, so that rounding in
// locating a point or computing a crossing never misses an edge.
const eps = 1e-9

// NewIndex builds an index over items; Containing and Any refer to them by
// their position in items. Vertices must have Lat in [-90, 90] and Lon in
// [-540, 540]; otherwise NewIndex returns an error wrapping
// ErrInvalidGeometry. Building the index over Natural Earth 1:10m land
// (4,048 polygons, 409,000 vertices) takes about a tenth of a second.
//
// The index's size is bounded whatever the input: at most 4Mi cells; if
// long edges would be copied into too many cells, the cells are made
// coarser (lookups then test more edges); and if more than 4Mi cells would
// be covered by polygons (thousands of large overlapping polygons), NewIndex
// fails with ErrInvalidGeometry.
func NewIndex(items []MultiPolygon, opts IndexOptions) (*Index, error) {
	x := &Index{items: len(items)}
	if !(opts.CellSize >= 0) || math.IsInf(opts.CellSize, 0) {
		return nil, fmt.Errorf("geo: cell size %v: %w", opts.CellSize, ErrInvalidGeometry)
	}

	// Edges of every polygon, all ring copies that reach [-180, 180].
	vertices := 0
	for _, mp := range items {
		for _, pg := range mp {
			vertices += len(pg.Outer)
			for _, h := range pg.Holes {
				vertices += len(h)
			}
		}
	}
	edges := make([]edge, 0, min(vertices+vertices/8, maxEdges))
	var polyStart []int // edges of polygon g: edges[polyStart[g]:polyStart[g+1]]
	for i, mp := range items {
		for j, pg := range mp {
			if len(x.polyItem) == math.MaxInt32 {
				return nil, fmt.Errorf("geo: too many polygons: %w", ErrInvalidGeometry)
			}
			polyStart = append(polyStart, len(edges))
			x.polyItem = append(x.polyItem, int32(i))
			for k := -1; k < len(pg.Holes); k++ {
				r := pg.Outer
				if k >= 0 {
					r = pg.Holes[k]
				}
				if err := validRing(r); err != nil {
					return nil, fmt.Errorf("geo: item %d polygon %d ring %d: %w", i, j, k+1, err)
				}
				info := analyse(r)
				lo := math.Ceil((-180-info.maxU)/360 - 1e-9)
				hi := math.Floor((180-info.minU)/360 + 1e-9)
				for s := lo; s <= hi; s++ {
					edges = r.appendEdges(edges, &info, s*360)
				}
			}
		}
	}
	polyStart = append(polyStart, len(edges))
	if len(edges) > maxEdges {
		return nil, fmt.Errorf("geo: %d edges: %w", len(edges), ErrInvalidGeometry)
	}
	if len(edges) == 0 {
		return x, nil
	}

	// The grid covers the edges' bounding box, clipped to the world.
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, e := range edges {
		minX, maxX = min(minX, e.x1, e.x2), max(maxX, e.x1, e.x2)
		minY, maxY = min(minY, e.y1, e.y2), max(maxY, e.y1, e.y2)
	}
	minX, maxX = max(minX, -180), min(maxX, 180)
	if minX > maxX { // only copies outside the world: nothing to find
		return x, nil
	}
	w, h := max(maxX-minX, 1e-6), max(maxY-minY, 1e-6)
	size := opts.CellSize
	if size == 0 {
		size = math.Sqrt(w * h / float64(max(2*len(edges), 64)))
	}
	size = max(size, math.Sqrt(w*h/maxCells), 1e-6)

	// Assign edges to the cells they cross: (cell, edge) pairs, then a
	// counting sort by cell that keeps edge order, so that in each cell the
	// edges of a polygon are contiguous and polygons are in order. Long
	// edges are copied into many cells; if that gets out of hand (long
	// random edges), the cells are made coarser.
	pairs := make([]cellEdge, 0, len(edges)+len(edges)/4)
	for {
		x.nx, x.ny = max(1, int(math.Ceil(w/size))), max(1, int(math.Ceil(h/size)))
		for x.nx*x.ny > maxCells {
			size *= 1.01
			x.nx, x.ny = max(1, int(math.Ceil(w/size))), max(1, int(math.Ceil(h/size)))
		}
		x.x0, x.y0, x.size = minX, minY, size
		var ok bool
		if pairs, ok = x.assign(edges, pairs[:0], 16*len(edges)+1<<20); ok {
			break
		}
		size *= 2
	}
	cells := x.nx * x.ny
	count := make([]uint32, cells+1)
	for _, p := range pairs {
		count[p.cell+1]++
	}
	for c := range cells {
		count[c+1] += count[c]
	}
	sorted := make([]uint32, len(pairs)) // edge ids by cell
	next := slices.Clone(count[:cells])
	for _, p := range pairs {
		sorted[next[p.cell]] = p.edge
		next[p.cell]++
	}
	pairs = nil

	// Boundary entries per cell, with the cell's own copy of the edges.
	x.edges = make([]edge, 0, len(sorted))
	bStart := make([]uint32, cells+1)
	var bEnt []entry
	g := 0 // polygon of the current edge; edges are in polygon order
	for c := range cells {
		for _, k := range sorted[count[c]:count[c+1]] {
			if int(k) < polyStart[g] || int(k) >= polyStart[g+1] {
				g, _ = slices.BinarySearch(polyStart, int(k)+1)
				g--
			}
			n := uint32(len(x.edges))
			if len(bEnt) > int(bStart[c]) && bEnt[len(bEnt)-1].poly == uint32(g) {
				bEnt[len(bEnt)-1].hi = n + 1
			} else {
				bEnt = append(bEnt, entry{uint32(g), n, n + 1})
			}
			x.edges = append(x.edges, edges[k])
		}
		bStart[c+1] = uint32(len(bEnt))
	}
	sorted, count = nil, nil

	// Which polygons cover the cells they do not cross: sweep each column
	// from north to south along its middle meridian, keeping the set of
	// polygons whose edges cross it an odd number of times further north.
	type cover struct{ cell, poly uint32 }
	var covers []cover
	var odd []uint32
	for i := range x.nx {
		xc := x.x0 + (float64(i)+0.5)*size
		odd = odd[:0]
		for j := x.ny - 1; j >= 0; j-- {
			c := i*x.ny + j
			be := bEnt[bStart[c]:bStart[c+1]]
			for _, p := range odd {
				if !slices.ContainsFunc(be, func(e entry) bool { return e.poly == p }) {
					covers = append(covers, cover{uint32(c), p})
				}
			}
			if len(covers) > maxEntries {
				return nil, &detailError{ErrInvalidGeometry, fmt.Sprintf("index too large: over %d cells covered by polygons; too many overlapping polygons", maxEntries)}
			}
			lo, hi := x.rowLo(j), x.rowHi(j)
			for _, e := range be {
				if x.crossings(e.lo, e.hi, xc, lo, hi) {
					if k := slices.Index(odd, e.poly); k >= 0 {
						odd = slices.Delete(odd, k, k+1)
					} else {
						odd = append(odd, e.poly)
					}
				}
			}
		}
	}

	// Final per-cell entries: boundary entries, then covering ones. The
	// sweep produced covers in column order, rows descending.
	x.start = make([]uint32, cells+1)
	x.kinds = make([]uint8, cells)
	x.ent = make([]entry, 0, len(bEnt)+len(covers))
	ci := 0
	for i := range x.nx {
		// covers of column i, rows from north to south
		colEnd := ci
		for colEnd < len(covers) && int(covers[colEnd].cell)/x.ny == i {
			colEnd++
		}
		col := covers[ci:colEnd]
		ci = colEnd
		k := len(col) // walk col backwards: rows ascending
		for j := range x.ny {
			c := i*x.ny + j
			x.start[c] = uint32(len(x.ent))
			be := bEnt[bStart[c]:bStart[c+1]]
			x.ent = append(x.ent, be...)
			kk := k
			for kk > 0 && int(col[kk-1].cell) == c {
				kk--
			}
			for _, cv := range col[kk:k] {
				x.ent = append(x.ent, entry{cv.poly, 0, 0})
			}
			k = kk
			switch {
			case len(be) > 0:
				x.kinds[c] = cellMixed
			case len(x.ent) > int(x.start[c]):
				x.kinds[c] = cellCovered
			}
		}
	}
	x.start[cells] = uint32(len(x.ent))
	x.ent = slices.Clip(x.ent)

	// Direction of the walk from each mixed cell: the one that passes
	// fewer edges before reaching a cell no edge crosses.
	cost := make([]int, x.ny)
	for i := range x.nx {
		base := i * x.ny
		north := 0
		for j := x.ny - 1; j >= 0; j-- {
			c := base + j
			if x.kinds[c] != cellMixed {
				north = 0
				continue
			}
			north += x.edgeCount(c)
			cost[j] = north
		}
		south := 0
		for j := range x.ny {
			c := base + j
			if x.kinds[c] != cellMixed {
				south = 0
				continue
			}
			south += x.edgeCount(c)
			if south < cost[j] {
				x.kinds[c] |= dirSouth
			}
		}
	}
	return x, nil
}

// cellEdge says that an edge crosses a cell.
type cellEdge struct{ cell, edge uint32 }

// assign appends to pairs a cellEdge for every cell each edge crosses,
// column by column along the edge. It gives up, returning false, when
// there would be more than limit pairs.
func (x *Index) assign(edges []edge, pairs []cellEdge, limit int) ([]cellEdge, bool) {
	for k, e := range edges {
		xa, xb := min(e.x1, e.x2), max(e.x1, e.x2)
		ya, yb := min(e.y1, e.y2), max(e.y1, e.y2)
		if xb < x.x0-eps || xa > x.x0+float64(x.nx)*x.size+eps {
			continue // a copy beyond ±180
		}
		for i := x.col(xa - eps); i <= x.col(xb+eps); i++ {
			cx := x.x0 + float64(i)*x.size
			lo, hi := ya, yb
			if e.x1 != e.x2 {
				// The edge's latitudes within the column.
				u0, u1 := max(xa, cx-eps), min(xb, cx+x.size+eps)
				t0 := e.y1 + (u0-e.x1)*(e.y2-e.y1)/(e.x2-e.x1)
				t1 := e.y1 + (u1-e.x1)*(e.y2-e.y1)/(e.x2-e.x1)
				lo, hi = max(ya, min(t0, t1)), min(yb, max(t0, t1))
			}
			for j := x.row(lo - eps); j <= x.row(hi+eps); j++ {
				cy := x.y0 + float64(j)*x.size
				if e.hits(cx-eps, cy-eps, cx+x.size+eps, cy+x.size+eps) {
					if len(pairs) == limit {
						return pairs, false
					}
					pairs = append(pairs, cellEdge{uint32(i*x.ny + j), uint32(k)})
				}
			}
		}
	}
	return pairs, true
}

// validRing checks the coordinates of a ring.
func validRing(r Ring) error {
	for k, p := range r {
		if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -540 && p.Lon <= 540) {
			return &detailError{ErrInvalidGeometry, fmt.Sprintf("vertex %d (%v) out of range", k, p)}
		}
	}
	return nil
}

// hits reports whether the edge meets the box; it may say yes for an edge
// that passes within rounding distance of it.
func (e edge) hits(minx, miny, maxx, maxy float64) bool {
	if max(e.x1, e.x2) < minx || min(e.x1, e.x2) > maxx || max(e.y1, e.y2) < miny || min(e.y1, e.y2) > maxy {
		return false
	}
	dx, dy := e.x2-e.x1, e.y2-e.y1
	a := dx*(miny-e.y1) - dy*(minx-e.x1)
	b := dx*(miny-e.y1) - dy*(maxx-e.x1)
	c := dx*(maxy-e.y1) - dy*(minx-e.x1)
	d := dx*(maxy-e.y1) - dy*(maxx-e.x1)
	return !(a > 0 && b > 0 && c > 0 && d > 0) && !(a < 0 && b < 0 && c < 0 && d < 0)
}

// col and row return the column and row of a coordinate, clamped to the grid.
func (x *Index) col(lon float64) int {
	return max(0, min(x.nx-1, int(math.Floor((lon-x.x0)/x.size))))
}

func (x *Index) row(lat float64) int {
	return max(0, min(x.ny-1, int(math.Floor((lat-x.y0)/x.size))))
}

// rowLo and rowHi bound the latitudes (rowLo, rowHi] whose meridian
// crossings a row counts. The outer rows are open towards the poles.
func (x *Index) rowLo(j int) float64 {
	if j == 0 {
		return math.Inf(-1)
	}
	return x.y0 + float64(j)*x.size
}

func (x *Index) rowHi(j int) float64 {
	if j == x.ny-1 {
		return math.Inf(1)
	}
	return x.y0 + float64(j+1)*x.size
}

func (x *Index) edgeCount(c int) int {
	n := 0
	for _, e := range x.ent[x.start[c]:x.start[c+1]] {
		n += int(e.hi - e.lo)
	}
	return n
}

// crossings reports whether an odd number of the edges edges[lo:hi] cross
// the meridian px at a latitude in (ylo, yhi].
func (x *Index) crossings(lo, hi uint32, px, ylo, yhi float64) bool {
	odd := false
	for _, e := range x.edges[lo:hi] {
		if straddles(e.x1, e.x2, px) {
			if y := crossLat(e.x1, e.y1, e.x2, e.y2, px); y > ylo && y <= yhi {
				odd = !odd
			}
		}
	}
	return odd
}

// locate returns the cell of p and its normalised coordinates; ok is false
// when p is outside the grid, where no polygon is.
func (x *Index) locate(p Point) (i, j int, px, py float64, ok bool) {
	px, py = NormalizeLon(p.Lon), p.Lat
	fx := (px - x.x0) / x.size
	fy := (py - x.y0) / x.size
	if !(fx >= 0 && fx <= float64(x.nx) && fy >= 0 && fy <= float64(x.ny)) {
		return 0, 0, px, py, false
	}
	return min(int(fx), x.nx-1), min(int(fy), x.ny-1), px, py, true
}

// inside reports whether polygon e.poly, which crosses cell (i, j), contains
// the point (px, py) of that cell.
func (x *Index) inside(e entry, i, j int, px, py float64) bool {
	c := i*x.ny + j
	// Count crossings along the meridian north of the point (or at and
	// south of it: a closed ring crosses each meridian an even number of
	// times, so the parity is the same), up to the first cell the polygon
	// does not cross, or one it covers.
	dir := 1
	odd := x.crossings(e.lo, e.hi, px, py, x.rowHi(j))
	if x.kinds[c]&dirSouth != 0 {
		dir = -1
		odd = x.crossings(e.lo, e.hi, px, x.rowLo(j), py)
	}
	for j += dir; j >= 0 && j < x.ny; j += dir {
		c += dir
		f, ok := x.find(c, e.poly)
		if !ok {
			return odd
		}
		if f.lo == f.hi {
			return !odd
		}
		if x.crossings(f.lo, f.hi, px, x.rowLo(j), x.rowHi(j)) {
			odd = !odd
		}
	}
	return odd
}

// find returns the entry of polygon poly in cell c.
func (x *Index) find(c int, poly uint32) (entry, bool) {
	for _, e := range x.ent[x.start[c]:x.start[c+1]] {
		if e.poly == poly {
			return e, true
		}
	}
	return entry{}, false
}

// Any reports whether any item contains p. It does not allocate.
func (x *Index) Any(p Point) bool {
	if x.nx == 0 {
		return false
	}
	i, j, px, py, ok := x.locate(p)
	if !ok {
		return false
	}
	c := i*x.ny + j
	switch x.kinds[c] & kindMask {
	case cellEmpty:
		return false
	case cellCovered:
		return true
	}
	for _, e := range x.ent[x.start[c]:x.start[c+1]] {
		if e.lo == e.hi || x.inside(e, i, j, px, py) {
			return true
		}
	}
	return false
}

// Containing returns the positions, in increasing order, of the items that
// contain p.
func (x *Index) Containing(p Point) []int { return x.AppendContaining(nil, p) }

// AppendContaining appends to dst the positions, in increasing order, of
// the items that contain p, and returns the extended slice. It allocates
// only when dst needs to grow.
func (x *Index) AppendContaining(dst []int, p Point) []int {
	if x.nx == 0 {
		return dst
	}
	i, j, px, py, ok := x.locate(p)
	if !ok {
		return dst
	}
	c := i*x.ny + j
	n := len(dst)
	for _, e := range x.ent[x.start[c]:x.start[c+1]] {
		if e.lo == e.hi || x.inside(e, i, j, px, py) {
			dst = append(dst, int(x.polyItem[e.poly]))
		}
	}
	if len(dst)-n > 1 {
		slices.Sort(dst[n:])
		dst = dst[:n+len(slices.Compact(dst[n:]))]
	}
	return dst
}

// Len returns the number of items the index was built from.
func (x *Index) Len() int { return x.items }

// IndexStats describes the size of an Index.
type IndexStats struct {
	Items, Polygons int
	CellSize        float64 // degrees
	Columns, Rows   int
	Empty, Covered  int // cells no polygon touches / wholly inside polygons
	Mixed           int // cells crossed by edges
	Edges           int // edge copies kept in mixed cells
	Bytes           int // approximate memory held
}

// Stats returns the index's size and cell classification.
func (x *Index) Stats() IndexStats {
	s := IndexStats{
		Items: x.items, Polygons: len(x.polyItem), CellSize: x.size,
		Columns: x.nx, Rows: x.ny, Edges: len(x.edges),
	}
	for _, k := range x.kinds {
		switch k & kindMask {
		case cellEmpty:
			s.Empty++
		case cellCovered:
			s.Covered++
		default:
			s.Mixed++
		}
	}
	s.Bytes = len(x.kinds) + 4*len(x.start) + 12*len(x.ent) + 32*len(x.edges) + 4*len(x.polyItem)
	return s
}
