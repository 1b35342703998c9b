package geo

import "math"

// Rect is a latitude/longitude box, closed on all sides, with the
// convention of GeoJSON bounding boxes (RFC 7946 §5.2): MinLon is the
// western edge and MaxLon the eastern edge, so a box that crosses the
// antimeridian has MinLon > MaxLon (Rect{-20, 170, -10, -170} spans 20° of
// longitude around 180°). A box covering every longitude has MinLon -180
// and MaxLon 180. Latitudes are in [-90, 90] with MinLat <= MaxLat; a box
// that reaches a pole has every longitude.
//
// The boxes made by this package have MinLon in [-180, 180) and MaxLon in
// (-180, 180], or are exactly [-180, 180]. The zero Rect is the single
// point {0, 0}.
type Rect struct {
	MinLat, MinLon, MaxLat, MaxLon float64
}

// world returns the box that covers the whole Earth.
func world() Rect { return Rect{MinLat: -90, MinLon: -180, MaxLat: 90, MaxLon: 180} }

// CrossesAntimeridian reports whether r spans the 180° meridian from west
// to east, that is MinLon > MaxLon.
func (r Rect) CrossesAntimeridian() bool { return r.MinLon > r.MaxLon }

// lonWidth returns the width of r's longitude arc in degrees, in [0, 360].
func (r Rect) lonWidth() float64 {
	w := r.MaxLon - r.MinLon
	if w < 0 {
		w += 360
	}
	return w
}

// Contains reports whether p lies in r, edges included. p.Lon may be any
// longitude: 180 and -180 are the same meridian.
func (r Rect) Contains(p Point) bool {
	if !(p.Lat >= r.MinLat && p.Lat <= r.MaxLat) {
		return false
	}
	return lonArcContains(r.MinLon, r.lonWidth(), p.Lon)
}

// lonArcContains reports whether lon lies on the arc that starts at west
// and runs width degrees east.
func lonArcContains(west, width, lon float64) bool {
	if width >= 360 {
		return !math.IsNaN(lon)
	}
	d := NormalizeLon(lon) - NormalizeLon(west)
	if d < 0 {
		d += 360
	}
	return d <= width
}

// Intersects reports whether r and o share at least one point.
func (r Rect) Intersects(o Rect) bool {
	if r.MaxLat < o.MinLat || o.MaxLat < r.MinLat {
		return false
	}
	// Two arcs of a circle meet if and only if one contains the start of
	// the other.
	return lonArcContains(r.MinLon, r.lonWidth(), o.MinLon) ||
		lonArcContains(o.MinLon, o.lonWidth(), r.MinLon)
}

// Union returns the smallest box that contains both r and o, going the
// shorter way round in longitude.
func (r Rect) Union(o Rect) Rect {
	u := Rect{MinLat: min(r.MinLat, o.MinLat), MaxLat: max(r.MaxLat, o.MaxLat)}
	rw, ow := r.lonWidth(), o.lonWidth()
	// The smallest arc covering two arcs starts where one of them starts.
	w1 := max(rw, eastOf(r.MinLon, o.MinLon)+ow)
	w2 := max(ow, eastOf(o.MinLon, r.MinLon)+rw)
	if w1 <= w2 {
		return lonBox(u, r.MinLon, w1)
	}
	return lonBox(u, o.MinLon, w2)
}

// eastOf returns how many degrees east of a b lies, in [0, 360).
func eastOf(a, b float64) float64 {
	d := NormalizeLon(b) - NormalizeLon(a)
	if d < 0 {
		d += 360
	}
	return d
}

// lonBox sets r's longitudes to the arc starting at west, width degrees
// wide, with the package's normal form.
func lonBox(r Rect, west, width float64) Rect {
	if width >= 360 {
		r.MinLon, r.MaxLon = -180, 180
		return r
	}
	r.MinLon = NormalizeLon(west)
	r.MaxLon = NormalizeLon(r.MinLon + width)
	if r.MaxLon == -180 && width > 0 {
		r.MaxLon = 180
	}
	return r
}

// RectAround returns the smallest box that contains every point within
// radius metres (great-circle Distance) of p. Near the antimeridian the box
// crosses it (MinLon > MaxLon); when the circle reaches a pole the box
// covers every longitude and extends to that pole. A radius of half the
// Earth's circumference or more gives the whole world; a zero or negative radius
// gives the box of p alone.
func RectAround(p Point, radius float64) Rect {
	lat := max(-90, min(90, p.Lat))
	lon := NormalizeLon(p.Lon)
	if !(radius > 0) {
		return Rect{MinLat: lat, MinLon: lon, MaxLat: lat, MaxLon: lon}
	}
	δ := radius / EarthRadius // angular radius, radians
	if δ >= math.Pi {
		return world()
	}
	dLat := δ * toDeg
	r := Rect{MinLat: lat - dLat, MaxLat: lat + dLat}
	if r.MaxLat >= 90 || r.MinLat <= -90 {
		r.MinLat, r.MaxLat = max(r.MinLat, -90), min(r.MaxLat, 90)
		r.MinLon, r.MaxLon = -180, 180
		return r
	}
	// The widest longitude of a spherical cap of angular radius δ centred
	// at latitude φ: sin Δλ = sin δ / cos φ.
	s := math.Sin(δ) / math.Cos(lat*toRad)
	if s >= 1 {
		r.MinLon, r.MaxLon = -180, 180
		return r
	}
	dLon := math.Asin(s) * toDeg
	return lonBox(r, lon-dLon, 2*dLon)
}
