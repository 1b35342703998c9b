package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
)

const storeUsage = `Usage: tidewatch store check|repair [--data DIR]

check   verify every file of the data directory without changing it: the
        manifest, each block's checksum and every chunk in it, every WAL
        record; name each file that is missing, damaged or unknown and what
        it held (vessels, time range). Exit status 1 if anything is wrong.
repair  save what can be read from damaged files into new blocks, move the
        damaged and unknown files and the old manifest aside into
        DIR/damaged-TIME/ (nothing is deleted), and rebuild the manifest,
        leaving a store that opens without damage.

Both need the data directory to themselves: stop serve or ingest first.
`

// errDamaged is returned by store check when it finds damage (exit 1).
var errDamaged = errors.New("damage found")

func runStore(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stderr, storeUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fs := newFlagSet("store "+sub, storeUsage, stderr)
	data := dataFlag(fs)
	if sub != "check" && sub != "repair" {
		return usageError(fs, stderr, "unknown store command %q (check or repair)", sub)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	inUse := func(err error) error {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop serve or ingest first", err)
		}
		return err
	}
	if sub == "check" {
		rep, err := store.Check(*data)
		if err != nil {
			return inUse(err)
		}
		writeCheckReport(stdout, *data, rep)
		if !rep.OK() {
			return fmt.Errorf("store check: %w in %s: %d problem(s); run \"tidewatch store repair --data %s\" to move the damaged files aside", errDamaged, *data, len(rep.Damage), *data)
		}
		return nil
	}
	rep, err := store.Repair(*data, now)
	if err != nil {
		return inUse(err)
	}
	fmt.Fprintf(stdout, "store %s\n", *data)
	if len(rep.Found) == 0 {
		fmt.Fprintf(stdout, "  nothing to repair: no damage found\n")
		return nil
	}
	for _, d := range rep.Found {
		fmt.Fprintf(stdout, "  found: %s\n", d.String())
	}
	for _, f := range rep.Salvaged {
		fmt.Fprintf(stdout, "  saved the readable chunks of %s into a new block\n", f)
	}
	if len(rep.Moved) > 0 {
		fmt.Fprintf(stdout, "  moved aside into %s:\n", rep.Aside)
		for _, f := range rep.Moved {
			fmt.Fprintf(stdout, "    %s\n", f)
		}
	}
	if len(rep.After) > 0 {
		for _, d := range rep.After {
			fmt.Fprintf(stdout, "  still wrong: %s\n", d.String())
		}
		return fmt.Errorf("store repair: %w in %s after the repair", errDamaged, *data)
	}
	fmt.Fprintf(stdout, "  the store now opens without damage\n")
	return nil
}

func writeCheckReport(w io.Writer, dir string, rep *store.CheckReport) {
	fmt.Fprintf(w, "store %s\n", dir)
	if rep.Manifest {
		fmt.Fprintf(w, "  manifest: checksum ok\n")
	} else {
		fmt.Fprintf(w, "  manifest: none or unreadable (the next serve or ingest builds one)\n")
	}
	fmt.Fprintf(w, "  verified: %d block(s), %d chunk(s), %d WAL segment(s), %d positions readable\n", rep.Blocks, rep.Chunks, rep.Segments, rep.Positions)
	for _, d := range rep.Damage {
		fmt.Fprintf(w, "  %s\n", d.String())
	}
	if rep.OK() {
		fmt.Fprintf(w, "  ok: nothing missing, damaged or unknown\n")
	}
}
