package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// defaultDataDir is used when neither --data nor TIDEWATCH_DATA is given.
const defaultDataDir = "tidewatch-data"

// dataFlag adds --data to fs, defaulting to $TIDEWATCH_DATA or
// ./tidewatch-data.
func dataFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("TIDEWATCH_DATA")
	if def == "" {
		def = defaultDataDir
	}
	return fs.String("data", def, "data directory of the store (env TIDEWATCH_DATA)")
}

// parseArgs parses flags that may come before or after positional
// arguments ("track 366999001 --from -2h" as well as "track --from -2h
// 366999001"), and returns the positional ones. It returns errUsage (after
// printing why) on a mistake and flag.ErrHelp for -h.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints a message and the command's usage, and returns
// errUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) error {
	fmt.Fprintf(stderr, "tidewatch %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// parseTime reads a time given on the command line: RFC 3339
// ("2024-01-02T15:04:05Z", fractional seconds and offsets allowed), a
// date ("2024-01-02", midnight UTC), a date and time without zone (UTC),
// Unix seconds ("@1704067200"), "now", or a duration relative to now
// ("-2h", "-30m", "-7d", "+1h"; units ms, s, m, h, d, w).
func parseTime(s string, now time.Time) (vessel.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "now":
		return vessel.TimeOf(now), nil
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+"):
		d, err := parseDuration(s[1:])
		if err != nil {
			return 0, fmt.Errorf("relative time %q: %w", s, err)
		}
		if s[0] == '-' {
			d = -d
		}
		return vessel.TimeOf(now.Add(d)), nil
	case strings.HasPrefix(s, "@"):
		v, err := strconv.ParseFloat(s[1:], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("unix time %q: not a number", s)
		}
		return vessel.Time(math.Round(v * 1000)), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return vessel.TimeOf(t), nil
		}
	}
	return 0, fmt.Errorf("time %q: use RFC 3339 (2024-01-02T15:04:05Z), a date (2024-01-02), @unix, now, or a relative time (-2h, -7d)", s)
}

// parseDuration extends time.ParseDuration with days (d) and weeks (w):
// "90d", "2w", "1d12h".
func parseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	for rest != "" {
		i := strings.IndexAny(rest, "dw")
		if i < 0 {
			break
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || n < 0 {
			// not a day/week prefix: let time.ParseDuration judge it all
			break
		}
		unit := 24 * time.Hour
		if rest[i] == 'w' {
			unit *= 7
		}
		total += time.Duration(n * float64(unit))
		rest = rest[i+1:]
	}
	if rest == "" {
		if s == "" {
			return 0, errors.New("empty duration")
		}
		return total, nil
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("duration %q: use units ms, s, m, h, d, w (e.g. 90d, 2h30m)", s)
	}
	return total + d, nil
}

// parseDistance reads a distance: a number with an optional unit m, km or
// nm (nautical miles); metres when no unit.
func parseDistance(s string) (float64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "km"):
		mult, s = 1000, strings.TrimSuffix(s, "km")
	case strings.HasSuffix(s, "nm"):
		mult, s = 1852, strings.TrimSuffix(s, "nm")
	case strings.HasSuffix(s, "m"):
		s = strings.TrimSuffix(s, "m")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("distance %q: use a number with m, km or nm (e.g. 10km)", s)
	}
	return v * mult, nil
}

// timeRange resolves --from and --to, with defaults: to = the end of the
// stored data (or now), from = to minus def.
func timeRange(fromS, toS string, now time.Time, dataEnd vessel.Time, haveData bool, def time.Duration) (from, to vessel.Time, err error) {
	to = vessel.TimeOf(now)
	if haveData {
		to = dataEnd
	}
	if toS != "" {
		if to, err = parseTime(toS, now); err != nil {
			return 0, 0, err
		}
	}
	from = to - vessel.Time(def.Milliseconds())
	if fromS != "" {
		if from, err = parseTime(fromS, now); err != nil {
			return 0, 0, err
		}
	}
	if from > to {
		return 0, 0, fmt.Errorf("--from %v is after --to %v", from, to)
	}
	return from, to, nil
}
