package webui_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The mock's incidents and risk assessments live in a real incident.Store
// in a temporary directory, so that the records, their versions, the 409
// of a stale edit, the 403 of a partner's record and the exports are
// those of package incident. The store holds records of this node
// (mockNode), among them one titled like a script injection, and one
// received from a partner node (mockPartner).

const (
	mockNode        = "GB-MOCK"
	mockPartner     = "JP-JCG"
	hostileIncident = "<img src=x onerror=alert(1)>"
)

// seedIncidents are the records of the mock, written at m.t0 minus the
// hours in "ago"; the partner's record is received as its version 2.
var seedIncidents = []struct {
	ago     time.Duration
	partner bool
	json    string
}{
	{3 * time.Hour, false, `{"kind":"incident","category":"piracy_armed_robbery","title":"Armed boarding at anchorage",
		"narrative":"Four persons with knives boarded the tanker at anchor.\nThe crew mustered in the citadel.\n\nNo injuries.",
		"start":"%s","lat":51.45,"lon":2.6,"vessels":[244123456],"events":["ev-encounter-1"],"source":"MRCC Dover",
		"tlp":"TLP:GREEN","releasable_to":["JP-JCG","AU-MBC"]}`},
	{6 * time.Hour, false, `{"kind":"incident","category":"maritime_incident","title":"` + `\u003cimg src=x onerror=alert(1)\u003e` + `",
		"narrative":"<script>alert(2)</script>","start":"%s","lat":51.9,"lon":1.75,"source":"<b>bold</b>","tlp":"TLP:CLEAR"}`},
	{10 * time.Hour, false, `{"kind":"incident","category":"contraband_smuggling","title":"Suspected transshipment",
		"start":"%s","lat":51.2,"lon":3.4,"tlp":"TLP:RED"}`},
	{26 * time.Hour, true, `{"kind":"incident","category":"iuu_fishing","title":"Dark fishing fleet sighted",
		"narrative":"Twelve vessels without AIS.","start":"%s","lat":52.3,"lon":3.1,"source":"JCG patrol","tlp":"TLP:AMBER+STRICT",
		"releasable_to":["GB-MOCK"]}`},
	{48 * time.Hour, false, `{"kind":"assessment","category":"contraband_smuggling","title":"Elevated smuggling risk, Thames approaches",
		"narrative":"Expect small craft meeting cargo ships at night.","start":"%s","end":"%s",
		"area":{"type":"Polygon","coordinates":[[[1.0,51.3],[1.6,51.3],[1.6,51.7],[1.0,51.7],[1.0,51.3]]]},
		"source":"Fusion centre","tlp":"TLP:AMBER","releasable_to":["JP-JCG"]}`},
}

// openIncidents opens the mock's store in a temporary directory and
// fills it.
func (m *mockAPI) openIncidents(t testing.TB) {
	st, err := incident.Open(filepath.Join(t.TempDir(), "incidents.log"), incident.Options{Node: mockNode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for i, s := range seedIncidents {
		start := m.t0.Add(-s.ago)
		text := s.json
		if strings.Count(text, "%s") == 2 {
			text = fmt.Sprintf(text, start.Format(time.RFC3339), m.t0.Add(5*24*time.Hour).Format(time.RFC3339))
		} else {
			text = fmt.Sprintf(text, start.Format(time.RFC3339))
		}
		var in incident.Incident
		if err := json.Unmarshal([]byte(text), &in); err != nil {
			t.Fatalf("seed incident %d: %v", i, err)
		}
		if !s.partner {
			if _, err := st.Put(in, start.Add(10*time.Minute)); err != nil {
				t.Fatalf("seed incident %d: %v", i, err)
			}
			continue
		}
		in.ID, in.Origin = incident.NewID(), mockPartner
		in.Created = vessel.TimeOf(start.Add(10 * time.Minute))
		for v := 1; v <= 2; v++ {
			in.Version = v
			in.Updated = vessel.TimeOf(start.Add(time.Duration(v) * 10 * time.Minute))
			if _, err := st.Receive(in); err != nil {
				t.Fatalf("seed partner incident: %v", err)
			}
		}
	}
	m.incidents = st
}

// incidentFilter reads the query of GET /api/v1/incidents.
func incidentFilter(r *http.Request) (incident.Filter, error) {
	q := r.URL.Query()
	var f incident.Filter
	if s := q.Get("kind"); s != "" {
		k, err := incident.ParseKind(s)
		if err != nil {
			return f, err
		}
		f.Kind = k
	}
	if s := q.Get("category"); s != "" {
		c, err := incident.ParseCategory(s)
		if err != nil {
			return f, err
		}
		f.Category = c
	}
	for name, p := range map[string]*vessel.Time{"from": &f.From, "to": &f.To} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return f, fmt.Errorf("%s: want an RFC 3339 time", name)
			}
			*p = vessel.TimeOf(t)
		}
	}
	box, hasBox, err := parseBBox(q.Get("bbox"))
	if err != nil {
		return f, err
	}
	if hasBox {
		f.BBox = &geo.Rect{MinLat: box.s, MinLon: box.w, MaxLat: box.n, MaxLon: box.e}
	}
	f.Limit = 1000
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit <= 0 {
			return f, fmt.Errorf("limit: want a positive number")
		}
	}
	return f, nil
}

// serveIncidents answers GET /api/v1/incidents as JSON, or as a STIX 2.1
// bundle or GeoJSON attachment (format=stix, format=geojson). It notes
// each export, and whether it came with the token, in m.exports.
func (m *mockAPI) serveIncidents(w http.ResponseWriter, r *http.Request) {
	f, err := incidentFilter(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
		return
	}
	list := m.incidents.List(f)
	if list == nil {
		list = []incident.Incident{}
	}
	format := r.URL.Query().Get("format")
	var data []byte
	var ctype, name string
	switch format {
	case "", "json":
		writeJSON(w, map[string]any{"incidents": list})
		return
	case "stix":
		data, err = incident.STIXBundle(list, incident.STIXOptions{Node: mockNode})
		ctype, name = "application/stix+json;version=2.1", "incidents.stix.json"
	case "geojson":
		data, err = incident.GeoJSON(list)
		ctype, name = "application/geo+json", "incidents.geojson"
	default:
		apiError(w, http.StatusBadRequest, "bad_parameter", "format: want json, stix or geojson")
		return
	}
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	m.mu.Lock()
	m.exports = append(m.exports, fmt.Sprintf("%s token=%t", format, r.Header.Get("Authorization") == "Bearer "+m.token))
	m.mu.Unlock()
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

func (m *mockAPI) serveIncident(w http.ResponseWriter, r *http.Request) {
	in, ok := m.incidents.Get(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, "not_found", "no such incident")
		return
	}
	writeJSON(w, in)
}

func (m *mockAPI) serveIncidentHistory(w http.ResponseWriter, r *http.Request) {
	vs := m.incidents.History(r.PathValue("id"))
	if len(vs) == 0 {
		apiError(w, http.StatusNotFound, "not_found", "no such incident")
		return
	}
	writeJSON(w, map[string]any{"versions": vs})
}

// readMockIncident decodes a record as the API does: the strict JSON form
// of package incident.
func readMockIncident(r *http.Request) (incident.Incident, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil || len(body) > 1<<20 {
		return incident.Incident{}, fmt.Errorf("body: unreadable or larger than 1 MiB")
	}
	var in incident.Incident
	if err := json.Unmarshal(body, &in); err != nil {
		return incident.Incident{}, err
	}
	return in, nil
}

// incidentStatus maps the store's errors to the API's status and code.
func incidentStatus(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, incident.ErrConflict), errors.Is(err, incident.ErrDeleted):
		apiError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, incident.ErrForeign):
		apiError(w, http.StatusForbidden, "forbidden", "the incident comes from a partner node: only its origin may edit or delete it")
	case errors.Is(err, incident.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, incident.ErrInvalid):
		apiError(w, http.StatusBadRequest, "bad_parameter", err.Error())
	default:
		apiError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

// noteIncident records a successful write and, for a POST, its body.
func (m *mockAPI) noteIncident(what string, body incident.Incident) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.incidentWrites = append(m.incidentWrites, what)
	if strings.HasPrefix(what, "POST ") {
		m.incidentPosted = append(m.incidentPosted, body)
	}
}

func (m *mockAPI) createIncident(w http.ResponseWriter, r *http.Request) {
	in, err := readMockIncident(r)
	if err != nil {
		incidentStatus(w, err)
		return
	}
	if in.ID != "" || in.Version != 0 {
		apiError(w, http.StatusBadRequest, "bad_parameter", "id and version are assigned by the node: leave them out")
		return
	}
	posted := in
	out, err := m.incidents.Put(in, time.Now())
	if err != nil {
		incidentStatus(w, err)
		return
	}
	m.noteIncident("POST "+out.ID, posted)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/incidents/"+out.ID)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(out)
}

func (m *mockAPI) putIncident(w http.ResponseWriter, r *http.Request) {
	in, err := readMockIncident(r)
	if err != nil {
		incidentStatus(w, err)
		return
	}
	id := r.PathValue("id")
	if in.ID != "" && in.ID != id {
		apiError(w, http.StatusBadRequest, "bad_parameter", "id: not the id of the path")
		return
	}
	in.ID = id
	if in.Version < 1 {
		apiError(w, http.StatusBadRequest, "bad_parameter", "version: required, the version edited")
		return
	}
	read := in.Version
	out, err := m.incidents.Put(in, time.Now())
	if err != nil {
		incidentStatus(w, err)
		return
	}
	m.noteIncident(fmt.Sprintf("PUT %s v%d", id, read), in)
	writeJSON(w, out)
}

func (m *mockAPI) deleteIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	out, err := m.incidents.Delete(id, time.Now())
	if err != nil {
		incidentStatus(w, err)
		return
	}
	m.noteIncident("DELETE "+id, out)
	writeJSON(w, out)
}
