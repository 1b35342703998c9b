package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const contactsUsage = `Usage: tidewatch contacts [--data DIR] [--from T] [--to T] [--sensor radar|satellite]
                         [--unassociated] [--dark] [sensor options] FILE...

Read radar and satellite detection files (the formats of "tidewatch
detections"), associate each detection with the AIS picture stored in the
data directory, and write one JSON object per detection (JSON Lines),
scan by scan and scene by scene in time order:

  time, lat, lon, sensor, source, target (null when none), scene,
  mmsi       the AIS vessel that explains the detection, null when none
  score      the posterior probability of that choice (of "none" when null)
  held       the identity is carried by a radar track while the vessel's
             AIS is silent ("held by radar")
  track      the radar track number (radar only), confirmed
  episode    the dark-target episode the detection is evidence for
  candidates the AIS vessels considered, best first: mmsi, score,
             distance_m, d2 (squared Mahalanobis distance), age_s

A detection that cannot be associated (no time, position off the Earth)
has "error" instead. --unassociated prints only the detections no AIS
vessel explains (not those with an error). --dark prints the dark-target and AIS-position-mismatch
episodes instead, the last version of each: id, version, kind, start,
end, lat, lon, sensor, source, closed, mmsi (mismatch: the vessel whose
AIS lies), and the evidence.

Radar reports are associated scan by scan, satellite detections scene by
scene; radar tracks carry identities from scan to scan. A fixed radar's
TLL reports need its --site for their range-dependent error; SAR passes
are taken as ascending unless --sar-heading says otherwise (per scene id
or for all). Only detections in
[--from, --to] are read (default: all of them). A summary is written on
stderr.

No dark target is raised at a berth or an anchorage, as in a running
node: an unexplained radar track within 2 km of a port's reference point
or 1 km of an anchorage point (--ports: the bundled World Port Index and
GFW anchorages by default, a CSV of lat, lon, label, or none) or of an
anchorage the node learned (--anchorages: the data directory's
anchorages.bin by default, a file of that format, or none) opens no
episode until it is dark outside; a satellite detection there opens or
joins none. Those contacts are printed unassociated as usual and counted
in the summary.
`

// contactsFlags are the options of contacts.
type contactsFlags struct {
	data, from, to, sensorName *string
	unassociated, dark         *bool
	sf                         sensorFlags
}

// contactsOptions are the parsed options of contacts.
type contactsOptions struct {
	data         string
	files        []string
	so           sensorOptions
	want         vessel.Sensor // 0: every sensor
	from, to     vessel.Time
	unassociated bool
	dark         bool
	headings     map[string]float64 // SAR heading per scene; "" for every scene
	sarLeft      bool
	ports        string // "default", "none" or a CSV file
	anchorages   string // "" (the data directory's), "none" or a file
}

func runContacts(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, now time.Time) error {
	o, err := parseContacts(args, stderr, now)
	if err != nil {
		return helpOK(err)
	}
	db, err := openReadOnly(o.data)
	if err != nil {
		return err
	}
	defer db.Close()
	dets, skipped, err := readDetections(ctx, &o, stdin, stderr)
	if err != nil {
		return err
	}
	harbours, err := contactHarbours(&o)
	if err != nil {
		return err
	}
	r := newContactsRun(&o, dets, harbours, stdout)
	if err := r.associate(ctx, db); err != nil {
		return err
	}
	return r.finish(stderr, skipped)
}

// parseContacts parses the command line of contacts.
func parseContacts(args []string, stderr io.Writer, now time.Time) (contactsOptions, error) {
	fs := newFlagSet("contacts", contactsUsage, stderr)
	var f contactsFlags
	f.data = dataFlag(fs)
	f.from = fs.String("from", "", "first detection time to read (RFC 3339, or relative like -2h; default: no limit)")
	f.to = fs.String("to", "", "last detection time to read (default: no limit)")
	f.sensorName = fs.String("sensor", "", "read only radar or satellite detections")
	f.unassociated = fs.Bool("unassociated", false, "print only the detections no AIS vessel explains")
	f.dark = fs.Bool("dark", false, "print the dark-target and AIS-position-mismatch episodes instead of the contacts")
	o := contactsOptions{headings: map[string]float64{}}
	fs.Func("sar-heading", "ground-track heading of the SAR passes, `[SCENE=]DEGREES` true (about 190 descending, 350 ascending; repeatable, per scene id; default: an ascending sun-synchronous pass)", func(v string) error {
		scene, deg, ok := strings.Cut(v, "=")
		if !ok {
			scene, deg = "", v
		}
		h, err := strconv.ParseFloat(strings.TrimSpace(deg), 64)
		if err != nil || !(h >= 0 && h < 360) {
			return fmt.Errorf("want [SCENE=]DEGREES from 0 to 360, got %q", v)
		}
		o.headings[scene] = h
		return nil
	})
	fs.StringVar(&o.ports, "ports", "default", "ports and anchorage points where no dark target is raised: `default` (bundled), none, or a CSV of lat, lon, label")
	fs.StringVar(&o.anchorages, "anchorages", "", "learned anchorages where no dark target is raised: a `FILE` as a node saves them, or none (default: the data directory's anchorages.bin, when there)")
	sarLeft := fs.Bool("sar-look-left", false, "the SAR looks left of its track (Sentinel-1 and most SARs look right)")
	f.sf.add(fs, true)
	files, err := parseArgs(fs, args)
	if err != nil {
		return o, err // flag.ErrHelp after -h
	}
	if len(files) == 0 {
		return o, usageError(fs, stderr, "no detection files (use - for standard input)")
	}
	if o.so, err = f.sf.options(); err != nil {
		return o, usageError(fs, stderr, "%v", err)
	}
	switch *f.sensorName {
	case "":
	case "radar":
		o.want = vessel.SensorRadar
	case "satellite":
		o.want = vessel.SensorSatellite
	default:
		return o, usageError(fs, stderr, "--sensor %q: want radar or satellite", *f.sensorName)
	}
	o.from, o.to = vessel.Time(math.MinInt64), vessel.Time(math.MaxInt64)
	if *f.from != "" {
		if o.from, err = vessel.ParseTime(*f.from, now); err != nil {
			return o, usageError(fs, stderr, "--from: %v", err)
		}
	}
	if *f.to != "" {
		if o.to, err = vessel.ParseTime(*f.to, now); err != nil {
			return o, usageError(fs, stderr, "--to: %v", err)
		}
	}
	if o.from > o.to {
		return o, usageError(fs, stderr, "--from %v is after --to %v", o.from, o.to)
	}
	o.data, o.files, o.unassociated, o.dark, o.sarLeft = *f.data, files, *f.unassociated, *f.dark, *sarLeft
	return o, nil
}

// readDetections reads the detection files of o, keeping those in
// [from, to] of the wanted sensor; skipped counts the others.
func readDetections(ctx context.Context, o *contactsOptions, stdin io.Reader, stderr io.Writer) (dets []vessel.Detection, skipped int, err error) {
	for _, name := range o.files {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		f, st, err := readSensorFile(name, stdin, o.so, func(d *vessel.Detection) error {
			if d.Time < o.from || d.Time > o.to || (o.want != 0 && d.Sensor != o.want) {
				skipped++
				return nil
			}
			dets = append(dets, *d)
			return nil
		})
		if errors.Is(err, errNotSensor) {
			return nil, 0, fmt.Errorf("%s: not a radar or satellite detection file (see tidewatch detections -h)", name)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		reportSensorStats(stderr, "contacts", name, f, st)
	}
	return dets, skipped, nil
}

// contactsRun associates the detections scan by scan and writes the
// contacts (or, with --dark, collects the episodes).
type contactsRun struct {
	o        *contactsOptions
	dets     []vessel.Detection
	groups   []detGroup
	cfg      contact.Config
	vs       *storeVessels
	a        *contact.Associator
	nVessels map[vessel.MMSI]bool
	w        *bufio.Writer
	buf      []byte
	cs       []contact.Contact
	episodes map[string]contact.Episode
	order    []string // episode ids in the order first seen
	last     vessel.Time

	nRadar, nSat, nAssoc, nHeld, nRejected int
}

// contactHarbours returns the harbours of o (--ports, --anchorages), as
// a node's contact tracker has them; nil when there are none.
func contactHarbours(o *contactsOptions) (contact.Harbours, error) {
	var ports []event.Port
	switch o.ports {
	case "default", "":
		ports = event.DefaultPorts()
	case "none":
	default:
		f, err := os.Open(o.ports)
		if err != nil {
			return nil, fmt.Errorf("--ports: %w", err)
		}
		ports, err = event.ReadPorts(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--ports %s: %w", o.ports, err)
		}
	}
	var learned []event.Anchorage
	var err error
	switch o.anchorages {
	case "":
		if o.data != "" {
			learned, err = server.LearnedAnchorages(o.data)
		}
	case "none":
	default:
		if _, err = os.Stat(o.anchorages); err == nil {
			learned, err = event.LoadAnchorages(o.anchorages)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--anchorages: %w", err)
	}
	if len(ports) == 0 && len(learned) == 0 {
		return nil, nil
	}
	return server.ContactHarbours(ports, learned), nil
}

func newContactsRun(o *contactsOptions, dets []vessel.Detection, harbours contact.Harbours, stdout io.Writer) *contactsRun {
	r := &contactsRun{o: o, dets: dets, groups: groupDetections(dets), vs: &storeVessels{},
		nVessels: map[vessel.MMSI]bool{}, w: bufio.NewWriterSize(stdout, 64<<10), episodes: map[string]contact.Episode{}}
	r.cfg.Harbours = harbours
	r.a = contact.New(r.cfg, r.vs)
	return r
}

// drain takes the latest version of each episode the associator reports.
func (r *contactsRun) drain() {
	for _, ep := range r.a.Episodes(nil) {
		if _, ok := r.episodes[ep.ID]; !ok {
			r.order = append(r.order, ep.ID)
		}
		if ep.Version >= r.episodes[ep.ID].Version {
			r.episodes[ep.ID] = ep
		}
	}
}

// associate runs every group of detections through the associator,
// loading the AIS of the stored vessels an hour of groups at a time.
func (r *contactsRun) associate(ctx context.Context, db *store.DB) error {
	loadedTo := vessel.Time(math.MinInt64) // groups starting before this have their AIS loaded
	var flushed vessel.Time
	for gi, g := range r.groups {
		if err := ctx.Err(); err != nil {
			return err
		}
		if g.t >= loadedTo {
			// The AIS of the next hour of scans and scenes, with what
			// association looks back to before it.
			loadedTo = g.t + vessel.Time(contactsChunk.Milliseconds())
			j := gi
			for j < len(r.groups) && r.groups[j].t < loadedTo {
				j++
			}
			next, err := loadVessels(ctx, db, r.dets[g.lo:r.groups[j-1].hi], r.cfg)
			if err != nil {
				return err
			}
			r.vs.replace(next.tracks)
			for i := range next.tracks {
				r.nVessels[next.tracks[i].mmsi] = true
			}
		}
		r.vs.now = g.t
		if g.t-flushed >= 60_000 {
			// As a live node's ticker would: ended tracks and quiet
			// episodes close in data time, and memory stays bounded.
			r.a.Flush(g.t)
			flushed = g.t
		}
		if err := r.scan(r.dets[g.lo:g.hi]); err != nil {
			return err
		}
	}
	return nil
}

// scan associates one radar scan or satellite scene and writes its
// contacts.
func (r *contactsRun) scan(scan []vessel.Detection) error {
	for i := range scan {
		r.last = max(r.last, scan[i].Time)
	}
	if scan[0].Sensor == vessel.SensorRadar {
		r.cs = r.a.Radar(scan, r.cs[:0])
		r.nRadar += len(scan)
	} else {
		p := contact.Pass{SAR: isSAR(scan[0].Source), LookLeft: r.o.sarLeft}
		if h, ok := r.o.headings[scan[0].Scene]; ok {
			p.HeadingDeg, p.HasHeading = h, true
		} else if h, ok := r.o.headings[""]; ok {
			p.HeadingDeg, p.HasHeading = h, true
		}
		r.cs = r.a.Satellite(scan, p, r.cs[:0])
		r.nSat += len(scan)
	}
	r.drain()
	for i := range r.cs {
		c := &r.cs[i]
		switch {
		case c.Err != nil:
			r.nRejected++
		case c.MMSI != 0:
			r.nAssoc++
			if c.Held {
				r.nHeld++
			}
		}
		if r.o.dark || (r.o.unassociated && (c.MMSI != 0 || c.Err != nil)) {
			continue
		}
		r.buf = appendContactJSON(r.buf[:0], c)
		if _, err := r.w.Write(r.buf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// finish closes every episode, writes them with --dark, and the summary.
func (r *contactsRun) finish(stderr io.Writer, skipped int) error {
	if len(r.dets) > 0 {
		// A day after the last detection: beyond every window an episode
		// stays open in, so each one closes.
		r.a.Flush(r.last + 86400_000)
	}
	r.drain()
	if r.o.dark {
		for _, id := range r.order {
			r.buf = appendEpisodeJSON(r.buf[:0], r.episodes[id])
			if _, err := r.w.Write(r.buf); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
	}
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	st := r.a.Stats()
	fmt.Fprintf(stderr, "tidewatch contacts: %d radar reports in %d scans/scenes and %d satellite detections against %d AIS vessels: %d associated (%d held by radar), %d unassociated, %d rejected; %d dark-target/mismatch episodes; %d detections outside --from/--to/--sensor",
		r.nRadar, len(r.groups), r.nSat, len(r.nVessels), r.nAssoc, r.nHeld, r.nRadar+r.nSat-r.nAssoc-r.nRejected, r.nRejected, len(r.episodes), skipped)
	if st.InHarbour > 0 {
		fmt.Fprintf(stderr, "; %d unexplained contacts at a berth or anchorage raised no dark target", st.InHarbour)
	}
	if st.QueueDropped > 0 {
		fmt.Fprintf(stderr, "; %d episode updates dropped (queue full)", st.QueueDropped)
	}
	fmt.Fprintln(stderr)
	return nil
}

// isSAR says whether a satellite source name is a SAR product (its moving
// targets appear shifted along track).
func isSAR(source string) bool {
	s := strings.ToLower(source)
	return strings.Contains(s, "sar") || strings.Contains(s, "xview3") || strings.Contains(s, "sentinel-1")
}

// detGroup is one radar scan or satellite scene: dets[lo:hi].
type detGroup struct {
	lo, hi int
	t      vessel.Time // its first detection's time
}

// groupDetections sorts dets into scans and scenes (same sensor, source
// and scene; detections without a scene by their time) in time order, and
// returns the groups.
func groupDetections(dets []vessel.Detection) []detGroup {
	type key struct {
		sensor        vessel.Sensor
		source, scene string
		t             vessel.Time
	}
	keyOf := func(d *vessel.Detection) key {
		k := key{sensor: d.Sensor, source: d.Source, scene: d.Scene}
		if d.Scene == "" {
			k.t = d.Time
		}
		return k
	}
	first := map[key]vessel.Time{}
	for i := range dets {
		k := keyOf(&dets[i])
		if t, ok := first[k]; !ok || dets[i].Time < t {
			first[k] = dets[i].Time
		}
	}
	slices.SortStableFunc(dets, func(a, b vessel.Detection) int {
		ka, kb := keyOf(&a), keyOf(&b)
		if c := cmpTime(first[ka], first[kb]); c != 0 {
			return c
		}
		if c := int(ka.sensor) - int(kb.sensor); c != 0 {
			return c
		}
		if c := strings.Compare(ka.source, kb.source); c != 0 {
			return c
		}
		if c := strings.Compare(ka.scene, kb.scene); c != 0 {
			return c
		}
		return cmpTime(a.Time, b.Time)
	})
	var gs []detGroup
	for i := 0; i < len(dets); {
		k := keyOf(&dets[i])
		j := i + 1
		for j < len(dets) && keyOf(&dets[j]) == k {
			j++
		}
		gs = append(gs, detGroup{lo: i, hi: j, t: first[k]})
		i = j
	}
	return gs
}

func cmpTime(a, b vessel.Time) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// contactsChunk is how much of the detections' time the AIS is read for
// at once: memory stays bounded by an hour of AIS around the detections,
// however long the files.
const contactsChunk = time.Hour

// storeVessels is the stored AIS history as contact.Vessels sees it: the
// tracks of the vessels that reported around an hour of detections (and
// the longest AIS age association accepts before it), read from the store
// once per hour of detections; each query finds a vessel's last report
// before the detection by binary search. The last report of each vessel
// of earlier hours is kept, so that a vessel whose AIS fell silent is
// still known (Vessel) to the radar track holding its identity.
type storeVessels struct {
	tracks []vesselTrack // by MMSI
	now    vessel.Time   // time of the scan or scene being associated
	prev   map[vessel.MMSI]contact.VesselState
}

// replace puts the tracks of the next hour in place of the current ones,
// remembering the last report of each current one.
func (vs *storeVessels) replace(tracks []vesselTrack) {
	if vs.prev == nil {
		vs.prev = map[vessel.MMSI]contact.VesselState{}
	}
	for i := range vs.tracks {
		tr := &vs.tracks[i]
		if v, ok := tr.state(tr.pts[len(tr.pts)-1].Time); ok {
			vs.prev[tr.mmsi] = v
		}
	}
	vs.tracks = tracks
}

// vesselTrack is one vessel's reports and the box around them.
type vesselTrack struct {
	mmsi    vessel.MMSI
	pts     []vessel.Position
	box     geo.Rect
	lengthM float64
}

// nearMarginM is how far from the detections loadVessels looks for AIS
// vessels: more than the associator's widest query (the satellite search
// radius and the mismatch search, 20 km each).
const nearMarginM = 25_000

// loadVessels reads from db the tracks of every vessel with a good
// position within nearMarginM of the detections' box between the first
// detection's time less the longest AIS age association uses and the last
// detection's time. Where the box cannot be a simple polygon (near a pole,
// across the antimeridian, wider than 170° of longitude) it reads every
// vessel of the window instead.
func loadVessels(ctx context.Context, db *store.DB, dets []vessel.Detection, cfg contact.Config) (*storeVessels, error) {
	vs := &storeVessels{}
	box := geo.Rect{MinLat: 90, MaxLat: -90, MinLon: 180, MaxLon: -180}
	var lo, hi vessel.Time
	n := 0
	for i := range dets {
		d := &dets[i]
		if !(d.Lat >= -90 && d.Lat <= 90 && d.Lon >= -180 && d.Lon <= 180) || d.Time == 0 {
			continue // rejected by the associator
		}
		if n == 0 {
			lo, hi = d.Time, d.Time
		}
		n++
		lo, hi = min(lo, d.Time), max(hi, d.Time)
		box.MinLat, box.MaxLat = min(box.MinLat, d.Lat), max(box.MaxLat, d.Lat)
		box.MinLon, box.MaxLon = min(box.MinLon, d.Lon), max(box.MaxLon, d.Lon)
	}
	if n == 0 {
		return vs, nil
	}
	maxAge := vessel.Time(max(cfg.MaxAISAgeRadar, cfg.MaxAISAgeSatellite, time.Hour).Milliseconds())
	lo -= maxAge
	type found struct {
		mmsi    vessel.MMSI
		lengthM float64
	}
	var ms []found
	dLat := nearMarginM / 111_000.0
	box.MinLat, box.MaxLat = box.MinLat-dLat, box.MaxLat+dLat
	dLon := dLat / math.Cos(max(math.Abs(box.MinLat), math.Abs(box.MaxLat))*math.Pi/180)
	box.MinLon, box.MaxLon = box.MinLon-dLon, box.MaxLon+dLon
	if box.MinLat > -89 && box.MaxLat < 89 && box.MinLon > -180 && box.MaxLon < 180 && box.MaxLon-box.MinLon < 170 {
		mid := (box.MinLon + box.MaxLon) / 2
		ring := geo.Ring{{Lat: box.MinLat, Lon: box.MinLon}, {Lat: box.MinLat, Lon: mid}, {Lat: box.MinLat, Lon: box.MaxLon},
			{Lat: box.MaxLat, Lon: box.MaxLon}, {Lat: box.MaxLat, Lon: mid}, {Lat: box.MaxLat, Lon: box.MinLon}}
		hits, err := db.AreaContext(ctx, geo.MultiPolygon{{Outer: ring}}, lo, hi, false)
		if err != nil {
			return nil, fmt.Errorf("read the AIS picture: %w", err)
		}
		for _, h := range hits {
			f := found{mmsi: h.MMSI}
			if st, _, ok := db.Static(h.MMSI, hi); ok {
				if l, ok := st.Length(); ok {
					f.lengthM = float64(l)
				}
			}
			ms = append(ms, f)
		}
	} else {
		at, err := db.At(hi, hi-lo+1, false)
		if err != nil {
			return nil, fmt.Errorf("read the AIS picture: %w", err)
		}
		for i := range at {
			f := found{mmsi: at[i].MMSI}
			if l, ok := at[i].Static.Length(); ok {
				f.lengthM = float64(l)
			}
			ms = append(ms, f)
		}
	}
	slices.SortFunc(ms, func(a, b found) int { return cmpInt(int64(a.mmsi), int64(b.mmsi)) })
	for _, f := range ms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pts, err := db.Track(f.mmsi, lo, hi, false)
		if err != nil {
			return nil, fmt.Errorf("read the track of %d: %w", f.mmsi, err)
		}
		if len(pts) == 0 {
			continue
		}
		tr := vesselTrack{mmsi: f.mmsi, pts: pts, lengthM: f.lengthM, box: geo.Rect{MinLat: 90, MaxLat: -90, MinLon: 180, MaxLon: -180}}
		for j := range pts {
			p := &pts[j]
			tr.box.MinLat, tr.box.MaxLat = min(tr.box.MinLat, p.Lat), max(tr.box.MaxLat, p.Lat)
			tr.box.MinLon, tr.box.MaxLon = min(tr.box.MinLon, p.Lon), max(tr.box.MaxLon, p.Lon)
		}
		vs.tracks = append(vs.tracks, tr)
	}
	return vs, nil
}

// state is the vessel's last report at or before t.
func (tr *vesselTrack) state(t vessel.Time) (contact.VesselState, bool) {
	i, _ := slices.BinarySearchFunc(tr.pts, t+1, func(p vessel.Position, t vessel.Time) int { return cmpTime(p.Time, t) })
	if i == 0 {
		return contact.VesselState{}, false
	}
	p := &tr.pts[i-1]
	v := contact.VesselState{MMSI: tr.mmsi, Time: p.Time, Lat: p.Lat, Lon: p.Lon, LengthM: tr.lengthM}
	sog, ok1 := p.SOG.Knots()
	cog, ok2 := p.COG.Degrees()
	if ok1 && ok2 {
		v.HasMotion, v.SOGKn, v.COGDeg = true, sog, cog
	}
	return v, true
}

// Near implements contact.Vessels.
func (vs *storeVessels) Near(lat, lon, radiusM float64, t vessel.Time, fn func(contact.VesselState) bool) {
	c := geo.Point{Lat: lat, Lon: lon}
	// Degrees of latitude and longitude the radius spans here.
	dLat := radiusM / 111_000
	dLon := dLat / max(math.Cos(lat*math.Pi/180), 0.01)
	for i := range vs.tracks {
		tr := &vs.tracks[i]
		if lat+dLat < tr.box.MinLat || lat-dLat > tr.box.MaxLat ||
			(dLon < 180 && tr.box.MaxLon-tr.box.MinLon < 180 && (lon+dLon < tr.box.MinLon || lon-dLon > tr.box.MaxLon)) {
			continue
		}
		v, ok := tr.state(t)
		if !ok || geo.Distance(c, geo.Point{Lat: v.Lat, Lon: v.Lon}) > radiusM {
			continue
		}
		if !fn(v) {
			return
		}
	}
}

// Vessel implements contact.Vessels: the vessel's last report before the
// scan or scene being associated.
func (vs *storeVessels) Vessel(m vessel.MMSI) (contact.VesselState, bool) {
	i, ok := slices.BinarySearchFunc(vs.tracks, m, func(tr vesselTrack, m vessel.MMSI) int { return cmpInt(int64(tr.mmsi), int64(m)) })
	if ok {
		if v, ok := vs.tracks[i].state(vs.now); ok {
			return v, true
		}
	}
	v, ok := vs.prev[m]
	return v, ok && v.Time <= vs.now
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendContactJSON appends one contact as a JSON line.
func appendContactJSON(b []byte, c *contact.Contact) []byte {
	r := record{
		str("time", c.Time.String()),
		flt("lat", c.Lat, 6),
		flt("lon", c.Lon, 6),
		str("sensor", c.Sensor.String()),
		str("source", c.Source),
		optStr("target", c.Target),
		optStr("scene", c.Scene),
	}
	if c.Err != nil {
		r = append(r, str("error", c.Err.Error()))
		b = appendJSONObject(b, r)
		return append(b, '\n')
	}
	if c.MMSI != 0 {
		r = append(r, num("mmsi", int64(c.MMSI)))
	} else {
		r = append(r, null("mmsi"))
	}
	r = append(r, flt("score", c.Score, 3), boolean("held", c.Held))
	if c.Sensor == vessel.SensorRadar {
		r = append(r, num("track", int64(c.Track)), boolean("confirmed", c.Confirmed))
	} else {
		r = append(r, boolean("doubtful", c.Doubtful))
	}
	r = append(r, optStr("episode", c.Episode))
	b = appendJSONObject(b, r)
	b = append(b[:len(b)-1], `,"candidates":[`...)
	for i := range c.Candidates {
		k := &c.Candidates[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONObject(b, record{num("mmsi", int64(k.MMSI)), flt("score", k.Score, 3),
			flt("distance_m", k.DistM, 0), flt("d2", k.D2, 2), flt("age_s", k.AgeS, 0)})
	}
	return append(b, "]}\n"...)
}

// appendEpisodeJSON appends one episode as a JSON line.
func appendEpisodeJSON(b []byte, ep contact.Episode) []byte {
	r := record{
		str("id", ep.ID), num("version", int64(ep.Version)), str("kind", ep.Kind),
		str("start", ep.Start.String()), str("end", ep.End.String()),
		flt("lat", ep.Lat, 6), flt("lon", ep.Lon, 6),
		str("sensor", ep.Sensor.String()), str("source", ep.Source), boolean("closed", ep.Closed),
	}
	if ep.MMSI != 0 {
		r = append(r, num("mmsi", int64(ep.MMSI)))
	} else {
		r = append(r, null("mmsi"))
	}
	e := &ep.Evidence
	ev := record{num("reports", int64(e.Reports)), num("tracks", int64(e.Tracks)),
		strs("targets", nonNil(e.Targets)), strs("scenes", nonNil(e.Scenes)), num("doubtful", int64(e.Doubtful))}
	if e.MaxScore > 0 {
		ev = append(ev, flt("max_score", e.MaxScore, 3))
	}
	if e.LengthM > 0 {
		ev = append(ev, flt("length_m", e.LengthM, 1))
	}
	ev = append(ev, flt("speed_kn", e.SpeedKn, 1))
	if e.Nearest != 0 {
		ev = append(ev, num("nearest_mmsi", int64(e.Nearest)), flt("nearest_d2", e.NearestD2, 1))
	}
	if ep.Kind == contact.KindAISMismatch {
		ev = append(ev, flt("offset_m", e.OffsetM, 0), flt("offset_bearing_deg", e.OffsetBearing, 0))
	}
	b = appendJSONObject(b, r)
	b = append(b[:len(b)-1], `,"evidence":`...)
	b = appendJSONObject(b, ev)
	return append(b, "}\n"...)
}
