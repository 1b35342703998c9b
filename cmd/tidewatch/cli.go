package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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

// timeRange resolves --from and --to, with defaults: to = the end of the
// stored data (or now), from = to minus def.
func timeRange(fromS, toS string, now time.Time, dataEnd vessel.Time, haveData bool, def time.Duration) (from, to vessel.Time, err error) {
	to = vessel.TimeOf(now)
	if haveData {
		to = dataEnd
	}
	if toS != "" {
		if to, err = vessel.ParseTime(toS, now); err != nil {
			return 0, 0, err
		}
	}
	from = to - vessel.Time(def.Milliseconds())
	if fromS != "" {
		if from, err = vessel.ParseTime(fromS, now); err != nil {
			return 0, 0, err
		}
	}
	if from > to {
		return 0, 0, fmt.Errorf("--from %v is after --to %v", from, to)
	}
	return from, to, nil
}
