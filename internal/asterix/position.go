package asterix

import (
	"math"
	"time"
)

// Units used by the accessors.
const (
	metresPerNM = 1852.0
	feetToM     = 0.3048
)

// Source returns the record's data source identifier (I010).
func (r *Record) Source() (SourceID, bool) {
	switch r.Category {
	case 34:
		return r.Cat034.I010, r.Has(10)
	case 48:
		return r.Cat048.I010, r.Has(10)
	case 62:
		return r.Cat062.I010, r.Has(10)
	}
	return SourceID{}, false
}

// TimeOfDay returns the record's time as an offset from UTC midnight:
// I048/140, I062/070 (time of track information) or I034/030. Resolve it to
// a date with Time.
func (r *Record) TimeOfDay() (time.Duration, bool) {
	switch r.Category {
	case 34:
		return r.Cat034.I030, r.Has(30)
	case 48:
		return r.Cat048.I140, r.Has(140)
	case 62:
		return r.Cat062.I070, r.Has(70)
	}
	return 0, false
}

// Time resolves the record's time of day to the instant nearest to ref (for
// example the capture or arrival time), so that a record sent just before
// UTC midnight and received just after it keeps the previous day.
func (r *Record) Time(ref time.Time) (time.Time, bool) {
	tod, ok := r.TimeOfDay()
	if !ok {
		return time.Time{}, false
	}
	ref = ref.UTC()
	midnight := time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, time.UTC)
	t := midnight.Add(tod)
	switch d := t.Sub(ref); {
	case d > 12*time.Hour:
		t = t.AddDate(0, 0, -1)
	case d < -12*time.Hour:
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// Track returns the track number: I048/161 or I062/040.
func (r *Record) Track() (uint16, bool) {
	switch r.Category {
	case 48:
		return r.Cat048.I161, r.Has(161)
	case 62:
		return r.Cat062.I040, r.Has(40)
	}
	return 0, false
}

// Polar is a measured position relative to a radar: slant range in metres
// and azimuth in degrees clockwise from true north at the radar.
type Polar struct {
	Radar   SourceID // the radar that measured it
	RangeM  float64
	Azimuth float64
}

// Polar returns the measured polar position: I048/040 (the record's own
// radar), or I062/340 POS (the radar named in I062/340 SID).
func (r *Record) Polar() (Polar, bool) {
	switch r.Category {
	case 48:
		c := &r.Cat048
		return Polar{Radar: c.I010, RangeM: c.I040.RhoNM * metresPerNM, Azimuth: c.I040.ThetaDeg}, r.Has(40)
	case 62:
		m := &r.Cat062.I340
		if !r.Has(340) || !m.Has(1) {
			return Polar{}, false
		}
		return Polar{Radar: m.SID, RangeM: m.POS.RhoNM * metresPerNM, Azimuth: m.POS.ThetaDeg}, m.Has(0)
	}
	return Polar{}, false
}

// Cartesian returns the calculated position in metres, X east and Y north
// of the radar (I048/042) or of the system reference point (I062/100).
func (r *Record) Cartesian() (x, y float64, ok bool) {
	switch r.Category {
	case 48:
		return r.Cat048.I042.XNM * metresPerNM, r.Cat048.I042.YNM * metresPerNM, r.Has(42)
	case 62:
		return r.Cat062.I100.X, r.Cat062.I100.Y, r.Has(100)
	}
	return 0, 0, false
}

// WGS84 returns a position in WGS-84: the track position I062/105, or the
// radar's own position I034/120. A CAT 048 position needs the radar site:
// see Site.Locate.
func (r *Record) WGS84() (LatLon, bool) {
	switch r.Category {
	case 34:
		return LatLon{Lat: r.Cat034.I120.Lat, Lon: r.Cat034.I120.Lon}, r.Has(120)
	case 62:
		return r.Cat062.I105, r.Has(105)
	}
	return LatLon{}, false
}

// Velocity is a ground velocity: speed in m/s, course in degrees from true
// north, and its east and north components in m/s.
type Velocity struct {
	Speed, Course float64
	VX, VY        float64
}

// Velocity returns the track velocity: I048/200 (polar) or I062/185
// (Cartesian).
func (r *Record) Velocity() (Velocity, bool) {
	switch r.Category {
	case 48:
		v := r.Cat048.I200
		s := v.SpeedKt * metresPerNM / 3600
		rad := v.HeadingDeg * math.Pi / 180
		return Velocity{Speed: s, Course: v.HeadingDeg, VX: s * math.Sin(rad), VY: s * math.Cos(rad)}, r.Has(200)
	case 62:
		v := r.Cat062.I185
		course := math.Atan2(v.VX, v.VY) * 180 / math.Pi
		if course < 0 {
			course += 360
		}
		return Velocity{Speed: math.Hypot(v.VX, v.VY), Course: course, VX: v.VX, VY: v.VY}, r.Has(185)
	}
	return Velocity{}, false
}

// Mode3A returns the Mode-3/A code: I048/070 or I062/060.
func (r *Record) Mode3A() (Code, bool) {
	switch r.Category {
	case 48:
		return r.Cat048.I070, r.Has(70)
	case 62:
		return r.Cat062.I060, r.Has(60)
	}
	return Code{}, false
}

// FlightLevel returns the flight level: I048/090, else for CAT 062 the
// measured flight level I062/136, else the barometric altitude I062/135.
func (r *Record) FlightLevel() (float64, bool) {
	switch r.Category {
	case 48:
		return r.Cat048.I090.FL, r.Has(90)
	case 62:
		if r.Has(136) {
			return r.Cat062.I136, true
		}
		return r.Cat062.I135.FL, r.Has(135)
	}
	return 0, false
}

// Site is a radar's position on the WGS-84 ellipsoid: latitude and
// longitude in degrees, height of the antenna above the ellipsoid in metres.
// CAT 034 I120 carries it (Record.WGS84 and Cat034.I120.HeightM); otherwise
// it comes from configuration.
type Site struct {
	Lat, Lon, HeightM float64
}

// WGS-84 ellipsoid.
const (
	wgsA  = 6378137.0
	wgsF  = 1 / 298.257223563
	wgsE2 = wgsF * (2 - wgsF)
)

// Locate converts a slant-range polar measurement from the site to a WGS-84
// position. targetHeightM is the target's height above the ellipsoid (0 for
// a ship; for aircraft the flight level in metres is a fair approximation).
//
// The target is on the ray from the antenna at azimuth theta (clockwise from
// true north) and at the elevation that puts the point rangeM along it at
// targetHeightM above the ellipsoid. The elevation starts from the triangle
// earth centre-radar-target on a sphere of the ellipsoid's radius of
// curvature in that azimuth (Euler's radius) and is then refined on the
// ellipsoid itself until the height is right to a millimetre. No
// refraction is modelled. ok is false when the range cannot reach that
// height.
func (s Site) Locate(rangeM, thetaDeg, targetHeightM float64) (LatLon, bool) {
	if !(rangeM > 0) {
		return LatLon{}, false
	}
	phi, lam := s.Lat*math.Pi/180, s.Lon*math.Pi/180
	sinPhi, cosPhi := math.Sincos(phi)
	sinLam, cosLam := math.Sincos(lam)
	w := math.Sqrt(1 - wgsE2*sinPhi*sinPhi)
	n := wgsA / w                         // prime vertical radius
	m := wgsA * (1 - wgsE2) / (w * w * w) // meridian radius
	sinT, cosT := math.Sincos(thetaDeg * math.Pi / 180)
	rEuler := 1 / (cosT*cosT/m + sinT*sinT/n)
	rr, rt := rEuler+s.HeightM, rEuler+targetHeightM
	sinE := (rt*rt - rr*rr - rangeM*rangeM) / (2 * rangeM * rr)
	if sinE < -1 || sinE > 1 {
		return LatLon{}, false
	}
	elev := math.Asin(sinE)
	x0, y0, z0 := toECEF(phi, lam, s.HeightM)
	var lat, lon float64
	for range 5 {
		sinE, cosE := math.Sincos(elev)
		e, nn, u := rangeM*cosE*sinT, rangeM*cosE*cosT, rangeM*sinE
		x := x0 - sinLam*e - sinPhi*cosLam*nn + cosPhi*cosLam*u
		y := y0 + cosLam*e - sinPhi*sinLam*nn + cosPhi*sinLam*u
		z := z0 + cosPhi*nn + sinPhi*u
		var h float64
		lat, lon, h = fromECEF(x, y, z)
		dh := h - targetHeightM
		if math.Abs(dh) < 1e-3 {
			break
		}
		// Raising the ray by dε lifts the point by about rangeM*dε.
		elev -= dh / rangeM
		if elev < -math.Pi/2 || elev > math.Pi/2 {
			return LatLon{}, false
		}
	}
	return LatLon{Lat: lat * 180 / math.Pi, Lon: lon * 180 / math.Pi}, true
}

// Measure is the inverse of Locate: the slant range in metres and the
// azimuth in degrees (clockwise from true north, 0 to 360) at which the
// site sees a point at p, heightM above the ellipsoid. Fusion can use it to
// predict a vessel into a radar's own co-ordinates, where the radar's noise
// is specified.
func (s Site) Measure(p LatLon, heightM float64) (rangeM, thetaDeg float64) {
	phi, lam := s.Lat*math.Pi/180, s.Lon*math.Pi/180
	sinPhi, cosPhi := math.Sincos(phi)
	sinLam, cosLam := math.Sincos(lam)
	x0, y0, z0 := toECEF(phi, lam, s.HeightM)
	x, y, z := toECEF(p.Lat*math.Pi/180, p.Lon*math.Pi/180, heightM)
	dx, dy, dz := x-x0, y-y0, z-z0
	e := -sinLam*dx + cosLam*dy
	n := -sinPhi*cosLam*dx - sinPhi*sinLam*dy + cosPhi*dz
	u := cosPhi*cosLam*dx + cosPhi*sinLam*dy + sinPhi*dz
	theta := math.Atan2(e, n) * 180 / math.Pi
	if theta < 0 {
		theta += 360
	}
	return math.Sqrt(e*e + n*n + u*u), theta
}

// toECEF converts geodetic co-ordinates (radians, metres) to Earth-centred
// Earth-fixed metres on WGS-84.
func toECEF(phi, lam, h float64) (x, y, z float64) {
	sinPhi, cosPhi := math.Sincos(phi)
	sinLam, cosLam := math.Sincos(lam)
	n := wgsA / math.Sqrt(1-wgsE2*sinPhi*sinPhi)
	return (n + h) * cosPhi * cosLam, (n + h) * cosPhi * sinLam, (n*(1-wgsE2) + h) * sinPhi
}

// fromECEF converts Earth-centred co-ordinates to geodetic latitude and
// longitude (radians) and height (metres), by Bowring's method refined by
// iteration (sub-millimetre below 1000 km of height).
func fromECEF(x, y, z float64) (phi, lam, h float64) {
	p := math.Hypot(x, y)
	lam = math.Atan2(y, x)
	phi = math.Atan2(z, p*(1-wgsE2))
	for range 5 {
		sinPhi := math.Sin(phi)
		n := wgsA / math.Sqrt(1-wgsE2*sinPhi*sinPhi)
		h = p/math.Cos(phi) - n
		phi = math.Atan2(z, p*(1-wgsE2*n/(n+h)))
	}
	sinPhi, cosPhi := math.Sincos(phi)
	n := wgsA / math.Sqrt(1-wgsE2*sinPhi*sinPhi)
	if math.Abs(cosPhi) > 1e-9 {
		h = p/cosPhi - n
	} else {
		h = math.Abs(z) - n*(1-wgsE2)
	}
	return phi, lam, h
}
