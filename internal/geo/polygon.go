package geo

import "math"

// Ring is a closed chain of vertices: the last vertex joins the first. It
// may repeat the first vertex at the end, as GeoJSON does, or not.
//
// Each edge is a straight line in longitude/latitude (the plate carrée
// projection, as in GeoJSON) that runs the shorter way round in longitude:
// an edge from 179° to -179° crosses the antimeridian and is 2° wide, and
// an edge from -180° to 180° has no width at all. So a ring may cross the
// antimeridian without being split (as Natural Earth land does, and as
// zones drawn on a web map do), and data split at the antimeridian (RFC 7946
// §3.1.9) works too. The price is that no single edge can span more than
// 180° of longitude: a box around every longitude needs intermediate
// vertices.
//
// A ring that goes once round the Earth in longitude, like the coast of
// Antarctica, encloses a pole, the one on the side of its latitude midpoint
// (the south pole when (min+max)/2 of its latitudes is negative); the pole
// itself is inside. Vertex orientation (clockwise or not) is ignored
// everywhere in this package.
type Ring []Point

// Polygon is an area bounded by an outer ring, with holes.
//
// A point is inside when it is inside the outer ring and not inside any
// hole. Strictly, Contains applies the even-odd rule to all rings together,
// which is the same for valid polygons (holes inside the outer ring and
// apart from each other) and well defined for any other.
//
// Points exactly on an edge belong to the area on the north side of that
// edge (on the east side of an edge that runs north-south): of two polygons
// that share an edge, a point on it is in exactly one, up to floating-point
// rounding of the edge.
type Polygon struct {
	Outer Ring
	Holes []Ring
}

// MultiPolygon is the union of polygons.
type MultiPolygon []Polygon

// Contains reports whether p lies inside the ring (see Ring for how edges,
// the antimeridian and poles are treated).
func (r Ring) Contains(p Point) bool {
	info := analyse(r)
	return r.parity(&info, NormalizeLon(p.Lon), p.Lat)
}

// Contains reports whether p lies in the polygon (see Polygon). It reads
// every vertex; to test many points, build an Index, which gives the same
// answers.
func (pg Polygon) Contains(p Point) bool {
	x, y := NormalizeLon(p.Lon), p.Lat
	info := analyse(pg.Outer)
	odd := pg.Outer.parity(&info, x, y)
	for _, h := range pg.Holes {
		info := analyse(h)
		if h.parity(&info, x, y) {
			odd = !odd
		}
	}
	return odd
}

// Contains reports whether p lies in any of the polygons.
func (mp MultiPolygon) Contains(p Point) bool {
	for _, pg := range mp {
		if pg.Contains(p) {
			return true
		}
	}
	return false
}

// Bounds returns the smallest box containing the ring. A ring that
// encloses a pole has every longitude and reaches the pole. The box of an
// empty ring is the zero Rect.
func (r Ring) Bounds() Rect {
	if len(r) == 0 {
		return Rect{}
	}
	info := analyse(r)
	b := Rect{MinLat: info.minLat, MaxLat: info.maxLat}
	return lonBox(b, info.minU, info.maxU-info.minU)
}

// Bounds returns the box of the outer ring.
func (pg Polygon) Bounds() Rect { return pg.Outer.Bounds() }

// Bounds returns the smallest box containing all polygons (see Rect.Union),
// or the zero Rect if there are none.
func (mp MultiPolygon) Bounds() Rect {
	var b Rect
	first := true
	for _, pg := range mp {
		if len(pg.Outer) == 0 {
			continue
		}
		if first {
			b, first = pg.Bounds(), false
		} else {
			b = b.Union(pg.Bounds())
		}
	}
	return b
}

// ringInfo summarises a ring for the edge walks. Longitudes are
// "unwrapped": vertex i is at r[i].Lon + 360*K, where K counts the
// antimeridian crossings (east −1, west +1) of the edges before it, so that
// every edge is at most 180° wide. An ordinary ring ends where it started;
// a ring that encloses a pole ends 360° away from its start and is closed
// by three more edges: to 1° beyond the pole (latitude ±91), along that
// parallel, and back.
type ringInfo struct {
	minU, maxU     float64 // unwrapped longitude range, closing edges included
	minLat, maxLat float64 // latitude range, pole included for polar rings
	turns          int     // net times round the Earth: 0 for ordinary rings
	pole           float64 // latitude of the enclosed pole when turns != 0
	closeLat       float64 // latitude of the closing edge: beyond the pole
}

// wrapTurns returns the multiple of 360 to add to the longitude difference
// lon2-lon1 to bring it into [-180, 180].
func wrapTurns(lon1, lon2 float64) int {
	d := lon2 - lon1
	if d > 180 || d < -180 {
		return -int(math.Round(d / 360))
	}
	return 0
}

// unwrap is the unwrapped longitude of a vertex, shifted by shift degrees.
// Every edge walk computes vertex longitudes with it, so that Index and
// Contains see bit-identical edges.
func unwrap(lon float64, k int, shift float64) float64 {
	return lon + float64(k)*360 + shift
}

func analyse(r Ring) ringInfo {
	var in ringInfo
	if len(r) == 0 {
		return in
	}
	in.minU, in.maxU = r[0].Lon, r[0].Lon
	in.minLat, in.maxLat = r[0].Lat, r[0].Lat
	k := 0
	for i := 1; i < len(r); i++ {
		k += wrapTurns(r[i-1].Lon, r[i].Lon)
		u := unwrap(r[i].Lon, k, 0)
		in.minU, in.maxU = min(in.minU, u), max(in.maxU, u)
		in.minLat, in.maxLat = min(in.minLat, r[i].Lat), max(in.maxLat, r[i].Lat)
	}
	k += wrapTurns(r[len(r)-1].Lon, r[0].Lon)
	if k != 0 {
		in.turns = k
		// The closing edge runs 1° beyond the pole, so that the pole
		// itself is strictly inside.
		in.pole, in.closeLat = 90, 91
		if in.minLat+in.maxLat < 0 {
			in.pole, in.closeLat = -90, -91
		}
		u := unwrap(r[0].Lon, k, 0)
		in.minU, in.maxU = min(in.minU, u), max(in.maxU, u)
		in.minLat, in.maxLat = min(in.minLat, in.pole), max(in.maxLat, in.pole)
	}
	return in
}

// shifts returns the range of copies (multiples of 360) of the ring whose
// longitude range may contain x.
func (in *ringInfo) shifts(x float64) (lo, hi float64) {
	const slack = 1e-9 // rounding of the shifted coordinates
	return math.Ceil((x-in.maxU)/360 - slack), math.Floor((x-in.minU)/360 + slack)
}

// crossLat returns the latitude at which the edge (x1,y1)-(x2,y2) meets the
// meridian x. The caller ensures that the edge straddles x.
func crossLat(x1, y1, x2, y2, x float64) float64 {
	return y1 + (x-x1)*(y2-y1)/(x2-x1)
}

// straddles reports whether the edge from x1 to x2 crosses the meridian x,
// counting an end on x as lying just east of it (so that each crossing of
// a chain of edges is counted once).
func straddles(x1, x2, x float64) bool { return (x1 > x) != (x2 > x) }

// parity reports whether the number of edges of the ring (all its copies
// 360° apart included) that cross the meridian x north of y is odd: the
// even-odd rule with a ray from (x, y) to the north pole.
func (r Ring) parity(in *ringInfo, x, y float64) bool {
	n := len(r)
	if n < 3 {
		return false
	}
	odd := false
	lo, hi := in.shifts(x)
	for s := lo; s <= hi; s++ {
		shift := s * 360
		k := 0
		px, py := unwrap(r[0].Lon, 0, shift), r[0].Lat
		x0 := px
		for i := 1; i <= n; i++ {
			j := i
			if j == n {
				j = 0
			}
			k += wrapTurns(r[i-1].Lon, r[j].Lon)
			cx, cy := unwrap(r[j].Lon, k, shift), r[j].Lat
			if straddles(px, cx, x) && crossLat(px, py, cx, cy, x) > y {
				odd = !odd
			}
			px, py = cx, cy
		}
		// A polar ring: down beyond the pole, along, back up. Only the
		// edge along the pole can cross a meridian.
		if in.turns != 0 && straddles(px, x0, x) && in.closeLat > y {
			odd = !odd
		}
	}
	return odd
}

// edge is one edge of a ring in unwrapped, shifted coordinates.
type edge struct{ x1, y1, x2, y2 float64 }

// appendEdges appends the edges of the ring's copy shifted by shift
// degrees, exactly as parity walks them (zero-length edges left out).
func (r Ring) appendEdges(dst []edge, in *ringInfo, shift float64) []edge {
	n := len(r)
	if n < 3 {
		return dst
	}
	k := 0
	px, py := unwrap(r[0].Lon, 0, shift), r[0].Lat
	x0, y0 := px, py
	for i := 1; i <= n; i++ {
		j := i
		if j == n {
			j = 0
		}
		k += wrapTurns(r[i-1].Lon, r[j].Lon)
		cx, cy := unwrap(r[j].Lon, k, shift), r[j].Lat
		if cx != px || cy != py {
			dst = append(dst, edge{px, py, cx, cy})
		}
		px, py = cx, cy
	}
	if in.turns != 0 {
		dst = append(dst,
			edge{px, py, px, in.closeLat},
			edge{px, in.closeLat, x0, in.closeLat},
			edge{x0, in.closeLat, x0, y0})
	}
	return dst
}
