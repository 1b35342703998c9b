package httpapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// OGC API - Features, Part 1: Core (OGC 17-069r4), under /ogc: the same
// data as /api/v1 in the form GIS clients (QGIS, ArcGIS, GDAL's OAPIF
// driver) discover and page through by themselves. The routes need the
// read role and the same bearer tokens as the rest of the API.

// Limits of the OGC API's items.
const (
	// OGCDefaultLimit is the page size of /items without limit.
	OGCDefaultLimit = 1000
	// OGCMaxLimit is the largest limit accepted.
	OGCMaxLimit = 10_000
	// ogcHistoryWindow is the window of positions and tracks without
	// datetime: the last day of the stored data.
	ogcHistoryWindow = 24 * time.Hour
)

// The conformance classes the API implements.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

const (
	mediaGeoJSON = "application/geo+json"
	mediaJSON    = "application/json"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcFeature is one GeoJSON Feature of a collection.
type ogcFeature struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Geometry   any       `json:"geometry"`
	Properties any       `json:"properties"`
	Links      []ogcLink `json:"links,omitempty"`
}

type pointGeom struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type lineGeom struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

func pointOf(lon, lat float64) pointGeom {
	return pointGeom{Type: "Point", Coordinates: [2]float64{round(lon, 6), round(lat, 6)}}
}

// ogcQuery is the filters of /items: bbox, datetime, limit and offset.
type ogcQuery struct {
	bbox          *geo.Rect
	from, to      vessel.Time // inclusive
	hasTime       bool
	limit, offset int
}

// ogcItems is what a collection's items handler finds: n features, and a
// page of them made on demand (so that a page of positions does not make
// features of the whole window).
type ogcItems struct {
	n    int
	page func(lo, hi int) []ogcFeature
}

func itemsOf(fs []ogcFeature) ogcItems {
	return ogcItems{n: len(fs), page: func(lo, hi int) []ogcFeature { return fs[lo:hi] }}
}

// ogcCollection is one collection of the API.
type ogcCollection struct {
	id, title, description string
	temporal               bool // has a time: datetime applies
	// available reports whether the node has the data (events and
	// incidents need their sources).
	available func(a *api) bool
	items     func(a *api, w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error)
	item      func(a *api, w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error)
}

func always(*api) bool { return true }

// ogcCollections is the API's collections, in the order listed.
func ogcCollections() []ogcCollection {
	return []ogcCollection{
		{id: "vessels", title: "Vessels", description: "The live picture: each vessel's last good position within max_age (default 1 h) of the node's clock, with its static data.",
			temporal: true, available: always, items: (*api).ogcVessels, item: (*api).ogcVessel},
		{id: "positions", title: "Positions", description: "The stored positions history, one feature per report. Without datetime: the last day of the stored data; a window is at most 31 days.",
			temporal: true, available: always, items: (*api).ogcPositions, item: (*api).ogcPosition},
		{id: "tracks", title: "Tracks", description: "One LineString per vessel over the datetime window (default: the last day of the stored data), of its good positions inside bbox.",
			temporal: true, available: always, items: (*api).ogcTracks, item: (*api).ogcTrack},
		{id: "events", title: "Events", description: "Detected events: gaps, encounters, loitering, zone entry and exit, teleports, identity conflicts, port visits.",
			temporal: true, available: func(a *api) bool { return a.cfg.Events != nil }, items: (*api).ogcEvents, item: (*api).ogcEvent},
		{id: "zones", title: "Zones", description: "The zones of zone entry and exit events.",
			available: always, items: (*api).ogcZones, item: (*api).ogcZone},
		{id: "incidents", title: "Incidents and risk assessments", description: "Incidents and risk assessments (deleted records left out).",
			temporal: true, available: func(a *api) bool { return a.cfg.Incidents != nil }, items: (*api).ogcIncidents, item: (*api).ogcIncident},
		{id: "contacts", title: "Contacts", description: "Radar and satellite contacts of the node's recent history (at most " + strconv.Itoa(MaxContacts) + "), newest first: mmsi is the AIS vessel that explains a contact, null for a dark one.",
			temporal: true, available: func(a *api) bool { return a.cfg.Contacts != nil }, items: (*api).ogcContacts, item: (*api).ogcContact},
	}
}

// ogcRoutes is the OGC API's part of the route table.
func ogcRoutes() []route {
	return []route{
		{method: "GET", pattern: "/ogc", role: RoleRead, h: (*api).ogcLanding},
		{method: "GET", pattern: "/ogc/{$}", role: RoleRead, h: (*api).ogcLanding},
		{method: "GET", pattern: "/ogc/conformance", role: RoleRead, h: (*api).ogcConformanceDoc},
		{method: "GET", pattern: "/ogc/api", role: RoleRead, h: (*api).ogcAPI},
		{method: "GET", pattern: "/ogc/collections", role: RoleRead, h: (*api).ogcCollectionsDoc},
		{method: "GET", pattern: "/ogc/collections/{collectionId}", role: RoleRead, h: (*api).ogcCollectionDoc},
		{method: "GET", pattern: "/ogc/collections/{collectionId}/items", role: RoleRead, h: (*api).ogcItemsDoc},
		{method: "GET", pattern: "/ogc/collections/{collectionId}/items/{featureId}", role: RoleRead, h: (*api).ogcItemDoc},
	}
}

// base is the absolute URL of the API's root for links: the scheme of
// the connection and the Host the client asked for.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *api) ogcLanding(w http.ResponseWriter, r *http.Request) error {
	b := base(r) + "/ogc"
	return writeJSON(w, http.StatusOK, map[string]any{
		"title":       "tidewatch " + a.cfg.NodeName,
		"description": "The maritime picture, its history, events, zones and incidents of a tidewatch node, as OGC API - Features.",
		"links": []ogcLink{
			{Href: b, Rel: "self", Type: mediaJSON, Title: "this document"},
			{Href: b + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "the API definition"},
			{Href: b + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "the conformance classes"},
			{Href: b + "/collections", Rel: "data", Type: mediaJSON, Title: "the collections"},
		},
	})
}

func (a *api) ogcConformanceDoc(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"conformsTo": ogcConformance})
}

// collectionJSON is a collection's description.
func (a *api) collectionJSON(r *http.Request, c *ogcCollection) map[string]any {
	b := base(r) + "/ogc/collections/" + c.id
	m := map[string]any{
		"id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
		"crs": []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		"links": []ogcLink{
			{Href: b, Rel: "self", Type: mediaJSON, Title: c.title},
			{Href: b + "/items", Rel: "items", Type: mediaGeoJSON, Title: c.title + " as GeoJSON"},
		},
	}
	ext := map[string]any{"spatial": map[string]any{"bbox": [][4]float64{{-180, -90, 180, 90}}, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
	if c.temporal && (c.id == "positions" || c.id == "tracks") {
		if from, to, ok := a.cfg.DB.Bounds(); ok {
			ext["temporal"] = map[string]any{"interval": [][2]string{{from.String(), to.String()}},
				"trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
		}
	}
	m["extent"] = ext
	return m
}

func (a *api) ogcCollectionsDoc(w http.ResponseWriter, r *http.Request) error {
	b := base(r) + "/ogc/collections"
	var cs []map[string]any
	for _, c := range ogcCollections() {
		if c.available(a) {
			cs = append(cs, a.collectionJSON(r, &c))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"links":       []ogcLink{{Href: b, Rel: "self", Type: mediaJSON, Title: "the collections"}},
		"collections": cs,
	})
}

// collection finds the collection of the request's path.
func (a *api) collection(r *http.Request) (*ogcCollection, error) {
	id := r.PathValue("collectionId")
	for _, c := range ogcCollections() {
		if c.id == id && c.available(a) {
			return &c, nil
		}
	}
	return nil, notFound("no collection %q", clip(id))
}

func (a *api) ogcCollectionDoc(w http.ResponseWriter, r *http.Request) error {
	c, err := a.collection(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.collectionJSON(r, c))
}

// ogcParams reads bbox, datetime, limit and offset.
func (a *api) ogcParams(r *http.Request) (ogcQuery, error) {
	p := a.params(r)
	var q ogcQuery
	var err error
	if q.bbox, err = p.bbox("bbox"); err != nil {
		return q, err
	}
	if s := p.get("bbox-crs"); s != "" && s != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
		return q, badParam("bbox-crs", "%s: only http://www.opengis.net/def/crs/OGC/1.3/CRS84", clip(s))
	}
	if s := p.get("datetime"); s != "" {
		if q.from, q.to, err = parseDatetime(s, p.now); err != nil {
			return q, err
		}
		q.hasTime = true
	}
	if q.limit, err = p.limit("limit", OGCDefaultLimit, OGCMaxLimit); err != nil {
		return q, err
	}
	if s := p.get("offset"); s != "" {
		if q.offset, err = strconv.Atoi(s); err != nil || q.offset < 0 {
			return q, badParam("offset", "%s: want a number from 0", clip(s))
		}
	}
	return q, nil
}

// parseDatetime reads an OGC datetime: an instant, or an interval
// "start/end" where either side may be ".." or empty (open).
func parseDatetime(s string, now time.Time) (from, to vessel.Time, err error) {
	one := func(part string, open vessel.Time) (vessel.Time, error) {
		if part == "" || part == ".." {
			return open, nil
		}
		t, err := vessel.ParseTime(part, now)
		if err != nil {
			return 0, badParam("datetime", "%s: %v", clip(part), err)
		}
		return max(minTime, min(maxTime, t)), nil
	}
	lo, hi, interval := strings.Cut(s, "/")
	if from, err = one(lo, minTime); err != nil {
		return 0, 0, err
	}
	if !interval {
		if lo == "" || lo == ".." {
			return 0, 0, badParam("datetime", "%s: want an instant or an interval start/end", clip(s))
		}
		return from, from, nil
	}
	if to, err = one(hi, maxTime); err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, badParam("datetime", "%s: the start is after the end", clip(s))
	}
	return from, to, nil
}

func (a *api) ogcItemsDoc(w http.ResponseWriter, r *http.Request) error {
	c, err := a.collection(r)
	if err != nil {
		return err
	}
	q, err := a.ogcParams(r)
	if err != nil {
		return err
	}
	items, err := c.items(a, w, r, q)
	if err != nil {
		return err
	}
	lo := min(q.offset, items.n)
	hi := min(lo+q.limit, items.n)
	page := items.page(lo, hi)
	self := base(r) + r.URL.Path
	links := []ogcLink{
		{Href: self + queryWith(r.URL.Query(), nil), Rel: "self", Type: mediaGeoJSON, Title: "this page"},
		{Href: base(r) + "/ogc/collections/" + c.id, Rel: "collection", Type: mediaJSON, Title: c.title},
	}
	if hi < items.n {
		links = append(links, ogcLink{Href: self + queryWith(r.URL.Query(), map[string]string{"offset": strconv.Itoa(hi), "limit": strconv.Itoa(q.limit)}),
			Rel: "next", Type: mediaGeoJSON, Title: "the next page"})
	}
	if lo > 0 {
		links = append(links, ogcLink{Href: self + queryWith(r.URL.Query(), map[string]string{"offset": strconv.Itoa(max(0, lo-q.limit)), "limit": strconv.Itoa(q.limit)}),
			Rel: "prev", Type: mediaGeoJSON, Title: "the previous page"})
	}
	if page == nil {
		page = []ogcFeature{}
	}
	return writeJSONType(w, http.StatusOK, mediaGeoJSON, map[string]any{
		"type": "FeatureCollection", "features": page, "links": links,
		"numberMatched": items.n, "numberReturned": len(page),
		"timeStamp": a.cfg.Clock().UTC().Format(time.RFC3339),
	})
}

// queryWith encodes q with the values of set replaced.
func queryWith(q url.Values, set map[string]string) string {
	q = maps(q)
	for k, v := range set {
		q.Set(k, v)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func maps(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func (a *api) ogcItemDoc(w http.ResponseWriter, r *http.Request) error {
	c, err := a.collection(r)
	if err != nil {
		return err
	}
	f, err := c.item(a, w, r, r.PathValue("featureId"))
	if err != nil {
		return err
	}
	b := base(r) + "/ogc/collections/" + c.id
	f.Links = []ogcLink{
		{Href: b + "/items/" + url.PathEscape(f.ID), Rel: "self", Type: mediaGeoJSON, Title: "this feature"},
		{Href: b, Rel: "collection", Type: mediaJSON, Title: c.title},
	}
	return writeJSONType(w, http.StatusOK, mediaGeoJSON, f)
}

// inBox reports whether a point passes the bbox filter.
func (q *ogcQuery) inBox(lat, lon float64) bool {
	return q.bbox == nil || q.bbox.Contains(geo.Point{Lat: lat, Lon: lon})
}

// ---- vessels: the live picture ----

func vesselFeature(u *Update, ref vessel.Time) ogcFeature {
	return ogcFeature{Type: "Feature", ID: strconv.FormatUint(uint64(u.MMSI), 10),
		Geometry: pointOf(u.Position.Lon, u.Position.Lat), Properties: summaryOf(u, ref)}
}

func (a *api) ogcVessels(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	maxAge, err := a.params(r).duration("max_age", time.Hour)
	if err != nil {
		return ogcItems{}, err
	}
	ref := vessel.TimeOf(a.cfg.Now())
	age := vessel.Time(maxAge.Milliseconds())
	var list []Update
	a.cfg.Picture.Range(func(s *LiveVessel) bool {
		p := &s.Position
		if !s.Located || p.Time <= ref-age || isStation(s.MMSI) || !q.inBox(p.Lat, p.Lon) ||
			(q.hasTime && (p.Time < q.from || p.Time > q.to)) {
			return true
		}
		list = append(list, UpdateOf(s))
		return true
	})
	slices.SortFunc(list, func(a, b Update) int { return int(a.MMSI) - int(b.MMSI) })
	return ogcItems{n: len(list), page: func(lo, hi int) []ogcFeature {
		out := make([]ogcFeature, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, vesselFeature(&list[i], ref))
		}
		return out
	}}, nil
}

func (a *api) ogcVessel(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	m, err := parseMMSI(id)
	if err != nil {
		return ogcFeature{}, notFound("no vessel %q", clip(id))
	}
	s, ok := a.cfg.Picture.Vessel(m)
	if !ok || !s.Located {
		return ogcFeature{}, notFound("no vessel %d in the picture", m)
	}
	u := UpdateOf(&s)
	return vesselFeature(&u, vessel.TimeOf(a.cfg.Now())), nil
}

// ---- positions and tracks: the history ----

// historyRows selects the positions of q as a heavy query. The default
// window is the last day of the stored data; a datetime interval is
// clipped to the stored data, and what remains may be at most MaxWindow.
func (a *api) historyRows(w http.ResponseWriter, r *http.Request, q ogcQuery, mmsis []vessel.MMSI) ([]ExportRow, error) {
	first, end, ok := a.cfg.DB.Bounds()
	if !ok {
		return nil, nil
	}
	from, to := end-vessel.Time(ogcHistoryWindow.Milliseconds()), end
	if q.hasTime {
		// An open or wide interval is read as far as there is data.
		from, to = max(q.from, first), min(q.to, end)
		if from > to {
			return nil, nil
		}
	}
	if to-from > vessel.Time(MaxWindow.Milliseconds()) {
		return nil, badParam("datetime", "the window %v to %v is longer than the limit of %v", from, to, MaxWindow)
	}
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return nil, err
	}
	rows, err := a.selectRows(ctx, ExportQuery{From: from, To: to, BBox: q.bbox, MMSIs: mmsis, Limit: MaxExportRows})
	release()
	if errors.Is(err, ErrTooMany) {
		return nil, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge,
			"the window holds more than %d positions: narrow datetime or bbox", MaxExportRows)
	} else if err != nil {
		return nil, a.heavyErr(w, r, err)
	}
	return rows, nil
}

// positionProps are the properties of a position feature.
type positionProps struct {
	MMSI      uint32   `json:"mmsi"`
	Time      string   `json:"time"`
	SOG       *float64 `json:"sog"`
	COG       *float64 `json:"cog"`
	Heading   *int     `json:"heading"`
	NavStatus *int     `json:"nav_status"`
	Flags     []string `json:"flags"`
	Source    *string  `json:"source"`
	Name      *string  `json:"name"`
	ShipType  *int     `json:"ship_type"`
}

func positionFeature(row *ExportRow) ogcFeature {
	p := &row.Position
	tp := trackPoint(p, nil)
	props := positionProps{MMSI: uint32(p.MMSI), Time: p.Time.String(), SOG: tp.SOG, COG: tp.COG, Heading: tp.Heading,
		NavStatus: tp.Status, Flags: tp.Flags, Source: optStr(p.Source), Name: optStr(row.Name)}
	if row.ShipType != 0 {
		props.ShipType = ptr(int(row.ShipType))
	}
	return ogcFeature{Type: "Feature", ID: strconv.FormatUint(uint64(p.MMSI), 10) + "-" + strconv.FormatInt(int64(p.Time), 10),
		Geometry: pointOf(p.Lon, p.Lat), Properties: props}
}

func (a *api) ogcPositions(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	rows, err := a.historyRows(w, r, q, nil)
	if err != nil {
		return ogcItems{}, err
	}
	return ogcItems{n: len(rows), page: func(lo, hi int) []ogcFeature {
		out := make([]ogcFeature, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, positionFeature(&rows[i]))
		}
		return out
	}}, nil
}

// ogcPosition serves one position: its id is MMSI-unixmillis.
func (a *api) ogcPosition(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	ms, ts, _ := strings.Cut(id, "-")
	m, err1 := parseMMSI(ms)
	t, err2 := strconv.ParseInt(ts, 10, 64)
	if err1 != nil || err2 != nil {
		return ogcFeature{}, notFound("no position %q: ids are MMSI-unixmillis", clip(id))
	}
	pts, err := a.cfg.DB.Track(m, vessel.Time(t), vessel.Time(t), true)
	if err != nil {
		return ogcFeature{}, err
	}
	if len(pts) == 0 || !pts[0].HasPosition() {
		return ogcFeature{}, notFound("no position %q", clip(id))
	}
	row := ExportRow{Position: pts[0]}
	if st, _, ok := a.cfg.DB.Static(m, vessel.Time(t)); ok {
		if st.Has&vessel.HasName != 0 {
			row.Name = st.Name
		}
		if st.Has&vessel.HasShipType != 0 {
			row.ShipType = st.ShipType
		}
	}
	return positionFeature(&row), nil
}

// tracksOf groups rows (ordered by MMSI then time) into one LineString
// feature per vessel with two positions or more.
func tracksOf(rows []ExportRow) []ogcFeature {
	var out []ogcFeature
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].MMSI == rows[i].MMSI {
			j++
		}
		if j-i >= 2 {
			coords := make([][2]float64, 0, j-i)
			for k := i; k < j; k++ {
				coords = append(coords, [2]float64{round(rows[k].Lon, 6), round(rows[k].Lat, 6)})
			}
			props := map[string]any{"mmsi": uint32(rows[i].MMSI), "name": optStr(rows[i].Name),
				"start": rows[i].Time.String(), "end": rows[j-1].Time.String(), "positions": j - i}
			if rows[i].ShipType != 0 {
				props["ship_type"] = int(rows[i].ShipType)
			} else {
				props["ship_type"] = nil
			}
			out = append(out, ogcFeature{Type: "Feature", ID: strconv.FormatUint(uint64(rows[i].MMSI), 10),
				Geometry: lineGeom{Type: "LineString", Coordinates: coords}, Properties: props})
		}
		i = j
	}
	return out
}

func (a *api) ogcTracks(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	rows, err := a.historyRows(w, r, q, nil)
	if err != nil {
		return ogcItems{}, err
	}
	return itemsOf(tracksOf(rows)), nil
}

// ogcTrack serves one vessel's track over datetime (default: the last
// day of the stored data).
func (a *api) ogcTrack(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	m, err := parseMMSI(id)
	if err != nil {
		return ogcFeature{}, notFound("no track %q: ids are MMSIs", clip(id))
	}
	q, err := a.ogcParams(r)
	if err != nil {
		return ogcFeature{}, err
	}
	rows, err := a.historyRows(w, r, q, []vessel.MMSI{m})
	if err != nil {
		return ogcFeature{}, err
	}
	fs := tracksOf(rows)
	if len(fs) == 0 {
		return ogcFeature{}, notFound("no track of %d with two positions or more in the window", m)
	}
	return fs[0], nil
}

// ---- events, zones, incidents ----

func eventFeature(e *event.Event) (ogcFeature, error) {
	props, err := json.Marshal(e)
	if err != nil {
		return ogcFeature{}, err
	}
	return ogcFeature{Type: "Feature", ID: e.ID, Geometry: pointOf(e.Lon, e.Lat), Properties: json.RawMessage(props)}, nil
}

func (a *api) eventList(q ogcQuery) []event.Event {
	eq := EventQuery{BBox: q.bbox, Limit: MaxEvents}
	if q.hasTime {
		eq.From, eq.To = q.from, q.to
	} else {
		eq.From, eq.To = minTime, maxTime
	}
	return a.cfg.Events.Events(eq)
}

func (a *api) ogcEvents(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	evs := a.eventList(q)
	fs := make([]ogcFeature, 0, len(evs))
	for i := range evs {
		f, err := eventFeature(&evs[i])
		if err != nil {
			return ogcItems{}, err
		}
		fs = append(fs, f)
	}
	return itemsOf(fs), nil
}

func (a *api) ogcEvent(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	evs := a.eventList(ogcQuery{})
	for i := range evs {
		if evs[i].ID == id {
			return eventFeature(&evs[i])
		}
	}
	return ogcFeature{}, notFound("no event %q", clip(id))
}

func (a *api) ogcZones(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	var fs []ogcFeature
	for _, z := range a.zoneList() {
		if q.bbox != nil && !q.bbox.Intersects(z.Area.Bounds()) {
			continue
		}
		fs = append(fs, zoneFeature(&z))
	}
	return itemsOf(fs), nil
}

func zoneFeature(z *event.Zone) ogcFeature {
	f := z.Feature()
	return ogcFeature{Type: "Feature", ID: z.Name, Geometry: f.Geometry, Properties: f.Properties}
}

func (a *api) ogcZone(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	for _, z := range a.zoneList() {
		if z.Name == id {
			return zoneFeature(&z), nil
		}
	}
	return ogcFeature{}, notFound("no zone %q", clip(id))
}

// incidentFeatures is the GeoJSON features of records (incident.GeoJSON).
func incidentFeatures(list []incident.Incident) ([]ogcFeature, error) {
	data, err := incident.GeoJSON(list)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, err
	}
	fs := make([]ogcFeature, 0, len(fc.Features))
	for _, f := range fc.Features {
		fs = append(fs, ogcFeature{Type: "Feature", ID: f.ID, Geometry: f.Geometry, Properties: f.Properties})
	}
	return fs, nil
}

func (a *api) ogcIncidents(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	f := incident.Filter{BBox: q.bbox, Limit: MaxIncidents}
	if q.hasTime {
		f.From, f.To = q.from, q.to
	}
	fs, err := incidentFeatures(a.cfg.Incidents.List(f))
	if err != nil {
		return ogcItems{}, err
	}
	return itemsOf(fs), nil
}

func (a *api) ogcIncident(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	in, ok := a.cfg.Incidents.Get(id)
	if !ok || in.Deleted {
		return ogcFeature{}, notFound("no incident %q", clip(id))
	}
	fs, err := incidentFeatures([]incident.Incident{in})
	if err != nil {
		return ogcFeature{}, err
	}
	return fs[0], nil
}

// ---- contacts ----

// contactList is the contacts of the recent history in q's box and
// window, newest first, ties by id (so that pages do not overlap).
func (a *api) contactList(q ogcQuery) ([]Contact, []string) {
	cq := ContactQuery{BBox: q.bbox, History: true}
	if q.hasTime {
		cq.Since = q.from
	}
	cs := a.cfg.Contacts.Contacts(cq)
	if q.hasTime {
		cs = slices.DeleteFunc(cs, func(c Contact) bool { return c.Time > q.to })
	}
	ids := make([]string, len(cs))
	order := make([]int, len(cs))
	for i := range cs {
		ids[i], order[i] = contactID(&cs[i]), i
	}
	slices.SortFunc(order, func(x, y int) int {
		if cs[x].Time != cs[y].Time {
			return cmpTime(cs[y].Time, cs[x].Time)
		}
		return strings.Compare(ids[x], ids[y])
	})
	outC, outID := make([]Contact, len(cs)), make([]string, len(cs))
	for i, j := range order {
		outC[i], outID[i] = cs[j], ids[j]
	}
	return outC, outID
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

// contactID names a contact: its source, radar target (or satellite
// scene), time in Unix milliseconds and a hash of its position.
func contactID(c *Contact) string {
	h := fnv.New32a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], math.Float64bits(c.Lat))
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(c.Lon))
	h.Write(b[:])
	what := c.Target
	if what == "" {
		what = c.Scene
	}
	return c.Source + "-" + what + "-" + strconv.FormatInt(int64(c.Time), 10) + "-" + strconv.FormatUint(uint64(h.Sum32()), 16)
}

func contactFeature(c *Contact, id string) (ogcFeature, error) {
	props, err := json.Marshal(c)
	if err != nil {
		return ogcFeature{}, err
	}
	return ogcFeature{Type: "Feature", ID: id, Geometry: pointOf(c.Lon, c.Lat), Properties: json.RawMessage(props)}, nil
}

func (a *api) ogcContacts(w http.ResponseWriter, r *http.Request, q ogcQuery) (ogcItems, error) {
	cs, ids := a.contactList(q)
	return ogcItems{n: len(cs), page: func(lo, hi int) []ogcFeature {
		fs := make([]ogcFeature, 0, hi-lo)
		for i := lo; i < hi; i++ {
			if f, err := contactFeature(&cs[i], ids[i]); err == nil {
				fs = append(fs, f)
			}
		}
		return fs
	}}, nil
}

func (a *api) ogcContact(w http.ResponseWriter, r *http.Request, id string) (ogcFeature, error) {
	cs, ids := a.contactList(ogcQuery{})
	for i := range cs {
		if ids[i] == id {
			return contactFeature(&cs[i], id)
		}
	}
	return ogcFeature{}, notFound("no contact %q", clip(id))
}
