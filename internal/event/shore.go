package event

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// shoreCell is the side, in degrees, of the cells in which distances from
// shore are cached.
const shoreCell = 0.05

// shore estimates distances from land with a land mask.
//
// The estimate is coarse by design: from the centre of the 0.05° cell
// (about 5 km) holding the point, rings of points at growing radii (steps
// of limit/16, at least 500 m) are tested against the mask, with enough
// points on each ring that neighbours are at most one step apart; the first
// ring with a point on land gives the distance. So the answer is within one
// step plus half a cell diagonal of the truth, and an island smaller than a
// step between two ring points can be missed. With the embedded Natural
// Earth 1:50m mask the coastline itself is generalised to a few kilometres
// and canals, rivers and lakes are land. For GFW's 20 nautical miles (step
// 2.3 km) the error is a few kilometres, which is the precision the rule
// has anyway (GFW averages the distance over the event). Results are cached
// per cell, so a vessel loitering for hours costs one estimate.
type shore struct {
	land  *geo.LandMask
	limit float64
	cache map[int64]float32
}

// distance returns the estimated distance of p from land in metres, capped
// at s.limit.
func (s *shore) distance(p geo.Point) float64 {
	if s == nil || s.land == nil || s.limit <= 0 {
		return math.Inf(1)
	}
	row, col := int(math.Floor(p.Lat/shoreCell)), int(math.Floor(geo.NormalizeLon(p.Lon)/shoreCell))
	k := cellKey(row, col)
	if d, ok := s.cache[k]; ok {
		return float64(d)
	}
	c := geo.Point{Lat: math.Min(90, (float64(row)+0.5)*shoreCell), Lon: (float64(col) + 0.5) * shoreCell}
	d := s.measure(c)
	s.cache[k] = float32(d)
	return d
}

func (s *shore) measure(c geo.Point) float64 {
	if s.land.OnLand(c) {
		return 0
	}
	step := math.Max(s.limit/16, 500)
	for r := step; r < s.limit+step; r += step {
		n := int(math.Ceil(2 * math.Pi * r / step))
		n = max(8, min(n, 128))
		for i := range n {
			if s.land.OnLand(geo.Destination(c, float64(i)*360/float64(n), r)) {
				return r
			}
		}
	}
	return s.limit
}
