package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Bounds on a policy file. A policy is written by an administrator, but a
// node may load one it was sent, so Parse treats it as untrusted.
const (
	MaxFileBytes   = 8 << 20   // the whole file
	MaxPartners    = 256       // entries of "partners"
	MaxAreas       = 1024      // entries of "areas"
	MaxAreaPoints  = 1 << 20   // positions of all area geometries together
	MaxListLen     = 100_000   // entries of any list (MMSIs, flags, types, area names...)
	MaxNameLen     = 64        // partner, node and area names
	MaxCommentLen  = 4096      // "comment" members
	MaxPrecisionM  = 1_000_000 // precision_m: 1000 km
	maxDepth       = 32        // JSON nesting
	defaultMaxHops = 2
)

// The policy file, as it is written. Parse decodes it strictly (unknown
// keys are errors) and compiles it into a Policy.
type fileJSON struct {
	Version  int                        `json:"version"`
	Comment  string                     `json:"comment,omitempty"`
	Node     string                     `json:"node"`
	Areas    map[string]json.RawMessage `json:"areas,omitempty"`
	Partners map[string]json.RawMessage `json:"partners"`
}

type areaJSON struct {
	Comment  string          `json:"comment,omitempty"`
	BBox     []float64       `json:"bbox,omitempty"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

type partnerJSON struct {
	Comment        string       `json:"comment,omitempty"`
	Share          shareJSON    `json:"share"`
	IncludeAreas   []string     `json:"include_areas,omitempty"`
	ExcludeAreas   []string     `json:"exclude_areas,omitempty"`
	IncludeVessels *vesselsJSON `json:"include_vessels,omitempty"`
	ExcludeVessels *vesselsJSON `json:"exclude_vessels,omitempty"`
	UnknownType    string       `json:"unknown_type,omitempty"`
	PrecisionM     float64      `json:"precision_m,omitempty"`
	Delay          string       `json:"delay,omitempty"`
	TLPCeiling     string       `json:"tlp_ceiling,omitempty"`
	Relay          bool         `json:"relay,omitempty"`
	MaxHops        *int         `json:"max_hops,omitempty"`
	KeepZoneNames  bool         `json:"keep_zone_names,omitempty"`
	Accept         []string     `json:"accept,omitempty"`
	Weight         *float64     `json:"weight,omitempty"`
	Ignore         bool         `json:"ignore,omitempty"`
}

type shareJSON struct {
	Positions   bool     `json:"positions,omitempty"`
	Static      bool     `json:"static,omitempty"`
	Events      []string `json:"events,omitempty"`
	Incidents   bool     `json:"incidents,omitempty"`
	Assessments bool     `json:"assessments,omitempty"`
	Contacts    []string `json:"contacts,omitempty"`
}

type vesselsJSON struct {
	MMSI      []vessel.MMSI     `json:"mmsi,omitempty"`
	Flags     []string          `json:"flags,omitempty"`
	ShipTypes []json.RawMessage `json:"ship_types,omitempty"`
	Classes   []string          `json:"classes,omitempty"`
}

// Load reads and parses the policy file at path. Errors name the file
// and wrap Parse's.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: load: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("policy: load %s: %w", path, err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("policy: load %s: %w", path, err)
	}
	return p, nil
}

// Parse decodes and checks a policy file (see the package documentation
// for the format). It is strict: an unknown key, a duplicated key, a
// value of the wrong type, an unknown name (event type, ship type
// category, MMSI class, flag, area, TLP marking, data kind) or an out of
// range number is an error, and nothing is guessed. Errors are
// *ConfigError values naming the partner and field where there is one,
// and wrap ErrSyntax, ErrVersion, ErrTooLarge or ErrInvalid.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxFileBytes {
		return nil, &ConfigError{Msg: "more than " + strconv.Itoa(MaxFileBytes) + " bytes", Err: ErrTooLarge}
	}
	if err := checkJSON(data); err != nil {
		return nil, err
	}
	var f fileJSON
	if err := strictDecode(data, &f); err != nil {
		return nil, &ConfigError{Msg: err.Error(), Err: ErrInvalid, Cause: err}
	}
	if f.Version != 1 {
		return nil, &ConfigError{Field: "version", Msg: fmt.Sprintf("version %d, want 1", f.Version), Err: ErrVersion}
	}
	if err := checkComment(f.Comment); err != nil {
		return nil, &ConfigError{Field: "comment", Msg: err.Error(), Err: ErrTooLarge}
	}
	if err := checkName(f.Node); err != nil {
		return nil, &ConfigError{Field: "node", Msg: err.Error(), Err: ErrInvalid}
	}
	if len(f.Areas) > MaxAreas {
		return nil, &ConfigError{Field: "areas", Msg: fmt.Sprintf("%d areas, at most %d", len(f.Areas), MaxAreas), Err: ErrTooLarge}
	}
	if len(f.Partners) > MaxPartners {
		return nil, &ConfigError{Field: "partners", Msg: fmt.Sprintf("%d partners, at most %d", len(f.Partners), MaxPartners), Err: ErrTooLarge}
	}
	p := &Policy{node: f.Node, partners: make(map[string]*Partner, len(f.Partners)),
		src: fileOut{Version: 1, Comment: f.Comment, Node: f.Node, Areas: map[string]areaJSON{}, Partners: map[string]partnerJSON{}}}

	areas := make(map[string]*area, len(f.Areas))
	points := 0
	for _, name := range sortedKeys(f.Areas) {
		a, aj, n, err := parseArea(name, f.Areas[name], MaxAreaPoints-points)
		if err != nil {
			return nil, err
		}
		points += n
		areas[name] = a
		p.src.Areas[name] = aj
	}

	flags := knownFlags()
	for _, name := range sortedKeys(f.Partners) {
		if err := checkName(name); err != nil {
			return nil, &ConfigError{Partner: name, Msg: err.Error(), Err: ErrInvalid}
		}
		if name == f.Node {
			return nil, &ConfigError{Partner: name, Msg: "a partner cannot have the node's own name", Err: ErrInvalid}
		}
		var pj partnerJSON
		if err := strictDecode(f.Partners[name], &pj); err != nil {
			return nil, &ConfigError{Partner: name, Msg: err.Error(), Err: ErrInvalid, Cause: err}
		}
		pt, err := compilePartner(name, f.Node, &pj, areas, flags)
		if err != nil {
			return nil, err
		}
		p.partners[name] = pt
		p.names = append(p.names, name)
		p.src.Partners[name] = pj
	}
	return p, nil
}

// strictDecode decodes one JSON value into v, refusing unknown keys and
// trailing data.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// checkJSON walks the document's tokens: one value, nesting at most
// maxDepth, no object with a key twice (encoding/json would silently keep
// the last, and a policy that says one thing twice is a mistake).
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var path []string
	var walk func(depth int) error
	walk = func(depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		if depth >= maxDepth {
			return fmt.Errorf("nested deeper than %d", maxDepth)
		}
		switch d {
		case '{':
			seen := map[string]struct{}{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if _, dup := seen[key]; dup {
					return fmt.Errorf("key %q twice in %s", key, strings.Join(append([]string{"$"}, path...), "."))
				}
				seen[key] = struct{}{}
				path = append(path, key)
				if err := walk(depth + 1); err != nil {
					return err
				}
				path = path[:len(path)-1]
			}
		case '[':
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	err := walk(0)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		return &ConfigError{Msg: err.Error(), Err: ErrSyntax, Cause: err}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkName accepts node, partner and area names: 1 to MaxNameLen
// characters among letters, digits, '-', '_' and '.'.
func checkName(s string) error {
	if s == "" {
		return errors.New("empty name")
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("name longer than %d bytes", MaxNameLen)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("name %q: use letters, digits, '-', '_' and '.'", s)
		}
	}
	return nil
}

func checkComment(s string) error {
	if len(s) > MaxCommentLen {
		return fmt.Errorf("comment longer than %d bytes", MaxCommentLen)
	}
	return nil
}

// parseArea compiles one entry of "areas": a bbox or a GeoJSON Polygon
// or MultiPolygon geometry. budget is how many more positions the file
// may hold.
func parseArea(name string, raw json.RawMessage, budget int) (*area, areaJSON, int, error) {
	field := "areas." + name
	fail := func(f, msg string, sentinel, cause error) (*area, areaJSON, int, error) {
		return nil, areaJSON{}, 0, &ConfigError{Field: field + f, Msg: msg, Err: sentinel, Cause: cause}
	}
	if err := checkName(name); err != nil {
		return fail("", err.Error(), ErrInvalid, nil)
	}
	var aj areaJSON
	if err := strictDecode(raw, &aj); err != nil {
		return fail("", err.Error(), ErrInvalid, err)
	}
	if err := checkComment(aj.Comment); err != nil {
		return fail(".comment", err.Error(), ErrTooLarge, nil)
	}
	switch {
	case aj.BBox != nil && aj.Geometry != nil:
		return fail("", "give bbox or geometry, not both", ErrInvalid, nil)
	case aj.BBox != nil:
		r, err := parseBBox(aj.BBox)
		if err != nil {
			return fail(".bbox", err.Error(), ErrInvalid, nil)
		}
		return &area{name: name, rect: &r, bounds: r}, aj, 0, nil
	case aj.Geometry != nil:
		var g struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(aj.Geometry, &g); err != nil || (g.Type != "Polygon" && g.Type != "MultiPolygon") {
			return fail(".geometry", "want a GeoJSON Polygon or MultiPolygon geometry", ErrInvalid, err)
		}
		if budget <= 0 {
			return fail(".geometry", fmt.Sprintf("the areas hold more than %d positions", MaxAreaPoints), ErrTooLarge, nil)
		}
		fs, err := geo.ReadGeoJSONLimits(bytes.NewReader(aj.Geometry), geo.GeoJSONLimits{MaxBytes: MaxFileBytes, MaxPoints: budget})
		if err != nil {
			sentinel := ErrInvalid
			if errors.Is(err, geo.ErrTooLarge) {
				sentinel = ErrTooLarge
			}
			return fail(".geometry", err.Error(), sentinel, err)
		}
		if f, msg := wideEdge(g.Type, aj.Geometry); msg != "" {
			return fail(".geometry"+f, msg, ErrInvalid, nil)
		}
		var mp geo.MultiPolygon
		for _, f := range fs {
			mp = append(mp, f.Geometry...)
		}
		if len(mp) == 0 {
			return fail(".geometry", "empty geometry", ErrInvalid, nil)
		}
		n := 0
		for _, pg := range mp {
			n += len(pg.Outer)
			for _, h := range pg.Holes {
				n += len(h)
			}
		}
		idx, err := geo.NewIndex([]geo.MultiPolygon{mp}, geo.IndexOptions{})
		if err != nil {
			return fail(".geometry", err.Error(), ErrInvalid, err)
		}
		return &area{name: name, mp: mp, idx: idx, bounds: mp.Bounds()}, aj, n, nil
	}
	return fail("", "give bbox or geometry", ErrInvalid, nil)
}

// MaxEdgeLon is the most longitude one edge of an area's polygon may
// span, in degrees. An edge is a straight line in longitude/latitude that
// geo.Ring reads the shorter way round, so an edge from -100° to 100°
// would be read as the 160° across the antimeridian, not the 200° the
// file's numbers say: Parse refuses such an edge instead of guessing. A
// wider area needs intermediate vertices (or a "bbox"); an area across
// the antimeridian is written explicitly, either split at ±180° into a
// MultiPolygon (RFC 7946 §3.1.9) or with longitudes continued beyond
// ±180° (170 to 190).
const MaxEdgeLon = 180

// wideEdge finds the first edge of a Polygon or MultiPolygon geometry (one
// geo.ReadGeoJSONLimits accepted) whose longitudes, as written, differ by
// more than MaxEdgeLon. It returns the JSON path of the edge's second
// vertex (".coordinates[ring][vertex]", with the polygon first for a
// MultiPolygon) and a message naming the rule and both vertices, or "".
func wideEdge(typ string, geometry json.RawMessage) (string, string) {
	var polys [][][][]float64
	if typ == "Polygon" {
		var g struct {
			Coordinates [][][]float64 `json:"coordinates"`
		}
		if json.Unmarshal(geometry, &g) != nil {
			return "", ""
		}
		polys = [][][][]float64{g.Coordinates}
	} else {
		var g struct {
			Coordinates [][][][]float64 `json:"coordinates"`
		}
		if json.Unmarshal(geometry, &g) != nil {
			return "", ""
		}
		polys = g.Coordinates
	}
	for pi, rings := range polys {
		for ri, ring := range rings {
			for vi := 1; vi < len(ring); vi++ {
				a, b := ring[vi-1], ring[vi]
				if len(a) < 2 || len(b) < 2 {
					continue
				}
				if d := math.Abs(b[0] - a[0]); d > MaxEdgeLon {
					path := fmt.Sprintf(".coordinates[%d][%d]", ri, vi)
					if typ != "Polygon" {
						path = fmt.Sprintf(".coordinates[%d][%d][%d]", pi, ri, vi)
					}
					return path, fmt.Sprintf("the edge from vertex %d [%g, %g] to vertex %d [%g, %g] spans %g° of longitude; "+
						"an edge may span at most %d° (it would be read the short way round, across the antimeridian): "+
						"add vertices in between, use a bbox, or split an area that crosses the antimeridian at ±180° (or continue its longitudes beyond ±180°)",
						vi-1, a[0], a[1], vi, b[0], b[1], d, MaxEdgeLon)
				}
			}
		}
	}
	return "", ""
}

// parseBBox reads [west, south, east, north] in degrees, the GeoJSON
// convention: west > east crosses the antimeridian.
func parseBBox(b []float64) (geo.Rect, error) {
	if len(b) != 4 {
		return geo.Rect{}, fmt.Errorf("want [west, south, east, north], got %d numbers", len(b))
	}
	w, s, e, n := b[0], b[1], b[2], b[3]
	if !(w >= -180 && w <= 180 && e >= -180 && e <= 180) {
		return geo.Rect{}, errors.New("longitudes must be in [-180, 180]")
	}
	if !(s >= -90 && s <= 90 && n >= -90 && n <= 90) || s > n {
		return geo.Rect{}, errors.New("latitudes must be in [-90, 90] with south <= north")
	}
	return geo.Rect{MinLat: s, MinLon: w, MaxLat: n, MaxLon: e}, nil
}

// knownFlags returns the ISO 3166-1 alpha-2 codes of every flag state the
// ITU has allocated a MID to: the flags an MMSI can carry.
func knownFlags() map[string]bool {
	m := make(map[string]bool, 256)
	for mid := 200; mid < 800; mid++ {
		if c, ok := vessel.FlagOf(mid); ok && c.Code != "" {
			m[c.Code] = true
		}
	}
	return m
}

// compilePartner checks one partner's entry and builds its Partner.
func compilePartner(name, node string, pj *partnerJSON, areas map[string]*area, flags map[string]bool) (*Partner, error) {
	fail := func(field, msg string, sentinel error) error {
		return &ConfigError{Partner: name, Field: field, Msg: msg, Err: sentinel}
	}
	pt := &Partner{name: name, node: node, known: true, maxHops: defaultMaxHops, ceiling: incident.TLPGreen, weight: 1}
	for i := range pt.rules {
		pt.rules[i] = name + "." + ruleFields[i]
	}
	if err := checkComment(pj.Comment); err != nil {
		return nil, fail("comment", err.Error(), ErrTooLarge)
	}

	// Kinds of data shared.
	s := pj.Share
	pt.share = [numKinds]bool{kindPosition: s.Positions, kindStatic: s.Static, kindIncident: s.Incidents, kindAssessment: s.Assessments}
	if len(s.Events) > MaxListLen {
		return nil, fail("share.events", "list too long", ErrTooLarge)
	}
	for i, t := range s.Events {
		f := fmt.Sprintf("share.events[%d]", i)
		switch {
		case t == "all":
			if len(s.Events) != 1 {
				return nil, fail(f, `"all" must be the only entry`, ErrInvalid)
			}
			pt.events = event.Types()
		case slices.Contains(event.Types(), t):
			if slices.Contains(pt.events, t) {
				return nil, fail(f, fmt.Sprintf("event type %q twice", t), ErrInvalid)
			}
			pt.events = append(pt.events, t)
		default:
			return nil, fail(f, fmt.Sprintf("unknown event type %q (known: %s, or \"all\")", t, strings.Join(event.Types(), ", ")), ErrInvalid)
		}
	}
	pt.share[kindEvent] = len(pt.events) > 0
	if len(s.Contacts) > MaxListLen {
		return nil, fail("share.contacts", "list too long", ErrTooLarge)
	}
	for i, c := range s.Contacts {
		f := fmt.Sprintf("share.contacts[%d]", i)
		var sensors []vessel.Sensor
		switch c {
		case "all":
			if len(s.Contacts) != 1 {
				return nil, fail(f, `"all" must be the only entry`, ErrInvalid)
			}
			sensors = []vessel.Sensor{vessel.SensorRadar, vessel.SensorSatellite}
		case "radar":
			sensors = []vessel.Sensor{vessel.SensorRadar}
		case "satellite":
			sensors = []vessel.Sensor{vessel.SensorSatellite}
		default:
			return nil, fail(f, fmt.Sprintf("unknown sensor %q (known: radar, satellite, or \"all\")", c), ErrInvalid)
		}
		for _, sn := range sensors {
			if pt.contacts[sn] {
				return nil, fail(f, fmt.Sprintf("sensor %q twice", c), ErrInvalid)
			}
			pt.contacts[sn] = true
		}
	}
	pt.share[kindContact] = len(s.Contacts) > 0

	// Areas.
	for _, l := range []struct {
		field string
		names []string
		dst   *[]*area
	}{{"include_areas", pj.IncludeAreas, &pt.include}, {"exclude_areas", pj.ExcludeAreas, &pt.exclude}} {
		if len(l.names) > MaxListLen {
			return nil, fail(l.field, "list too long", ErrTooLarge)
		}
		for i, n := range l.names {
			a, ok := areas[n]
			if !ok {
				return nil, fail(fmt.Sprintf("%s[%d]", l.field, i), fmt.Sprintf("no area %q in \"areas\"", n), ErrInvalid)
			}
			*l.dst = append(*l.dst, a)
		}
	}
	if pj.IncludeAreas != nil && len(pj.IncludeAreas) == 0 {
		// An explicit empty list would read as "everywhere": say so
		// by leaving the member out instead.
		return nil, fail("include_areas", "empty list: leave the member out to share everywhere", ErrInvalid)
	}

	// Vessels.
	var ce *ConfigError
	if pt.inV, ce = compileVessels(pj.IncludeVessels, "include_vessels", flags); ce != nil {
		ce.Partner = name
		return nil, ce
	}
	if pt.exV, ce = compileVessels(pj.ExcludeVessels, "exclude_vessels", flags); ce != nil {
		ce.Partner = name
		return nil, ce
	}

	switch pj.UnknownType {
	case "", UnknownWithhold:
		pt.withholdUnknown = pt.exV != nil && pt.exV.types != nil && !pt.exV.types[0]
	case UnknownShare:
	default:
		return nil, fail("unknown_type", fmt.Sprintf("%q: want %q (the default) or %q", pj.UnknownType, UnknownWithhold, UnknownShare), ErrInvalid)
	}

	// Precision and delay.
	if !(pj.PrecisionM >= 0) || pj.PrecisionM > MaxPrecisionM || (pj.PrecisionM > 0 && pj.PrecisionM < 1) {
		return nil, fail("precision_m", fmt.Sprintf("%v: want 0 (exact) or 1 to %d metres", pj.PrecisionM, MaxPrecisionM), ErrInvalid)
	}
	pt.grid = newGrid(pj.PrecisionM)
	if pj.Delay != "" {
		d, err := vessel.ParseDuration(pj.Delay)
		if err != nil {
			return nil, fail("delay", err.Error(), ErrInvalid)
		}
		pt.delay = vessel.Time(d / time.Millisecond)
	}

	// Incidents.
	if pj.TLPCeiling != "" {
		t, ok := parseTLP(pj.TLPCeiling)
		if !ok {
			return nil, fail("tlp_ceiling", fmt.Sprintf("unknown TLP marking %q (want CLEAR, GREEN, AMBER or AMBER+STRICT)", pj.TLPCeiling), ErrInvalid)
		}
		if t == incident.TLPRed {
			return nil, fail("tlp_ceiling", "RED never leaves the node: the highest ceiling is AMBER+STRICT", ErrInvalid)
		}
		pt.ceiling = t
	}

	// Relay.
	pt.relay = pj.Relay
	if pj.MaxHops != nil {
		if *pj.MaxHops < 1 || *pj.MaxHops > 16 {
			return nil, fail("max_hops", fmt.Sprintf("%d: want 1 to 16", *pj.MaxHops), ErrInvalid)
		}
		pt.maxHops = *pj.MaxHops
	}
	pt.keepZones = pj.KeepZoneNames

	// Inbound.
	if len(pj.Accept) > MaxListLen {
		return nil, fail("accept", "list too long", ErrTooLarge)
	}
	for i, k := range pj.Accept {
		ki := kindIndex(Kind(k))
		if ki < 0 {
			return nil, fail(fmt.Sprintf("accept[%d]", i), fmt.Sprintf("unknown kind %q (known: position, static, event, incident, assessment)", k), ErrInvalid)
		}
		pt.accept[ki] = true
	}
	if pj.Weight != nil {
		if !(*pj.Weight > 0 && *pj.Weight <= 1) {
			return nil, fail("weight", fmt.Sprintf("%v: want a number in (0, 1]", *pj.Weight), ErrInvalid)
		}
		pt.weight = *pj.Weight
	}
	pt.ignore = pj.Ignore
	return pt, nil
}

// compileVessels checks an include_vessels or exclude_vessels block.
func compileVessels(vj *vesselsJSON, field string, flags map[string]bool) (*vesselRule, *ConfigError) {
	if vj == nil {
		return nil, nil
	}
	fail := func(f, msg string, sentinel error) (*vesselRule, *ConfigError) {
		return nil, &ConfigError{Field: field + "." + f, Msg: msg, Err: sentinel}
	}
	for _, l := range []struct {
		f string
		n int
	}{{"mmsi", len(vj.MMSI)}, {"flags", len(vj.Flags)}, {"ship_types", len(vj.ShipTypes)}, {"classes", len(vj.Classes)}} {
		if l.n > MaxListLen {
			return fail(l.f, fmt.Sprintf("%d entries, at most %d", l.n, MaxListLen), ErrTooLarge)
		}
	}
	r := &vesselRule{}
	if vj.MMSI != nil {
		if len(vj.MMSI) == 0 {
			return fail("mmsi", "empty list: leave the member out", ErrInvalid)
		}
		r.mmsi = make(map[vessel.MMSI]struct{}, len(vj.MMSI))
		for i, m := range vj.MMSI {
			if m == 0 || m > 999_999_999 {
				return fail(fmt.Sprintf("mmsi[%d]", i), fmt.Sprintf("%d is not a nine-digit MMSI", m), ErrInvalid)
			}
			r.mmsi[m] = struct{}{}
		}
	}
	if vj.Flags != nil {
		if len(vj.Flags) == 0 {
			return fail("flags", "empty list: leave the member out", ErrInvalid)
		}
		for i, c := range vj.Flags {
			if !flags[c] {
				return fail(fmt.Sprintf("flags[%d]", i), fmt.Sprintf("unknown flag %q: want the upper-case ISO 3166-1 alpha-2 code of a flag state with an ITU MID", c), ErrInvalid)
			}
			r.flags = append(r.flags, c)
		}
	}
	if vj.ShipTypes != nil {
		if len(vj.ShipTypes) == 0 {
			return fail("ship_types", "empty list: leave the member out", ErrInvalid)
		}
		r.types = new([256]bool)
		for i, raw := range vj.ShipTypes {
			if err := addShipTypes(r.types, raw); err != nil {
				return fail(fmt.Sprintf("ship_types[%d]", i), err.Error(), ErrInvalid)
			}
		}
	}
	if vj.Classes != nil {
		if len(vj.Classes) == 0 {
			return fail("classes", "empty list: leave the member out", ErrInvalid)
		}
		r.hasClasses = true
		for i, n := range vj.Classes {
			c, ok := parseClass(n)
			if !ok {
				return fail(fmt.Sprintf("classes[%d]", i), fmt.Sprintf("unknown MMSI class %q (known: %s)", n, strings.Join(classNames(), ", ")), ErrInvalid)
			}
			r.classes |= 1 << c
		}
	}
	if r.mmsi == nil && r.flags == nil && r.types == nil && !r.hasClasses {
		return fail("", "no criteria: give mmsi, flags, ship_types or classes, or leave the block out", ErrInvalid)
	}
	return r, nil
}

// addShipTypes adds one ship_types entry: a number 0-255, a string range
// "80-89", or a category name of vessel.Category ("military", "tanker").
func addShipTypes(set *[256]bool, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch x := v.(type) {
	case json.Number:
		n := x
		t, err := strconv.Atoi(string(n))
		if err != nil || t < 0 || t > 255 {
			return fmt.Errorf("ship type %s: want an integer 0-255", n)
		}
		set[t] = true
		return nil
	case string:
		if lo, hi, ok := strings.Cut(x, "-"); ok {
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || a < 0 || b > 255 || a > b {
				return fmt.Errorf("ship type range %q: want \"lo-hi\" with 0 <= lo <= hi <= 255", x)
			}
			for t := a; t <= b; t++ {
				set[t] = true
			}
			return nil
		}
		c, ok := vessel.ParseCategory(x)
		if !ok {
			return fmt.Errorf("unknown ship type category %q (known: %s)", x, strings.Join(categoryNames(), ", "))
		}
		for t := range 256 {
			if vessel.ShipCategory(uint8(t)) == c {
				set[t] = true
			}
		}
		return nil
	}
	return fmt.Errorf("ship type %s: want a number, a range \"lo-hi\" or a category name", raw)
}

func categoryNames() []string {
	var out []string
	for c := vessel.Category(0); ; c++ {
		n := c.String()
		if n == "unknown" && c != 0 {
			return out
		}
		out = append(out, n)
	}
}

func classNames() []string {
	var out []string
	for c := vessel.Class(0); c < 32; c++ {
		if n := c.String(); n != "invalid" || c == 0 {
			out = append(out, n)
		}
	}
	return out
}

func parseClass(name string) (vessel.Class, bool) {
	for c := vessel.Class(0); c < 32; c++ {
		if c.String() == name && (name != "invalid" || c == 0) {
			return c, true
		}
	}
	return 0, false
}

// ParseTLP reads a TLP 2.0 marking: CLEAR, GREEN, AMBER, AMBER+STRICT or
// RED, with or without the "TLP:" prefix, in any case.
// It returns an error wrapping ErrInvalid for anything else.
func ParseTLP(s string) (incident.TLP, error) {
	if t, ok := parseTLP(s); ok {
		return t, nil
	}
	return 0, fmt.Errorf("%w: unknown TLP marking %q (want CLEAR, GREEN, AMBER, AMBER+STRICT or RED)", ErrInvalid, s)
}

func parseTLP(s string) (incident.TLP, bool) {
	u := strings.TrimPrefix(strings.ToUpper(s), "TLP:")
	for t, n := range tlpNames {
		if u == n {
			return incident.TLP(t), true
		}
	}
	return 0, false
}

var tlpNames = [...]string{
	incident.TLPClear:       "CLEAR",
	incident.TLPGreen:       "GREEN",
	incident.TLPAmber:       "AMBER",
	incident.TLPAmberStrict: "AMBER+STRICT",
	incident.TLPRed:         "RED",
}
