package vessel

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The range of times ParseTime accepts.
var (
	minTime = TimeOf(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	maxTime = TimeOf(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
)

// ParseTime reads a time as users give it on the command line and in API
// parameters: RFC 3339 ("2024-01-02T15:04:05Z", fractional seconds and
// offsets allowed), a date and time without zone (UTC), a date
// ("2024-01-02", midnight UTC), Unix seconds ("@1704067200"), "now", or a
// duration relative to now ("-2h", "-30m", "-7d", "+1h"; see
// ParseDuration).
func ParseTime(s string, now time.Time) (Time, error) {
	s = strings.TrimSpace(s)
	var t Time
	switch {
	case s == "now":
		t = TimeOf(now)
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+"):
		d, err := ParseDuration(s[1:])
		if err != nil {
			return 0, fmt.Errorf("relative time %q: %w", s, err)
		}
		if s[0] == '-' {
			d = -d
		}
		t = TimeOf(now) + Time(d.Milliseconds())
	case strings.HasPrefix(s, "@"):
		v, err := strconv.ParseFloat(s[1:], 64)
		if err != nil || math.IsNaN(v) || math.Abs(v) > 1e12 {
			return 0, fmt.Errorf("unix time %q: not a number of seconds", s)
		}
		t = Time(math.Round(v * 1000))
	default:
		ok := false
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
			if tt, err := time.Parse(layout, s); err == nil {
				t, ok = TimeOf(tt), true
				break
			}
		}
		if !ok {
			return 0, fmt.Errorf("time %q: use RFC 3339 (2024-01-02T15:04:05Z), a date (2024-01-02), @unix, now, or a relative time (-2h, -7d)", s)
		}
	}
	if t < minTime || t > maxTime {
		return 0, fmt.Errorf("time %q: out of range", s)
	}
	return t, nil
}

// maxDuration bounds ParseDuration: 100 years.
const maxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration extends time.ParseDuration with days (d) and weeks (w):
// "90d", "2w", "1d12h". Negative durations and durations over 100 years
// are refused.
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("duration %q: use units ms, s, m, h, d, w (e.g. 90d, 2h30m)", s)
	var total float64
	rest := s
	for rest != "" {
		i := strings.IndexAny(rest, "dw")
		if i < 0 {
			break
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || !(n >= 0) || math.IsInf(n, 0) {
			return 0, bad
		}
		unit := 24 * float64(time.Hour)
		if rest[i] == 'w' {
			unit *= 7
		}
		total += n * unit
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return 0, bad
		}
		total += float64(d)
	} else if s == "" {
		return 0, errors.New("empty duration")
	}
	if total > float64(maxDuration) {
		return 0, fmt.Errorf("duration %q: longer than 100 years", s)
	}
	return time.Duration(total), nil
}
