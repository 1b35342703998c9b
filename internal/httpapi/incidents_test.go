package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// node is the name of the node under test; partner that of another.
const (
	node    = "IN-IFC"
	partner = "JP-JCG"
)

// hostileText is a narrative an attacker would write: markup, quotes, an
// ampersand, line and paragraph separators, a newline and a tab.
const hostileText = "Skiff <script>alert(\"x\")</script> & <img src=x onerror=alert(1)> fled.\u2028</textarea>\nLine two\twith 'quotes' \u202e reversed"

// openIncidents opens a real incident store of the node in a temporary
// directory.
func openIncidents(t *testing.T) *incident.Store {
	t.Helper()
	s, err := incident.Open(filepath.Join(t.TempDir(), "incidents.log"), incident.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// incidentServer serves the API with st as its incidents.
func incidentServer(t *testing.T, st httpapi.IncidentStore) *httptest.Server {
	t.Helper()
	return newServer(t, func(c *httpapi.Config) {
		c.Incidents = st
		c.NodeName = node
	})
}

// draft is the JSON body of a new incident at a point; mod may change its
// members (a nil value removes one).
func draft(mod map[string]any) string {
	m := map[string]any{
		"kind": "incident", "category": "piracy_armed_robbery",
		"title": "Skiff approach", "narrative": "Two skiffs, ladders seen.",
		"start": "2022-01-02T22:00:00Z", "lat": 12.5, "lon": 45.25,
		"vessels": []int{636012345}, "source": "watch officer", "tlp": "TLP:AMBER",
		"releasable_to": []string{partner},
	}
	for k, v := range mod {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// decodeIncident decodes one record in the incident package's form.
func decodeIncident(t *testing.T, what string, body []byte) incident.Incident {
	t.Helper()
	var in incident.Incident
	if err := json.Unmarshal(body, &in); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	return in
}

// send sends a request with a body and wants the status.
func send(t *testing.T, method, url, token, body string, want int) []byte {
	t.Helper()
	code, _, resp := do(t, method, url, token, strings.NewReader(body))
	if code != want {
		t.Fatalf("%s %s = %d %s; want %d", method, url, code, resp, want)
	}
	return resp
}

func TestIncidentLifecycle(t *testing.T) {
	st := openIncidents(t)
	srv := incidentServer(t, st)
	base := srv.URL + "/api/v1/incidents"

	// Only admins write.
	code, _, body := do(t, "POST", base, fx.read, strings.NewReader(draft(nil)))
	wantError(t, "POST with a read token", code, body, http.StatusForbidden, "forbidden", "admin")
	code, _, body = do(t, "POST", base, "", strings.NewReader(draft(nil)))
	wantError(t, "POST without a token", code, body, http.StatusUnauthorized, "unauthorized", "token")
	if n := len(st.List(incident.Filter{IncludeDeleted: true})); n != 0 {
		t.Fatalf("refused POSTs stored %d records", n)
	}

	code, hdr, body := do(t, "POST", base, fx.admin, strings.NewReader(draft(nil)))
	if code != http.StatusCreated {
		t.Fatalf("POST = %d %s; want 201", code, body)
	}
	v1 := decodeIncident(t, "POST", body)
	if v1.ID == "" || v1.Version != 1 || v1.Origin != node || v1.Title != "Skiff approach" || v1.TLP != incident.TLPAmber {
		t.Errorf("created %+v; want an ID, version 1, origin %s, the title and TLP:AMBER", v1, node)
	}
	if want := vessel.TimeOf(clock); v1.Created != want || v1.Updated != want {
		t.Errorf("created %v updated %v; want both the clock %v", v1.Created, v1.Updated, want)
	}
	if loc := hdr.Get("Location"); loc != "/api/v1/incidents/"+v1.ID {
		t.Errorf("Location %q; want /api/v1/incidents/%s", loc, v1.ID)
	}
	if got, ok := st.Get(v1.ID); !ok || got.Version != 1 {
		t.Errorf("store has %+v, %v after POST", got, ok)
	}

	// Readers read.
	one := base + "/" + v1.ID
	got := decodeIncident(t, "GET", send(t, "GET", one, fx.read, "", 200))
	if !sameJSON(t, got, v1) {
		t.Errorf("GET = %+v; want the created %+v", got, v1)
	}

	// An edit of the latest version.
	edit := draft(map[string]any{"id": v1.ID, "version": 1, "title": "Skiff approach, boarding attempt"})
	code, _, body = do(t, "PUT", one, fx.read, strings.NewReader(edit))
	wantError(t, "PUT with a read token", code, body, http.StatusForbidden, "forbidden", "admin")
	v2 := decodeIncident(t, "PUT", send(t, "PUT", one, fx.admin, edit, 200))
	if v2.ID != v1.ID || v2.Version != 2 || v2.Title != "Skiff approach, boarding attempt" || v2.Created != v1.Created {
		t.Errorf("edited %+v; want version 2 of %s with the new title and the same created", v2, v1.ID)
	}
	// The id may be left out of the body.
	noID := draft(map[string]any{"version": 2, "title": "Boarding attempt"})
	v3 := decodeIncident(t, "PUT without id", send(t, "PUT", one, fx.admin, noID, 200))
	if v3.Version != 3 || v3.ID != v1.ID {
		t.Errorf("edit without id in the body = %+v; want version 3 of %s", v3, v1.ID)
	}

	// A stale edit, a bad one, one of nothing.
	code, _, body = do(t, "PUT", one, fx.admin, strings.NewReader(edit))
	wantError(t, "PUT of a stale version", code, body, http.StatusConflict, "conflict", "latest is 3")
	code, _, body = do(t, "PUT", one, fx.admin, strings.NewReader(draft(map[string]any{"id": incident.NewID(), "version": 3})))
	wantError(t, "PUT with another id in the body", code, body, http.StatusBadRequest, "bad_parameter", "id:")
	code, _, body = do(t, "PUT", one, fx.admin, strings.NewReader(draft(nil)))
	wantError(t, "PUT without version", code, body, http.StatusBadRequest, "bad_parameter", "version:")
	code, _, body = do(t, "PUT", base+"/"+incident.NewID(), fx.admin, strings.NewReader(draft(map[string]any{"version": 1})))
	wantError(t, "PUT of an unknown incident", code, body, http.StatusNotFound, "not_found", "incident--")
	if got, _ := st.Get(v1.ID); got.Version != 3 {
		t.Errorf("refused edits changed the record: version %d", got.Version)
	}

	// History, oldest first.
	var hist struct {
		Versions []incident.Incident `json:"versions"`
	}
	getJSON(t, one+"/history", &hist)
	var versions []int
	for _, v := range hist.Versions {
		versions = append(versions, v.Version)
	}
	if !slices.Equal(versions, []int{1, 2, 3}) || hist.Versions[1].Title != v2.Title {
		t.Errorf("history versions %v; want [1 2 3] with the edits", versions)
	}

	// Deletion.
	code, _, body = do(t, "DELETE", one, fx.read, nil)
	wantError(t, "DELETE with a read token", code, body, http.StatusForbidden, "forbidden", "admin")
	del := decodeIncident(t, "DELETE", send(t, "DELETE", one, fx.admin, "", 200))
	if !del.Deleted || del.Version != 4 {
		t.Errorf("DELETE = %+v; want version 4, deleted", del)
	}
	if got := decodeIncident(t, "GET deleted", send(t, "GET", one, fx.read, "", 200)); !got.Deleted || got.Version != 4 {
		t.Errorf("GET of a deleted incident = %+v; want it, deleted", got)
	}
	if body := send(t, "GET", one, fx.read, "", 200); !bytes.Contains(body, []byte(`"deleted":true`)) {
		t.Errorf("GET of a deleted incident lacks \"deleted\":true: %s", body)
	}
	code, _, body = do(t, "DELETE", one, fx.admin, nil)
	wantError(t, "DELETE again", code, body, http.StatusConflict, "conflict", "deleted")
	code, _, body = do(t, "PUT", one, fx.admin, strings.NewReader(draft(map[string]any{"version": 4})))
	wantError(t, "PUT of a deleted incident", code, body, http.StatusConflict, "conflict", "deleted")

	var list struct {
		Incidents []incident.Incident `json:"incidents"`
	}
	getJSON(t, base, &list)
	if len(list.Incidents) != 0 {
		t.Errorf("list without include_deleted = %d records; want none", len(list.Incidents))
	}
	getJSON(t, base+"?include_deleted=true", &list)
	if len(list.Incidents) != 1 || !list.Incidents[0].Deleted {
		t.Errorf("list with include_deleted = %+v; want the deleted record", list.Incidents)
	}

	// Unknown IDs.
	for _, path := range []string{"/" + incident.NewID(), "/" + incident.NewID() + "/history", "/nothing%3Cb%3E"} {
		code, _, body = do(t, "GET", base+path, fx.read, nil)
		wantError(t, "GET "+path, code, body, http.StatusNotFound, "not_found", "no incident")
	}
	code, _, body = do(t, "DELETE", base+"/"+incident.NewID(), fx.admin, nil)
	wantError(t, "DELETE of an unknown incident", code, body, http.StatusNotFound, "not_found", "no incident")
}

// sameJSON reports whether a and b have the same JSON form.
func sameJSON(t *testing.T, a, b incident.Incident) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}

// partnerRecord is a record of another node, as received from it.
func partnerRecord() incident.Incident {
	return incident.Incident{
		ID: incident.NewID(), Version: 2, Kind: incident.KindIncident, Category: incident.IUUFishing,
		Title: "Dark fishing fleet", Start: vessel.TimeOf(clock.Add(-30 * time.Hour)),
		Lat: 10, Lon: 60, HasPoint: true, Origin: partner, TLP: incident.TLPGreen,
		Created: vessel.TimeOf(clock.Add(-29 * time.Hour)), Updated: vessel.TimeOf(clock.Add(-28 * time.Hour)),
	}
}

func TestIncidentForeign(t *testing.T) {
	st := openIncidents(t)
	rec := partnerRecord()
	if ok, err := st.Receive(rec); !ok || err != nil {
		t.Fatalf("Receive = %v, %v", ok, err)
	}
	srv := incidentServer(t, st)
	one := srv.URL + "/api/v1/incidents/" + rec.ID
	got := decodeIncident(t, "GET", send(t, "GET", one, fx.read, "", 200))
	if got.Origin != partner || got.Version != 2 {
		t.Errorf("GET of a partner's incident = %+v", got)
	}
	code, _, body := do(t, "PUT", one, fx.admin, strings.NewReader(draft(map[string]any{"version": 2})))
	wantError(t, "PUT of a partner's incident", code, body, http.StatusForbidden, "forbidden", "partner")
	code, _, body = do(t, "DELETE", one, fx.admin, nil)
	wantError(t, "DELETE of a partner's incident", code, body, http.StatusForbidden, "forbidden", "partner")
	if after, _ := st.Get(rec.ID); after.Version != 2 || after.Deleted {
		t.Errorf("refused writes changed the partner's record: %+v", after)
	}
}

// seedIncidents stores records for the filter tests and returns their IDs
// by title.
func seedIncidents(t *testing.T, st *incident.Store) map[string]string {
	t.Helper()
	at := func(s string) vessel.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return vessel.TimeOf(v)
	}
	ids := map[string]string{}
	for _, in := range []incident.Incident{
		{Kind: incident.KindIncident, Category: incident.Piracy, Title: "piracy",
			Start: at("2022-01-02T10:00:00Z"), Lat: 12, Lon: 45, HasPoint: true,
			Vessels: []vessel.MMSI{636012345}, TLP: incident.TLPAmber},
		{Kind: incident.KindIncident, Category: incident.Smuggling, Title: "smuggling",
			Start: at("2022-01-02T20:00:00Z"), End: at("2022-01-02T23:00:00Z"), Lat: -20, Lon: 57, HasPoint: true,
			Vessels: []vessel.MMSI{419000123, 636012345}, TLP: incident.TLPGreen},
		{Kind: incident.KindAssessment, Category: incident.Piracy, Title: "assessment",
			Start: at("2022-01-01T00:00:00Z"), End: at("2022-01-31T00:00:00Z"),
			Area: geo.MultiPolygon{{Outer: geo.Ring{{Lat: 11, Lon: 43}, {Lat: 11, Lon: 51}, {Lat: 15, Lon: 51}, {Lat: 15, Lon: 43}, {Lat: 11, Lon: 43}}}},
			TLP:  incident.TLPClear},
		{Kind: incident.KindIncident, Category: incident.Pollution, Title: "withdrawn",
			Start: at("2022-01-02T12:00:00Z"), Lat: 12.5, Lon: 45.5, HasPoint: true, TLP: incident.TLPClear},
	} {
		out, err := st.Put(in, clock)
		if err != nil {
			t.Fatal(err)
		}
		ids[in.Title] = out.ID
	}
	if _, err := st.Delete(ids["withdrawn"], clock); err != nil {
		t.Fatal(err)
	}
	rec := partnerRecord()
	rec.Title = "partner"
	if _, err := st.Receive(rec); err != nil {
		t.Fatal(err)
	}
	ids["partner"] = rec.ID
	return ids
}

func TestIncidentFilters(t *testing.T) {
	st := openIncidents(t)
	seedIncidents(t, st)
	srv := incidentServer(t, st)
	tests := []struct {
		query string
		want  []string // titles, newest first
	}{
		{"", []string{"smuggling", "piracy", "partner", "assessment"}},
		{"kind=incident", []string{"smuggling", "piracy", "partner"}},
		{"kind=assessment", []string{"assessment"}},
		{"kind=Assessment", []string{"assessment"}},
		{"category=piracy_armed_robbery", []string{"piracy", "assessment"}},
		{"category=iuu_fishing", []string{"partner"}},
		{"origin=" + partner, []string{"partner"}},
		{"origin=" + node, []string{"smuggling", "piracy", "assessment"}},
		{"origin=FR-MICA", []string{}},
		{"from=2022-01-02T21:00:00Z", []string{"smuggling", "assessment"}},
		{"to=2022-01-02T00:00:00Z", []string{"partner", "assessment"}},
		{"from=2022-01-02T09:00:00Z&to=2022-01-02T11:00:00Z", []string{"piracy", "assessment"}},
		{"from=-4h", []string{"smuggling", "assessment"}}, // relative to the clock, 2022-01-03T00:30Z
		{"from=2022-02-01", []string{}},
		{"bbox=44,11,46,13", []string{"piracy", "assessment"}},
		{"bbox=56,-21,58,-19", []string{"smuggling"}},
		{"bbox=170,-10,-170,10", []string{}},
		{"mmsi=636012345", []string{"smuggling", "piracy"}},
		{"mmsi=419000123", []string{"smuggling"}},
		{"limit=2", []string{"smuggling", "piracy"}},
		{"include_deleted=true", []string{"smuggling", "withdrawn", "piracy", "partner", "assessment"}},
		{"include_deleted=true&category=environmental_pollution", []string{"withdrawn"}},
		{"kind=incident&category=piracy_armed_robbery&bbox=44,11,46,13&mmsi=636012345&from=2022-01-02&to=2022-01-03", []string{"piracy"}},
		{"format=json&nonsense=1", []string{"smuggling", "piracy", "partner", "assessment"}},
	}
	for _, tt := range tests {
		var list struct {
			Incidents []incident.Incident `json:"incidents"`
		}
		getJSON(t, srv.URL+"/api/v1/incidents?"+tt.query, &list)
		got := []string{}
		for _, in := range list.Incidents {
			got = append(got, in.Title)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("?%s = %v; want %v", tt.query, got, tt.want)
		}
	}

	bad := []struct{ query, param string }{
		{"kind=event", "kind"},
		{"category=piracy", "category"},
		{"origin=lower-case", "origin"},
		{"from=yesterday", "from"},
		{"to=2022-13-01", "to"},
		{"from=2022-01-03&to=2022-01-02", "from"},
		{"bbox=1,2,3", "bbox"},
		{"bbox=0,50,1,40", "bbox"},
		{"mmsi=12345678901", "mmsi"},
		{"mmsi=abc", "mmsi"},
		{"limit=0", "limit"},
		{"limit=10001", "limit"},
		{"include_deleted=maybe", "include_deleted"},
		{"format=csv", "format"},
	}
	for _, tt := range bad {
		code, _, body := do(t, "GET", srv.URL+"/api/v1/incidents?"+tt.query, fx.read, nil)
		wantError(t, "?"+tt.query, code, body, http.StatusBadRequest, "bad_parameter", tt.param+":")
	}
}

// fakeIncidents is an IncidentStore in memory that records the filter of
// the last List and can fail.
type fakeIncidents struct {
	mu     sync.Mutex
	recs   []incident.Incident
	filter incident.Filter
	fail   error
}

func (f *fakeIncidents) Put(in incident.Incident, now time.Time) (incident.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return incident.Incident{}, f.fail
	}
	if in.ID == "" {
		in.ID, in.Version, in.Origin = incident.NewID(), 1, node
	} else {
		in.Version++
	}
	in.Created, in.Updated = vessel.TimeOf(now), vessel.TimeOf(now)
	if err := in.Validate(); err != nil {
		return incident.Incident{}, err
	}
	f.recs = append(f.recs, in)
	return in, nil
}

func (f *fakeIncidents) Delete(id string, now time.Time) (incident.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return incident.Incident{}, f.fail
	}
	return incident.Incident{}, fmt.Errorf("fake: %w", incident.ErrNotFound)
}

func (f *fakeIncidents) Get(id string) (incident.Incident, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range slices.Backward(f.recs) {
		if in.ID == id {
			return in, true
		}
	}
	return incident.Incident{}, false
}

func (f *fakeIncidents) History(id string) []incident.Incident { return nil }

func (f *fakeIncidents) List(flt incident.Filter) []incident.Incident {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filter = flt
	return slices.Clone(f.recs)
}

// TestIncidentFilterParams checks the Filter each parameter gives the
// store.
func TestIncidentFilterParams(t *testing.T) {
	fake := &fakeIncidents{}
	srv := incidentServer(t, fake)
	ms := func(s string) vessel.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return vessel.TimeOf(v)
	}
	box := geo.Rect{MinLon: 44, MinLat: 11, MaxLon: 46, MaxLat: 13}
	tests := []struct {
		query string
		want  incident.Filter
	}{
		{"", incident.Filter{Limit: 500}},
		{"kind=incident", incident.Filter{Kind: incident.KindIncident, Limit: 500}},
		{"category=IUU-fishing", incident.Filter{Category: incident.IUUFishing, Limit: 500}},
		{"origin=" + partner, incident.Filter{Origin: partner, Limit: 500}},
		{"from=2022-01-02T00:00:00Z", incident.Filter{From: ms("2022-01-02T00:00:00Z"), Limit: 500}},
		{"to=-1h", incident.Filter{To: vessel.TimeOf(clock.Add(-time.Hour)), Limit: 500}},
		{"bbox=44,11,46,13", incident.Filter{BBox: &box, Limit: 500}},
		{"mmsi=636012345", incident.Filter{Vessel: 636012345, Limit: 500}},
		{"limit=10000", incident.Filter{Limit: 10000}},
		{"include_deleted=1", incident.Filter{IncludeDeleted: true, Limit: 500}},
	}
	for _, tt := range tests {
		var list struct {
			Incidents []incident.Incident `json:"incidents"`
		}
		getJSON(t, srv.URL+"/api/v1/incidents?"+tt.query, &list)
		fake.mu.Lock()
		got := fake.filter
		fake.mu.Unlock()
		if fmt.Sprintf("%+v", deref(got)) != fmt.Sprintf("%+v", deref(tt.want)) {
			t.Errorf("?%s: filter %+v; want %+v", tt.query, deref(got), deref(tt.want))
		}
		if list.Incidents == nil {
			t.Errorf("?%s: incidents is null; want []", tt.query)
		}
	}
}

// deref replaces a filter's pointers by the values for printing.
func deref(f incident.Filter) any {
	type flat struct {
		F   incident.Filter
		Box geo.Rect
		TLP incident.TLP
	}
	out := flat{F: f}
	if f.BBox != nil {
		out.Box, out.F.BBox = *f.BBox, nil
	}
	if f.MaxTLP != nil {
		out.TLP, out.F.MaxTLP = *f.MaxTLP, nil
	}
	return out
}

func TestIncidentStoreErrors(t *testing.T) {
	fake := &fakeIncidents{}
	srv := incidentServer(t, fake)
	base := srv.URL + "/api/v1/incidents"
	tests := []struct {
		fail     error
		status   int
		code     string
		mentions string
	}{
		{errors.New("disk on fire /var/secret"), 500, "internal", "internal error"},
		{fmt.Errorf("book: %w", incident.ErrTooLarge), 413, "too_large", "too large"},
		{fmt.Errorf("book: %w: x", incident.ErrConflict), 409, "conflict", "latest version"},
		{fmt.Errorf("book: %w", &incident.FieldError{Field: "area[0].outer[3]", Reason: "not closed"}), 400, "bad_parameter", "area[0].outer[3]: not closed"},
	}
	for _, tt := range tests {
		fake.mu.Lock()
		fake.fail = tt.fail
		fake.mu.Unlock()
		code, _, body := do(t, "POST", base, fx.admin, strings.NewReader(draft(nil)))
		wantError(t, fmt.Sprintf("POST failing with %v", tt.fail), code, body, tt.status, tt.code, tt.mentions)
		if bytes.Contains(body, []byte("secret")) {
			t.Errorf("an internal error leaked: %s", body)
		}
	}
}

func TestIncidentBadBodies(t *testing.T) {
	st := openIncidents(t)
	srv := incidentServer(t, st)
	base := srv.URL + "/api/v1/incidents"
	tests := []struct {
		name   string
		body   string
		status int
		field  string // the field the message starts with
	}{
		{"unknown category", draft(map[string]any{"category": "piracy"}), 400, "category"},
		{"unknown kind", draft(map[string]any{"kind": "event"}), 400, "kind"},
		{"bad TLP", draft(map[string]any{"tlp": "TLP:PURPLE"}), 400, "tlp"},
		{"TLP as a number", draft(map[string]any{"tlp": 2}), 400, "tlp"},
		{"missing TLP", draft(map[string]any{"tlp": nil}), 400, "tlp"},
		{"missing title", draft(map[string]any{"title": nil}), 400, "title"},
		{"blank title", draft(map[string]any{"title": "  \t "}), 400, "title"},
		{"title too long", draft(map[string]any{"title": strings.Repeat("t", incident.MaxTitle+1)}), 400, "title"},
		{"control character in title", draft(map[string]any{"title": "a\x1b[31mb"}), 400, "title"},
		{"narrative too long", draft(map[string]any{"narrative": strings.Repeat("n", incident.MaxNarrative+1)}), 400, "narrative"},
		{"missing start", draft(map[string]any{"start": nil}), 400, "start"},
		{"bad start", draft(map[string]any{"start": "yesterday"}), 400, "start"},
		{"end before start", draft(map[string]any{"end": "2022-01-01T00:00:00Z"}), 400, "end"},
		{"lat without lon", draft(map[string]any{"lon": nil}), 400, "lon"},
		{"lat out of range", draft(map[string]any{"lat": 91}), 400, "lat"},
		{"no place", draft(map[string]any{"lat": nil, "lon": nil}), 400, "lat"},
		{"assessment without area", draft(map[string]any{"kind": "assessment"}), 400, "area"},
		{"area not a polygon", draft(map[string]any{"area": map[string]any{"type": "Point", "coordinates": []float64{1, 2}}}), 400, "area"},
		{"bad MMSI", draft(map[string]any{"vessels": []int{12}}), 400, "vessels[0]"},
		{"bad releasable_to", draft(map[string]any{"releasable_to": []string{"ok-NODE", "<b>"}}), 400, "releasable_to[0]"},
		{"id set", draft(map[string]any{"id": incident.NewID()}), 400, "id"},
		{"version set", draft(map[string]any{"version": 1}), 400, "version"},
		{"unknown member", draft(map[string]any{"severity": "high"}), 400, "body"},
		{"not JSON", "{kind: incident}", 400, "body"},
		{"empty", "", 400, "body"},
		{"two records", draft(nil) + draft(nil), 400, "body"},
		{"oversized", draft(map[string]any{"narrative": strings.Repeat("<", httpapi.MaxBodyBytes)}), 413, ""},
	}
	for _, tt := range tests {
		code, _, body := do(t, "POST", base, fx.admin, strings.NewReader(tt.body))
		if tt.status == 413 {
			wantError(t, tt.name, code, body, 413, "too_large", "larger than")
			continue
		}
		wantError(t, tt.name, code, body, tt.status, "bad_parameter", tt.field+":")
		var e apiErr
		json.Unmarshal(body, &e)
		if !strings.HasPrefix(e.Error.Message, tt.field+":") {
			t.Errorf("%s: message %q does not start with the field %q", tt.name, e.Error.Message, tt.field)
		}
	}
	if n := len(st.List(incident.Filter{IncludeDeleted: true})); n != 0 {
		t.Errorf("bad bodies stored %d records", n)
	}
}

func TestIncidentExports(t *testing.T) {
	st := openIncidents(t)
	ids := seedIncidents(t, st)
	srv := incidentServer(t, st)

	code, hdr, body := do(t, "GET", srv.URL+"/api/v1/incidents?format=stix&include_deleted=true", fx.read, nil)
	if code != 200 {
		t.Fatalf("format=stix = %d %s", code, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/stix+json;version=2.1" {
		t.Errorf("STIX Content-Type %q", ct)
	}
	if cd := hdr.Get("Content-Disposition"); cd != `attachment; filename="incidents.stix.json"` {
		t.Errorf("STIX Content-Disposition %q", cd)
	}
	var bundle struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(body, &bundle); err != nil {
		t.Fatalf("STIX: %v in %s", err, body)
	}
	if bundle.Type != "bundle" || !strings.HasPrefix(bundle.ID, "bundle--") {
		t.Errorf("STIX type %q id %q; want a bundle", bundle.Type, bundle.ID)
	}
	objs := map[string]map[string]any{}
	for _, o := range bundle.Objects {
		objs[o["id"].(string)] = o
	}
	for title, id := range ids {
		want := id
		if title == "assessment" {
			want = "report--" + strings.TrimPrefix(id, "incident--")
		}
		o, ok := objs[want]
		if !ok {
			t.Errorf("STIX bundle lacks %s (%s)", want, title)
			continue
		}
		if o["name"] != title {
			t.Errorf("STIX %s name %v; want %q", want, o["name"], title)
		}
		if revoked, _ := o["revoked"].(bool); revoked != (title == "withdrawn") {
			t.Errorf("STIX %s revoked %v", title, revoked)
		}
	}
	if _, ok := objs[ids["withdrawn"]]; !ok {
		t.Errorf("include_deleted=true: the deleted record is not in the bundle")
	}

	// The filters apply to exports too.
	code, hdr, body = do(t, "GET", srv.URL+"/api/v1/incidents?format=geojson&kind=incident", fx.read, nil)
	if code != 200 {
		t.Fatalf("format=geojson = %d %s", code, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("GeoJSON Content-Type %q", ct)
	}
	if cd := hdr.Get("Content-Disposition"); cd != `attachment; filename="incidents.geojson"` {
		t.Errorf("GeoJSON Content-Disposition %q", cd)
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			ID       string `json:"id"`
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("GeoJSON: %v in %s", err, body)
	}
	if fc.Type != "FeatureCollection" {
		t.Errorf("GeoJSON type %q", fc.Type)
	}
	var got []string
	for _, f := range fc.Features {
		got = append(got, fmt.Sprint(f.Properties["title"]))
		if f.Type != "Feature" || f.Geometry.Type != "Point" || f.ID != ids[fmt.Sprint(f.Properties["title"])] {
			t.Errorf("GeoJSON feature %+v", f)
		}
	}
	if want := []string{"smuggling", "piracy", "partner"}; !slices.Equal(got, want) {
		t.Errorf("GeoJSON features %v; want %v", got, want)
	}

	// An empty selection is an empty export, and STIX needs the node's name.
	code, _, body = do(t, "GET", srv.URL+"/api/v1/incidents?format=geojson&origin=FR-MICA", fx.read, nil)
	if code != 200 || !bytes.Contains(body, []byte(`"features":[]`)) {
		t.Errorf("empty GeoJSON export = %d %s", code, body)
	}
	unnamed := newServer(t, func(c *httpapi.Config) { c.Incidents = st })
	code, _, body = do(t, "GET", unnamed.URL+"/api/v1/incidents?format=stix", fx.read, nil)
	wantError(t, "STIX without a node name", code, body, http.StatusNotImplemented, "not_implemented", "name")
}

// TestIncidentHostile checks that hostile text round-trips exactly and
// never leaves the API unescaped.
func TestIncidentHostile(t *testing.T) {
	st := openIncidents(t)
	srv := incidentServer(t, st)
	base := srv.URL + "/api/v1/incidents"
	title := `<b onmouseover="x()">MV &amp; Co</b>`
	source := "</script><script>alert(1)</script>"
	created := decodeIncident(t, "POST", send(t, "POST", base, fx.admin,
		draft(map[string]any{"title": title, "narrative": hostileText, "source": source}), 201))
	edited := decodeIncident(t, "PUT", send(t, "PUT", base+"/"+created.ID, fx.admin,
		draft(map[string]any{"version": 1, "title": title, "narrative": hostileText + "!", "source": source}), 200))
	if created.Title != title || created.Narrative != hostileText || created.Source != source || edited.Narrative != hostileText+"!" {
		t.Errorf("hostile text changed: %q %q %q", created.Title, created.Narrative, created.Source)
	}
	stored, _ := st.Get(created.ID)
	if stored.Narrative != hostileText+"!" || stored.Title != title {
		t.Errorf("stored narrative %q; want it exactly", stored.Narrative)
	}

	outputs := map[string]string{
		"list":    base,
		"detail":  base + "/" + created.ID,
		"history": base + "/" + created.ID + "/history",
		"stix":    base + "?format=stix",
		"geojson": base + "?format=geojson",
		"error":   base + "/" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
	}
	for name, url := range outputs {
		_, _, body := do(t, "GET", url, fx.read, nil)
		if i := bytes.IndexAny(body, "<>\u2028\u2029"); i >= 0 {
			t.Errorf("%s: unescaped %q in the output: %s", name, body[i:min(i+20, len(body))], body)
		}
		if bytes.Contains(body, []byte("&amp;")) || bytes.Contains(body, []byte(" & ")) {
			t.Errorf("%s: unescaped & in the output", name)
		}
	}

	// Decoded, every output gives the text back exactly.
	var list struct {
		Incidents []incident.Incident `json:"incidents"`
	}
	getJSON(t, base, &list)
	if len(list.Incidents) != 1 || list.Incidents[0].Narrative != hostileText+"!" || list.Incidents[0].Title != title {
		t.Errorf("list: hostile text changed: %+v", list.Incidents)
	}
	var hist struct {
		Versions []incident.Incident `json:"versions"`
	}
	getJSON(t, base+"/"+created.ID+"/history", &hist)
	if len(hist.Versions) != 2 || hist.Versions[0].Narrative != hostileText {
		t.Errorf("history: hostile text changed: %+v", hist.Versions)
	}
	var bundle struct {
		Objects []map[string]any `json:"objects"`
	}
	_, _, body := do(t, "GET", base+"?format=stix", fx.read, nil)
	if err := json.Unmarshal(body, &bundle); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range bundle.Objects {
		if o["id"] == created.ID {
			found = o["name"] == title && o["description"] == hostileText+"!"
		}
	}
	if !found {
		t.Errorf("STIX: the incident's name and description are not the hostile text: %s", body)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	_, _, body = do(t, "GET", base+"?format=geojson", fx.read, nil)
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 || fc.Features[0].Properties["narrative"] != hostileText+"!" || fc.Features[0].Properties["source"] != source {
		t.Errorf("GeoJSON: hostile text changed: %s", body)
	}
}

// TestNotImplemented checks the routes of a node without incidents, audit
// log or partners.
func TestNotImplemented(t *testing.T) {
	srv := newServer(t, nil)
	id := incident.NewID()
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents", ""},
		{"GET", "/api/v1/incidents?format=stix", ""},
		{"POST", "/api/v1/incidents", draft(nil)},
		{"GET", "/api/v1/incidents/" + id, ""},
		{"PUT", "/api/v1/incidents/" + id, draft(map[string]any{"version": 1})},
		{"DELETE", "/api/v1/incidents/" + id, ""},
		{"GET", "/api/v1/incidents/" + id + "/history", ""},
		{"GET", "/api/v1/audit", ""},
		{"GET", "/api/v1/partners", ""},
	} {
		code, _, body := do(t, r.method, srv.URL+r.path, fx.admin, strings.NewReader(r.body))
		wantError(t, r.method+" "+r.path, code, body, http.StatusNotImplemented, "not_implemented", "")
	}
}

func TestIncidentAssessment(t *testing.T) {
	st := openIncidents(t)
	srv := incidentServer(t, st)
	area := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{43, 11}, {51, 11}, {51, 15}, {43, 15}, {43, 11}}}}
	body := draft(map[string]any{"kind": "assessment", "title": "Elevated piracy risk", "lat": nil, "lon": nil,
		"area": area, "start": "2022-01-01T00:00:00Z", "end": "2022-01-31T00:00:00Z", "tlp": "green"})
	in := decodeIncident(t, "POST", send(t, "POST", srv.URL+"/api/v1/incidents", fx.admin, body, 201))
	if in.Kind != incident.KindAssessment || in.TLP != incident.TLPGreen || len(in.Area) != 1 || len(in.Area[0].Outer) != 5 || in.HasPoint {
		t.Errorf("created assessment %+v", in)
	}
	var list struct {
		Incidents []incident.Incident `json:"incidents"`
	}
	getJSON(t, srv.URL+"/api/v1/incidents?kind=assessment&bbox=50,14,52,16", &list)
	if len(list.Incidents) != 1 || !sameJSON(t, list.Incidents[0], in) {
		t.Errorf("assessments in the box: %+v; want the one created", list.Incidents)
	}
}
