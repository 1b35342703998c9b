package geo

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EarthRadius is the radius, in metres, of the sphere on which distances,
// bearings and destinations are computed: the IUGG mean radius R1 of the
// WGS-84 ellipsoid, (2a+b)/3.
const EarthRadius = 6371008.8

// Point is a WGS-84 position in decimal degrees: Lat in [-90, 90], positive
// north; Lon positive east. Functions accept any longitude and treat
// longitudes that differ by a multiple of 360 as the same meridian; the
// points they return have Lon in [-180, 180).
type Point struct {
	Lat, Lon float64
}

// String formats p as "lat,lon" in decimal degrees, rounded to 6 decimals
// (0.1 m) without trailing zeros: "51.5074,-0.1278".
func (p Point) String() string {
	b := appendCoord(nil, p.Lat)
	b = append(b, ',')
	return string(appendCoord(b, p.Lon))
}

func appendCoord(b []byte, v float64) []byte {
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', 6, 64)
	if bytes.IndexByte(b[n:], '.') >= 0 {
		b = bytes.TrimRight(b, "0")
		b = bytes.TrimSuffix(b, []byte("."))
	}
	if string(b[n:]) == "-0" {
		b = append(b[:n], '0')
	}
	return b
}

// Valid reports whether p has finite coordinates with Lat in [-90, 90] and
// Lon in [-180, 180].
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// NormalizeLon returns lon moved by a multiple of 360 into [-180, 180).
// It returns NaN for NaN and infinite input.
func NormalizeLon(lon float64) float64 {
	if lon >= -180 && lon < 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	lon -= 180
	if lon >= 180 { // rounding of lon+180 for values just below -180
		lon -= 360
	}
	return lon
}

const (
	toRad = math.Pi / 180
	toDeg = 180 / math.Pi
)

// Distance returns the great-circle distance between a and b in metres,
// computed with the haversine formula on a sphere of radius EarthRadius.
//
// The sphere is a deliberate choice: it is fast, has no convergence
// problems (unlike Vincenty's formulae for nearly antipodal points), and
// Bearing, Destination and Interpolate use the same model, so they are
// consistent with each other. Against the geodesic on the WGS-84 ellipsoid
// the relative error is at most 0.57%, at any distance: the sphere is too
// long along meridians near the equator (110.6 km per degree on the
// ellipsoid, 111.2 km here) and too short near the poles. That is at most
// 5.7 m per kilometre, well inside AIS position noise for the speed and
// encounter checks fusion makes; TestDistanceVsEllipsoid measures it.
func Distance(a, b Point) float64 {
	φ1, φ2 := a.Lat*toRad, b.Lat*toRad
	sφ := math.Sin((φ2 - φ1) / 2)
	// sin² of half the longitude difference is periodic in 360°, so the
	// formula is antimeridian-safe without normalising.
	sλ := math.Sin((b.Lon - a.Lon) * toRad / 2)
	h := sφ*sφ + math.Cos(φ1)*math.Cos(φ2)*sλ*sλ
	if h > 1 {
		h = 1
	}
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// Bearing returns the initial great-circle bearing from a to b in degrees
// clockwise from true north, in [0, 360). It is 0 when a and b coincide.
// From a pole, where every direction is south or north, the bearing is
// measured as if a were just off the pole on the meridian a.Lon.
func Bearing(a, b Point) float64 {
	φ1, φ2 := a.Lat*toRad, b.Lat*toRad
	Δλ := (b.Lon - a.Lon) * toRad
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	return normBearing(math.Atan2(y, x) * toDeg)
}

// normBearing maps an angle in degrees into [0, 360).
func normBearing(θ float64) float64 {
	θ = math.Mod(θ, 360)
	if θ < 0 {
		θ += 360
	}
	if θ >= 360 || θ == 0 { // rounding, and -0
		return 0
	}
	return θ
}

// Destination returns the point reached from p after travelling metres
// along the great circle that leaves p with the given initial bearing
// (degrees clockwise from north). Negative distances travel backwards.
func Destination(p Point, bearing, metres float64) Point {
	φ1, λ1 := p.Lat*toRad, p.Lon*toRad
	θ := bearing * toRad
	δ := metres / EarthRadius
	sφ1, cφ1 := math.Sincos(φ1)
	sδ, cδ := math.Sincos(δ)
	sθ, cθ := math.Sincos(θ)
	sφ2 := sφ1*cδ + cφ1*sδ*cθ
	sφ2 = max(-1, min(1, sφ2))
	φ2 := math.Asin(sφ2)
	λ2 := λ1 + math.Atan2(sθ*sδ*cφ1, cδ-sφ1*sφ2)
	return Point{Lat: φ2 * toDeg, Lon: NormalizeLon(λ2 * toDeg)}
}

// vec is a point on the unit sphere.
type vec struct{ x, y, z float64 }

func toVec(p Point) vec {
	sφ, cφ := math.Sincos(p.Lat * toRad)
	sλ, cλ := math.Sincos(p.Lon * toRad)
	return vec{cφ * cλ, cφ * sλ, sφ}
}

func (v vec) point() Point {
	return Point{
		Lat: math.Atan2(v.z, math.Hypot(v.x, v.y)) * toDeg,
		Lon: NormalizeLon(math.Atan2(v.y, v.x) * toDeg),
	}
}

func (v vec) dot(w vec) float64 { return v.x*w.x + v.y*w.y + v.z*w.z }
func (v vec) cross(w vec) vec {
	return vec{v.y*w.z - v.z*w.y, v.z*w.x - v.x*w.z, v.x*w.y - v.y*w.x}
}
func (v vec) norm() float64           { return math.Sqrt(v.dot(v)) }
func (v vec) scale(s float64) vec     { return vec{v.x * s, v.y * s, v.z * s} }
func (v vec) add(w vec) vec           { return vec{v.x + w.x, v.y + w.y, v.z + w.z} }
func angle(v, w vec) (δ, sin float64) { n := v.cross(w).norm(); return math.Atan2(n, v.dot(w)), n }

// Interpolate returns the point at fraction f of the way from a to b along
// the shorter great-circle arc: a for f = 0, b for f = 1, the midpoint for
// 0.5. Fractions outside [0, 1] extrapolate along the same great circle.
// It is antimeridian-safe: Interpolate({0, 179}, {0, -179}, 0.5) is {0, -180}.
// When a and b are antipodal no great circle is preferred; the path then
// runs due north from a along its meridian.
func Interpolate(a, b Point, f float64) Point {
	switch f {
	case 0:
		return Point{a.Lat, NormalizeLon(a.Lon)}
	case 1:
		return Point{b.Lat, NormalizeLon(b.Lon)}
	}
	va, vb := toVec(a), toVec(b)
	δ, sδ := angle(va, vb)
	if sδ < 1e-12 {
		if δ < 1 { // the same point
			return Point{a.Lat, NormalizeLon(a.Lon)}
		}
		return Destination(a, 0, f*δ*EarthRadius) // antipodal
	}
	wa := math.Sin((1-f)*δ) / sδ
	wb := math.Sin(f*δ) / sδ
	return va.scale(wa).add(vb.scale(wb)).point()
}

// ClosestApproach returns the point of the great-circle segment a→b that is
// nearest to c, as the fraction f in [0, 1] of the way from a to b (the
// point is Interpolate(a, b, f)), and its distance to c in metres.
//
// It is exact on the sphere, whatever the length of the segment: c is
// projected onto the plane of the great circle through a and b, and the
// projection is clamped to the segment. Typical use: two consecutive
// reports of one vessel (a, b) against a position c (a buoy, a platform,
// another vessel's report); for two moving vessels, compare positions
// interpolated at common times instead. When a and b coincide (or are
// antipodal) f is 0; when every point of the segment is equally far from c
// (c a pole of the great circle) f is 0 too.
func ClosestApproach(a, b, c Point) (f, d float64) {
	va, vb, vc := toVec(a), toVec(b), toVec(c)
	n := va.cross(vb)
	sδ := n.norm()
	if sδ < 1e-15 {
		return 0, Distance(a, c)
	}
	n = n.scale(1 / sδ)
	δ := math.Atan2(sδ, va.dot(vb))
	cp := vc.add(n.scale(-vc.dot(n))) // c projected onto the great circle's plane
	if cp.norm() < 1e-15 {
		return 0, Distance(a, c)
	}
	// θ: angle from a to the projection, positive towards b.
	θ := math.Atan2(n.dot(va.cross(cp)), va.dot(cp))
	switch {
	case θ >= 0 && θ <= δ:
		f = θ / δ
	default:
		// Outside the arc: the nearer end is the one with the smaller
		// angular gap to the projection.
		gb := math.Abs(θ - δ)
		if gb > math.Pi {
			gb = 2*math.Pi - gb
		}
		if gb < math.Abs(θ) {
			f = 1
		}
	}
	return f, Distance(Interpolate(a, b, f), c)
}

// ParseDistance reads a distance as users give it: a number with an
// optional unit m, km or nm (nautical miles), metres when none: "10km",
// "500", "2nm".
func ParseDistance(s string) (float64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "km"):
		mult, t = 1000, strings.TrimSuffix(t, "km")
	case strings.HasSuffix(t, "nm"):
		mult, t = 1852, strings.TrimSuffix(t, "nm")
	case strings.HasSuffix(t, "m"):
		t = strings.TrimSuffix(t, "m")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("distance %q: use a number with m, km or nm (e.g. 10km)", s)
	}
	return v * mult, nil
}
