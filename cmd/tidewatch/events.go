package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const eventsUsage = `Usage: tidewatch events [--zones FILE.geojson] [--preset gfw|skylight|transshipment] [--config FILE]
                        (FILE... | --data DIR [--from T] [--to T] [--workers N] [--learn-first])

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
(default: one per core), giving the events one engine gives;
--learn-first learns anchorages from the whole window before detecting.
` + timeHelp + "\n"

func runEvents(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", eventsUsage, stderr)
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
	learnF := fs.Bool("learn-first", false, "with --data: learn anchorages from the whole window before detecting (not with --versions)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(files) > 0 && (*fromF != "" || *toF != "") {
		return usageError(fs, stderr, "--from and --to select a window of the store (--data); with FILE arguments every report of the files is read")
	}
	now := time.Now()

	cfg := event.Config{Preset: *presetF}
	if *configF != "" {
		doc, err := os.ReadFile(*configF)
		if err != nil {
			return err
		}
		p, preset, err := event.ParseParams(*presetF, doc)
		if err != nil {
			return usageError(fs, stderr, "--config %s: %v", *configF, err)
		}
		cfg.Params, cfg.Preset = &p, preset
	} else if _, ok := event.Preset(*presetF); !ok {
		return usageError(fs, stderr, "unknown --preset %q (want gfw, skylight or transshipment)", *presetF)
	}
	if d, err := vessel.ParseDuration(*reorderF); err != nil {
		return usageError(fs, stderr, "--reorder: %v", err)
	} else {
		cfg.Reorder = d
	}
	if *zonesF != "" {
		f, err := os.Open(*zonesF)
		if err != nil {
			return err
		}
		features, err := geo.ReadGeoJSON(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--zones %s: %w", *zonesF, err)
		}
		cfg.Zones = event.ZonesFromGeoJSON(features)
	}
	switch *portsF {
	case "default":
		cfg.Ports = event.DefaultPorts()
	case "none", "":
	default:
		f, err := os.Open(*portsF)
		if err != nil {
			return err
		}
		cfg.Ports, err = event.ReadPorts(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--ports %s: %w", *portsF, err)
		}
	}
	switch *landF {
	case "default":
		if cfg.Land, err = geo.DefaultLand(); err != nil {
			return err
		}
	case "none", "":
	default:
		f, err := os.Open(*landF)
		if err != nil {
			return err
		}
		cfg.Land, err = geo.ReadLandMask(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--land %s: %w", *landF, err)
		}
	}
	eng, err := event.NewChecked(cfg)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}

	w := bufio.NewWriter(stdout)
	final := map[string]event.Event{}
	var werr error
	publish := func(evs []event.Event) {
		for _, ev := range evs {
			if *versionsF {
				if werr == nil {
					werr = writeEvent(w, ev)
				}
				continue
			}
			final[ev.ID] = ev
		}
	}
	var last vessel.Time
	var stats *event.Stats // of Reprocess, when it ran
	observe := func(p vessel.Position) {
		last = max(last, p.Time)
		publish(eng.Observe(p))
	}

	if len(files) > 0 {
		pic := fusion.NewPicture(fusion.Config{})
		for _, name := range files {
			_, err := ingest.Observations(ctx, name, stdin, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
				r := pic.Apply(o)
				if r.Outcome == fusion.Stored {
					observe(r.Position)
				} else if r.Outcome == fusion.Static && o.Kind == vessel.KindStatic {
					eng.ObserveStatic(o.Static)
				}
				return werr
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	} else {
		db, err := openReadOnly(*data)
		if err != nil {
			return err
		}
		defer db.Close()
		dataFrom, dataTo, ok := db.Bounds()
		if !ok {
			return fmt.Errorf("%s: the store is empty", *data)
		}
		from, to, err := timeRange(*fromF, *toF, now, dataTo, true, time.Duration(dataTo-dataFrom)*time.Millisecond)
		if err != nil {
			return usageError(fs, stderr, "%v", err)
		}
		vs, err := db.At(to, to-from, false)
		if err != nil {
			return err
		}
		var ps []vessel.Position
		for _, v := range vs {
			if err := ctx.Err(); err != nil {
				return err
			}
			tr, err := db.Track(v.MMSI, from, to, true)
			if err != nil {
				return err
			}
			ps = append(ps, tr...)
		}
		// a time-ordered merge of the vessels' tracks, as a live feed
		// would have delivered them
		slices.SortStableFunc(ps, func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) })
		if *versionsF {
			for _, p := range ps {
				observe(p)
			}
		} else {
			end := to
			if len(ps) > 0 {
				end = max(end, ps[len(ps)-1].Time)
			}
			evs, st, err := event.Reprocess(ctx, cfg, ps, nil, end, event.ReprocessOptions{Workers: *workersF, LearnFirst: *learnF,
				Run: func(n int, work func(int)) {
					var wg sync.WaitGroup
					for i := range n {
						wg.Go(func() { work(i) })
					}
					wg.Wait()
				}})
			if err != nil {
				return err
			}
			for _, ev := range evs {
				final[ev.ID] = ev
			}
			stats = &st
		}
		last = max(last, to)
	}
	if last == 0 {
		last = vessel.Time(math.MinInt64 / 2)
	}
	publish(eng.Flush(last))
	if !*versionsF {
		evs := make([]event.Event, 0, len(final))
		for _, ev := range final {
			if !ev.Retracted {
				evs = append(evs, ev)
			}
		}
		slices.SortFunc(evs, func(a, b event.Event) int {
			return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
		})
		for _, ev := range evs {
			if werr = writeEvent(w, ev); werr != nil {
				break
			}
		}
	}
	if werr != nil {
		return fmt.Errorf("write: %w", werr)
	}
	if err := w.Flush(); err != nil {
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

func writeEvent(w *bufio.Writer, ev event.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	w.Write(b)
	return w.WriteByte('\n')
}
