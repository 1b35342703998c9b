package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const simulateUsage = `Usage: tidewatch simulate [options]

Generate realistic, deterministic AIS traffic: a fleet of cargo ships,
tankers, fishing vessels, ferries, tugs, pleasure craft and service vessels
sailing between real ports, reporting at the AIS rates (scaled by --rate).
The same options and seed give the same output.

Formats:
  nmea  NMEA 0183 !AIVDM sentences behind NMEA 4.10 tag blocks (c: report
        time, s: receiver): types 1 and 5 for Class A, 18 and 24 for
        Class B. "tidewatch decode" reads it back.
  csv   one row per position, in the common track layout
        mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type
        (positions that are not available are left out).
  radar, radar-ais, sar
        a radar and SAR scenario in the Gulf of Aden (--from, --seed,
        --duration up to 6h; --vessels is ignored): radar is the patrol ship's RMC, HDT
        and TTM and a platform's TLL (site "site", position on stderr), sar
        the Global Fishing Watch style CSV of two SAR passes, radar-ais the
        scenario's AIS positions in the csv layout. "tidewatch detections"
        reads radar and sar back.

Output goes to standard output, or to -o FILE (gzip-compressed when FILE
ends in .gz). A summary is printed on standard error.

--scenario messy generates instead the messy-feed scenario set with ground
truth (simulate.Messy: a harbour in no port list, noisy meetings and
decoys, a drifting carrier, dark ships, a receiver outage, satellite-only
vessels, a meeting going on at the end; 100 vessels unless --vessels is
given, over --duration, at the AIS rates it scripts: --rate and --noise do
not apply); --truth FILE writes its ground truth as JSON: the true events
("truth": family, type, vessels, start, end, null while going on at the
end) and what must not alert ("quiet").

Options:
`

// maxSimVessels bounds the simulated fleet, of simulate and of demo alike.
const maxSimVessels = 100_000

// simOptions are the parsed simulate flags.
type simOptions struct {
	cfg      simulate.Config
	seed     uint64
	from     time.Time
	duration time.Duration
	format   string
	out      string
	scenario string
	truth    string
	vessels  bool // --vessels given
}

func parseSimulate(args []string, stderr io.Writer) (simOptions, error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o simOptions
	fs.IntVar(&o.cfg.Vessels, "vessels", 1000, "number of vessels (1 to 100000)")
	from := fs.String("from", "2024-01-01T00:00:00Z", "start time, RFC 3339")
	durS := fs.String("duration", "24h", "simulated time span, with a unit (90m, 6h, 2d)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.Float64Var(&o.cfg.Rate, "rate", 1, "reporting rate relative to the AIS rules (0.1: a tenth of the reports)")
	fs.StringVar(&o.format, "format", "nmea", "output format: nmea, csv, radar, radar-ais or sar")
	noise := fs.Bool("noise", false, "add the faults of real feeds: duplicates, late reports, GNSS jumps, positions not available")
	fs.StringVar(&o.out, "o", "", "write to `FILE` instead of standard output (.gz: compressed)")
	fs.StringVar(&o.scenario, "scenario", "", "messy: the messy-feed scenario set with ground truth instead of a fleet")
	fs.StringVar(&o.truth, "truth", "", "with --scenario messy: write the ground truth as JSON to `FILE`")
	fs.Usage = func() {
		fmt.Fprint(stderr, simulateUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, fmt.Errorf("simulate: %w", errUsage)
	}
	bad := func(format string, a ...any) (simOptions, error) {
		fmt.Fprintf(stderr, "tidewatch simulate: "+format+"\n", a...)
		return o, fmt.Errorf("simulate: %w", errUsage)
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { o.vessels = o.vessels || f.Name == "vessels" })
	if o.scenario != "" && o.scenario != "messy" {
		return bad("--scenario must be messy, not %q", o.scenario)
	}
	if o.truth != "" && o.scenario == "" {
		return bad("--truth needs --scenario messy")
	}
	var err error
	if o.from, err = time.Parse(time.RFC3339, *from); err != nil {
		return bad("--from %q: want an RFC 3339 time such as 2024-01-01T00:00:00Z", *from)
	}
	if o.duration, err = vessel.ParseDuration(*durS); err != nil {
		return bad("--duration %q: want a duration with a unit, such as 90m, 6h or 2d", *durS)
	}
	switch {
	case o.cfg.Vessels < 1 || o.cfg.Vessels > maxSimVessels:
		return bad("--vessels %d: want 1 to %d", o.cfg.Vessels, maxSimVessels)
	case o.duration <= 0:
		return bad("--duration must be positive")
	case !(o.cfg.Rate > 0) || math.IsInf(o.cfg.Rate, 0):
		return bad("--rate must be a positive number")
	case o.format != "nmea" && o.format != "csv" && !isSensorSimFormat(o.format):
		return bad("--format must be nmea, csv, radar, radar-ais or sar, not %q", o.format)
	}
	if *noise {
		o.cfg.Noise = simulate.DefaultNoise()
	}
	return o, nil
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseSimulate(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	start := time.Now()

	var out io.Writer = stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("simulate: %w", cerr)
			}
		}()
		out = f
		if strings.HasSuffix(o.out, ".gz") {
			zw := gzip.NewWriter(f)
			defer func() {
				if cerr := zw.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("simulate: %w", cerr)
				}
			}()
			out = zw
		}
	}
	w := bufio.NewWriterSize(out, 1<<20)
	if isSensorSimFormat(o.format) {
		return simulateSensor(o, w, stderr, start)
	}

	fleet, run, err := simRun(o)
	if err != nil {
		return err
	}
	return writeSimulation(ctx, o, w, fleet, run, stderr, start)
}

// simRunFunc runs a simulation, handing each observation to emit.
type simRunFunc func(emit func(*vessel.Observation) error) error

// simRun builds the AIS simulation of o: its fleet and how to run it.
// The messy scenario writes its truth file (--truth) here.
func simRun(o simOptions) ([]simulate.Vessel, simRunFunc, error) {
	rng := rand.New(rand.NewPCG(o.seed, 0x7469646577617463))
	from := vessel.TimeOf(o.from)
	if o.scenario != "messy" {
		sim := simulate.New(o.cfg, rng)
		return sim.Vessels(), func(emit func(*vessel.Observation) error) error {
			return sim.Run(from, from+vessel.Time(o.duration.Milliseconds()), emit)
		}, nil
	}
	mc := simulate.MessyConfig{Hours: o.duration.Hours(), From: from}
	if o.vessels {
		mc.Vessels = o.cfg.Vessels
	}
	sc := simulate.Messy(mc, rng)
	var fleet []simulate.Vessel
	for _, v := range sc.Fleet {
		fleet = append(fleet, simulate.Vessel{MMSI: v.MMSI, ShipType: v.ShipType, Name: strings.ToUpper(v.Role)})
	}
	run := func(emit func(*vessel.Observation) error) error {
		for i := range sc.Observations {
			if err := emit(&sc.Observations[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if o.truth != "" {
		if err := writeTruth(o.truth, sc); err != nil {
			return nil, nil, fmt.Errorf("simulate: %w", err)
		}
	}
	return fleet, run, nil
}

// writeSimulation runs the simulation and writes its observations to w
// in o.format, then the summary to stderr.
func writeSimulation(ctx context.Context, o simOptions, w *bufio.Writer, fleet []simulate.Vessel, run simRunFunc, stderr io.Writer, start time.Time) error {
	enc := newSimEncoder(fleet, o.format)
	if o.format == "csv" {
		w.WriteString("mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n")
	}
	var npos, nstatic int64
	err := run(func(obs *vessel.Observation) error {
		if obs.Kind == vessel.KindPosition {
			npos++
		} else {
			nstatic++
		}
		if (npos+nstatic)&0xFFFF == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if w.Available() < 1024 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		buf, err := enc.append(w.AvailableBuffer(), obs)
		if err != nil {
			return err
		}
		_, err = w.Write(buf)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("simulate: %w", err)
	}
	fmt.Fprintf(stderr, "tidewatch simulate: %d vessels, %d positions, %d static reports in %v\n",
		len(fleet), npos, nstatic, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeTruth writes a messy scenario's ground truth as JSON.
func writeTruth(path string, sc *simulate.Scenario) error {
	type span struct {
		Family  string        `json:"family"`
		Type    string        `json:"type,omitempty"`
		Types   []string      `json:"types,omitempty"`
		Vessels []vessel.MMSI `json:"vessels"`
		Start   *string       `json:"start"`
		End     *string       `json:"end"`
		Center  []float64     `json:"center,omitempty"` // lon, lat
		Radius  float64       `json:"radius_m,omitempty"`
		Note    string        `json:"note"`
	}
	ts := func(t vessel.Time) *string {
		if t == 0 {
			return nil
		}
		s := t.Std().Format(time.RFC3339)
		return &s
	}
	var doc struct {
		Truth []span `json:"truth"`
		Quiet []span `json:"quiet"`
	}
	for _, t := range sc.Truth {
		doc.Truth = append(doc.Truth, span{Family: t.Family, Type: t.Type, Vessels: t.Vessels, Start: ts(t.Start), End: ts(t.End), Note: t.Note})
	}
	for _, q := range sc.Quiet {
		sp := span{Family: q.Family, Types: q.Types, Vessels: q.Vessels, Start: ts(q.Start), End: ts(q.End), Radius: q.Radius, Note: q.Note}
		if q.Radius > 0 {
			sp.Center = []float64{q.Center.Lon, q.Center.Lat}
		}
		doc.Quiet = append(doc.Quiet, sp)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// simEncoder writes observations in one of the output formats.
type simEncoder struct {
	csv   bool
	fleet map[vessel.MMSI]*simulate.Vessel
	seq   int // sequential message id of multi-sentence messages
	n     int // messages written, to alternate the radio channel

	pos ais.PositionReport
	cb  ais.ClassBPosition
	sv  ais.StaticVoyage
	sd  ais.StaticDataReport
}

func newSimEncoder(fleet []simulate.Vessel, format string) *simEncoder {
	e := &simEncoder{csv: format == "csv", fleet: make(map[vessel.MMSI]*simulate.Vessel, len(fleet))}
	for i := range fleet {
		e.fleet[fleet[i].MMSI] = &fleet[i]
	}
	return e
}

func (e *simEncoder) append(b []byte, o *vessel.Observation) ([]byte, error) {
	v := e.fleet[o.MMSI()]
	if v == nil {
		return b, fmt.Errorf("observation of unknown vessel %v", o.MMSI())
	}
	if e.csv {
		if o.Kind != vessel.KindPosition || !o.Position.HasPosition() {
			return b, nil
		}
		return appendTrackCSV(b, &o.Position, v), nil
	}
	e.n++
	opt := ais.NMEAOptions{Channel: "AB"[e.n&1], Time: o.Time().Std(), Source: o.Position.Source}
	if o.Kind == vessel.KindStatic {
		opt.Source = o.Static.Source
	}
	if o.Kind == vessel.KindPosition {
		p := &o.Position
		lon, lat := ais.LonNA, ais.LatNA
		if p.HasPosition() {
			lon, lat = ais.Lon(math.Round(p.Lon*600000)), ais.Lat(math.Round(p.Lat*600000))
		}
		sec := ais.Second(p.Time.Std().Second())
		if v.ClassB {
			e.cb = ais.ClassBPosition{Header: ais.Header{Type: 18, MMSI: uint32(p.MMSI)}, Speed: ais.Speed(p.SOG),
				Lon: lon, Lat: lat, Course: ais.Course(p.COG), Heading: ais.Heading(p.Heading), Second: sec,
				CS: true, Display: false, Band: true, Msg22: true}
			return ais.AppendNMEA(b, &e.cb, opt)
		}
		e.pos = ais.PositionReport{Header: ais.Header{Type: 1, MMSI: uint32(p.MMSI)}, Status: ais.NavStatus(p.Status),
			Turn: 0, Speed: ais.Speed(p.SOG), Lon: lon, Lat: lat, Course: ais.Course(p.COG),
			Heading: ais.Heading(p.Heading), Second: sec}
		return ais.AppendNMEA(b, &e.pos, opt)
	}
	s := &o.Static
	dim := ais.Dimensions{ToBow: s.ToBow, ToStern: s.ToStern, ToPort: s.ToPort, ToStarboard: s.ToStarboard}
	if v.ClassB {
		e.sd = ais.StaticDataReport{Header: ais.Header{Type: 24, MMSI: uint32(s.MMSI)}, Part: 0, ShipName: ais.NewText(s.Name)}
		b, err := ais.AppendNMEA(b, &e.sd, opt)
		if err != nil {
			return b, err
		}
		e.sd = ais.StaticDataReport{Header: ais.Header{Type: 24, MMSI: uint32(s.MMSI)}, Part: 1, ShipType: ais.ShipType(s.ShipType),
			VendorID: ais.NewText("TWS"), CallSign: ais.NewText(s.CallSign), Dim: dim}
		return ais.AppendNMEA(b, &e.sd, opt)
	}
	e.sv = ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: uint32(s.MMSI)}, IMO: s.IMO,
		CallSign: ais.NewText(s.CallSign), ShipName: ais.NewText(s.Name), ShipType: ais.ShipType(s.ShipType),
		Dim: dim, EPFD: 1, ETA: parseETA(s.ETA), Draught: uint8(min(s.Draught, 255)),
		Destination: ais.NewText(s.Destination)}
	opt.SeqID = e.seq
	e.seq = (e.seq + 1) % 10
	return ais.AppendNMEA(b, &e.sv, opt)
}

// parseETA reads "MM-DDTHH:MM"; anything else is "not available".
func parseETA(s string) ais.ETA {
	na := ais.ETA{Month: 0, Day: 0, Hour: 24, Minute: 60}
	if len(s) != 11 || s[2] != '-' || s[5] != 'T' || s[8] != ':' {
		return na
	}
	var f [4]int
	for i, at := range [4]int{0, 3, 6, 9} {
		n, err := strconv.Atoi(s[at : at+2])
		if err != nil {
			return na
		}
		f[i] = n
	}
	return ais.ETA{Month: uint8(f[0]), Day: uint8(f[1]), Hour: uint8(f[2]), Minute: uint8(f[3])}
}

// appendTrackCSV writes one row of the common track layout
// (testdata/tracks/README.md).
func appendTrackCSV(b []byte, p *vessel.Position, v *simulate.Vessel) []byte {
	b = p.MMSI.Append(b)
	b = append(b, ',')
	b = p.Time.Std().Truncate(time.Second).AppendFormat(b, time.RFC3339)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Lat, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Lon, 'f', 6, 64)
	b = append(b, ',')
	if kn, ok := p.SOG.Knots(); ok {
		b = strconv.AppendFloat(b, kn, 'f', 1, 64)
	}
	b = append(b, ',')
	if c, ok := p.COG.Degrees(); ok {
		b = strconv.AppendFloat(b, c, 'f', 1, 64)
	}
	b = append(b, ',')
	if h, ok := p.Heading.Degrees(); ok {
		b = strconv.AppendInt(b, int64(h), 10)
	}
	b = append(b, ',')
	if s, ok := p.Status.Value(); ok {
		b = strconv.AppendInt(b, int64(s), 10)
	}
	b = append(b, ',')
	b = appendCSVField(b, v.Name)
	b = append(b, ',')
	if v.ShipType != 0 {
		b = strconv.AppendInt(b, int64(v.ShipType), 10)
	}
	return append(b, '\n')
}

// appendCSVField quotes s when it holds a comma or a quote.
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\n") {
		return append(b, s...)
	}
	return append(append(b, '"'), append([]byte(strings.ReplaceAll(s, `"`, `""`)), '"')...)
}
