package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TrackPoint is one position of a track.
type TrackPoint struct {
	Time    string   `json:"time"`
	Lat     float64  `json:"lat"`
	Lon     float64  `json:"lon"`
	SOG     *float64 `json:"sog"`
	COG     *float64 `json:"cog"`
	Heading *int     `json:"heading"`
	Status  *int     `json:"status"`
	Flags   []string `json:"flags"`
	// HeardBy is every receiver that reported the position, the one it
	// was stored from first.
	HeardBy []string `json:"heard_by"`
	// Track is fusion's track hypothesis of the report
	// (vessel.Position.Track): transmitters sharing the MMSI, or a run of
	// bad fixes, get their own; 0 when none was assigned (a report
	// flagged future or clock, or stored before hypotheses were kept).
	Track int `json:"track"`
}

// TrackInfo sums up one track hypothesis of a vessel in a window.
type TrackInfo struct {
	Track int  `json:"track"`
	Main  bool `json:"main"`
	// Count is the positions of the hypothesis in the window (with the
	// flagged ones when asked for), Good those without a bad flag.
	Count int    `json:"count"`
	Good  int    `json:"good"`
	First string `json:"first"`
	Last  string `json:"last"`
}

// trackResponse is the JSON body of a track.
type trackResponse struct {
	MMSI      uint32  `json:"mmsi"`
	Name      *string `json:"name"`
	From      string  `json:"from"`
	To        string  `json:"to"`
	Count     int     `json:"count"`
	Truncated bool    `json:"truncated"`
	// MainTrack is the main hypothesis in the window (see mainTrack),
	// Selected the hypotheses the points are of: "all", "main" or an id.
	MainTrack int          `json:"main_track"`
	Selected  string       `json:"selected"`
	Tracks    []TrackInfo  `json:"tracks"`
	Points    []TrackPoint `json:"points"`
}

// trackAll selects every hypothesis in parseTrackSel's answer.
const trackAll = -1

// parseTrackSel parses the track parameter: "" or "all" (every
// hypothesis, trackAll), "main" (main true) or a track id 0-255.
func parseTrackSel(s string) (id int, main bool, err error) {
	switch s {
	case "", "all":
		return trackAll, false, nil
	case "main":
		return 0, true, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, false, badParam("track", "%q: want all, main or a track id 0 to 255", s)
	}
	return n, false, nil
}

// trackInfos sums up the hypotheses of pts (in time order), the main one
// first, then by id, and returns the main one's id (main, the live
// picture's rule: the hypothesis with the most good positions, those the
// picture followed).
// Track id 0 (not assigned) is main only when no position has an id, as
// in data stored before hypotheses were kept, where it is the whole track.
func trackInfos(pts []vessel.Position, main func([]vessel.Position) uint8) ([]TrackInfo, int) {
	byID := map[int]*TrackInfo{}
	var ids []int
	for i := range pts {
		p := &pts[i]
		id := int(p.Track)
		ti := byID[id]
		if ti == nil {
			ti = &TrackInfo{Track: id, First: p.Time.String()}
			byID[id] = ti
			ids = append(ids, id)
		}
		ti.Count++
		if p.Flags&vessel.Bad == 0 {
			ti.Good++
		}
		ti.Last = p.Time.String()
	}
	mainID := int(main(pts))
	slices.Sort(ids)
	out := make([]TrackInfo, 0, len(ids))
	if ti := byID[mainID]; ti != nil {
		ti.Main = true
		out = append(out, *ti)
	}
	for _, id := range ids {
		if id != mainID {
			out = append(out, *byID[id])
		}
	}
	return out, mainID
}

func trackPoint(p *vessel.Position, heard []string) TrackPoint {
	tp := TrackPoint{Time: p.Time.String(), Lat: round(p.Lat, 6), Lon: round(p.Lon, 6), Flags: p.Flags.Names(), HeardBy: []string{}, Track: int(p.Track)}
	if v, ok := p.SOG.Knots(); ok {
		tp.SOG = ptr(v)
	}
	if v, ok := p.COG.Degrees(); ok {
		tp.COG = ptr(v)
	}
	if v, ok := p.Heading.Degrees(); ok {
		tp.Heading = ptr(v)
	}
	if v, ok := p.Status.Value(); ok {
		tp.Status = ptr(v)
	}
	if tp.Flags == nil {
		tp.Flags = []string{}
	}
	if p.Source != "" {
		tp.HeardBy = append(tp.HeardBy, p.Source)
	}
	tp.HeardBy = append(tp.HeardBy, heard...)
	return tp
}

// track serves the stored track of one vessel, as JSON or GeoJSON. The
// default window is the whole history; beyond MaxTrackPoints the latest
// points are kept. The track parameter selects the hypotheses (see
// parseTrackSel and trackInfos); the summary of every hypothesis in the
// window is in the answer whichever are selected.
func (a *api) track(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMMSI(r.PathValue("mmsi"))
	if err != nil {
		return badParam("mmsi", "%v", err)
	}
	p := a.params(r)
	format := p.get("format")
	switch format {
	case "", "json", "geojson":
	default:
		return badParam("format", "%q: want json or geojson", format)
	}
	flagged, err := p.boolean("flagged")
	if err != nil {
		return err
	}
	sel := p.get("track")
	selID, selMain, err := parseTrackSel(sel)
	if err != nil {
		return err
	}
	if sel == "" {
		sel = "all"
	}
	from, to := minTime, maxTime
	if t, ok, err := p.time("from"); err != nil {
		return err
	} else if ok {
		from = t
	}
	if t, ok, err := p.time("to"); err != nil {
		return err
	} else if ok {
		to = t
	}
	if from > to {
		return badParam("from", "%v is after to %v", from, to)
	}
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return err
	}
	pts, err := a.cfg.DB.TrackContext(ctx, m, from, to, flagged)
	release()
	if err != nil {
		return a.heavyErr(w, r, err)
	}
	tracks, main := trackInfos(pts, a.cfg.Picture.MainTrack)
	if selMain {
		selID = main
	}
	if selID != trackAll {
		pts = slices.DeleteFunc(pts, func(p vessel.Position) bool { return int(p.Track) != selID })
	}
	resp := trackResponse{MMSI: uint32(m), From: from.String(), To: to.String(), Count: len(pts),
		MainTrack: main, Selected: sel, Tracks: tracks, Points: []TrackPoint{}}
	if len(pts) > MaxTrackPoints {
		pts, resp.Truncated = pts[len(pts)-MaxTrackPoints:], true
	}
	if len(pts) > 0 {
		heard, err := a.cfg.DB.HeardBy(m, pts[0].Time, pts[len(pts)-1].Time)
		if err != nil {
			return err
		}
		for i := range pts {
			resp.Points = append(resp.Points, trackPoint(&pts[i], heard[pts[i].Time]))
		}
	}
	if st, _, ok := a.cfg.DB.Static(m, to); ok && st.Has&vessel.HasName != 0 {
		resp.Name = optStr(st.Name)
	}
	if format == "geojson" {
		return writeJSONType(w, http.StatusOK, "application/geo+json", trackGeoJSON(&resp))
	}
	return writeJSON(w, http.StatusOK, resp)
}

type geoFeature struct {
	Type     string      `json:"type"`
	Geometry geoGeometry `json:"geometry"`
	// Properties is a *trackLineProperties or a *trackPointProperties.
	Properties any `json:"properties"`
}

// trackLineProperties are the properties of a track's LineString
// feature (openapi.json TrackLineProperties). The members are in
// alphabetical order, as when they were a map.
type trackLineProperties struct {
	Count     int     `json:"count"`
	From      string  `json:"from"`
	Main      bool    `json:"main"`
	MMSI      uint32  `json:"mmsi"`
	Name      *string `json:"name"`
	To        string  `json:"to"`
	Track     int     `json:"track"`
	Truncated bool    `json:"truncated"`
}

// trackPointProperties are the properties of a track's Point feature
// (openapi.json TrackPointProperties), in alphabetical order.
type trackPointProperties struct {
	COG     *float64 `json:"cog"`
	Flags   []string `json:"flags"`
	Heading *int     `json:"heading"`
	HeardBy []string `json:"heard_by"`
	MMSI    uint32   `json:"mmsi"`
	SOG     *float64 `json:"sog"`
	Status  *int     `json:"status"`
	Time    string   `json:"time"`
	Track   int      `json:"track"`
}

type geoGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type geoCollection struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

// trackGeoJSON is the track as a FeatureCollection: one LineString
// feature per hypothesis of its points (properties mmsi, name, track,
// main, from, to, count, truncated), the main one first (always there,
// empty when there are no points), then the others by id, each only with
// two points or more; then one Point feature per position with its
// properties, track among them. No line joins the positions of two
// hypotheses; track id 0 (not assigned) has a line only when it is the
// main one (data stored before hypotheses were kept).
func trackGeoJSON(t *trackResponse) geoCollection {
	lines := map[int][][2]float64{}
	for _, p := range t.Points {
		lines[p.Track] = append(lines[p.Track], [2]float64{p.Lon, p.Lat})
	}
	ids := make([]int, 0, len(lines))
	for id, l := range lines {
		if id != t.MainTrack && id != 0 && len(l) >= 2 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = append([]int{t.MainTrack}, ids...)
	fc := geoCollection{Type: "FeatureCollection", Features: make([]geoFeature, 0, len(t.Points)+len(ids))}
	for _, id := range ids {
		line := lines[id]
		if line == nil {
			line = [][2]float64{}
		}
		props := &trackLineProperties{MMSI: t.MMSI, Name: t.Name, Track: id, Main: id == t.MainTrack,
			From: t.From, To: t.To, Count: len(line), Truncated: t.Truncated}
		fc.Features = append(fc.Features, geoFeature{Type: "Feature",
			Geometry: geoGeometry{Type: "LineString", Coordinates: line}, Properties: props})
	}
	for _, p := range t.Points {
		fc.Features = append(fc.Features, geoFeature{Type: "Feature",
			Geometry: geoGeometry{Type: "Point", Coordinates: [2]float64{p.Lon, p.Lat}},
			Properties: &trackPointProperties{MMSI: t.MMSI, Time: p.Time, SOG: p.SOG, COG: p.COG, Heading: p.Heading,
				Status: p.Status, Flags: p.Flags, HeardBy: p.HeardBy, Track: p.Track}})
	}
	return fc
}

// historyEnd is the default end of a history window: the end of the
// stored data, or now when the store is empty (as the CLI does).
func (a *api) historyEnd(now time.Time) vessel.Time {
	if _, end, ok := a.cfg.DB.Bounds(); ok {
		return end
	}
	return vessel.TimeOf(now)
}

// NearResult is one vessel of a near query: its closest approach.
type NearResult struct {
	MMSI         uint32  `json:"mmsi"`
	Name         *string `json:"name"`
	Time         string  `json:"time"`
	DistanceM    float64 `json:"distance_m"`
	Lat          float64 `json:"lat"`
	Lon          float64 `json:"lon"`
	Interpolated bool    `json:"interpolated"`
	Reports      int     `json:"reports"`
	// Track is the track hypothesis of the report found closest
	// (store.Approach.Track), 0 when none was assigned.
	Track int `json:"track"`
}

type resultsResponse[T any] struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Count     int    `json:"count"`
	Truncated bool   `json:"truncated"`
	Results   []T    `json:"results"`
}

func (a *api) name(m vessel.MMSI, t vessel.Time) *string {
	if st, _, ok := a.cfg.DB.Static(m, t); ok && st.Has&vessel.HasName != 0 {
		return optStr(st.Name)
	}
	return nil
}

// near serves the vessels that came within a radius of a point in a
// window, with store.DB.Near, nearest first.
func (a *api) near(w http.ResponseWriter, r *http.Request) error {
	p := a.params(r)
	lat, err := p.float("lat", -90, 90)
	if err != nil {
		return err
	}
	lon, err := p.float("lon", -180, 180)
	if err != nil {
		return err
	}
	radius := 10e3
	if s := p.get("radius"); s != "" {
		if radius, err = geo.ParseDistance(s); err != nil {
			return badParam("radius", "%v", err)
		}
		if radius <= 0 || radius > MaxRadius {
			return badParam("radius", "%q: want more than 0 and at most %g km", s, MaxRadius/1000)
		}
	}
	flagged, err := p.boolean("flagged")
	if err != nil {
		return err
	}
	limit, err := p.limit("limit", MaxResults, MaxResults)
	if err != nil {
		return err
	}
	from, to, err := p.window(a.historyEnd(p.now), time.Hour, MaxWindow)
	if err != nil {
		return err
	}
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return err
	}
	res, err := a.cfg.DB.NearContext(ctx, geo.Point{Lat: lat, Lon: lon}, radius, from, to, flagged)
	release()
	if err != nil {
		return a.heavyErr(w, r, err)
	}
	resp := resultsResponse[NearResult]{From: from.String(), To: to.String(), Count: len(res), Results: []NearResult{}}
	if len(res) > limit {
		res, resp.Truncated = res[:limit], true
	}
	for _, x := range res {
		resp.Results = append(resp.Results, NearResult{MMSI: uint32(x.MMSI), Name: a.name(x.MMSI, to), Time: x.Time.String(),
			DistanceM: round(x.Distance, 1), Lat: round(x.Lat, 6), Lon: round(x.Lon, 6), Interpolated: x.Interpolated, Reports: x.Reports, Track: int(x.Track)})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// AreaResult is one vessel of an area query.
type AreaResult struct {
	MMSI     uint32  `json:"mmsi"`
	Name     *string `json:"name"`
	First    string  `json:"first"`
	Last     string  `json:"last"`
	Reports  int     `json:"reports"`
	Lat      float64 `json:"lat"` // of the last report inside
	Lon      float64 `json:"lon"`
	FirstLat float64 `json:"first_lat"`
	FirstLon float64 `json:"first_lon"`
}

// areaRequest is the body of POST /api/v1/area.
type areaRequest struct {
	Polygon json.RawMessage `json:"polygon"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Flagged bool            `json:"flagged"`
	Limit   int             `json:"limit"`
}

// area serves the vessels that reported from inside a polygon in a
// window, with store.DB.Area, by MMSI.
func (a *api) area(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	} else if err != nil {
		return badParam("body", "unreadable")
	}
	var req areaRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badParam("body", "want a JSON object {\"polygon\": GeoJSON, \"from\": T, \"to\": T}: %v", err)
	}
	if len(req.Polygon) == 0 || string(req.Polygon) == "null" {
		return badParam("polygon", "required: a GeoJSON Polygon or MultiPolygon geometry, or a Feature with one")
	}
	feats, err := geo.ReadGeoJSONLimits(bytes.NewReader(req.Polygon), geo.GeoJSONLimits{MaxBytes: MaxBodyBytes, MaxFeatures: 100, MaxPoints: MaxBodyBytes})
	if err != nil {
		return badParam("polygon", "%v", err)
	}
	var mp geo.MultiPolygon
	for _, f := range feats {
		mp = append(mp, f.Geometry...)
	}
	if len(mp) == 0 {
		return badParam("polygon", "no polygon in it")
	}
	if n := vertices(mp); n > MaxAreaVertices {
		return badParam("polygon", "%d vertices; an area query takes at most %d (simplify the polygon)", n, MaxAreaVertices)
	}
	if req.Limit < 0 || req.Limit > MaxResults {
		return badParam("limit", "%d: want 1 to %d", req.Limit, MaxResults)
	}
	limit := MaxResults
	if req.Limit > 0 {
		limit = req.Limit
	}
	now := a.cfg.Now()
	q := make(map[string][]string)
	if req.From != "" {
		q["from"] = []string{req.From}
	}
	if req.To != "" {
		q["to"] = []string{req.To}
	}
	p := &params{v: q, now: now}
	from, to, err := p.window(a.historyEnd(now), time.Hour, MaxWindow)
	if err != nil {
		return err
	}
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return err
	}
	hits, err := a.cfg.DB.AreaContext(ctx, mp, from, to, req.Flagged)
	release()
	if err != nil {
		return a.heavyErr(w, r, err)
	}
	resp := resultsResponse[AreaResult]{From: from.String(), To: to.String(), Count: len(hits), Results: []AreaResult{}}
	if len(hits) > limit {
		hits, resp.Truncated = hits[:limit], true
	}
	for _, h := range hits {
		resp.Results = append(resp.Results, AreaResult{MMSI: uint32(h.MMSI), Name: a.name(h.MMSI, to), First: h.First.String(), Last: h.Last.String(),
			Reports: h.Reports, Lat: round(h.LastLat, 6), Lon: round(h.LastLon, 6), FirstLat: round(h.FirstLat, 6), FirstLon: round(h.FirstLon, 6)})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// vertices counts the vertices of every ring of mp (a closing vertex that
// repeats the first counts too).
func vertices(mp geo.MultiPolygon) int {
	n := 0
	for _, pg := range mp {
		n += len(pg.Outer)
		for _, h := range pg.Holes {
			n += len(h)
		}
	}
	return n
}
