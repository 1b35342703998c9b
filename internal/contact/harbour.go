package contact

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Harbours says where an unexplained detection is no alert: at a berth
// or an anchorage, where small craft without AIS (harbour launches, tugs,
// pilot boats, moored boats) are the rule. Config.Harbours takes it; nil
// means nowhere.
type Harbours interface {
	// InHarbour says whether (lat, lon) is in a harbour known at t.
	InHarbour(lat, lon float64, t vessel.Time) bool
}

// HarbourPoint is a berth, port or anchorage: a point and the radius it
// covers, known from Since (data time; 0: always).
type HarbourPoint struct {
	Lat, Lon float64
	RadiusM  float64
	Since    vessel.Time
}

// HarbourIndex is a Harbours over points with radii, in a grid of
// harbourCell degree cells (columns wrap at the antimeridian). A point is
// filed in every cell its circle reaches, so a query reads one cell.
//
// It is not safe for concurrent use while it is being added to; once
// built, concurrent InHarbour calls are safe.
type HarbourIndex struct {
	cells map[int64][]int32
	pts   []HarbourPoint
}

// harbourCell is the grid's cell size in degrees (about 5.5 km of
// latitude).
const harbourCell = 0.05

const harbourCols = int64(360 / harbourCell)

// NewHarbourIndex returns an index of the points (the slice is kept).
func NewHarbourIndex(pts []HarbourPoint) *HarbourIndex {
	x := &HarbourIndex{cells: map[int64][]int32{}, pts: pts}
	for i, p := range pts {
		if !finite(p.Lat, p.Lon, p.RadiusM) || p.Lat < -90 || p.Lat > 90 || p.RadiusM <= 0 {
			continue
		}
		r := geo.RectAround(geo.Point{Lat: p.Lat, Lon: p.Lon}, p.RadiusM)
		y0, y1 := harbourRow(r.MinLat), harbourRow(r.MaxLat)
		xa := int64(math.Floor((r.MinLon + 180) / harbourCell))
		xb := int64(math.Floor((r.MaxLon + 180) / harbourCell))
		if xb < xa { // the rectangle crosses the antimeridian
			xb += harbourCols
		}
		if xb-xa+1 >= harbourCols {
			xa, xb = 0, harbourCols-1
		}
		for y := y0; y <= y1; y++ {
			for xx := xa; xx <= xb; xx++ {
				k := y*harbourCols + ((xx%harbourCols)+harbourCols)%harbourCols
				x.cells[k] = append(x.cells[k], int32(i))
			}
		}
	}
	return x
}

func harbourRow(lat float64) int64 {
	return min(max(int64(math.Floor((lat+90)/harbourCell)), 0), int64(180/harbourCell)-1)
}

func harbourKey(lat, lon float64) int64 {
	x := int64(math.Floor((lon + 180) / harbourCell))
	return harbourRow(lat)*harbourCols + ((x%harbourCols)+harbourCols)%harbourCols
}

// Len returns the number of points.
func (x *HarbourIndex) Len() int { return len(x.pts) }

// InHarbour implements Harbours.
func (x *HarbourIndex) InHarbour(lat, lon float64, t vessel.Time) bool {
	if x == nil {
		return false
	}
	p := geo.Point{Lat: lat, Lon: lon}
	for _, i := range x.cells[harbourKey(lat, lon)] {
		h := &x.pts[i]
		if h.Since > t {
			continue
		}
		if geo.Distance(p, geo.Point{Lat: h.Lat, Lon: h.Lon}) <= h.RadiusM {
			return true
		}
	}
	return false
}
