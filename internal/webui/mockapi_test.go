package webui_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/webui"
)

// The mock API speaks the /api/v1 contract the map is written against,
// over a small synthetic fleet that moves by dead reckoning, so the map, the
// browser test and a developer can run before and without the real server.

// hostileName is what a hostile AIS type 5 message can carry: AIS text is
// upper case six-bit ASCII.
const (
	hostileName = "<IMG SRC=X ONERROR=ALERT(1)>"
	hostileMMSI = "244000666"
	searchName  = "NORDIC STAR"
	staleMMSI   = "235000777"
)

type mockVessel struct {
	mmsi, name, callsign, imo, flag, flagName, category, destination string
	shipType                                                         int
	lat0, lon0, sog, cog                                             float64 // position at mock.t0
	heading                                                          *float64
	stale                                                            bool // last report 20 min before the request
	flags                                                            []string
}

type mockAPI struct {
	t0      time.Time
	token   string
	role    string // of the token, or of anonymous requests: "read" or "admin"
	vessels []*mockVessel
	byMMSI  map[string]*mockVessel

	landOnce sync.Once
	land     []byte
	landErr  error

	mu     sync.Mutex
	seq    int64
	events []*mockEvent // guarded by mu: the stream bumps versions
	zones  []mockZone   // guarded by mu: admins edit them
	writes []string     // guarded by mu: "METHOD PATH" of the zone edits that succeeded

	incidents      *incident.Store     // opened by handler
	incidentWrites []string            // guarded by mu: "POST id", "PUT id vN" (N the version edited), "DELETE id" that succeeded
	incidentPosted []incident.Incident // guarded by mu: the bodies POSTed
	exports        []string            // guarded by mu: "stix token=true" for each export served

	audit           []mockAuditEntry // newest first
	partnerRequests int              // guarded by mu: GET /api/v1/partners answered
	auditQueries    []string         // guarded by mu: the queries of GET /api/v1/audit answered

	tickets   sync.Map     // stream tickets minted and not yet used
	ticketSeq atomic.Int64 // numbers the tickets
}

var mockCategories = []string{"cargo", "tanker", "passenger", "fishing", "tug", "pilot", "sar", "military",
	"law_enforcement", "pleasure", "sailing", "high_speed", "special", "other", "unknown"}

// newMockAPI returns a mock of n vessels that wants the token (none if
// ""), which has the role "read" or "admin".
func newMockAPI(n int, token, role string) *mockAPI {
	m := &mockAPI{t0: time.Now().UTC().Truncate(time.Second), token: token, role: role, byMMSI: make(map[string]*mockVessel)}
	r := rand.New(rand.NewPCG(1, 2))
	flags := [][2]string{{"GB", "United Kingdom"}, {"NL", "Netherlands"}, {"DK", "Denmark"}, {"PA", "Panama"}, {"LR", "Liberia"}, {"FR", "France"}}
	add := func(v *mockVessel) {
		m.vessels = append(m.vessels, v)
		m.byMMSI[v.mmsi] = v
	}
	hdg := 90.0
	add(&mockVessel{mmsi: "244123456", name: searchName, callsign: "PDNS", imo: "9321483", flag: "NL", flagName: "Netherlands",
		category: "cargo", shipType: 70, destination: "ROTTERDAM", lat0: 51.6, lon0: 2.2, sog: 12.4, cog: 65, heading: &hdg})
	add(&mockVessel{mmsi: hostileMMSI, name: hostileName, callsign: `"><SVG/ONLOAD=ALERT(3)>`, imo: "1234567", flag: "NL", flagName: "Netherlands",
		category: "tanker", shipType: 80, destination: "<SCRIPT>ALERT(2)</SCRIPT>", lat0: 51.35, lon0: 1.9, sog: 9, cog: 200,
		flags: []string{"on_land", "identity_conflict"}})
	add(&mockVessel{mmsi: staleMMSI, name: "OLD TIMER", callsign: "MOLD", flag: "GB", flagName: "United Kingdom",
		category: "fishing", shipType: 30, lat0: 51.1, lon0: 1.6, sog: 0, cog: 0, stale: true})
	for i := 0; len(m.vessels) < n; i++ {
		f := flags[r.IntN(len(flags))]
		v := &mockVessel{
			mmsi:     strconv.Itoa(200000000 + r.IntN(500000000)),
			name:     fmt.Sprintf("MOCK VESSEL %d", i),
			callsign: fmt.Sprintf("MV%03d", i),
			flag:     f[0], flagName: f[1],
			category: mockCategories[r.IntN(len(mockCategories))],
			shipType: 30 + r.IntN(60),
			lat0:     50.6 + r.Float64()*2, lon0: 0.5 + r.Float64()*3.5,
			sog: r.Float64() * 18, cog: r.Float64() * 360,
			stale: r.IntN(10) == 0,
		}
		if r.IntN(5) == 0 {
			v.sog = 0
		}
		if _, dup := m.byMMSI[v.mmsi]; !dup {
			add(v)
		}
	}
	m.buildEvents()
	m.buildZones()
	m.buildAudit()
	return m
}

// at returns where v was at t, and the time of that report.
func (v *mockVessel) at(m *mockAPI, t time.Time) (lat, lon float64, when time.Time) {
	if v.stale {
		t = t.Add(-20 * time.Minute)
	}
	h := t.Sub(m.t0).Hours()
	d := v.sog * h / 60 // degrees of latitude
	rad := v.cog * math.Pi / 180
	lat = v.lat0 + d*math.Cos(rad)
	lon = v.lon0 + d*math.Sin(rad)/math.Cos(v.lat0*math.Pi/180)
	return lat, lon, t
}

func (v *mockVessel) summary(m *mockAPI, t time.Time) map[string]any {
	lat, lon, when := v.at(m, t)
	var cog, heading any
	if v.sog > 0 {
		cog = v.cog
	}
	if v.heading != nil {
		heading = *v.heading
	}
	flags := v.flags
	if flags == nil {
		flags = []string{}
	}
	return map[string]any{
		"mmsi": json.Number(v.mmsi), "name": v.name, "callsign": v.callsign, "imo": nullIfEmpty(v.imo),
		"ship_type": v.shipType, "category": v.category, "flag": v.flag,
		"lat": round(lat, 6), "lon": round(lon, 6), "sog": v.sog, "cog": cog, "heading": heading,
		"status": 0, "time": when.Format(time.RFC3339), "age_s": math.Round(t.Sub(when).Seconds()), "flags": flags,
	}
}

func (v *mockVessel) detail(m *mockAPI, t time.Time) map[string]any {
	s := v.summary(m, t)
	s["ship_type_text"] = "Type " + strconv.Itoa(v.shipType)
	s["flag_name"] = v.flagName
	s["class"] = "A"
	s["destination"] = v.destination
	s["eta"] = mockETA
	s["length_m"] = 180
	s["beam_m"] = 28
	s["draught_m"] = 9.6
	s["status_text"] = "Under way using engine"
	s["last_heard"] = s["time"]
	s["conflict"] = nil
	return s
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return json.Number(s)
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func (m *mockAPI) handler(t testing.TB) http.Handler {
	m.openIncidents(t)
	mux := http.NewServeMux()
	mux.Handle("/", webui.Handler())
	mux.HandleFunc("GET /basemap/land.geojson", m.serveLand)
	mux.HandleFunc("GET /api/v1/vessels", m.auth(m.serveVessels))
	mux.HandleFunc("GET /api/v1/vessels/{mmsi}", m.auth(m.serveVessel))
	mux.HandleFunc("GET /api/v1/vessels/{mmsi}/track", m.auth(m.serveTrack))
	mux.HandleFunc("GET /api/v1/search", m.auth(m.serveSearch))
	mux.HandleFunc("GET /ogc/collections/{id}", m.auth(m.serveCollection))
	mux.HandleFunc("GET /ogc/collections/{id}/items", m.auth(m.serveTracks))
	mux.HandleFunc("GET /api/v1/stream", m.auth(m.serveStream))
	mux.HandleFunc("POST /api/v1/stream/ticket", m.auth(m.mintTicket))
	mux.HandleFunc("GET /api/v1/events", m.auth(m.serveEvents))
	mux.HandleFunc("GET /api/v1/zones", m.auth(m.serveZones))
	mux.HandleFunc("POST /api/v1/zones", m.auth(m.admin(m.createZone)))
	mux.HandleFunc("PUT /api/v1/zones/{name}", m.auth(m.admin(m.putZone)))
	mux.HandleFunc("DELETE /api/v1/zones/{name}", m.auth(m.admin(m.deleteZone)))
	mux.HandleFunc("GET /api/v1/session", m.auth(m.serveSession))
	mux.HandleFunc("GET /api/v1/incidents", m.auth(m.serveIncidents))
	mux.HandleFunc("GET /api/v1/incidents/{id}", m.auth(m.serveIncident))
	mux.HandleFunc("GET /api/v1/incidents/{id}/history", m.auth(m.serveIncidentHistory))
	mux.HandleFunc("POST /api/v1/incidents", m.auth(m.admin(m.createIncident)))
	mux.HandleFunc("PUT /api/v1/incidents/{id}", m.auth(m.admin(m.putIncident)))
	mux.HandleFunc("DELETE /api/v1/incidents/{id}", m.auth(m.admin(m.deleteIncident)))
	mux.HandleFunc("GET /api/v1/partners", m.auth(m.admin(m.servePartners)))
	mux.HandleFunc("GET /api/v1/audit", m.auth(m.admin(m.serveAudit)))
	return mux
}

func (m *mockAPI) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if m.token != "" {
			got := ""
			if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				got = a
			} else if tk := r.URL.Query().Get("ticket"); tk != "" && r.URL.Path == "/api/v1/stream" {
				if _, ok := m.tickets.LoadAndDelete(tk); ok { // single use, as the real API
					got = m.token
				}
			}
			if got != m.token {
				apiError(w, http.StatusUnauthorized, "unauthorized", "a valid token is required")
				return
			}
		}
		next(w, r)
	}
}

// mintTicket answers POST /api/v1/stream/ticket as the real API does: a
// single-use ticket for the stream.
func (m *mockAPI) mintTicket(w http.ResponseWriter, r *http.Request) {
	tk := fmt.Sprintf("twt_mock%d", m.ticketSeq.Add(1))
	m.tickets.Store(tk, true)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"ticket": tk, "expires": time.Now().Add(30 * time.Second).UTC(), "expires_in": 30})
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w) // escapes <, > and &, like the real API
	enc.Encode(v)
}

func (m *mockAPI) serveLand(w http.ResponseWriter, r *http.Request) {
	m.landOnce.Do(func() {
		f, err := os.Open("../geo/ne_land_50m.geojson.gz")
		if err != nil {
			m.landErr = err
			return
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			m.landErr = err
			return
		}
		m.land, m.landErr = io.ReadAll(zr)
	})
	if m.landErr != nil {
		http.Error(w, m.landErr.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write(m.land)
}

type bbox struct{ w, s, e, n float64 }

func parseBBox(q string) (bbox, bool, error) {
	if q == "" {
		return bbox{}, false, nil
	}
	parts := strings.Split(q, ",")
	if len(parts) != 4 {
		return bbox{}, false, fmt.Errorf("bbox: want W,S,E,N")
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return bbox{}, false, fmt.Errorf("bbox: %v", err)
		}
		f[i] = x
	}
	return bbox{f[0], f[1], f[2], f[3]}, true, nil
}

func (b bbox) contains(lat, lon float64) bool {
	return lat >= b.s && lat <= b.n && lon >= b.w && lon <= b.e
}

func (m *mockAPI) queryTime(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	now := time.Now().UTC().Truncate(time.Second)
	at := r.URL.Query().Get("at")
	if at == "" {
		return now, true
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", "at: want an RFC 3339 time")
		return time.Time{}, false
	}
	return t.UTC(), true
}

func (m *mockAPI) serveVessels(w http.ResponseWriter, r *http.Request) {
	box, hasBox, err := parseBBox(r.URL.Query().Get("bbox"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	t, ok := m.queryTime(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, v := range m.vessels {
		lat, lon, _ := v.at(m, t)
		if !hasBox || box.contains(lat, lon) {
			out = append(out, v.summary(m, t))
		}
	}
	writeJSON(w, map[string]any{"time": t.Format(time.RFC3339), "vessels": out})
}

func (m *mockAPI) serveVessel(w http.ResponseWriter, r *http.Request) {
	v := m.byMMSI[r.PathValue("mmsi")]
	if v == nil {
		apiError(w, http.StatusNotFound, "not_found", "no such vessel")
		return
	}
	t, ok := m.queryTime(w, r)
	if !ok {
		return
	}
	writeJSON(w, v.detail(m, t))
}

// mockHistory is how far back the mock's history goes: the time slider
// must reach back this far and no further.
const mockHistory = 24 * time.Hour

// mockETA is the ETA of every mock vessel, as AIS sends it: no year.
const mockETA = "12-06T10:30"

// serveTracks answers the OGC tracks collection's items as the real API
// does (one LineString per vessel with two positions or more in the
// window, over its positions inside bbox): here a position a minute by
// dead reckoning, over datetime=FROM/TO.
func (m *mockAPI) serveTracks(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != "tracks" {
		apiError(w, http.StatusNotFound, "not_found", "no such collection")
		return
	}
	q := r.URL.Query()
	box, hasBox, err := parseBBox(q.Get("bbox"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	from, to, ok := strings.Cut(q.Get("datetime"), "/")
	t0, err0 := time.Parse(time.RFC3339, from)
	t1, err1 := time.Parse(time.RFC3339, to)
	if !ok || err0 != nil || err1 != nil || t1.Before(t0) {
		apiError(w, http.StatusBadRequest, "bad_parameter", "datetime: want FROM/TO")
		return
	}
	features := []any{}
	for _, v := range m.vessels {
		var coords [][2]float64
		var first, last time.Time
		for t := t0.Truncate(time.Minute); !t.After(t1); t = t.Add(time.Minute) {
			if t.Before(t0) {
				continue
			}
			lat, lon, when := v.at(m, t)
			if hasBox && !box.contains(lat, lon) {
				continue
			}
			if len(coords) > 0 && when.Equal(last) {
				continue
			}
			if len(coords) == 0 {
				first = when
			}
			last = when
			coords = append(coords, [2]float64{round(lon, 6), round(lat, 6)})
		}
		if len(coords) < 2 {
			continue
		}
		features = append(features, map[string]any{"type": "Feature", "id": v.mmsi,
			"geometry": map[string]any{"type": "LineString", "coordinates": coords},
			"properties": map[string]any{"mmsi": json.Number(v.mmsi), "name": v.name, "start": first.Format(time.RFC3339),
				"end": last.Format(time.RFC3339), "positions": len(coords)}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": features,
		"numberMatched": len(features), "numberReturned": len(features)})
}

// serveCollection answers the OGC collection description the map reads
// the stored history's extent from: positions since mockHistory before
// t0, to now.
func (m *mockAPI) serveCollection(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != "positions" {
		apiError(w, http.StatusNotFound, "not_found", "no such collection")
		return
	}
	from := m.t0.Add(-mockHistory).Format(time.RFC3339)
	to := time.Now().UTC().Format(time.RFC3339)
	writeJSON(w, map[string]any{"id": "positions", "extent": map[string]any{
		"spatial":  map[string]any{"bbox": [][4]float64{{-180, -90, 180, 90}}},
		"temporal": map[string]any{"interval": [][2]string{{from, to}}},
	}})
}

func (m *mockAPI) serveTrack(w http.ResponseWriter, r *http.Request) {
	v := m.byMMSI[r.PathValue("mmsi")]
	if v == nil {
		apiError(w, http.StatusNotFound, "not_found", "no such vessel")
		return
	}
	q := r.URL.Query()
	to, err := time.Parse(time.RFC3339, q.Get("to"))
	if err != nil {
		to = time.Now().UTC()
	}
	from, err := time.Parse(time.RFC3339, q.Get("from"))
	if err != nil {
		from = to.Add(-6 * time.Hour)
	}
	var coords [][2]float64
	features := []any{}
	for t := from.Truncate(5 * time.Minute).Add(5 * time.Minute); !t.After(to); t = t.Add(5 * time.Minute) {
		lat, lon, when := v.at(m, t)
		coords = append(coords, [2]float64{round(lon, 6), round(lat, 6)})
		features = append(features, map[string]any{
			"type":       "Feature",
			"geometry":   map[string]any{"type": "Point", "coordinates": [2]float64{round(lon, 6), round(lat, 6)}},
			"properties": map[string]any{"time": when.Format(time.RFC3339), "sog": v.sog},
		})
	}
	if len(coords) >= 2 {
		features = append([]any{map[string]any{
			"type":       "Feature",
			"geometry":   map[string]any{"type": "LineString", "coordinates": coords},
			"properties": map[string]any{"mmsi": json.Number(v.mmsi)},
		}}, features...)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": features})
}

func (m *mockAPI) serveSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("q")))
	if q == "" {
		apiError(w, http.StatusBadRequest, "bad_parameter", "q is required")
		return
	}
	now := time.Now().UTC()
	out := []map[string]any{}
	for _, v := range m.vessels {
		if strings.Contains(v.name, q) || strings.Contains(v.callsign, q) || strings.HasPrefix(v.mmsi, q) || (v.imo != "" && strings.HasPrefix(v.imo, q)) {
			out = append(out, v.summary(m, now))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["name"].(string) < out[j]["name"].(string) })
	writeJSON(w, map[string]any{"vessels": out})
}

// serveStream sends an update of a few vessels every 500 ms, and a new
// version of the open encounter every 2 s, until the client goes away.
func (m *mockAPI) serveStream(w http.ResponseWriter, r *http.Request) {
	box, hasBox, err := parseBBox(r.URL.Query().Get("bbox"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		apiError(w, http.StatusInternalServerError, "internal", "no flusher")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": stream open\n\n")
	fl.Flush()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	i := 0
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		now := time.Now().UTC()
		if i%40 == 30 {
			if data := m.streamEvent(); data != nil {
				fmt.Fprintf(w, "event: event\ndata: %s\n\n", data)
			}
		}
		for k := 0; k < 10; k++ {
			v := m.vessels[i%len(m.vessels)]
			i++
			if v.stale {
				continue
			}
			lat, lon, _ := v.at(m, now)
			if hasBox && !box.contains(lat, lon) {
				continue
			}
			m.mu.Lock()
			m.seq++
			seq := m.seq
			m.mu.Unlock()
			s := v.summary(m, now)
			s["seq"] = seq
			data, _ := json.Marshal(s)
			fmt.Fprintf(w, "id: %d\nevent: update\ndata: %s\n\n", seq, data)
		}
		fl.Flush()
	}
}
