package contact

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
)

const (
	toRad   = math.Pi / 180
	mPerDeg = geo.EarthRadius * toRad
	knot    = 1852.0 / 3600 // m/s
)

// enu returns the east and north offsets in metres of (lat, lon) from
// (lat0, lon0) on a local tangent plane. Association works at ranges of
// kilometres, where the plane's error is far below the sensors'.
func enu(lat0, lon0, lat, lon float64) (x, y float64) {
	dlon := lon - lon0
	if dlon > 180 {
		dlon -= 360
	} else if dlon < -180 {
		dlon += 360
	}
	return dlon * mPerDeg * cosLat(lat0), (lat - lat0) * mPerDeg
}

// move returns (lat, lon) moved by x metres east and y metres north.
func move(lat, lon, x, y float64) (float64, float64) {
	lon2 := lon + x/(mPerDeg*cosLat(lat))
	if lon2 >= 180 || lon2 < -180 {
		lon2 = geo.NormalizeLon(lon2)
	}
	return lat + y/mPerDeg, lon2
}

func cosLat(lat float64) float64 {
	return max(math.Cos(lat*toRad), 1e-6)
}

// cov is a symmetric 2×2 covariance on the local plane, m².
type cov struct{ xx, xy, yy float64 }

func iso(sigma float64) cov { return cov{xx: sigma * sigma, yy: sigma * sigma} }

// axes returns the covariance with one-sigma sa along the direction of
// bearing deg (degrees true) and sc across it.
func axes(deg, sa, sc float64) cov {
	s, c := math.Sincos(deg * toRad)
	// along u = (s, c), across n = (c, -s)
	a2, c2 := sa*sa, sc*sc
	return cov{
		xx: a2*s*s + c2*c*c,
		xy: a2*s*c - c2*c*s,
		yy: a2*c*c + c2*s*s,
	}
}

func (a cov) add(b cov) cov { return cov{a.xx + b.xx, a.xy + b.xy, a.yy + b.yy} }

// d2 returns the squared Mahalanobis distance of (x, y) under a.
func (a cov) d2(x, y float64) float64 {
	det := a.xx*a.yy - a.xy*a.xy
	if !(det > 0) {
		return math.Inf(1)
	}
	return (a.yy*x*x - 2*a.xy*x*y + a.xx*y*y) / det
}

func finite(v ...float64) bool {
	for _, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
