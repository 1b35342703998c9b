package webui_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
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

type mockEvent struct {
	id, typ, zone string
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
	add(&mockEvent{id: "ev-zone-2", typ: "zone_exit", zone: "Dover Strait TSS", vessels: []string{fleet(9)},
		start: ago(40 * time.Minute), end: endAt(40 * time.Minute), lat: 51.0, lon: 1.5})
	add(&mockEvent{id: "ev-loiter-1", typ: "loitering", vessels: []string{fleet(7)}, start: ago(5 * time.Hour), end: endAt(3 * time.Hour)})
	add(&mockEvent{id: "ev-teleport-1", typ: "teleport", vessels: []string{fleet(11)}, start: ago(6 * time.Hour), end: endAt(6 * time.Hour)})
	add(&mockEvent{id: "ev-identity-1", typ: "identity_conflict", vessels: []string{hostileMMSI}, start: ago(8 * time.Hour), end: endAt(7 * time.Hour)})
	add(&mockEvent{id: "ev-port-1", typ: "port_visit", vessels: []string{fleet(13)}, start: ago(20 * time.Hour), end: endAt(18 * time.Hour),
		params: map[string]any{"port": "DOVER"}})
	add(&mockEvent{id: "ev-old-1", typ: "gap", vessels: []string{fleet(15)}, start: ago(40 * time.Hour), end: endAt(30 * time.Hour)})
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
	return map[string]any{
		"id": e.id, "type": e.typ, "start": e.start.Format(time.RFC3339), "end": end, "vessels": vessels,
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

func (m *mockAPI) serveZones(w http.ResponseWriter, r *http.Request) {
	feature := func(name string, geom map[string]any) map[string]any {
		return map[string]any{"type": "Feature", "geometry": geom, "properties": map[string]any{"name": name}}
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": []any{
		feature(hostileZone, map[string]any{"type": "Polygon", "coordinates": box(1.6, 51.25, 2.1, 51.6)}),
		feature("Dover Strait TSS", map[string]any{"type": "Polygon", "coordinates": box(1.2, 50.85, 1.75, 51.1)}),
		feature("Wind farms", map[string]any{"type": "MultiPolygon", "coordinates": [][][][2]float64{
			box(2.55, 51.65, 2.8, 51.8), box(3.0, 51.95, 3.25, 52.1),
		}}),
	}})
}
