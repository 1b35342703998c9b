package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// fakeZones is a ZoneEditor in memory that keeps the zones in the order
// they were created.
type fakeZones struct {
	mu    sync.Mutex
	zones []event.Zone
	fail  error // returned by PutZone and DeleteZone when set
	puts  int
}

func (f *fakeZones) Zones() []event.Zone {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.zones)
}

func (f *fakeZones) PutZone(z event.Zone) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.puts++
	if i := slices.IndexFunc(f.zones, func(o event.Zone) bool { return o.Name == z.Name }); i >= 0 {
		f.zones[i] = z
		return nil
	}
	f.zones = append(f.zones, z)
	return nil
}

func (f *fakeZones) DeleteZone(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	i := slices.IndexFunc(f.zones, func(o event.Zone) bool { return o.Name == name })
	if i < 0 {
		return fmt.Errorf("fake: %w: %q", httpapi.ErrZoneNotFound, name)
	}
	f.zones = slices.Delete(f.zones, i, i+1)
	return nil
}

func (f *fakeZones) get(name string) (event.Zone, bool) {
	for _, z := range f.Zones() {
		if z.Name == name {
			return z, true
		}
	}
	return event.Zone{}, false
}

// atomicZones adds CreateZone to fakeZones; it reports a conflict for
// every name in taken as if another request had just created it.
type atomicZones struct {
	fakeZones
	taken   []string
	creates int
}

func (f *atomicZones) CreateZone(z event.Zone) error {
	f.creates++
	if slices.Contains(f.taken, z.Name) {
		return fmt.Errorf("fake: %w", httpapi.ErrZoneExists)
	}
	return f.PutZone(z)
}

// zoneBody is a zone Feature of a square around lon, lat with name (left
// out when name is nil).
func zoneBody(name any, lon, lat float64) string {
	props := map[string]any{"source": "test", "priority": 2}
	if name != nil {
		props["name"] = name
	}
	f := map[string]any{
		"type": "Feature",
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{
			{lon, lat}, {lon + 1, lat}, {lon + 1, lat + 1}, {lon, lat + 1}, {lon, lat},
		}}},
		"properties": props,
	}
	b, _ := json.Marshal(f)
	return string(b)
}

// feature is a zone as the API shows it.
type feature struct {
	Type     string `json:"type"`
	Geometry struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func decodeFeature(t *testing.T, what string, body []byte) feature {
	t.Helper()
	var f feature
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	return f
}

func zonesURL(base, name string) string {
	return base + "/api/v1/zones/" + url.PathEscape(name)
}

func listZones(t *testing.T, base string) []feature {
	t.Helper()
	var fc struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}
	getJSON(t, base+"/api/v1/zones", &fc)
	if fc.Type != "FeatureCollection" {
		t.Errorf("zones: type %q", fc.Type)
	}
	return fc.Features
}

func TestZoneWriteRoles(t *testing.T) {
	ed := &fakeZones{zones: []event.Zone{{Name: "Harbour", Area: square(0, 0)}}}
	srv := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed })
	anon := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed; c.AllowAnonymousRead = true })
	tests := []struct {
		name         string
		base         string
		method, path string
		token        string
		body         string
		wantStatus   int
		wantCode     string
	}{
		{"read token creates", srv.URL, "POST", "/api/v1/zones", fx.read, zoneBody("New", 1, 1), 403, "forbidden"},
		{"read token replaces", srv.URL, "PUT", "/api/v1/zones/Harbour", fx.read, zoneBody("Harbour", 1, 1), 403, "forbidden"},
		{"read token deletes", srv.URL, "DELETE", "/api/v1/zones/Harbour", fx.read, "", 403, "forbidden"},
		{"no token creates", srv.URL, "POST", "/api/v1/zones", "", zoneBody("New", 1, 1), 401, "unauthorized"},
		{"anonymous creates", anon.URL, "POST", "/api/v1/zones", "", zoneBody("New", 1, 1), 401, "unauthorized"},
		{"anonymous deletes", anon.URL, "DELETE", "/api/v1/zones/Harbour", "", "", 401, "unauthorized"},
		{"bad token", srv.URL, "PUT", "/api/v1/zones/Harbour", "tw_nope", zoneBody("Harbour", 1, 1), 401, "unauthorized"},
		{"anonymous reads", anon.URL, "GET", "/api/v1/zones", "", "", 200, ""},
		{"wrong method", srv.URL, "PATCH", "/api/v1/zones/Harbour", fx.admin, "", 405, "method_not_allowed"},
		{"admin creates", srv.URL, "POST", "/api/v1/zones", fx.admin, zoneBody("New", 1, 1), 201, ""},
		{"admin replaces", srv.URL, "PUT", "/api/v1/zones/Harbour", fx.admin, zoneBody("Harbour", 2, 2), 200, ""},
		{"admin deletes", srv.URL, "DELETE", "/api/v1/zones/New", fx.admin, "", 204, ""},
	}
	for _, tt := range tests {
		code, _, body := do(t, tt.method, tt.base+tt.path, tt.token, strings.NewReader(tt.body))
		var e apiErr
		json.Unmarshal(body, &e)
		if code != tt.wantStatus || e.Error.Code != tt.wantCode {
			t.Errorf("%s: %s %s = %d %s; want %d %q", tt.name, tt.method, tt.path, code, body, tt.wantStatus, tt.wantCode)
		}
	}
	if ed.puts != 2 {
		t.Errorf("the editor stored %d zones; want 2 (the admin's create and replace only)", ed.puts)
	}
	got := listZones(t, srv.URL)
	if len(got) != 1 || got[0].Properties["name"] != "Harbour" || got[0].Geometry.Coordinates[0][0][0] != [2]float64{2, 2} {
		t.Errorf("zones after the table: %+v; want Harbour, replaced, only", got)
	}
}

// square is a 1° square zone area with its south-west corner at lon, lat.
func square(lon, lat float64) geo.MultiPolygon {
	return geo.MultiPolygon{{Outer: geo.Ring{{Lat: lat, Lon: lon}, {Lat: lat, Lon: lon + 1}, {Lat: lat + 1, Lon: lon + 1}, {Lat: lat + 1, Lon: lon}, {Lat: lat, Lon: lon}}}}
}

func TestZoneLifecycle(t *testing.T) {
	ed := &fakeZones{}
	srv := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed })
	if got := listZones(t, srv.URL); len(got) != 0 {
		t.Fatalf("zones at start: %v", got)
	}

	// Create: 201, the stored feature (a MultiPolygon), Location.
	code, hdr, body := do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody("  Anchorage A  ", -95, 29)))
	if code != http.StatusCreated {
		t.Fatalf("POST = %d %s; want 201", code, body)
	}
	f := decodeFeature(t, "POST", body)
	if f.Type != "Feature" || f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) != 1 || len(f.Geometry.Coordinates[0][0]) != 5 {
		t.Errorf("POST answer %s; want a Feature with a MultiPolygon of one 5-position ring", body)
	}
	if f.Properties["name"] != "Anchorage A" || f.Properties["source"] != "test" || f.Properties["priority"] != 2.0 {
		t.Errorf("POST answer properties %v; want name trimmed and the others kept", f.Properties)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("POST Content-Type %q", ct)
	}
	if loc := hdr.Get("Location"); loc != "/api/v1/zones/Anchorage%20A" {
		t.Errorf("POST Location %q", loc)
	}
	z, ok := ed.get("Anchorage A")
	if !ok || len(z.Area) != 1 || z.Area[0].Outer[1] != (geo.Point{Lat: 29, Lon: -94}) || z.Properties["name"] != "Anchorage A" {
		t.Fatalf("stored zone %+v, %v", z, ok)
	}
	if got := listZones(t, srv.URL); len(got) != 1 || got[0].Properties["name"] != "Anchorage A" || got[0].Properties["source"] != "test" {
		t.Errorf("GET after POST: %+v", got)
	}

	// The name is taken: 409, and nothing changes.
	code, _, body = do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody("Anchorage A", 10, 10)))
	wantError(t, "POST again", code, body, http.StatusConflict, "conflict", "Anchorage A")
	if z, _ := ed.get("Anchorage A"); z.Area[0].Outer[0].Lon != -95 {
		t.Errorf("a refused POST replaced the zone: %+v", z)
	}

	// Replace: 200; the name may be left out of the body.
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "Anchorage A"), fx.admin, strings.NewReader(zoneBody(nil, -94, 28)))
	if code != http.StatusOK {
		t.Fatalf("PUT = %d %s", code, body)
	}
	if f := decodeFeature(t, "PUT", body); f.Properties["name"] != "Anchorage A" || f.Geometry.Coordinates[0][0][0] != [2]float64{-94, 28} {
		t.Errorf("PUT answer %s", body)
	}
	// PUT creates.
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "Pilot station"), fx.admin, strings.NewReader(zoneBody("Pilot station", -93, 28)))
	if code != http.StatusOK {
		t.Fatalf("PUT new = %d %s", code, body)
	}
	// Rename onto a taken name: 409; of a zone that is not there: 404.
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "Pilot station"), fx.admin, strings.NewReader(zoneBody("Anchorage A", -93, 28)))
	wantError(t, "PUT rename onto a taken name", code, body, http.StatusConflict, "conflict", "Anchorage A")
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "Nowhere"), fx.admin, strings.NewReader(zoneBody("Somewhere", -93, 28)))
	wantError(t, "PUT rename of no zone", code, body, http.StatusNotFound, "not_found", "Nowhere")
	// Rename.
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "Pilot station"), fx.admin, strings.NewReader(zoneBody("Pilot boarding", -93, 28)))
	if code != http.StatusOK {
		t.Fatalf("PUT rename = %d %s", code, body)
	}
	var names []string
	for _, f := range listZones(t, srv.URL) {
		names = append(names, f.Properties["name"].(string))
	}
	if !slices.Equal(names, []string{"Anchorage A", "Pilot boarding"}) {
		t.Errorf("zones after rename: %q", names)
	}

	// Delete: 204, then 404.
	code, _, body = do(t, "DELETE", zonesURL(srv.URL, "Anchorage A"), fx.admin, nil)
	if code != http.StatusNoContent || len(body) != 0 {
		t.Errorf("DELETE = %d %s; want 204", code, body)
	}
	code, _, body = do(t, "DELETE", zonesURL(srv.URL, "Anchorage A"), fx.admin, nil)
	wantError(t, "DELETE again", code, body, http.StatusNotFound, "not_found", "Anchorage A")
	if got := listZones(t, srv.URL); len(got) != 1 || got[0].Properties["name"] != "Pilot boarding" {
		t.Errorf("zones after DELETE: %+v", got)
	}
}

func TestZoneBadBodies(t *testing.T) {
	ed := &fakeZones{}
	srv := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed })
	ring := func(coords string) string {
		return `{"type":"Feature","properties":{"name":"Z"},"geometry":{"type":"Polygon","coordinates":[` + coords + `]}}`
	}
	many := make([]string, 0, httpapi.MaxPolygonPoints+2)
	for i := range httpapi.MaxPolygonPoints + 1 {
		many = append(many, fmt.Sprintf("[%g,%g]", float64(i)*1e-4, float64(i%2)*1e-4))
	}
	many = append(many, "[0,0]")
	bigProps := map[string]any{"name": "Z"}
	for i := range httpapi.MaxZoneProperties + 1 {
		bigProps[fmt.Sprint("k", i)] = i
	}
	bigPropsJSON, _ := json.Marshal(map[string]any{"type": "Feature", "properties": bigProps,
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}})
	tests := []struct {
		name, body       string
		status           int
		code, mentioning string
	}{
		{"empty", "", 400, "bad_parameter", "body"},
		{"not JSON", "<zone/>", 400, "bad_parameter", "GeoJSON Feature"},
		{"an array", `[1,2]`, 400, "bad_parameter", "body"},
		{"a bare polygon", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, 400, "bad_parameter", "type"},
		{"a collection", `{"type":"FeatureCollection","features":[]}`, 400, "bad_parameter", "FeatureCollection"},
		{"no geometry", `{"type":"Feature","properties":{"name":"Z"}}`, 400, "bad_parameter", "geometry: required"},
		{"null geometry", `{"type":"Feature","geometry":null,"properties":{"name":"Z"}}`, 400, "bad_parameter", "geometry: required"},
		{"a point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"name":"Z"}}`, 400, "bad_parameter", "Point"},
		{"a nested feature", `{"type":"Feature","geometry":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},"properties":{"name":"Z"}}`, 400, "bad_parameter", "want Polygon or MultiPolygon"},
		{"open ring", ring(`[[0,0],[1,0],[1,1],[0,1]]`), 400, "bad_parameter", "not closed"},
		{"short ring", ring(`[[0,0],[1,0],[0,0]]`), 400, "bad_parameter", "at least 4"},
		{"degenerate ring", ring(`[[0,0],[1,0],[0,0],[0,0]]`), 400, "bad_parameter", "distinct"},
		{"latitude out of range", ring(`[[0,0],[1,0],[1,91],[0,0]]`), 400, "bad_parameter", "out of range"},
		{"longitude out of range", ring(`[[0,0],[1000,0],[1,1],[0,0]]`), 400, "bad_parameter", "out of range"},
		{"a string for a number", ring(`[[0,0],["1",0],[1,1],[0,0]]`), 400, "bad_parameter", "number"},
		{"empty polygon", ring(``), 400, "bad_parameter", "no polygon"},
		{"too many positions", ring("[" + strings.Join(many, ",") + "]"), 400, "bad_parameter", "positions"},
		{"no name", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{}}`, 400, "bad_parameter", "properties.name: required"},
		{"no properties", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`, 400, "bad_parameter", "properties.name: required"},
		{"properties not an object", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":[1]}`, 400, "bad_parameter", "properties"},
		{"blank name", zoneBody(" \t ", 0, 0), 400, "bad_parameter", "properties.name: required"},
		{"null name", strings.Replace(zoneBody("x", 0, 0), `"name":"x"`, `"name":null`, 1), 400, "bad_parameter", "properties.name: required"},
		{"numeric name", zoneBody(7, 0, 0), 400, "bad_parameter", "want a string"},
		{"long name", zoneBody(strings.Repeat("é", httpapi.MaxZoneName+1), 0, 0), 400, "bad_parameter", "129 characters"},
		{"newline in name", zoneBody("a\nb", 0, 0), 400, "bad_parameter", "control character U+000A"},
		{"NUL in name", zoneBody("a\x00b", 0, 0), 400, "bad_parameter", "control character U+0000"},
		{"line separator", zoneBody("a\u2028b", 0, 0), 400, "bad_parameter", "U+2028"},
		{"invalid UTF-8 in name", strings.Replace(zoneBody("aXb", 0, 0), "X", "\xff", 1), 400, "bad_parameter", "properties.name"},
		{"too many properties", string(bigPropsJSON), 400, "bad_parameter", "members"},
		{"large properties", strings.Replace(zoneBody("Z", 0, 0), `"source":"test"`, `"source":"`+strings.Repeat("x", httpapi.MaxZonePropertyBytes)+`"`, 1), 400, "bad_parameter", "bytes"},
		{"too large", `{"type":"Feature","pad":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, 413, "too_large", "bytes"},
	}
	for _, tt := range tests {
		code, _, body := do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(tt.body))
		wantError(t, "POST "+tt.name, code, body, tt.status, tt.code, tt.mentioning)
	}
	// The same checks guard PUT, and its path name.
	code, _, body := do(t, "PUT", zonesURL(srv.URL, "Z"), fx.admin, strings.NewReader(ring(`[[0,0],[1,0],[1,1],[0,1]]`)))
	wantError(t, "PUT open ring", code, body, 400, "bad_parameter", "not closed")
	code, _, body = do(t, "PUT", zonesURL(srv.URL, "a\tb"), fx.admin, strings.NewReader(zoneBody(nil, 0, 0)))
	wantError(t, "PUT a name with a tab", code, body, 400, "bad_parameter", "name: control character")
	code, _, body = do(t, "PUT", zonesURL(srv.URL, strings.Repeat("n", 200)), fx.admin, strings.NewReader(zoneBody(nil, 0, 0)))
	wantError(t, "PUT a long name", code, body, 400, "bad_parameter", "200 characters")
	if ed.puts != 0 || len(ed.Zones()) != 0 {
		t.Errorf("bad bodies stored %d zones: %+v", ed.puts, ed.Zones())
	}

	// A MultiPolygon with a hole, and an altitude, is accepted.
	mp := `{"type":"Feature","properties":{"name":"Holey"},"geometry":{"type":"MultiPolygon","coordinates":[
		[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]],
		[[[179,0],[181,0],[181,1,12],[179,0]]]]}}`
	code, _, body = do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(mp))
	if code != http.StatusCreated {
		t.Fatalf("POST MultiPolygon = %d %s", code, body)
	}
	if z, _ := ed.get("Holey"); len(z.Area) != 2 || len(z.Area[0].Holes) != 1 || z.Area[1].Outer[1].Lon != 181 {
		t.Errorf("stored MultiPolygon %+v", z.Area)
	}
}

// TestZoneHostileNames checks that names with markup, quotes, slashes and
// other scripts round-trip exactly, reach the client escaped, and can be
// addressed in the path.
func TestZoneHostileNames(t *testing.T) {
	ed := &fakeZones{}
	srv := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed })
	names := []string{
		"<IMG SRC=X ONERROR=ALERT(1)>",
		`"><script>alert(2)</script>`,
		"a/b/../c?d=e#f",
		"100% & more",
		"港 区域 — zone ⚓",
		"%2F..%2F",
	}
	for i, name := range names {
		code, _, body := do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody(name, float64(i), 0)))
		if code != http.StatusCreated {
			t.Fatalf("POST %q = %d %s", name, code, body)
		}
		if f := decodeFeature(t, "POST", body); f.Properties["name"] != name {
			t.Errorf("POST %q answered name %q", name, f.Properties["name"])
		}
	}
	code, _, raw := do(t, "GET", srv.URL+"/api/v1/zones", fx.read, nil)
	if code != 200 {
		t.Fatalf("GET zones = %d", code)
	}
	for _, bad := range []string{"<", ">", "&"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("GET zones has an unescaped %q: %s", bad, raw)
		}
	}
	var got []string
	for _, f := range listZones(t, srv.URL) {
		got = append(got, f.Properties["name"].(string))
	}
	if !slices.Equal(got, names) {
		t.Errorf("names listed %q; want %q", got, names)
	}
	for i, name := range names {
		code, _, body := do(t, "PUT", zonesURL(srv.URL, name), fx.admin, strings.NewReader(zoneBody(nil, float64(i), 5)))
		if code != http.StatusOK {
			t.Errorf("PUT %q = %d %s", name, code, body)
		} else if f := decodeFeature(t, "PUT", body); f.Properties["name"] != name || f.Geometry.Coordinates[0][0][0][1] != 5 {
			t.Errorf("PUT %q answered %s", name, body)
		}
		if code, _, body := do(t, "DELETE", zonesURL(srv.URL, name), fx.admin, nil); code != http.StatusNoContent {
			t.Errorf("DELETE %q = %d %s", name, code, body)
		}
	}
	if n := len(ed.Zones()); n != 0 {
		t.Errorf("%d zones left: %+v", n, ed.Zones())
	}
	// A 404 names the zone in JSON, escaped.
	code, _, body := do(t, "DELETE", zonesURL(srv.URL, names[0]), fx.admin, nil)
	wantError(t, "DELETE hostile", code, body, http.StatusNotFound, "not_found", names[0])
	if strings.Contains(string(body), "<") {
		t.Errorf("404 body has an unescaped <: %s", body)
	}
}

func TestZonesReadOnly(t *testing.T) {
	srv := newServer(t, func(c *httpapi.Config) {
		c.Zones = []event.Zone{{Name: "Configured", Area: square(3, 4), Properties: map[string]any{"kind": "tss"}}}
	})
	got := listZones(t, srv.URL)
	if len(got) != 1 || got[0].Properties["name"] != "Configured" || got[0].Properties["kind"] != "tss" || got[0].Geometry.Type != "MultiPolygon" ||
		got[0].Geometry.Coordinates[0][0][0] != [2]float64{3, 4} {
		t.Errorf("GET zones without an editor: %+v", got)
	}
	for _, req := range [][3]string{
		{"POST", "/api/v1/zones", zoneBody("New", 0, 0)},
		{"PUT", "/api/v1/zones/Configured", zoneBody("Configured", 0, 0)},
		{"DELETE", "/api/v1/zones/Configured", ""},
	} {
		code, _, body := do(t, req[0], srv.URL+req[1], fx.admin, strings.NewReader(req[2]))
		wantError(t, req[0]+" "+req[1]+" without an editor", code, body, http.StatusNotImplemented, "not_implemented", "read-only")
		code, _, body = do(t, req[0], srv.URL+req[1], fx.read, strings.NewReader(req[2]))
		wantError(t, req[0]+" "+req[1]+" without an editor, read token", code, body, http.StatusForbidden, "forbidden", "admin")
	}
	if got := listZones(t, srv.URL); len(got) != 1 {
		t.Errorf("zones changed: %+v", got)
	}
}

func TestZoneEditorErrors(t *testing.T) {
	ed := &fakeZones{zones: []event.Zone{{Name: "A", Area: square(0, 0)}}, fail: errors.New("disk on fire at /var/lib/secret")}
	srv := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed })
	for _, req := range [][3]string{
		{"POST", "/api/v1/zones", zoneBody("B", 0, 0)},
		{"PUT", "/api/v1/zones/A", zoneBody(nil, 0, 0)},
		{"DELETE", "/api/v1/zones/A", ""},
	} {
		code, _, body := do(t, req[0], srv.URL+req[1], fx.admin, strings.NewReader(req[2]))
		wantError(t, req[0]+" failing", code, body, http.StatusInternalServerError, "internal", "internal error")
		if strings.Contains(string(body), "secret") {
			t.Errorf("%s: the internal error reached the client: %s", req[0], body)
		}
	}

	// An editor that refuses a zone: 400 with its reason.
	ed.fail = fmt.Errorf("zone book: %w: ring self-intersects", httpapi.ErrZoneInvalid)
	code, _, body := do(t, "PUT", srv.URL+"/api/v1/zones/A", fx.admin, strings.NewReader(zoneBody(nil, 0, 0)))
	wantError(t, "PUT refused", code, body, http.StatusBadRequest, "bad_parameter", "self-intersects")
	ed.fail = fmt.Errorf("index: %w", geo.ErrInvalidGeometry)
	code, _, body = do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody("C", 0, 0)))
	wantError(t, "POST refused", code, body, http.StatusBadRequest, "bad_parameter", "invalid geometry")

	// An editor with CreateZone creates atomically: its conflict is a 409.
	at := &atomicZones{taken: []string{"Raced"}}
	srv = newServer(t, func(c *httpapi.Config) { c.ZoneEditor = at })
	code, _, body = do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody("Raced", 0, 0)))
	wantError(t, "POST raced", code, body, http.StatusConflict, "conflict", "Raced")
	code, _, body = do(t, "POST", srv.URL+"/api/v1/zones", fx.admin, strings.NewReader(zoneBody("Fresh", 0, 0)))
	if code != http.StatusCreated || at.creates != 2 {
		t.Errorf("POST through CreateZone = %d %s, %d creates; want 201, 2", code, body, at.creates)
	}
}

func TestSession(t *testing.T) {
	ed := &fakeZones{}
	editable := newServer(t, func(c *httpapi.Config) { c.ZoneEditor = ed; c.AllowAnonymousRead = true })
	readOnly := newServer(t, nil)
	tests := []struct {
		name, base, token string
		wantStatus        int
		want              string
	}{
		{"anonymous", editable.URL, "", 200, `{"role":"read","name":"anonymous","zone_editing":false}`},
		{"read token", editable.URL, fx.read, 200, `{"role":"read","name":"reader","zone_editing":false}`},
		{"admin token", editable.URL, fx.admin, 200, `{"role":"admin","name":"boss","zone_editing":true}`},
		{"admin, read-only zones", readOnly.URL, fx.admin, 200, `{"role":"admin","name":"boss","zone_editing":false}`},
		{"no anonymous reads", readOnly.URL, "", 401, ""},
		{"bad token", editable.URL, "tw_forged", 401, ""},
	}
	for _, tt := range tests {
		code, _, body := do(t, "GET", tt.base+"/api/v1/session", tt.token, nil)
		if code != tt.wantStatus {
			t.Errorf("%s: GET /api/v1/session = %d %s; want %d", tt.name, code, body, tt.wantStatus)
			continue
		}
		if tt.want != "" && strings.TrimSpace(string(body)) != tt.want {
			t.Errorf("%s: session %s; want %s", tt.name, body, tt.want)
		}
	}
}
