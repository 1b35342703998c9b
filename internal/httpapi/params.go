package httpapi

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Time bounds: parsed times must lie in years 0001-9999, so that the
// arithmetic on vessel.Time never overflows.
var (
	minTime = vessel.TimeOf(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	maxTime = vessel.TimeOf(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
)

// params reads the query parameters of one request. Every parse error is
// a 400 naming the parameter.
type params struct {
	v   url.Values
	now time.Time
}

func (p *params) has(name string) bool { return p.v.Get(name) != "" }

func (p *params) get(name string) string { return strings.TrimSpace(p.v.Get(name)) }

// time reads a time parameter: RFC 3339, a date, @unix seconds, "now", or
// relative to now (-2h, +30m, -7d). ok is false when it is absent.
func (p *params) time(name string) (t vessel.Time, ok bool, err error) {
	s := p.get(name)
	if s == "" {
		return 0, false, nil
	}
	t, err = vessel.ParseTime(s, p.now)
	if err != nil {
		return 0, false, badParam(name, "%v", err)
	}
	return t, true, nil
}

// duration reads a positive duration parameter, def when absent.
func (p *params) duration(name string, def time.Duration) (time.Duration, error) {
	s := p.get(name)
	if s == "" {
		return def, nil
	}
	d, err := vessel.ParseDuration(s)
	if err != nil {
		return 0, badParam(name, "%v", err)
	}
	if d <= 0 {
		return 0, badParam(name, "want a positive duration (1h, 30m, 2d)")
	}
	return d, nil
}

// float reads a required number parameter in [lo, hi].
func (p *params) float(name string, lo, hi float64) (float64, error) {
	s := p.get(name)
	if s == "" {
		return 0, badParam(name, "required")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, badParam(name, "%q: want a number from %g to %g", s, lo, hi)
	}
	return v, nil
}

// limit reads a count parameter in [1, max], def when absent.
func (p *params) limit(name string, def, max int) (int, error) {
	s := p.get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, badParam(name, "%q: want a whole number from 1 to %d", s, max)
	}
	return n, nil
}

// boolean reads a true/false parameter, false when absent.
func (p *params) boolean(name string) (bool, error) {
	s := p.get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badParam(name, "%q: want true or false", s)
	}
	return b, nil
}

// bbox reads a bounding box W,S,E,N; nil when absent. W > E crosses the
// antimeridian.
func (p *params) bbox(name string) (*geo.Rect, error) {
	s := p.get(name)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, badParam(name, "%q: want west,south,east,north in degrees", s)
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badParam(name, "%q: %q is not a number", s, part)
		}
		v[i] = f
	}
	r := geo.Rect{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	if r.MinLat > r.MaxLat || r.MinLat < -90 || r.MaxLat > 90 || math.Abs(r.MinLon) > 180 || math.Abs(r.MaxLon) > 180 {
		return nil, badParam(name, "%q: latitudes -90..90 with south <= north, longitudes -180..180 (west > east crosses the antimeridian)", s)
	}
	return &r, nil
}

// parseMMSI reads an MMSI: up to nine digits.
func parseMMSI(s string) (vessel.MMSI, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || v > 999_999_999 || v == 0 {
		return 0, fmt.Errorf("%q: want an MMSI of up to nine digits", s)
	}
	return vessel.MMSI(v), nil
}

// window reads from and to for the history queries. When to is absent it
// is end (the end of the stored data, or now); when from is absent it is
// to minus def. The window may not exceed max.
func (p *params) window(end vessel.Time, def, max time.Duration) (from, to vessel.Time, err error) {
	to = end
	if t, ok, err := p.time("to"); err != nil {
		return 0, 0, err
	} else if ok {
		to = t
	}
	from = to - vessel.Time(def.Milliseconds())
	if t, ok, err := p.time("from"); err != nil {
		return 0, 0, err
	} else if ok {
		from = t
	}
	if from > to {
		return 0, 0, badParam("from", "%v is after to %v", from, to)
	}
	if max > 0 && to-from > vessel.Time(max.Milliseconds()) {
		return 0, 0, badParam("from", "the window %v to %v is longer than the limit of %v", from, to, max)
	}
	return from, to, nil
}
