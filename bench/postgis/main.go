// Command postgis measures the PostGIS side of the store benchmark: how
// fast positions load, how fast the two questions tidewatch answers most
// are answered (who was near a point in an hour, and one vessel's track
// over a day), and how many bytes a position costs on disk. PostGIS is
// measured twice on the same rows and queries: set up as a user would
// first index it (postgis_*: the comparison published first) and as an
// expert would (postgis_expert_*: day partitions, a composite GiST index
// on (geom, t) with btree_gist, BRIN on time, indexes built after the
// COPY; see postGIS). near is measured round reported positions (about
// one vessel each, the published measure), over the busiest places
// (near_busy: many vessels each) and over empty sea (near_empty). run.sh
// sets up a throwaway PostgreSQL cluster and runs it.
//
// The positions come from internal/simulate, so every backend measured
// loads the same rows and answers the same queries. Backends implement
// the backend interface; the PostGIS one is in postgis.go.
//
// Output is one metric per line, "name value unit", for another harness
// to compute ratios:
//
//	postgis_load_rows_per_s 412345 rows/s
//	postgis_near_mean_ms 3.21 ms
//
// Each PostGIS setup's near answers are also checked against tidewatch's
// (compareNear): check_SET_BACKEND_same counts the vessels both found,
// _interpolated_only those only tidewatch found (within the radius only
// between two reports, which tidewatch interpolates and the SQL does
// not), _differ anything else; the run fails if any differ.
//
// Usage:
//
//	postgis [--positions N] [--vessels N] [--rate R] [--queries N] [--seed S] [--dsn DSN] [--fused=false] [--answers DIR]
//
// --dsn - measures tidewatch only; --fused=false leaves out its load
// through fusion (the queries are the same). --answers DIR also writes
// each backend's near answers (after the timing, untimed) to
// DIR/BACKEND.txt, one line per vessel found: the query set and number,
// the MMSI, the distance in metres, the time of the closest approach and
// whether it lies between two reports,
// sorted, so that two backends' files can be compared with diff.
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// backend is a store under measurement.
type backend interface {
	// Name prefixes the backend's metrics.
	Name() string
	// Load stores rows (in time order) into an empty, indexed store.
	Load(ctx context.Context, rows []row) error
	// Near returns, for every vessel within q.Radius metres of q.At in
	// [q.From, q.To), its closest report; it returns how many vessels.
	Near(ctx context.Context, q nearQuery) (int, error)
	// Track returns vessel q.MMSI's reports in [q.From, q.To) in time
	// order; it returns how many.
	Track(ctx context.Context, q trackQuery) (int, error)
	// Size returns the bytes the stored rows take on disk, indexes
	// included.
	Size(ctx context.Context) (int64, error)
	Close() error
}

type options struct {
	positions int
	vessels   int
	queries   int
	rate      float64
	seed      uint64
	dsn       string
	fused     bool
	answers   string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "postgis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("postgis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.positions, "positions", 5_000_000, "positions to load")
	fs.IntVar(&o.vessels, "vessels", 2000, "vessels in the simulated fleet")
	fs.IntVar(&o.queries, "queries", 300, "queries of each kind to time")
	fs.Float64Var(&o.rate, "rate", 0.25, "AIS reporting rate factor of the simulation (lower: the positions span more days)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the traffic and the queries")
	fs.BoolVar(&o.fused, "fused", true, "also measure tidewatch through fusion (tidewatch_fused_*)")
	fs.StringVar(&o.answers, "answers", "", "write every backend's near answers to DIR/BACKEND.txt, untimed, to compare them")
	fs.StringVar(&o.dsn, "dsn", "", `PostgreSQL connection string (default: the PG* environment variables; "-": measure tidewatch only)`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.positions <= 0 || o.vessels <= 0 || o.queries <= 0 || !(o.rate > 0) {
		return errors.New("--positions, --vessels, --rate and --queries must be positive")
	}

	start := time.Now()
	rows, err := generate(o.positions, o.vessels, o.rate, o.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "generated %d positions of %d vessels over %v in %v\n", len(rows), o.vessels,
		time.Duration(rows[len(rows)-1].T-rows[0].T)*time.Millisecond, time.Since(start).Round(time.Millisecond))

	// The embedded store first (fused and not), then PostGIS, on the same
	// rows and queries, in one run.
	results := map[string]map[string]float64{}
	var twAnswers answers
	for _, fuse := range []bool{false, true} {
		if fuse && !o.fused {
			continue
		}
		tw, err := openTidewatch(fuse)
		if err != nil {
			return err
		}
		res, ans, err := measure(ctx, tw, rows, o, stdout, stderr)
		tw.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", tw.Name(), err)
		}
		results[tw.Name()] = res
		if !fuse {
			twAnswers = ans
		}
	}
	if o.dsn == "-" {
		return nil
	}
	mismatch := 0
	// PostGIS as a user would first set it up (the comparison published
	// before), then as an expert would (see postGIS).
	tw, fused := results["tidewatch"], results["tidewatch_fused"]
	ratio := func(name string, v float64) { fmt.Fprintf(stdout, "ratio_%s %.1f x\n", name, v) }
	for _, expert := range []bool{false, true} {
		b, err := openPostGIS(ctx, o.dsn, expert)
		if err != nil {
			return err
		}
		pg, pgAnswers, err := measure(ctx, b, rows, o, stdout, stderr)
		b.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", b.Name(), err)
		}
		n := b.Name()
		// The same question answered the same way: every vessel PostGIS
		// finds, tidewatch finds at least as close; every vessel only
		// tidewatch finds was within the radius only between two
		// reports (its interpolation).
		for _, set := range []string{"near", "near_busy", "near_empty"} {
			c := compareNear(twAnswers[set], pgAnswers[set], 10_000)
			fmt.Fprintf(stdout, "check_%s_%s_same %d vessels\n", set, n, c.both)
			fmt.Fprintf(stdout, "check_%s_%s_interpolated_only %d vessels\n", set, n, c.interpolatedOnly)
			fmt.Fprintf(stdout, "check_%s_%s_differ %d vessels\n", set, n, len(c.differ))
			for _, d := range c.differ {
				fmt.Fprintf(stderr, "%s: %s\n", set, d)
			}
			mismatch += len(c.differ)
		}
		ratio("load_tidewatch_vs_"+n, tw["load_rows_per_s"]/pg["load_rows_per_s"])
		if o.fused {
			ratio("load_fused_tidewatch_vs_"+n, fused["load_rows_per_s"]/pg["load_rows_per_s"])
		}
		ratio("near_"+n+"_vs_tidewatch", pg["near_mean_ms"]/tw["near_mean_ms"])
		ratio("near_busy_"+n+"_vs_tidewatch", pg["near_busy_mean_ms"]/tw["near_busy_mean_ms"])
		ratio("near_empty_"+n+"_vs_tidewatch", pg["near_empty_mean_ms"]/tw["near_empty_mean_ms"])
		ratio("track_"+n+"_vs_tidewatch", pg["track_mean_ms"]/tw["track_mean_ms"])
		ratio("bytes_"+n+"_vs_tidewatch", pg["bytes_per_row"]/tw["bytes_per_row"])
	}
	if mismatch > 0 {
		return fmt.Errorf("%d near answers differ between tidewatch and PostGIS (listed above)", mismatch)
	}
	return nil
}

// measure loads rows into b and times the queries, writing one metric per
// line to w.
func measure(ctx context.Context, b backend, rows []row, o options, w, log io.Writer) (map[string]float64, answers, error) {
	res := map[string]float64{}
	ans := answers{}
	metric := func(name string, v float64, unit string) {
		res[name] = v
		prec := 3
		switch {
		case v >= 1000 || v == math.Trunc(v):
			prec = 0
		case v < 0.1:
			// four significant digits: a microsecond query in ms
			prec = 3 - int(math.Floor(math.Log10(v)))
		}
		fmt.Fprintf(w, "%s_%s %.*f %s\n", b.Name(), name, prec, v, unit)
	}
	metric("rows", float64(len(rows)), "rows")

	start := time.Now()
	if err := b.Load(ctx, rows); err != nil {
		return nil, nil, fmt.Errorf("load: %w", err)
	}
	el := time.Since(start)
	metric("load_rows_per_s", float64(len(rows))/el.Seconds(), "rows/s")
	metric("load_s", el.Seconds(), "s")

	size, err := b.Size(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("size: %w", err)
	}
	metric("bytes_per_row", float64(size)/float64(len(rows)), "B")
	metric("size_bytes", float64(size), "B")

	rng := rand.New(rand.NewPCG(o.seed, 99))
	nq := nearQueries(rng, rows, o.queries)
	tq := trackQueries(rng, rows, o.queries)
	// A few untimed queries first: connection and plan caches.
	for i := range min(10, len(nq)) {
		if _, err := b.Near(ctx, nq[i]); err != nil {
			return nil, nil, fmt.Errorf("near: %w", err)
		}
		if _, err := b.Track(ctx, tq[i]); err != nil {
			return nil, nil, fmt.Errorf("track: %w", err)
		}
	}
	// near round reported positions (the published measure: about one
	// vessel each), over the busiest places (tens of vessels), and over
	// empty sea.
	for _, set := range []struct {
		name string
		qs   []nearQuery
	}{
		{"near", nq},
		{"near_busy", busyQueries(rng, rows, o.queries)},
		{"near_empty", emptyQueries(rng, rows, o.queries)},
	} {
		found := 0
		start = time.Now()
		for _, q := range set.qs {
			n, err := b.Near(ctx, q)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", set.name, err)
			}
			found += n
		}
		el = time.Since(start)
		metric(set.name+"_mean_ms", el.Seconds()*1000/float64(len(set.qs)), "ms")
		metric(set.name+"_mean_vessels", float64(found)/float64(len(set.qs)), "vessels")
		if a, ok := b.(answerer); ok {
			// Untimed: every vessel of every answer, to compare backends.
			for _, q := range set.qs {
				r, err := a.NearAnswers(ctx, q)
				if err != nil {
					return nil, nil, fmt.Errorf("%s answers: %w", set.name, err)
				}
				slices.SortFunc(r, func(x, y nearAnswer) int { return cmp.Compare(x.MMSI, y.MMSI) })
				ans[set.name] = append(ans[set.name], r)
			}
			if o.answers != "" {
				if err := writeAnswers(b.Name(), set.name, ans[set.name], o.answers); err != nil {
					return nil, nil, fmt.Errorf("%s answers: %w", set.name, err)
				}
			}
		}
	}

	found := 0
	start = time.Now()
	for _, q := range tq {
		n, err := b.Track(ctx, q)
		if err != nil {
			return nil, nil, fmt.Errorf("track: %w", err)
		}
		found += n
	}
	el = time.Since(start)
	metric("track_mean_ms", el.Seconds()*1000/float64(len(tq)), "ms")
	metric("track_mean_points", float64(found)/float64(len(tq)), "points")
	return res, ans, nil
}

// nearAnswer is one vessel of a near answer: its closest approach.
type nearAnswer struct {
	MMSI     vessel.MMSI
	Distance float64 // metres
	Time     vessel.Time
	// Interpolated: the closest point lies between two reports (or where
	// a segment between two reports enters the window), not on a report.
	Interpolated bool
}

// answerer is a backend that lists its near answers, each sorted by
// MMSI, for the comparison of backends (and --answers).
type answerer interface {
	NearAnswers(ctx context.Context, q nearQuery) ([]nearAnswer, error)
}

// answers are a backend's near answers by query set, query by query.
type answers map[string][][]nearAnswer

// nearComparison is how tidewatch's near answers compare with another
// backend's that looks at reported positions only.
type nearComparison struct {
	both             int      // vessels both found
	interpolatedOnly int      // vessels only tidewatch found, each between two reports
	differ           []string // anything else, described
}

// distanceSlack is how far tidewatch's distance to a report may exceed
// the other backend's: the store keeps coordinates in units of 1/600,000
// of a degree (at most 0.13 m off), and both compute on the same sphere.
const distanceSlack = 0.2

// compareNear compares tidewatch's answers (tw) with a backend's (other)
// to the same queries, both sorted by MMSI. The store's near is the
// closest approach along the great circle between reports at most 30
// minutes apart, clipped to the window, where the other backend looks at
// the reports in the window only; so every vessel the other finds,
// tidewatch finds at least as close (a report it also holds), and a
// vessel only tidewatch finds has its closest approach between two
// reports. A vessel the other finds within distanceSlack of the radius
// may fall just outside it in the store's rounded coordinates: such a
// vessel is counted as both found.
func compareNear(tw, other [][]nearAnswer, radius float64) nearComparison {
	var c nearComparison
	if len(tw) != len(other) {
		c.differ = append(c.differ, fmt.Sprintf("%d answers against %d", len(tw), len(other)))
		return c
	}
	for q := range tw {
		a, b := tw[q], other[q]
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			switch {
			case j == len(b) || i < len(a) && a[i].MMSI < b[j].MMSI:
				switch {
				case a[i].Interpolated:
					c.interpolatedOnly++
				case a[i].Distance > radius-distanceSlack:
					c.both++ // at the edge: the other's exact coordinates may be just outside
				default:
					c.differ = append(c.differ, fmt.Sprintf("query %d: vessel %v only tidewatch found, at a report %.1f m away at %v",
						q, a[i].MMSI, a[i].Distance, a[i].Time.Std().Format(time.RFC3339Nano)))
				}
				i++
			case i == len(a) || b[j].MMSI < a[i].MMSI:
				if b[j].Distance < radius-distanceSlack {
					c.differ = append(c.differ, fmt.Sprintf("query %d: vessel %v only the other found, %.1f m away at %v",
						q, b[j].MMSI, b[j].Distance, b[j].Time.Std().Format(time.RFC3339Nano)))
				} else {
					c.both++
				}
				j++
			default:
				if a[i].Distance > b[j].Distance+distanceSlack {
					c.differ = append(c.differ, fmt.Sprintf("query %d: vessel %v closest %.1f m in tidewatch, %.1f m in the other",
						q, a[i].MMSI, a[i].Distance, b[j].Distance))
				} else {
					c.both++
				}
				i++
				j++
			}
		}
	}
	return c
}

// writeAnswers appends a backend's answers to the queries of set to
// DIR/BACKEND.txt, one line per vessel found.
func writeAnswers(backend, set string, ans [][]nearAnswer, dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, backend+".txt"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i, res := range ans {
		for _, r := range res {
			fmt.Fprintf(w, "%s %03d %09d %.1f %s %v\n", set, i, r.MMSI, r.Distance, r.Time.Std().UTC().Format("2006-01-02T15:04:05.000Z"), r.Interpolated)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
