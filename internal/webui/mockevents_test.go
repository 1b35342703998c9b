package webui_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The mock's events and zones: a few events of every type over the mock
// fleet in the last day (and one older, outside the default window), and
// three zones, one of them named like a script injection. The open
// encounter gets a new version on the stream every two seconds.

// hostileZone is a zone name that would run script if it were parsed as
// markup; the map must show it as text.
const hostileZone = "<IMG SRC=X ONERROR=ALERT(1)>"

// encounterID is the open event the stream keeps updating.
const encounterID = "ev-encounter-1"

// oldEventID is the event 40 to 30 h ago: outside the live list, inside
// the window of the time slider at its leftmost (24 h ago).
const oldEventID = "ev-old-1"

type mockEvent struct {
	id, typ, zone string
	origin        string // a partner node's, "" for the node's own
	vessels       []string
	start         time.Time
	end           *time.Time // nil: open
	lat, lon      float64
	version       int
	params        map[string]any
	measures      map[string]any
}

func (m *mockAPI) buildEvents() {
	ago := func(d time.Duration) time.Time { return m.t0.Add(-d) }
	endAt := func(d time.Duration) *time.Time { t := m.t0.Add(-d); return &t }
	fleet := func(i int) string { return m.vessels[3+i%(len(m.vessels)-3)].mmsi }
	add := func(e *mockEvent) {
		if e.lat == 0 && e.lon == 0 {
			e.lat, e.lon, _ = m.byMMSI[e.vessels[0]].at(m, e.start)
			e.lat, e.lon = round(e.lat, 5), round(e.lon, 5)
		}
		if e.version == 0 {
			e.version = 1
		}
		m.events = append(m.events, e)
	}
	add(&mockEvent{id: "ev-zone-1", typ: "zone_entry", zone: hostileZone, vessels: []string{hostileMMSI},
		start: ago(50 * time.Minute), end: endAt(50 * time.Minute), lat: 51.4, lon: 1.85})
	add(&mockEvent{id: encounterID, typ: "encounter", vessels: []string{"244123456", fleet(4)},
		start: ago(2 * time.Hour), params: map[string]any{"max_distance_m": 500, "min_duration_s": 7200},
		measures: map[string]any{"median_distance_m": 180, "median_speed_kn": 0.8}})
	add(&mockEvent{id: "ev-gap-1", typ: "gap", vessels: []string{staleMMSI}, start: ago(3 * time.Hour), end: endAt(30 * time.Minute),
		measures: map[string]any{"distance_m": 15400, "implied_speed_kn": 3.1}})
	add(&mockEvent{id: "ev-zone-2", typ: "zone_exit", zone: "Dover Strait TSS", origin: "JP-JCG", vessels: []string{fleet(9)},
		start: ago(40 * time.Minute), end: endAt(40 * time.Minute), lat: 51.0, lon: 1.5})
	add(&mockEvent{id: "ev-loiter-1", typ: "loitering", vessels: []string{fleet(7)}, start: ago(5 * time.Hour), end: endAt(3 * time.Hour)})
	add(&mockEvent{id: "ev-teleport-1", typ: "teleport", vessels: []string{fleet(11)}, start: ago(6 * time.Hour), end: endAt(6 * time.Hour)})
	add(&mockEvent{id: "ev-identity-1", typ: "identity_conflict", vessels: []string{hostileMMSI}, start: ago(8 * time.Hour), end: endAt(7 * time.Hour)})
	add(&mockEvent{id: "ev-port-1", typ: "port_visit", vessels: []string{fleet(13)}, start: ago(20 * time.Hour), end: endAt(18 * time.Hour),
		params: map[string]any{"port": "DOVER"}})
	add(&mockEvent{id: oldEventID, typ: "gap", vessels: []string{fleet(15)}, start: ago(40 * time.Hour), end: endAt(30 * time.Hour)})
}

// json returns the event as the API shows it; the caller holds m.mu.
func (e *mockEvent) json() map[string]any {
	vessels := make([]json.Number, len(e.vessels))
	for i, v := range e.vessels {
		vessels[i] = json.Number(v)
	}
	var end any
	if e.end != nil {
		end = e.end.Format(time.RFC3339)
	}
	var zone any
	if e.zone != "" {
		zone = e.zone
	}
	params := e.params
	if params == nil {
		params = map[string]any{}
	}
	measures := e.measures
	if measures == nil {
		measures = map[string]any{}
	}
	var origin any
	if e.origin != "" {
		origin = e.origin
	}
	return map[string]any{
		"origin": origin,
		"id":     e.id, "type": e.typ, "start": e.start.Format(time.RFC3339), "end": end, "vessels": vessels,
		"lat": e.lat, "lon": e.lon, "zone": zone, "preset": "gfw", "version": e.version, "retracted": false,
		"params": params, "measures": measures,
		"evidence": []map[string]any{{"mmsi": vessels[0], "time": e.start.Format(time.RFC3339), "lat": e.lat, "lon": e.lon}},
	}
}

func (m *mockAPI) serveEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	box, hasBox, err := parseBBox(q.Get("bbox"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	now := time.Now().UTC()
	from, to := now.Add(-24*time.Hour), now
	for name, p := range map[string]*time.Time{"from": &from, "to": &to} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				apiError(w, http.StatusBadRequest, "bad_parameter", name+": want an RFC 3339 time")
				return
			}
			*p = t
		}
	}
	var types []string
	if s := q.Get("type"); s != "" {
		types = strings.Split(s, ",")
	}
	limit := 1000
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit <= 0 {
			apiError(w, http.StatusBadRequest, "bad_parameter", "limit: want a positive number")
			return
		}
	}
	openOnly := q.Get("open") == "true"
	m.mu.Lock()
	out := []map[string]any{}
	for _, e := range m.events {
		switch {
		case e.start.After(to), e.end != nil && e.end.Before(from):
		case types != nil && !slices.Contains(types, e.typ):
		case openOnly && e.end != nil:
		case hasBox && !box.contains(e.lat, e.lon):
		default:
			out = append(out, e.json())
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(b["start"].(string), a["start"].(string)) })
	if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, map[string]any{"count": len(out), "events": out})
}

// streamEvent returns the open encounter with its next version.
func (m *mockAPI) streamEvent() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.events {
		if e.id == encounterID {
			e.version++
			e.measures["duration_s"] = int(time.Since(e.start).Seconds())
			data, _ := json.Marshal(e.json())
			return data
		}
	}
	return nil
}

func box(w, s, e, n float64) [][][2]float64 {
	return [][][2]float64{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}
}

// mockZone is a zone as the API lists it: a MultiPolygon and properties
// with the name.
type mockZone struct {
	name       string
	coords     [][][][2]float64
	properties map[string]any
}

func (z mockZone) feature() map[string]any {
	props := map[string]any{}
	for k, v := range z.properties {
		props[k] = v
	}
	props["name"] = z.name
	return map[string]any{"type": "Feature", "geometry": map[string]any{"type": "MultiPolygon", "coordinates": z.coords}, "properties": props}
}

func (m *mockAPI) buildZones() {
	m.zones = []mockZone{
		{name: hostileZone, coords: [][][][2]float64{box(1.6, 51.25, 2.1, 51.6)}},
		{name: "Dover Strait TSS", coords: [][][][2]float64{box(1.2, 50.85, 1.75, 51.1)}},
		{name: "Wind farms", coords: [][][][2]float64{box(2.55, 51.65, 2.8, 51.8), box(3.0, 51.95, 3.25, 52.1)}},
	}
}

func (m *mockAPI) serveZones(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	features := []any{}
	for _, z := range m.zones {
		features = append(features, z.feature())
	}
	m.mu.Unlock()
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": features})
}

// serveSession answers as the API does for the mock's token or anonymous
// users: the mock's role, and zone editing for admins; and, as the map
// takes it when a server sends it, the node's name.
func (m *mockAPI) serveSession(w http.ResponseWriter, r *http.Request) {
	name := "anonymous"
	if m.token != "" {
		name = "mock"
	}
	writeJSON(w, map[string]any{"role": m.role, "name": name, "zone_editing": m.role == "admin", "node": mockNode})
}

// admin refuses requests unless the mock's role is admin, as the API does.
func (m *mockAPI) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if m.role != "admin" {
			apiError(w, http.StatusForbidden, "forbidden", "this endpoint needs an admin token")
			return
		}
		next(w, r)
	}
}

// readMockZone checks a zone Feature the way the API does (in fewer
// words): a Polygon or MultiPolygon of closed rings within range, and a
// name of 1 to 128 characters without control characters.
func readMockZone(r *http.Request, def string) (mockZone, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil || len(body) > 1<<20 {
		return mockZone{}, fmt.Errorf("body: unreadable or larger than 1 MiB")
	}
	var f struct {
		Type     string `json:"type"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &f); err != nil || f.Type != "Feature" {
		return mockZone{}, fmt.Errorf("body: want a GeoJSON Feature")
	}
	if f.Geometry == nil {
		return mockZone{}, fmt.Errorf("geometry: required: a Polygon or MultiPolygon")
	}
	var coords [][][][2]float64
	switch f.Geometry.Type {
	case "Polygon":
		var pg [][][2]float64
		err = json.Unmarshal(f.Geometry.Coordinates, &pg)
		coords = [][][][2]float64{pg}
	case "MultiPolygon":
		err = json.Unmarshal(f.Geometry.Coordinates, &coords)
	default:
		return mockZone{}, fmt.Errorf("geometry: type %q: want Polygon or MultiPolygon", f.Geometry.Type)
	}
	if err != nil {
		return mockZone{}, fmt.Errorf("geometry: %v", err)
	}
	points := 0
	for _, pg := range coords {
		if len(pg) == 0 {
			return mockZone{}, fmt.Errorf("geometry: an empty polygon")
		}
		for _, ring := range pg {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return mockZone{}, fmt.Errorf("geometry: a ring not closed or of fewer than 4 positions")
			}
			for _, p := range ring {
				if p[1] < -90 || p[1] > 90 || p[0] < -540 || p[0] > 540 {
					return mockZone{}, fmt.Errorf("geometry: position %v out of range", p)
				}
			}
			points += len(ring)
		}
	}
	if points == 0 || points > 10000 {
		return mockZone{}, fmt.Errorf("geometry: %d positions", points)
	}
	name, ok := f.Properties["name"].(string)
	if _, has := f.Properties["name"]; !has && def != "" {
		name, ok = def, true
	}
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return mockZone{}, fmt.Errorf("properties.name: required: a non-blank string")
	}
	if utf8.RuneCountInString(name) > 128 {
		return mockZone{}, fmt.Errorf("properties.name: longer than 128 characters")
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return mockZone{}, fmt.Errorf("properties.name: control character")
	}
	delete(f.Properties, "name")
	return mockZone{name: name, coords: coords, properties: f.Properties}, nil
}

func (m *mockAPI) zoneIndex(name string) int {
	return slices.IndexFunc(m.zones, func(z mockZone) bool { return z.name == name })
}

func (m *mockAPI) createZone(w http.ResponseWriter, r *http.Request) {
	z, err := readMockZone(r, "")
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.zoneIndex(z.name) >= 0 {
		apiError(w, http.StatusConflict, "conflict", fmt.Sprintf("a zone named %q exists: PUT /api/v1/zones/{name} replaces it", z.name))
		return
	}
	m.zones = append(m.zones, z)
	m.writes = append(m.writes, "POST "+z.name)
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(z.feature())
}

func (m *mockAPI) putZone(w http.ResponseWriter, r *http.Request) {
	old := r.PathValue("name")
	z, err := readMockZone(r, old)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.zoneIndex(old)
	if z.name != old {
		if i < 0 {
			apiError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no zone %q to rename", old))
			return
		}
		if m.zoneIndex(z.name) >= 0 {
			apiError(w, http.StatusConflict, "conflict", fmt.Sprintf("cannot rename %q: a zone named %q exists", old, z.name))
			return
		}
	}
	if i >= 0 {
		m.zones[i] = z
	} else {
		m.zones = append(m.zones, z)
	}
	m.writes = append(m.writes, "PUT "+old)
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(z.feature())
}

func (m *mockAPI) deleteZone(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.zoneIndex(name)
	if i < 0 {
		apiError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no zone %q", name))
		return
	}
	m.zones = slices.Delete(m.zones, i, i+1)
	m.writes = append(m.writes, "DELETE "+name)
	w.WriteHeader(http.StatusNoContent)
}
