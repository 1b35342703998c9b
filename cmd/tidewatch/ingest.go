package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const ingestUsage = `Usage: tidewatch ingest [--data DIR] [options] FILE...

Read AIS and fuse it into the vessel picture, storing every position, static
report and provenance record in the data directory (created if needed).
Inputs are NMEA 0183 (!AIVDM/!AIVDO, tag blocks, archive prefixes) or a
decoded-position CSV (the MarineCadastre/NOAA layout, the Danish Maritime
Authority layout, or tidewatch's own mmsi,timestamp,lat,lon,... layout),
plain or gzip-compressed; the format is recognised from the content. FILE
"-" reads standard input.

Reports heard by several receivers are stored once (the others become
provenance); implausible reports are stored with quality flags
(no_position, teleport, identity_conflict, future, clock) and kept out of
tracks and the latest state; invalid_mmsi, on_land and late are advisory
flags. Radar (NMEA TTM/TLL, ASTERIX) and satellite detection files are
recognised too, read and counted (not stored yet). On a terminal a progress
bar shows the rate and time left; a summary follows on stderr. Everything counted as
stored is committed to disk (fsync) before ingest exits.
`

func runIngest(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runIngestFS(ctx, args, stdin, stdout, stderr, nil)
}

// ingestOptions are the parsed flags of tidewatch ingest.
type ingestOptions struct {
	data, land, progress string
	margin               float64
	retain               time.Duration
	store                store.Options
	keepTags             bool
	sensors              sensorIngest
	files                []string
}

// parseIngestFlags reads the flags; mistakes are usage errors.
func parseIngestFlags(fs *flag.FlagSet, args []string, stderr io.Writer, fsys store.FS) (*ingestOptions, error) {
	data := dataFlag(fs)
	landS := fs.String("land", "default", `land mask for the on_land flag: "default" (Natural Earth 1:50m, bundled), "none", or a GeoJSON file`)
	marginS := fs.String("land-margin", "2km", "flag a position on land only when the sea is farther than this")
	retainS := fs.String("retain", "", "keep only this much history, counted back from the newest report not dated in the future (e.g. 90d); default: keep everything")
	progress := fs.String("progress", "auto", "progress bar: auto (on a terminal), always or never")
	syncS := fs.String("sync", "commit", "durability: commit (fsync every commit: survives power loss) or none (survives a process crash only; faster)")
	keepTags := fs.Bool("keep-bad-tag-checksums", false, "use tag-block time and source even when the tag block's checksum is wrong")
	var sf sensorFlags // radar and satellite files (sensor.go)
	sf.add(fs, false)
	files, err := parseArgs(fs, args)
	if err != nil {
		return nil, err // flag.ErrHelp after -h
	}
	o := &ingestOptions{data: *data, land: *landS, progress: *progress, keepTags: *keepTags, files: files, store: store.Options{FS: fsys}}
	if o.sensors.opts, err = sf.options(); err != nil {
		return nil, usageError(fs, stderr, "%v", err)
	}
	if len(files) == 0 {
		return nil, usageError(fs, stderr, "no input files (use - for standard input)")
	}
	if o.margin, err = geo.ParseDistance(*marginS); err != nil {
		return nil, usageError(fs, stderr, "--land-margin: %v", err)
	}
	if *retainS != "" {
		if o.retain, err = vessel.ParseDuration(*retainS); err != nil || o.retain <= 0 {
			return nil, usageError(fs, stderr, "--retain %q: want a positive duration such as 90d", *retainS)
		}
	}
	switch *syncS {
	case "commit":
	case "none":
		o.store.Sync = store.SyncNone
	default:
		return nil, usageError(fs, stderr, "--sync %q: want commit or none", *syncS)
	}
	if *progress != "auto" && *progress != "always" && *progress != "never" {
		return nil, usageError(fs, stderr, "--progress %q: want auto, always or never", *progress)
	}
	return o, nil
}

// checkIngestInputs checks the inputs and the data directory before
// anything is created, and returns the bytes to read (-1: unknown, for
// standard input).
func checkIngestInputs(ctx context.Context, o *ingestOptions) (int64, error) {
	var total int64
	for _, name := range o.files {
		if name == "-" {
			total = -1
			continue
		}
		st, err := os.Stat(name)
		if err == nil && total >= 0 {
			total += st.Size()
		}
		if f, err := sniffSensorFile(name); err == nil && f != sensor.FormatUnknown {
			continue // radar or satellite detections, read by sensors.file
		}
		if err := checkInputFile(ctx, name); err != nil {
			return 0, err
		}
	}
	if fi, err := os.Stat(o.data); err == nil && !fi.IsDir() {
		return 0, fmt.Errorf("--data %s is a file, not a data directory", o.data)
	}
	return total, nil
}

// runIngestFS is runIngest writing the store through fsys (nil: the
// operating system's); tests pass a file system that fills up.
func runIngestFS(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, fsys store.FS) error {
	fs := newFlagSet("ingest", ingestUsage, stderr)
	o, err := parseIngestFlags(fs, args, stderr, fsys)
	if err != nil {
		return helpOK(err) // -h: the usage is printed, nothing to run
	}
	land, err := server.LoadLand(o.land)
	if err != nil {
		return err
	}
	total, err := checkIngestInputs(ctx, o)
	if err != nil {
		return err
	}
	db, err := store.Open(o.data, o.store)
	if err != nil {
		return err
	}
	for _, msg := range db.Recovery() {
		fmt.Fprintf(stderr, "tidewatch ingest: %s\n", msg)
	}
	// The same core as a node's: fusion, then the store.
	core, _, err := server.NewCore(server.CoreConfig{Land: land, LandMargin: o.margin, Store: db})
	if err != nil {
		db.Close()
		return err
	}
	start := time.Now()
	sum, runErr := ingestFiles(ctx, o, core, total, stdin, stderr)
	// Commit what was read even when a later file failed or the user
	// interrupted: the summary then says what is stored.
	if err := core.Commit(); err != nil && runErr == nil {
		runErr = err
	}
	var cst store.CompactStats
	if runErr == nil {
		runErr = flushAndCompact(db, o.retain, time.Now(), &cst)
	}
	rec := core.Recorder()
	dbst, lost, health := db.Stats(), rec.Uncommitted(), db.Health()
	if err := db.Close(); err != nil && runErr == nil {
		runErr = err
	}
	rst := rec.Stats()
	writeIngestSummary(stderr, o.land == "default", sum, rst, core.Picture.Stats(), dbst, cst, time.Since(start))
	o.sensors.summary(stderr)
	if health != nil || rst.Refused > 0 || lost > 0 {
		cause := runErr
		if health != nil {
			cause = health
		}
		return &storeWriteError{dir: o.data, notStored: lost + rst.Refused, committed: rst.Committed, err: cause}
	}
	return runErr
}

// ingestFiles reads every input file into core, with a progress bar on a
// terminal; it stops at the first error.
func ingestFiles(ctx context.Context, o *ingestOptions, core *server.Core, total int64, stdin io.Reader, stderr io.Writer) (*fileSummary, error) {
	var bar *progressbar.ProgressBar
	if o.progress == "always" || o.progress == "auto" && isTerminal(stderr) {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionFullWidth(),
		)
		defer bar.Finish()
	}
	var done int64 // bytes of the files finished
	sum := &fileSummary{rejected: map[string]int64{}}
	for _, name := range o.files {
		isSensor, err := o.sensors.file(name, &stdin, stderr)
		if err != nil {
			return sum, err
		} else if isSensor {
			continue
		}
		iopt := ingest.ObserveOptions{NMEA: ingest.Options{KeepBadTagChecksums: o.keepTags}}
		if bar != nil {
			base := done
			iopt.Progress = func(n int64) {
				bar.Describe(fmt.Sprintf("%s: %d positions", shortName(name), core.Recorder().Stats().Stored))
				bar.Set64(base + n)
			}
		}
		st, err := ingest.Observations(ctx, name, stdin, iopt, core.Observe)
		done += st.Bytes
		sum.add(name, st)
		if err == nil && st.Observations == 0 {
			err = noAISError(name, st.Format.String(), st.NMEA.Lines, st.CSV.Rows, st.Rejected) // standard input: not checked before
		}
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// storeWriteError says that ingest could not write the store (a full
// disk, an I/O error): what is safe and what is not.
type storeWriteError struct {
	dir                  string
	notStored, committed int64
	err                  error
}

func (e *storeWriteError) Error() string {
	hint := "check the disk"
	if errors.Is(e.err, syscall.ENOSPC) {
		hint = "the file system is full: free space"
	}
	return fmt.Sprintf("cannot write the data directory %s: %v\n"+
		"  %d items read from the input are NOT stored; the %d committed before the failure are safe.\n"+
		"  %s and run the same ingest again", e.dir, e.err, e.notStored, e.committed, hint)
}

func (e *storeWriteError) Unwrap() error { return e.err }

// flushAndCompact writes the head to a block and compacts, applying
// retention counted back from the newest plausible report: one dated after
// now (plus a tolerance) must not make the rest look old.
func flushAndCompact(db *store.DB, retain time.Duration, now time.Time, cst *store.CompactStats) error {
	co := store.CompactOptions{}
	if retain > 0 {
		end, ok, err := db.Newest(vessel.TimeOf(now.Add(futureTolerance)))
		if err != nil {
			return err
		}
		if ok {
			co.Cutoff = end - vessel.Time(retain.Milliseconds())
		}
	}
	if err := db.Flush(); err != nil {
		return err
	}
	var err error
	*cst, err = db.Compact(co)
	return err
}

// futureTolerance is how far after the wall clock a report may be dated
// and still count as the newest for retention.
const futureTolerance = time.Hour

func shortName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 32 {
		name = name[:29] + "..."
	}
	return name
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type fileSummary struct {
	files                int
	bytes, messages, obs int64
	rejected             map[string]int64
	formats              []string
}

func (s *fileSummary) add(name string, st ingest.FileStats) {
	s.files++
	s.bytes += st.Bytes
	s.messages += st.Messages
	s.obs += st.Observations
	for k, v := range st.Rejected {
		s.rejected[k] += v
	}
	f := st.Format.String()
	if !slices.Contains(s.formats, f) {
		s.formats = append(s.formats, f)
	}
}

func writeIngestSummary(w io.Writer, landHint bool, s *fileSummary, r recorder.Stats, ps fusion.Stats, db store.Stats, cst store.CompactStats, elapsed time.Duration) {
	secs := max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "ingest: %d file(s) (%s), %s read, %d messages/rows, %d observations in %.1fs (%.0f observations/s)\n",
		s.files, strings.Join(s.formats, ", "), humanBytes(s.bytes), s.messages, s.obs, elapsed.Seconds(), float64(s.obs)/secs)
	fmt.Fprintf(w, "  stored: %d positions, %d static updates, %d duplicates (kept as provenance), %d station reports; %d repeats of known static data\n",
		r.Stored, r.StaticChanges, r.Duplicates, r.Stations, r.StaticSame)
	fmt.Fprintf(w, "  picture: %d vessels, %d stations\n", ps.Vessels, ps.Stations)
	bad := map[string]int64{}
	for k, v := range r.Flagged {
		if f, ok := vessel.ParseFlag(k); ok && f&vessel.Bad != 0 {
			bad[k] = v
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "  flagged (stored, kept out of tracks and the latest state): %s\n", mapLine(bad))
	}
	if r.Flagged["late"]+r.Flagged["on_land"] > 0 {
		fmt.Fprintf(w, "  advisory flags (kept in tracks): on_land %d, late %d\n", r.Flagged["on_land"], r.Flagged["late"])
	}
	if n := r.Flagged["on_land"]; n*20 > r.Stored && landHint {
		fmt.Fprintf(w, "  note: %.0f%% of positions are on land by the bundled land mask, which counts canals, rivers and lakes\n"+
			"        (Suez, the Great Lakes, the Mississippi) as land; use --land FILE with your own land data, or --land none\n", 100*float64(n)/float64(r.Stored))
	}
	var rej int64
	rejected, warned := map[string]int64{}, map[string]int64{}
	for k, v := range s.rejected {
		if k == "skipped_prefix" || k == "tag_block_checksum" { // warnings: the sentence was used
			warned[k] = v
			continue
		}
		rejected[k] = v
		rej += v
	}
	if len(warned) > 0 {
		fmt.Fprintf(w, "  used with a warning: %s\n", mapLine(warned))
	}
	if rej > 0 {
		fmt.Fprintf(w, "  rejected input: %d (%s)\n", rej, mapLine(rejected))
	} else {
		fmt.Fprintf(w, "  rejected input: 0\n")
	}
	per := 0.0
	if db.Positions > 0 {
		per = float64(db.DiskBytes) / float64(db.Positions)
	}
	fmt.Fprintf(w, "  store: %d positions of %d vessels in total, %s on disk (%.1f bytes/position), %d block(s)",
		db.Positions, db.Vessels, humanBytes(db.DiskBytes), per, db.Blocks)
	if cst.Dropped > 0 {
		fmt.Fprintf(w, "; retention removed %d positions", cst.Dropped)
	}
	fmt.Fprintln(w)
}

func mapLine(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
