package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func (a *api) params(r *http.Request) *params {
	return &params{v: r.URL.Query(), now: a.cfg.Now()}
}

// vesselFilter is the filters of /api/v1/vessels.
type vesselFilter struct {
	box      *geo.Rect
	types    []func(uint8) bool
	flags    []string
	minSpeed float64
	hasSpeed bool
}

func parseFilter(p *params) (*vesselFilter, error) {
	f := &vesselFilter{}
	var err error
	if f.box, err = p.bbox("bbox"); err != nil {
		return nil, err
	}
	if s := p.get("type"); s != "" {
		for _, t := range strings.Split(s, ",") {
			t = strings.ToLower(strings.TrimSpace(t))
			if code, err := strconv.Atoi(t); err == nil && code >= 0 && code <= 255 {
				f.types = append(f.types, func(st uint8) bool { return int(st) == code })
			} else if c, ok := vessel.ParseCategory(t); ok {
				f.types = append(f.types, func(st uint8) bool { return vessel.ShipCategory(st) == c })
			} else {
				return nil, badParam("type", "%q is not a ship category (cargo, tanker, passenger, fishing, tug, ...) or an AIS type code 0-255", t)
			}
		}
	}
	if s := p.get("flag"); s != "" {
		for _, c := range strings.Split(s, ",") {
			c = strings.ToUpper(strings.TrimSpace(c))
			if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
				return nil, badParam("flag", "%q: want ISO 3166 alpha-2 codes (PA, LR, US), comma-separated", s)
			}
			f.flags = append(f.flags, c)
		}
	}
	if s := p.get("min_speed"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0) || v > 102.2 {
			return nil, badParam("min_speed", "%q: want knots from 0 to 102.2", s)
		}
		f.minSpeed, f.hasSpeed = v, true
	}
	return f, nil
}

// match reports whether u passes the filters.
func (f *vesselFilter) match(u *Update) bool {
	if f.box != nil && (!u.Located || !f.box.Contains(geo.Point{Lat: u.Position.Lat, Lon: u.Position.Lon})) {
		return false
	}
	if f.types != nil && !slices.ContainsFunc(f.types, func(m func(uint8) bool) bool { return m(u.Static.ShipType) }) {
		return false
	}
	if f.flags != nil {
		c, ok := u.MMSI.Flag()
		if !ok || !slices.Contains(f.flags, c.Code) {
			return false
		}
	}
	if f.hasSpeed {
		kn, ok := u.Position.SOG.Knots()
		if !u.Located || !ok || kn < f.minSpeed {
			return false
		}
	}
	return true
}

func isStation(m vessel.MMSI) bool {
	c := m.Class()
	return c == vessel.ClassCoast || c == vessel.ClassAidToNav
}

// vesselsResponse is the body of /api/v1/vessels.
type vesselsResponse struct {
	Time      string    `json:"time"`
	Count     int       `json:"count"`
	Truncated bool      `json:"truncated"`
	Vessels   []Summary `json:"vessels"`
}

// vessels serves the picture: live from fusion, or at a past moment from
// the store.
func (a *api) vessels(w http.ResponseWriter, r *http.Request) error {
	p := a.params(r)
	f, err := parseFilter(p)
	if err != nil {
		return err
	}
	maxAge, err := p.duration("max_age", time.Hour)
	if err != nil {
		return err
	}
	limit, err := p.limit("limit", DefaultVessels, MaxVessels)
	if err != nil {
		return err
	}
	at, hasAt, err := p.time("at")
	if err != nil {
		return err
	}
	enc, err := parsePictureFormat(p)
	if err != nil {
		return err
	}
	age := vessel.Time(maxAge.Milliseconds())
	if !hasAt {
		return a.liveVessels(w, r, f, enc, age, limit)
	}
	var list []Update
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return err
	}
	vs, err := a.cfg.DB.AtContext(ctx, at, age, false)
	release()
	if err != nil {
		return a.heavyErr(w, r, err)
	}
	for i := range vs {
		u := updateOfAt(&vs[i])
		if !isStation(u.MMSI) && f.match(&u) {
			list = append(list, u)
		}
	}
	return writeBody(w, http.StatusOK, enc.ctype, append(enc.encode(nil, list, at, limit), '\n'))
}

// pictureFormat is a form of the answer of /api/v1/vessels: its encoder
// and media type.
type pictureFormat struct {
	encode func(b []byte, list []Update, ref vessel.Time, limit int) []byte
	ctype  string
	// perVessel is about the bytes of one vessel, to size the buffer.
	perVessel int
}

// parsePictureFormat reads format: json (the default), the summaries, or
// compact, the columns the map draws from (appendCompact).
func parsePictureFormat(p *params) (pictureFormat, error) {
	switch s := p.get("format"); s {
	case "", "json":
		return pictureFormat{encode: appendVessels, ctype: "application/json", perVessel: 256}, nil
	case "compact":
		return pictureFormat{encode: appendCompact, ctype: CompactMediaType, perVessel: 80}, nil
	default:
		return pictureFormat{}, badParam("format", "%q: want json or compact", s)
	}
}

// liveVessels serves the live picture as of the current second of
// Config.Now. The answer is cached per picture version, second and query
// (pictureCache) and carries an ETag; a request whose If-None-Match names
// it gets 304 Not Modified.
func (a *api) liveVessels(w http.ResponseWriter, r *http.Request, f *vesselFilter, enc pictureFormat, age vessel.Time, limit int) error {
	now := vessel.TimeOf(a.cfg.Now())
	ref := now - now%1000
	if now%1000 < 0 {
		ref -= 1000
	}
	key := pictureKey{version: a.cfg.Picture.Version(), ref: ref}
	query := r.URL.Query().Encode() // sorted by parameter
	etag := pictureETag(a.epoch, key, query)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	h.Add("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Del("Vary") // writeShared adds it
	build := func() *body {
		pb, _ := a.pictureBufs.Get().(*pictureBuf)
		if pb == nil {
			pb = &pictureBuf{}
		}
		list := a.livePicture(pb, f, ref, age)
		data := enc.encode(make([]byte, 0, enc.perVessel*min(len(list), limit)+64), list, ref, limit)
		clear(pb.sorted) // drop the strings and pointers the buffers hold
		clear(pb.list)
		a.pictureBufs.Put(pb)
		return &body{raw: append(data, '\n')}
	}
	e := a.pictures.entry(key, query)
	if e == nil {
		return writeShared(w, http.StatusOK, enc.ctype, build())
	}
	e.once.Do(func() { e.body = build() })
	return writeShared(w, http.StatusOK, enc.ctype, e.body)
}

// pictureBuf is the memory livePicture lists a picture in, reused
// between requests (api.pictureBufs).
type pictureBuf struct {
	list, sorted []Update
	keys         []uint64 // MMSI<<32 | index in list
}

// livePicture lists the vessels of the live picture that pass f, whose
// last good position is newer than ref-age, sorted by MMSI, in pb's
// memory. With a bbox and the grid it reads only the vessels of the cells
// the box covers. It sorts MMSIs and indexes and then moves each vessel
// once: sorting the Updates themselves moved each of them about log2(n)
// times (BenchmarkPictureSizes).
func (a *api) livePicture(pb *pictureBuf, f *vesselFilter, ref, age vessel.Time) []Update {
	list := pb.list[:0]
	keep := func(s *LiveVessel) bool {
		if !s.Located || s.Position.Time <= ref-age {
			return true
		}
		list = append(list, UpdateOf(s))
		if !f.match(&list[len(list)-1]) {
			list = list[:len(list)-1]
		}
		return true
	}
	if f.box != nil && a.grid != nil {
		a.gridSeed.Do(func() {
			a.cfg.Picture.Range(func(s *LiveVessel) bool {
				a.grid.add(s.MMSI, s.Located, s.Position.Lat, s.Position.Lon)
				return true
			})
		})
		for _, m := range a.grid.query(*f.box, nil) {
			if s, ok := a.cfg.Picture.Vessel(m); ok {
				keep(&s)
			}
		}
	} else {
		a.cfg.Picture.Range(keep)
	}
	keys := pb.keys[:0]
	for i := range list {
		keys = append(keys, uint64(list[i].MMSI)<<32|uint64(i))
	}
	slices.Sort(keys)
	sorted := slices.Grow(pb.sorted[:0], len(list))[:len(list)]
	for i, k := range keys {
		sorted[i] = list[uint32(k)]
	}
	pb.list, pb.sorted, pb.keys = list, sorted, keys
	return sorted
}

// Detail is the JSON form of one vessel: the summary and everything else
// known about it.
type Detail struct {
	Summary
	ShipTypeText *string  `json:"ship_type_text"`
	FlagName     *string  `json:"flag_name"`
	Class        string   `json:"class"`
	Destination  *string  `json:"destination"`
	ETA          *string  `json:"eta"`
	LengthM      *int     `json:"length_m"`
	BeamM        *int     `json:"beam_m"`
	DraughtM     *float64 `json:"draught_m"`
	StatusText   *string  `json:"status_text"`
	LastHeard    *string  `json:"last_heard"`
	Source       *string  `json:"source"`
	// Conflict is true while two transmitters share the identity;
	// ConflictPosition is the other one's last position.
	Conflict         bool       `json:"conflict"`
	ConflictPosition *PointJSON `json:"conflict_position"`
	Positions        int        `json:"positions"`
	Flagged          int        `json:"flagged"`
	Duplicates       int        `json:"duplicates"`
	Station          bool       `json:"station"`
}

// PointJSON is a position at a time.
type PointJSON struct {
	Time string  `json:"time"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
}

func detailOf(u *Update, ref vessel.Time) Detail {
	d := Detail{Summary: summaryOf(u, ref), Class: u.MMSI.Class().String()}
	s := &u.Static
	if s.ShipType != 0 {
		d.ShipTypeText = ptr(vessel.ShipTypeName(s.ShipType))
	}
	if c, ok := u.MMSI.Flag(); ok {
		d.FlagName = ptr(c.Name)
	}
	if s.Has&vessel.HasDestination != 0 {
		d.Destination = optStr(s.Destination)
	}
	if s.Has&vessel.HasETA != 0 {
		d.ETA = optStr(s.ETA)
	}
	if l, ok := s.Length(); ok {
		d.LengthM, d.BeamM = ptr(l), ptr(int(s.ToPort)+int(s.ToStarboard))
	}
	if s.Has&vessel.HasDraught != 0 && s.Draught != 0 {
		d.DraughtM = ptr(float64(s.Draught) / 10)
	}
	if u.Located {
		if _, ok := u.Position.Status.Value(); ok {
			d.StatusText = ptr(u.Position.Status.Text())
		}
		d.Source = optStr(u.Position.Source)
	}
	d.Conflict = u.Conflict
	return d
}

// vesselDetail serves one vessel: from the live picture, or with at from
// the store as of that moment.
func (a *api) vesselDetail(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMMSI(r.PathValue("mmsi"))
	if err != nil {
		return badParam("mmsi", "%v", err)
	}
	p := a.params(r)
	at, hasAt, err := p.time("at")
	if err != nil {
		return err
	}
	if hasAt {
		maxAge, err := p.duration("max_age", time.Hour)
		if err != nil {
			return err
		}
		return a.vesselAt(w, m, at, maxAge)
	}
	ref := vessel.TimeOf(p.now)
	if s, ok := a.cfg.Picture.Vessel(m); ok {
		u := UpdateOf(&s)
		d := detailOf(&u, ref)
		d.LastHeard = ptr(s.LastHeard.String())
		d.Positions, d.Flagged, d.Duplicates = s.Positions, s.Flagged, s.Duplicates
		if s.Conflict {
			d.ConflictPosition = &PointJSON{Time: s.Alt.Time.String(), Lat: round(s.Alt.Lat, 6), Lon: round(s.Alt.Lon, 6)}
		}
		return writeJSON(w, http.StatusOK, d)
	}
	if isStation(m) {
		for _, st := range a.cfg.Picture.Stations() {
			if st.MMSI == m {
				u := Update{MMSI: m, Located: st.Located, Position: st.Position, Static: st.Static}
				d := detailOf(&u, ref)
				d.Station, d.Positions = true, st.Reports
				d.LastHeard = ptr(st.LastHeard.String())
				return writeJSON(w, http.StatusOK, d)
			}
		}
	}
	return notFound("vessel %v is not in the picture", m)
}

// vesselAt serves one vessel as of a past moment, from the store.
func (a *api) vesselAt(w http.ResponseWriter, m vessel.MMSI, at vessel.Time, maxAge time.Duration) error {
	st, _, hasStatic := a.cfg.DB.Static(m, at)
	track, err := a.cfg.DB.Track(m, at-vessel.Time(maxAge.Milliseconds())+1, at, false)
	if err != nil {
		return err
	}
	if !hasStatic && len(track) == 0 {
		return notFound("vessel %v has no data up to %v", m, at)
	}
	u := Update{MMSI: m, Static: st}
	if len(track) > 0 {
		u.Position, u.Located = track[len(track)-1], true
	}
	d := detailOf(&u, at)
	d.Station = isStation(m)
	d.Positions = len(track)
	return writeJSON(w, http.StatusOK, d)
}

// search finds vessels in the live picture by name or call sign (contains,
// any case) or MMSI or IMO (equal).
func (a *api) search(w http.ResponseWriter, r *http.Request) error {
	p := a.params(r)
	q := p.get("q")
	if q == "" {
		return badParam("q", "required: a name, call sign, MMSI or IMO")
	}
	if len(q) > 100 {
		return badParam("q", "longer than 100 characters")
	}
	limit, err := p.limit("limit", 50, MaxResults)
	if err != nil {
		return err
	}
	num, numErr := strconv.ParseUint(q, 10, 32)
	isNum := numErr == nil
	lq := strings.ToLower(q)
	type hit struct {
		u    Update
		rank int // 0: MMSI or IMO, 1: name or call sign starts with q, 2: contains
	}
	var hits []hit
	a.cfg.Picture.Range(func(s *LiveVessel) bool {
		st := &s.Static
		rank := -1
		switch {
		case isNum && (uint64(s.MMSI) == num || st.IMO != 0 && uint64(st.IMO) == num):
			rank = 0
		case strings.HasPrefix(strings.ToLower(st.Name), lq) || strings.HasPrefix(strings.ToLower(st.CallSign), lq):
			rank = 1
		case strings.Contains(strings.ToLower(st.Name), lq) || strings.Contains(strings.ToLower(st.CallSign), lq):
			rank = 2
		}
		if rank >= 0 {
			hits = append(hits, hit{UpdateOf(s), rank})
		}
		return true
	})
	slices.SortFunc(hits, func(x, y hit) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		if c := strings.Compare(x.u.Static.Name, y.u.Static.Name); c != 0 {
			return c
		}
		return int(x.u.MMSI) - int(y.u.MMSI)
	})
	ref := vessel.TimeOf(p.now)
	resp := vesselsResponse{Time: ref.String(), Count: len(hits), Vessels: []Summary{}}
	if len(hits) > limit {
		hits, resp.Truncated = hits[:limit], true
	}
	for i := range hits {
		resp.Vessels = append(resp.Vessels, summaryOf(&hits[i].u, ref))
	}
	return writeJSON(w, http.StatusOK, resp)
}
