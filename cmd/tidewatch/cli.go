package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
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

// checkDataDir explains a --data that cannot be a store before the store
// is opened for reading: a missing directory (ingest creates one), a
// file, or a directory holding other things (not to be ingested into).
func checkDataDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no data directory %s (create one with \"tidewatch ingest --data %s FILE...\", or give --data)", dir, dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("--data %s is a file, not a data directory", dir)
	}
	return nil
}

// errNotDataDir is the message for a directory that holds other files
// and no store.
func errNotDataDir(dir string) error {
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		return fmt.Errorf("%s holds no data yet (run \"tidewatch ingest --data %s FILE...\" first)", dir, dir)
	}
	return fmt.Errorf("%s is not a tidewatch data directory: it holds other files and no store", dir)
}

// checkInputFile checks, before anything is created, that a named input
// exists, is a file, and holds AIS (NMEA or a known CSV layout) that gives
// at least one observation. It reads up to the first observation, so a
// large valid file is only opened.
func checkInputFile(ctx context.Context, name string) error {
	if name == "-" {
		return nil
	}
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", name)
	}
	st, err := ingest.Observations(ctx, name, nil, ingest.ObserveOptions{}, func(*vessel.Observation) error { return errFound })
	switch {
	case errors.Is(err, errFound):
		return nil
	case errors.Is(err, ingest.ErrFormat):
		return fmt.Errorf("no AIS found in %s: it is neither NMEA nor a known CSV layout", name)
	case err != nil:
		return err
	}
	return noAISError(name, st.Format.String(), st.NMEA.Lines, st.CSV.Rows, st.Rejected)
}

// errFound stops checkInputFile's scan at the first observation.
var errFound = errors.New("found")

// noAISError says that a file gave nothing, with what was read instead.
func noAISError(name, format string, lines, rows int64, rejected map[string]int64) error {
	var what string
	if format == "csv" {
		what = fmt.Sprintf("read as CSV: %d rows, none with a usable position", rows)
	} else {
		what = fmt.Sprintf("%d lines, no AIS message", lines)
	}
	if len(rejected) > 0 {
		classes := make([]string, 0, len(rejected))
		for c := range rejected {
			classes = append(classes, c)
		}
		sort.Strings(classes)
		what += "; rejected:"
		for _, c := range classes {
			what += fmt.Sprintf(" %s %d", c, rejected[c])
		}
	}
	return fmt.Errorf("no AIS found in %s (%s)", name, what)
}

// knownFlag reports whether code is the ISO 3166 alpha-2 code of a flag
// state that has an MID (maritime identification digits) allocated.
func knownFlag(code string) bool {
	for mid := 200; mid < 800; mid++ {
		if c, ok := vessel.FlagOf(mid); ok && strings.EqualFold(c.Code, code) {
			return true
		}
	}
	return false
}

// listenError rewords an address already in use, whichever part of the
// node tried to listen, as the operator's problem it is.
func listenError(err error) error {
	var oe *net.OpError
	if errors.Is(err, syscall.EADDRINUSE) && errors.As(err, &oe) && oe.Addr != nil {
		return fmt.Errorf("cannot listen on %s: the address is already in use (another tidewatch, or another program, holds it)", oe.Addr)
	}
	return err
}
