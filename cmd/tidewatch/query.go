package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const timeHelp = `Times are RFC 3339 (2024-01-02T15:04:05Z), a date (2024-01-02, UTC),
@unix seconds, "now", or relative to now (-2h, -30m, -7d).`

func openReadOnly(dir string) (*store.DB, error) {
	if err := checkDataDir(dir); err != nil {
		return nil, err
	}
	db, err := store.Open(dir, store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrNotStore) {
		return nil, errNotDataDir(dir)
	}
	return db, err
}

// queryFlags are the flags every query command has.
type queryFlags struct {
	data, format, from, to *string
	flagged                *bool
}

func addQueryFlags(fs *flag.FlagSet, window bool) *queryFlags {
	q := &queryFlags{data: dataFlag(fs)}
	q.format = fs.String("format", "jsonl", "output format: jsonl, csv, geojson or kml")
	if window {
		q.from = fs.String("from", "", "start of the time window (default: depends on the command)")
		q.to = fs.String("to", "", "end of the time window (default: the end of the stored data)")
	}
	q.flagged = fs.Bool("flagged", false, "include positions with data-quality flags (teleports, on land, ...)")
	return q
}

func (q *queryFlags) check(fs *flag.FlagSet, stderr io.Writer) error {
	if !validFormat(*q.format) {
		return usageError(fs, stderr, "unknown --format %q (want one of %s)", *q.format, strings.Join(formats, ", "))
	}
	return nil
}

func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "\nOptions:")
		fs.PrintDefaults()
	}
	return fs
}

func positionRecord(p *vessel.Position, name string) record {
	r := record{num("mmsi", int64(p.MMSI))}
	if name != "" {
		r = append(r, str("name", name))
	}
	r = append(r, str("time", p.Time.String()), flt("lat", p.Lat, 6), flt("lon", p.Lon, 6))
	r = appendKinematics(r, p)
	r = append(r, optStr("source", p.Source), strs("flags", nonNil(p.Flags.Names())))
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func appendKinematics(r record, p *vessel.Position) record {
	if v, ok := p.SOG.Knots(); ok {
		r = append(r, flt("sog", v, 1))
	} else {
		r = append(r, null("sog"))
	}
	if v, ok := p.COG.Degrees(); ok {
		r = append(r, flt("cog", v, 1))
	} else {
		r = append(r, null("cog"))
	}
	if v, ok := p.Heading.Degrees(); ok {
		r = append(r, num("heading", int64(v)))
	} else {
		r = append(r, null("heading"))
	}
	if v, ok := p.Status.Value(); ok {
		r = append(r, num("status", int64(v)), str("status_text", p.Status.String()))
	} else {
		r = append(r, null("status"), null("status_text"))
	}
	return r
}

const trackUsage = `Usage: tidewatch track [--data DIR] [--from T] [--to T] [--format F] MMSI

Print the stored track of one vessel in time order: one object per
position with "mmsi", "time", "lat", "lon", "sog", "cog", "heading",
"status", "source", "flags" and "heard_by" (every receiver that reported
the position: duplicates are stored once, the other receivers as
provenance), and "track", the track hypothesis fusion gave the report
(0: none). Positions with data-quality flags are left out unless
--flagged. The default window is the whole history.

Transmitters that share an MMSI, and runs of bad fixes, get their own
track hypothesis; the main one is the hypothesis with the most unflagged
positions in the window (the reports the picture followed; the others are
flagged identity_conflict, so they show with --flagged). --track main
keeps the main one, --track N hypothesis N, --track all (the default)
every one. A geojson or kml line never joins two hypotheses: when the
points are of several, no line is drawn (a note says so on stderr) and
--track main draws the main one.
` + timeHelp + "\n"

func runTrack(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := newFlagSet("track", trackUsage, stderr)
	q := addQueryFlags(fs, true)
	trackSel := fs.String("track", "all", "track hypotheses: all, main (the one with the most unflagged positions) or an id 0-255")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if err := q.check(fs, stderr); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "want exactly one MMSI, got %d arguments", len(pos))
	}
	selID := -1 // all
	switch *trackSel {
	case "all":
	case "main":
		selID = -2
	default:
		if selID, err = strconv.Atoi(*trackSel); err != nil || selID < 0 || selID > 255 {
			return usageError(fs, stderr, "--track %q: want all, main or a track id 0 to 255", *trackSel)
		}
	}
	m, err := parseMMSI(pos[0])
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	from, to := vessel.Time(math.MinInt64/2), vessel.Time(math.MaxInt64/2)
	if *q.from != "" {
		if from, err = vessel.ParseTime(*q.from, now); err != nil {
			return usageError(fs, stderr, "--from: %v", err)
		}
	}
	if *q.to != "" {
		if to, err = vessel.ParseTime(*q.to, now); err != nil {
			return usageError(fs, stderr, "--to: %v", err)
		}
	}
	if from > to {
		return usageError(fs, stderr, "--from %v is after --to %v", from, to)
	}
	db, err := openReadOnly(*q.data)
	if err != nil {
		return err
	}
	defer db.Close()
	track, err := db.Track(m, from, to, *q.flagged)
	if err != nil {
		return err
	}
	if len(track) == 0 {
		if err := explainEmptyTrack(db, m, *q.flagged, stderr); err != nil {
			return err
		}
	}
	main := fusion.MainTrack(track)
	if selID == -2 {
		selID = int(main)
	}
	if selID >= 0 {
		track = slices.DeleteFunc(track, func(p vessel.Position) bool { return int(p.Track) != selID })
	}
	heard, err := db.HeardBy(m, from, to)
	if err != nil {
		return err
	}
	w := newWriter(stdout, *q.format)
	w.line = true
	ids := map[uint8]bool{}
	for i := range track {
		ids[track[i].Track] = true
	}
	if len(ids) > 1 && (*q.format == "geojson" || *q.format == "kml") {
		w.line = false
		fmt.Fprintf(stderr, "tidewatch track: the positions are of %d track hypotheses (main %d): no line drawn; --track main draws the main one\n", len(ids), main)
	}
	for i := range track {
		r := positionRecord(&track[i], "")
		// heard_by: every receiver that reported this position, the
		// stored one first (duplicates are stored once, as provenance).
		by := []string{}
		if track[i].Source != "" {
			by = append(by, track[i].Source)
		}
		by = append(by, heard[track[i].Time]...)
		r = append(r, strs("heard_by", by), num("track", int64(track[i].Track)))
		if err := w.write(r); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	props := record{num("mmsi", int64(m)), num("positions", int64(len(track))), num("main_track", int64(main))}
	if st, _, ok := db.Static(m, to); ok && st.Name != "" {
		props = append(props, str("name", st.Name))
	}
	return w.close(props)
}

// explainEmptyTrack returns an error for a vessel the store does not know
// at all, and otherwise says on stderr what the store holds of it.
func explainEmptyTrack(db *store.DB, m vessel.MMSI, flagged bool, stderr io.Writer) error {
	all, err := db.Track(m, math.MinInt64/2, math.MaxInt64/2, true)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		if _, _, ok := db.Static(m, math.MaxInt64/2); !ok {
			msg := fmt.Sprintf("MMSI %d: no such vessel in the store", m)
			if from, to, ok := db.Bounds(); ok {
				msg += fmt.Sprintf(" (it holds data from %v to %v)", from, to)
			}
			return errors.New(msg)
		}
		fmt.Fprintf(stderr, "tidewatch track: MMSI %d has static data but no stored position\n", m)
		return nil
	}
	fmt.Fprintf(stderr, "tidewatch track: no positions of MMSI %d in the window; it has %d stored positions from %v to %v",
		m, len(all), all[0].Time, all[len(all)-1].Time)
	if !flagged {
		shown, err := db.Track(m, math.MinInt64/2, math.MaxInt64/2, false)
		if err != nil {
			return err
		}
		if n := len(all) - len(shown); n > 0 {
			fmt.Fprintf(stderr, " (%d with quality flags that keep them out of tracks: --flagged shows them)", n)
		}
	}
	fmt.Fprintln(stderr)
	return nil
}

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func parseMMSI(s string) (vessel.MMSI, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || v > 999_999_999 {
		return 0, fmt.Errorf("MMSI %q: want up to nine digits", s)
	}
	return vessel.MMSI(v), nil
}

const nearUsage = `Usage: tidewatch near [--data DIR] --lat LAT --lon LON [--radius 10km] [--from T] [--to T]

Print every vessel that was within the radius of a position during the
window, nearest first, with its closest approach: "time", "distance_m",
"lat", "lon" and whether that point lies between two reports
("interpolated": positions are interpolated along the great circle between
reports at most 30 minutes apart, so a ship passing between two reports is
not missed). The default window is the last hour of the stored data.
` + timeHelp + "\n"

func runNear(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := newFlagSet("near", nearUsage, stderr)
	q := addQueryFlags(fs, true)
	lat := fs.Float64("lat", math.NaN(), "latitude of the position, decimal degrees")
	lon := fs.Float64("lon", math.NaN(), "longitude of the position, decimal degrees")
	radiusS := fs.String("radius", "10km", "radius: a number with m, km or nm")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if err := q.check(fs, stderr); err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	switch {
	case math.IsNaN(*lat) || math.IsNaN(*lon):
		return usageError(fs, stderr, "--lat and --lon are required: latitude -90..90, longitude -180..180")
	case *lat < -90 || *lat > 90:
		return usageError(fs, stderr, "--lat %v is out of range: want a latitude from -90 to 90", *lat)
	case *lon < -180 || *lon > 180:
		return usageError(fs, stderr, "--lon %v is out of range: want a longitude from -180 to 180", *lon)
	}
	c := geo.Point{Lat: *lat, Lon: *lon}
	if !c.Valid() {
		return usageError(fs, stderr, "--lat %v --lon %v: not a valid position", *lat, *lon)
	}
	radius, err := geo.ParseDistance(*radiusS)
	if err != nil || radius <= 0 || radius > 2000e3 {
		return usageError(fs, stderr, "--radius %q: want a distance up to 2000 km", *radiusS)
	}
	db, err := openReadOnly(*q.data)
	if err != nil {
		return err
	}
	defer db.Close()
	_, end, have := db.Bounds()
	from, to, err := timeRange(*q.from, *q.to, now, end, have, time.Hour)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	res, err := db.Near(c, radius, from, to, store.NearOptions{Flagged: *q.flagged})
	if err != nil {
		return err
	}
	w := newWriter(stdout, *q.format)
	for _, a := range res {
		st, _, _ := db.Static(a.MMSI, to)
		r := record{num("mmsi", int64(a.MMSI)), optStr("name", st.Name), str("time", a.Time.String()),
			flt("distance_m", a.Distance, 1), flt("lat", a.Lat, 6), flt("lon", a.Lon, 6),
			boolean("interpolated", a.Interpolated), num("reports", int64(a.Reports))}
		if err := w.write(r); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return w.close(nil)
}

const areaUsage = `Usage: tidewatch area [--data DIR] --polygon FILE.geojson [--from T] [--to T]

Print every vessel that reported from inside the polygon(s) of a GeoJSON
file (Polygon or MultiPolygon geometries, a Feature or a
FeatureCollection) during the window: its first and last report inside and
the number of reports inside. The default window is the last hour of the
stored data.
` + timeHelp + "\n"

func runArea(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := newFlagSet("area", areaUsage, stderr)
	q := addQueryFlags(fs, true)
	polyFile := fs.String("polygon", "", "GeoJSON file with the area")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if err := q.check(fs, stderr); err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if *polyFile == "" {
		return usageError(fs, stderr, "--polygon is required")
	}
	f, err := os.Open(*polyFile)
	if err != nil {
		return err
	}
	feats, err := geo.ReadGeoJSON(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *polyFile, err)
	}
	var area geo.MultiPolygon
	for _, ft := range feats {
		area = append(area, ft.Geometry...)
	}
	if len(area) == 0 {
		return fmt.Errorf("%s: no polygons", *polyFile)
	}
	db, err := openReadOnly(*q.data)
	if err != nil {
		return err
	}
	defer db.Close()
	_, end, have := db.Bounds()
	from, to, err := timeRange(*q.from, *q.to, now, end, have, time.Hour)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	hits, err := db.Area(area, from, to, *q.flagged)
	if err != nil {
		return err
	}
	w := newWriter(stdout, *q.format)
	for _, h := range hits {
		st, _, _ := db.Static(h.MMSI, to)
		r := record{num("mmsi", int64(h.MMSI)), optStr("name", st.Name), str("first", h.First.String()), str("last", h.Last.String()),
			num("reports", int64(h.Reports)), flt("lat", h.LastLat, 6), flt("lon", h.LastLon, 6),
			flt("first_lat", h.FirstLat, 6), flt("first_lon", h.FirstLon, 6)}
		if err := w.write(r); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return w.close(nil)
}

const vesselsUsage = `Usage: tidewatch vessels [--data DIR] [--at T] [--max-age 1h] [filters]

Print the picture at a moment: every vessel with a position in the
max-age window before it (default: the end of the stored data), with its
static data as known then. Filters combine (all must match):
  --bbox minLon,minLat,maxLon,maxLat   inside a box
  --search TEXT    name or call sign contains TEXT (any case), or MMSI or IMO equals it
  --name TEXT      name contains TEXT;  --callsign, --imo, --mmsi exact
  --type T         ship category (cargo, tanker, passenger, fishing, tug, ...) or AIS type code
  --flag CC        flag state, ISO 3166 alpha-2 (IN, JP, PA, ...)
With --all, vessels known only from static data are listed too; with
--stations, base stations and aids to navigation.
` + timeHelp + "\n"

func runVessels(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	vq, err := parseVessels(args, stderr)
	if err != nil {
		return helpOK(err)
	}
	db, err := openReadOnly(*vq.q.data)
	if err != nil {
		return err
	}
	defer db.Close()
	start, end, have := db.Bounds()
	at := end
	if !have {
		at = vessel.TimeOf(now)
	}
	if vq.at != "" {
		if at, err = vessel.ParseTime(vq.at, now); err != nil {
			return usageError(vq.fs, stderr, "--at: %v", err)
		}
	}
	switch {
	case !have:
		fmt.Fprintf(stderr, "tidewatch vessels: the store in %s is empty\n", *vq.q.data)
	case at-vq.maxAge > end:
		return fmt.Errorf("no positions within --max-age %s before %v: the stored data ends at %v (use --at %v, or no --at)", vq.ageS, at, end, end)
	case at < start:
		return fmt.Errorf("no positions at %v: the stored data starts at %v", at, start)
	}
	list, err := db.At(at, vq.maxAge, vq.all)
	if err != nil {
		return err
	}
	w := newWriter(stdout, *vq.q.format)
	for i := range list {
		if !vq.filter.match(&list[i]) {
			continue
		}
		if err := w.write(vesselRecord(&list[i], at)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return w.close(nil)
}

// vesselsQuery is the parsed command line of vessels.
type vesselsQuery struct {
	fs     *flag.FlagSet // for usage errors found after parsing
	q      *queryFlags
	at     string // --at, parsed against the store's bounds
	ageS   string
	maxAge vessel.Time
	all    bool
	filter vesselFilter
}

// vesselFilter selects the vessels vessels prints.
type vesselFilter struct {
	stations                          bool
	mmsi                              vessel.MMSI // 0: any
	imo                               uint        // 0: any
	callsign, name, typ, flag, search string      // "": any
	typeMatch                         func(uint8) bool
	box                               *geo.Rect // nil: anywhere
}

// parseVessels parses the command line of vessels.
func parseVessels(args []string, stderr io.Writer) (*vesselsQuery, error) {
	fs := newFlagSet("vessels", vesselsUsage, stderr)
	vq := &vesselsQuery{fs: fs, q: addQueryFlags(fs, false)}
	f := &vq.filter
	fs.StringVar(&vq.at, "at", "", "the moment (default: the end of the stored data)")
	fs.StringVar(&vq.ageS, "max-age", "1h", "how old the last position may be")
	bboxS := fs.String("bbox", "", "minLon,minLat,maxLon,maxLat")
	fs.StringVar(&f.search, "search", "", "name, call sign, MMSI or IMO")
	fs.StringVar(&f.name, "name", "", "name contains (any case)")
	fs.StringVar(&f.callsign, "callsign", "", "call sign (exact, any case)")
	fs.UintVar(&f.imo, "imo", 0, "IMO number")
	mmsiS := fs.String("mmsi", "", "MMSI")
	fs.StringVar(&f.typ, "type", "", "ship category or AIS ship type code")
	fs.StringVar(&f.flag, "flag", "", "flag state, ISO 3166 alpha-2")
	fs.BoolVar(&vq.all, "all", false, "include vessels with static data but no position in the window")
	fs.BoolVar(&f.stations, "stations", false, "include base stations and aids to navigation")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err // flag.ErrHelp after -h
	}
	if err := vq.q.check(fs, stderr); err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	age, err := vessel.ParseDuration(vq.ageS)
	if err != nil || age <= 0 {
		return nil, usageError(fs, stderr, "--max-age %q: want a positive duration (1h, 6h, 2d)", vq.ageS)
	}
	vq.maxAge = vessel.Time(age.Milliseconds())
	if *bboxS != "" {
		r, err := parseBBox(*bboxS)
		if err != nil {
			return nil, usageError(fs, stderr, "--bbox: %v", err)
		}
		f.box = &r
	}
	if *mmsiS != "" {
		if f.mmsi, err = parseMMSI(*mmsiS); err != nil {
			return nil, usageError(fs, stderr, "--mmsi: %v", err)
		}
	}
	f.typeMatch = func(uint8) bool { return true }
	if f.typ != "" {
		if code, err := strconv.Atoi(f.typ); err == nil {
			f.typeMatch = func(t uint8) bool { return int(t) == code }
		} else if c, ok := vessel.ParseCategory(strings.ToLower(f.typ)); ok {
			f.typeMatch = func(t uint8) bool { return vessel.ShipCategory(t) == c }
		} else {
			return nil, usageError(fs, stderr, "--type %q: not a ship category or a type code", f.typ)
		}
	}
	if f.flag != "" && !knownFlag(f.flag) {
		return nil, usageError(fs, stderr, "--flag %q: not a flag state with allocated MMSI digits (want an ISO 3166 alpha-2 code such as IN, JP, PA)", f.flag)
	}
	return vq, nil
}

// match reports whether v passes the filter.
func (f *vesselFilter) match(v *store.VesselAt) bool {
	s := &v.Static
	cls := v.MMSI.Class()
	switch {
	case !f.stations && (cls == vessel.ClassCoast || cls == vessel.ClassAidToNav),
		f.mmsi != 0 && v.MMSI != f.mmsi,
		f.imo != 0 && uint(s.IMO) != f.imo,
		f.callsign != "" && !strings.EqualFold(s.CallSign, f.callsign),
		f.name != "" && !containsFold(s.Name, f.name),
		f.typ != "" && !f.typeMatch(s.ShipType),
		f.flag != "" && !flagIs(v.MMSI, f.flag),
		f.box != nil && (!v.HasPosition || !f.box.Contains(geo.Point{Lat: v.Position.Lat, Lon: v.Position.Lon})),
		f.search != "" && !matchesSearch(v, f.search):
		return false
	}
	return true
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func flagIs(m vessel.MMSI, code string) bool {
	c, ok := m.Flag()
	return ok && strings.EqualFold(c.Code, code)
}

func matchesSearch(v *store.VesselAt, q string) bool {
	q = strings.TrimSpace(q)
	if n, err := strconv.ParseUint(q, 10, 32); err == nil {
		return uint64(v.MMSI) == n || uint64(v.Static.IMO) == n
	}
	return containsFold(v.Static.Name, q) || strings.EqualFold(v.Static.CallSign, q)
}

func parseBBox(s string) (geo.Rect, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return geo.Rect{}, fmt.Errorf("%q: want minLon,minLat,maxLon,maxLat", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) {
			return geo.Rect{}, fmt.Errorf("%q: %q is not a number", s, p)
		}
		v[i] = f
	}
	r := geo.Rect{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	if r.MinLat > r.MaxLat || r.MinLat < -90 || r.MaxLat > 90 || math.Abs(r.MinLon) > 180 || math.Abs(r.MaxLon) > 180 {
		return geo.Rect{}, fmt.Errorf("%q: latitudes -90..90 with min <= max, longitudes -180..180 (minLon > maxLon crosses the antimeridian)", s)
	}
	return r, nil
}

func vesselRecord(v *store.VesselAt, at vessel.Time) record {
	s := &v.Static
	r := record{num("mmsi", int64(v.MMSI)), optStr("name", s.Name), optStr("callsign", s.CallSign)}
	if s.IMO != 0 {
		r = append(r, num("imo", int64(s.IMO)))
	} else {
		r = append(r, null("imo"))
	}
	if s.ShipType != 0 {
		r = append(r, num("ship_type", int64(s.ShipType)), str("ship_type_text", vessel.ShipTypeName(s.ShipType)))
	} else {
		r = append(r, null("ship_type"), null("ship_type_text"))
	}
	r = append(r, str("category", vessel.ShipCategory(s.ShipType).String()), str("class", v.MMSI.Class().String()))
	if c, ok := v.MMSI.Flag(); ok {
		r = append(r, str("flag", c.Code), str("flag_name", c.Name))
	} else {
		r = append(r, null("flag"), null("flag_name"))
	}
	if v.HasPosition {
		p := &v.Position
		r = append(r, str("time", p.Time.String()), flt("lat", p.Lat, 6), flt("lon", p.Lon, 6))
		r = appendKinematics(r, p)
		r = append(r, num("age_s", int64(at-p.Time)/1000))
	} else {
		r = append(r, null("time"), null("lat"), null("lon"), null("sog"), null("cog"), null("heading"), null("status"), null("status_text"), null("age_s"))
	}
	r = append(r, optStr("destination", s.Destination), optStr("eta", s.ETA))
	if l, ok := s.Length(); ok {
		r = append(r, num("length_m", int64(l)), num("beam_m", int64(s.ToPort)+int64(s.ToStarboard)))
	} else {
		r = append(r, null("length_m"), null("beam_m"))
	}
	if s.Draught != 0 {
		r = append(r, flt("draught_m", float64(s.Draught)/10, 1))
	} else {
		r = append(r, null("draught_m"))
	}
	r = append(r, num("reports", int64(v.Reports)))
	var flags []string
	if !v.MMSI.Valid() {
		flags = append(flags, "invalid_mmsi")
	}
	return append(r, strs("flags", nonNil(flags)))
}
