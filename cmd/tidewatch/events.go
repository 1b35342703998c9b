package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const eventsUsage = `Usage: tidewatch events [--zones FILE.geojson] [--preset gfw|skylight|transshipment] [--config FILE]
                        ([--learn-first] FILE... | --data DIR [--from T] [--to T] [--workers N] [--learn-first])

Detect events — gap, encounter, loitering, zone_entry, zone_exit, teleport,
identity_conflict, port_visit — in AIS files (NMEA or CSV, through fusion
for quality flags, like ingest) or in the store's history, and print one
JSON object per event (its final version), in order of start: "id",
"type", "start", "end" (RFC 3339 UTC, null while the event was still going
on when the data ended), "vessels", "lat", "lon", "zone", "preset",
"severity" (0 to 1), "reasons", "version", "params", "measures" and
"evidence".

Presets: gfw (Global Fishing Watch's published definitions, the default),
skylight, and transshipment (gfw's encounters of a fishing vessel with a
carrier or bunker only; ship types come from the files' static reports). --config FILE is JSON overriding any parameter, e.g.
  {"loitering": {"min_shore_distance_m": 0}, "gap": {"min_duration": "12h"}}
Ports and anchorages: the bundled World Port Index and GFW anchorages, or
--ports FILE.csv (columns lat, lon, label), or none. The land mask for
loitering's distance from shore: the bundled Natural Earth 1:50m, or
--land FILE.geojson, or none.
With --data the history is reprocessed by --workers engines in parallel
(default: one per core), giving the events one engine gives, byte for
byte; --cpuprofile FILE writes a CPU profile of the run (go tool pprof);
--learn-first learns anchorages from the whole window before detecting.
With FILE arguments --learn-first reads the files twice: a first pass
learns the anchorages from all of them, the second detects with them
known from the start (not with standard input).
` + timeHelp + "\n"

func runEvents(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", eventsUsage, stderr)
	o, err := parseEventsFlags(fs, args, stderr)
	if err != nil {
		return helpOK(err) // -h: the usage is printed, nothing to run
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer stop()
	}
	var window func() *storeWindow
	if len(o.files) == 0 {
		// the store's window is read while the land mask, the ports and
		// the configuration load (about a third of a second of one core)
		rctx, cancel := context.WithCancel(ctx)
		window = readWindowAsync(rctx, &o)
		defer func() {
			cancel()
			window().release() // the store is closed when window returns
		}()
	}
	land, err := server.LoadLand(o.land)
	if err != nil {
		return fmt.Errorf("--land: %w", err)
	}
	cfg, err := server.EventConfig(o.spec, land)
	switch {
	case errors.Is(err, server.ErrEventSpec) && o.config != "":
		return usageError(fs, stderr, "--config %s: %v", o.config, err)
	case errors.Is(err, server.ErrEventSpec):
		return usageError(fs, stderr, "unknown --preset %q (want gfw, skylight or transshipment)", o.spec.Preset)
	case err != nil:
		return err
	}
	// The store keeps each position's track hypothesis but not fusion's
	// identity episodes: from it the engine infers them.
	cfg.InferEpisodes = len(o.files) == 0
	if len(o.files) > 0 && o.learnFirst {
		if slices.Contains(o.files, "-") {
			return usageError(fs, stderr, "--learn-first reads the files twice: not with standard input (-)")
		}
		if cfg.Anchorages, err = learnFromFiles(ctx, o.files, cfg); err != nil {
			return err
		}
	}
	eng, err := event.NewChecked(cfg)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	out := &eventOutput{w: bufio.NewWriter(stdout), versions: o.versions, final: map[string]event.Event{}}
	det := &server.Detector{Engine: eng, Publish: out.publish}
	last := vessel.Time(0)
	var stats *event.Stats // of Reprocess, when it ran
	if len(o.files) > 0 {
		err = eventsFromFiles(ctx, o.files, stdin, det, out)
		last = det.Newest
	} else {
		last, stats, err = eventsFromStore(ctx, fs, stderr, &o, window(), cfg, det, out)
	}
	if err != nil {
		return err
	}
	if last == 0 {
		last = vessel.Time(math.MinInt64 / 2)
	}
	out.publish(eng.Flush(last))
	if err := out.finish(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	st := eng.Stats()
	if stats != nil {
		st = *stats
	}
	fmt.Fprintf(stderr, "events: %d positions of %d vessels, %d late, %d ignored; events opened:", st.Positions, st.Vessels, st.Late, st.Ignored)
	for _, t := range event.Types() {
		if n := st.Events[t]; n > 0 {
			fmt.Fprintf(stderr, " %s=%d", t, n)
		}
	}
	fmt.Fprintln(stderr)
	return nil
}

// eventsOptions are the parsed flags of tidewatch events.
type eventsOptions struct {
	spec           server.EventSpec
	config, land   string
	versions       bool
	data, from, to string
	files          []string
	workers        int
	learnFirst     bool
	cpuProfile     string
}

// parseEventsFlags reads the flags; mistakes are usage errors.
func parseEventsFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (eventsOptions, error) {
	var o eventsOptions
	zonesF := fs.String("zones", "", "GeoJSON file of zones (Polygon/MultiPolygon features, named by their \"name\" property)")
	presetF := fs.String("preset", event.PresetGFW, "parameter preset: gfw, skylight or transshipment")
	configF := fs.String("config", "", "JSON file of parameters overriding the preset's")
	portsF := fs.String("ports", "default", "ports and anchorages: default, none, or a CSV file")
	landF := fs.String("land", "default", "land mask for distance from shore: default, none, or a GeoJSON file")
	reorderF := fs.String("reorder", "10m", "how long input positions are held back to put them in time order")
	versionsF := fs.Bool("versions", false, "print every version of every event as it is emitted, not only the final ones")
	data := dataFlag(fs)
	fromF := fs.String("from", "", "with --data: start of the time window (default: the start of the stored data)")
	toF := fs.String("to", "", "with --data: end of the time window (default: the end of the stored data)")
	workersF := fs.Int("workers", runtime.NumCPU(), "with --data: engines reprocessing the history in parallel (not with --versions)")
	cpuF := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	learnF := fs.Bool("learn-first", false, "learn anchorages from all the input (the files, read twice, or the --data window; not --data with --versions) before detecting")
	files, err := parseArgs(fs, args)
	if err != nil {
		return o, err // flag.ErrHelp after -h
	}
	if len(files) > 0 && (*fromF != "" || *toF != "") {
		return o, usageError(fs, stderr, "--from and --to select a window of the store (--data); with FILE arguments every report of the files is read")
	}
	reorder, err := vessel.ParseDuration(*reorderF)
	if err != nil {
		return o, usageError(fs, stderr, "--reorder: %v", err)
	}
	ports := *portsF
	if ports == "" {
		ports = "none"
	}
	o = eventsOptions{spec: server.EventSpec{Preset: *presetF, Ports: ports, Zones: *zonesF, Reorder: reorder},
		config: *configF, land: *landF, versions: *versionsF, data: *data, from: *fromF, to: *toF, files: files,
		workers: *workersF, learnFirst: *learnF, cpuProfile: *cpuF}
	if o.land == "" {
		o.land = "none"
	}
	if *configF != "" {
		if o.spec.Params, err = os.ReadFile(*configF); err != nil {
			return o, err
		}
	}
	return o, nil
}

// eventOutput writes events: every version as it comes (--versions), or
// the final version of each, in order of start, at the end.
type eventOutput struct {
	w        *bufio.Writer
	versions bool
	final    map[string]event.Event
	err      error
}

func (o *eventOutput) publish(evs []event.Event) {
	for _, ev := range evs {
		if !o.versions {
			o.final[ev.ID] = ev
		} else if o.err == nil {
			o.err = writeEvent(o.w, ev)
		}
	}
}

// finish writes the final versions (unless --versions) and flushes.
func (o *eventOutput) finish() error {
	if !o.versions {
		evs := make([]event.Event, 0, len(o.final))
		for _, ev := range o.final {
			if !ev.Retracted {
				evs = append(evs, ev)
			}
		}
		slices.SortFunc(evs, func(a, b event.Event) int {
			return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
		})
		for _, ev := range evs {
			if o.err != nil {
				break
			}
			o.err = writeEvent(o.w, ev)
		}
	}
	if o.err != nil {
		return o.err
	}
	return o.w.Flush()
}

// collector keeps what the picture stored, for a first pass over files.
type collector struct {
	ps      []vessel.Position
	statics []vessel.Static
}

func (c *collector) Result(o *vessel.Observation, r *fusion.Result) {
	switch {
	case r.Outcome == fusion.Stored:
		c.ps = append(c.ps, r.Position)
	case r.Outcome == fusion.Static && o.Kind == vessel.KindStatic:
		c.statics = append(c.statics, o.Static)
	}
}
func (c *collector) Events([]event.Event) {}
func (c *collector) Commit()              {}

// learnFromFiles is the first pass of --learn-first over files: their
// reports through the same core (fusion) as the detecting pass, then
// event.LearnAnchorages over what it stored. It returns the anchorages
// of cfg and those learned.
func learnFromFiles(ctx context.Context, files []string, cfg event.Config) ([]event.Anchorage, error) {
	core, _, err := server.NewCore(server.CoreConfig{})
	if err != nil {
		return nil, err
	}
	c := &collector{}
	core.Fanout.Subscribe("learn", c, server.SubscribeOptions{})
	for _, name := range files {
		if _, err := ingest.Observations(ctx, name, nil, ingest.ObserveOptions{}, core.Observe); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return event.LearnAnchorages(ctx, cfg, c.ps, c.statics)
}

// eventsFromFiles detects events in AIS files, through the same core
// (fusion, then detection) as a node, without a store.
func eventsFromFiles(ctx context.Context, files []string, stdin io.Reader, det *server.Detector, out *eventOutput) error {
	core, _, err := server.NewCore(server.CoreConfig{})
	if err != nil {
		return err
	}
	core.Fanout.Subscribe("events", det, server.SubscribeOptions{})
	for _, name := range files {
		_, err := ingest.Observations(ctx, name, stdin, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
			if err := core.Observe(o); err != nil {
				return err
			}
			if out.err != nil {
				return fmt.Errorf("write: %w", out.err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// storeWindow is the history of a window of the store, read for
// eventsFromStore: the tracks of its vessels in one buffer and the order
// in which their positions come in time (event.MergeOrder).
type storeWindow struct {
	from, to vessel.Time
	ps       []vessel.Position
	order    []uint32
	err      error
	usage    bool   // err is a mistake in --from or --to
	resume   func() // the garbage collector, paused while ps is in use (pauseGC)
}

// readWindowAsync starts reading the window of the store that o asks for
// (readWindow) on another goroutine; the function it returns waits for
// the window and returns it (as often as it is called).
func readWindowAsync(ctx context.Context, o *eventsOptions) func() *storeWindow {
	done := make(chan *storeWindow, 1)
	go func() { done <- readWindow(ctx, o) }()
	return sync.OnceValue(func() *storeWindow { return <-done })
}

// readWindow reads the window of the store that o asks for: the tracks
// of its vessels (readTracks) and their time order (event.MergeOrder),
// each over max(o.workers, 1) goroutines.
func readWindow(ctx context.Context, o *eventsOptions) *storeWindow {
	db, err := openReadOnly(o.data)
	if err != nil {
		return &storeWindow{err: err}
	}
	defer db.Close()
	dataFrom, dataTo, ok := db.Bounds()
	if !ok {
		return &storeWindow{err: fmt.Errorf("%s: the store is empty", o.data)}
	}
	from, to, err := timeRange(o.from, o.to, time.Now(), dataTo, true, time.Duration(dataTo-dataFrom)*time.Millisecond)
	if err != nil {
		return &storeWindow{err: err, usage: true}
	}
	workers := max(o.workers, 1)
	w := &storeWindow{from: from, to: to}
	ps, runs, err := readTracks(ctx, db, from, to, workers, runAll, func(bytes int64) { w.resume = pauseGC(bytes) })
	if err != nil {
		w.release()
		return &storeWindow{err: err}
	}
	w.ps, w.order = ps, event.MergeOrder(ps, runs, workers, runAll)
	return w
}

// pauseGC stops the garbage collector from running while the history,
// a buffer of the given size that stays live to the end, is reprocessed:
// every collection would scan all of it (a few hundred CPU-milliseconds
// for millions of positions, with write barriers on every copy of a
// position for as long as it runs) and find it all still in use. The
// engines' garbage is left to the end, unless the heap grows to twice
// the buffer and a gigabyte more (a memory limit, which collects then,
// or earlier if GOMEMLIMIT says so). resume restores the collector.
func pauseGC(buffer int64) (resume func()) {
	limit := debug.SetMemoryLimit(-1) // reads it
	debug.SetMemoryLimit(min(limit, 2*buffer+1<<30))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// release resumes the garbage collector if reading the window paused it.
func (w *storeWindow) release() {
	if w.resume != nil {
		w.resume()
		w.resume = nil
	}
}

// runAll runs work(0), …, work(n-1) on n goroutines and returns when all
// have returned.
func runAll(n int, work func(int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { work(i) })
	}
	wg.Wait()
}

// eventsFromStore detects events in the store's history of a window (w),
// a time-ordered merge of the vessels' tracks as a live feed would have
// delivered them; it returns the end of the window. Unless every version
// is asked for, the window is reprocessed by o.workers engines in parallel
// (event.Reprocess) and their statistics are returned.
func eventsFromStore(ctx context.Context, fs *flag.FlagSet, stderr io.Writer, o *eventsOptions, w *storeWindow, cfg event.Config, det *server.Detector, out *eventOutput) (vessel.Time, *event.Stats, error) {
	switch {
	case w.usage:
		return 0, nil, usageError(fs, stderr, "%v", w.err)
	case w.err != nil:
		return 0, nil, w.err
	}
	defer w.release()
	ps, order, to := w.ps, w.order, w.to
	if o.versions {
		for _, i := range order {
			det.Position(ps[i])
		}
		return max(det.Newest, to), nil, nil
	}
	end := to
	if len(order) > 0 {
		end = max(end, ps[order[len(order)-1]].Time)
	}
	opt := event.ReprocessOptions{Workers: max(o.workers, 1), LearnFirst: o.learnFirst, Run: runAll, Order: order}
	evs, st, err := event.Reprocess(ctx, cfg, ps, nil, end, opt)
	if err != nil {
		return 0, nil, err
	}
	out.publish(evs)
	return max(end, to), &st, nil
}

// startCPUProfile starts writing a CPU profile to path; stop ends it and
// closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// readTracks reads the tracks (flagged positions included) of the
// vessels with a good position in (from, to], each with its positions in
// [from, to], into one buffer: the vessels the store lists for the
// window (store.DB.Vessels, from its index, with a bound of their
// positions that gives each its room) shared out among workers
// goroutines in runs of 64, each with its own store.TrackReader. It
// returns the buffer and the tracks' runs in it, in order of MMSI.
func readTracks(ctx context.Context, db *store.DB, from, to vessel.Time, workers int, run func(int, func(int)), pause func(bytes int64)) ([]vessel.Position, [][2]int, error) {
	vs, err := db.Vessels(from, to)
	if err != nil {
		return nil, nil, err
	}
	runs := make([][2]int, len(vs))
	total := 0
	for i, v := range vs {
		runs[i] = [2]int{total, total}
		total += v.Max
	}
	ps := make([]vessel.Position, total)
	adviseHugePages(ps)
	pause(int64(total) * int64(unsafe.Sizeof(vessel.Position{})))
	over := make(map[int][]vessel.Position) // by vessel, tracks that outgrew their room
	var overMu sync.Mutex
	errs := make([]error, workers)
	var next atomic.Int64
	const per = 64
	run(workers, func(w int) {
		r := db.NewTrackReader()
		for {
			lo := int(next.Add(per)) - per
			if lo >= len(vs) {
				return
			}
			if err := ctx.Err(); err != nil {
				errs[w] = err
				return
			}
			for i := lo; i < min(lo+per, len(vs)); i++ {
				room := ps[runs[i][0] : runs[i][0] : runs[i][0]+vs[i].Max]
				tr, err := r.Append(ctx, room, vs[i].MMSI, from, to, true)
				if err != nil {
					errs[w] = err
					return
				}
				if !slices.ContainsFunc(tr, func(p vessel.Position) bool { return p.Time > from && p.Flags&vessel.Bad == 0 }) {
					continue
				}
				if len(tr) > vs[i].Max {
					// a writer added to the window since the listing:
					// the track outgrew its room (appended below)
					overMu.Lock()
					over[i] = tr
					overMu.Unlock()
					continue
				}
				runs[i][1] = runs[i][0] + len(tr)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for i, tr := range over {
		runs[i] = [2]int{len(ps), len(ps) + len(tr)}
		ps = append(ps, tr...)
	}
	return ps, slices.DeleteFunc(runs, func(r [2]int) bool { return r[1] == r[0] }), nil
}

func writeEvent(w *bufio.Writer, ev event.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	w.Write(b)
	return w.WriteByte('\n')
}
