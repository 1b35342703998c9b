package httpapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestAuth(t *testing.T) {
	srv := newServer(t, nil)
	anon := newServer(t, func(c *httpapi.Config) { c.AllowAnonymousRead = true })
	none := newServer(t, func(c *httpapi.Config) { c.Tokens = nil })
	area := `{"polygon":{"type":"Polygon","coordinates":[[[-95.3,29.3],[-94.6,29.3],[-94.6,29.8],[-95.3,29.3]]]}}`
	tests := []struct {
		name         string
		base         string
		method, path string
		token        string
		header       string // a raw Authorization header instead of token
		wantStatus   int
		wantCode     string
	}{
		{"no token", srv.URL, "GET", "/api/v1/vessels", "", "", 401, "unauthorized"},
		{"bad token", srv.URL, "GET", "/api/v1/vessels", "tw_not-a-token", "", 401, "unauthorized"},
		{"basic auth", srv.URL, "GET", "/api/v1/vessels", "", "Basic " + fx.read, 401, "unauthorized"},
		{"read token", srv.URL, "GET", "/api/v1/vessels", fx.read, "", 200, ""},
		{"lowercase scheme", srv.URL, "GET", "/api/v1/vessels?limit=1", "", "bearer " + fx.read, 200, ""},
		{"admin token reads", srv.URL, "GET", "/api/v1/search?q=a", fx.admin, "", 200, ""},
		{"area needs a token", srv.URL, "POST", "/api/v1/area", "", "", 401, "unauthorized"},
		{"read token on admin route", srv.URL, "GET", "/api/v1/tokens", fx.read, "", 403, "forbidden"},
		{"admin route", srv.URL, "GET", "/api/v1/tokens", fx.admin, "", 200, ""},
		{"metrics need a token", srv.URL, "GET", "/metrics", "", "", 401, "unauthorized"},
		{"metrics with a token", srv.URL, "GET", "/metrics", fx.read, "", 200, ""},
		{"no token in the URL", srv.URL, "GET", "/api/v1/vessels?access_token=" + fx.read, "", "", 401, "unauthorized"},
		{"no token in the stream URL", srv.URL, "GET", "/api/v1/stream?access_token=" + fx.read, "", "", 401, "unauthorized"},
		{"ticket needs a token", srv.URL, "POST", "/api/v1/stream/ticket", "", "", 401, "unauthorized"},
		{"healthz open", srv.URL, "GET", "/healthz", "", "", 200, ""},
		{"readyz open", srv.URL, "GET", "/readyz", "", "", 200, ""},
		{"openapi open", srv.URL, "GET", "/openapi.json", "", "", 200, ""},
		{"anonymous read", anon.URL, "GET", "/api/v1/vessels?limit=1", "", "", 200, ""},
		{"anonymous area", anon.URL, "POST", "/api/v1/area", "", "", 200, ""},
		{"anonymous metrics", anon.URL, "GET", "/metrics", "", "", 200, ""},
		{"anonymous but a bad token", anon.URL, "GET", "/api/v1/vessels", "tw_bad", "", 401, "unauthorized"},
		{"anonymous admin", anon.URL, "GET", "/api/v1/tokens", "", "", 401, "unauthorized"},
		{"anonymous admin delete", anon.URL, "DELETE", "/api/v1/tokens/reader", "", "", 401, "unauthorized"},
		{"no token store", none.URL, "GET", "/api/v1/vessels", fx.read, "", 401, "unauthorized"},
		{"unknown path", srv.URL, "GET", "/api/v1/nothing", fx.read, "", 404, "not_found"},
		{"wrong method", srv.URL, "DELETE", "/api/v1/vessels", fx.read, "", 405, "method_not_allowed"},
		{"GET area", srv.URL, "GET", "/api/v1/area", fx.read, "", 405, "method_not_allowed"},
		{"revoke unknown", srv.URL, "DELETE", "/api/v1/tokens/nobody", fx.admin, "", 404, "not_found"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.base+tt.path, nil)
		if tt.method == "POST" {
			req, _ = http.NewRequest(tt.method, tt.base+tt.path, strings.NewReader(area))
		}
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiErr
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || e.Error.Code != tt.wantCode {
			t.Errorf("%s: %s %s = %d %q; want %d %q", tt.name, tt.method, tt.path, resp.StatusCode, e.Error.Code, tt.wantStatus, tt.wantCode)
		}
		if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
		if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", tt.name)
		}
	}
}

func TestAdminRevokes(t *testing.T) {
	tokens, err := httpapi.OpenTokens(filepath.Join(t.TempDir(), "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := tokens.Create("admin", httpapi.RoleAdmin)
	victim, _ := tokens.Create("victim", httpapi.RoleRead)
	srv := newServer(t, func(c *httpapi.Config) { c.Tokens = tokens })
	if code, _, _ := do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", victim, nil); code != 200 {
		t.Fatalf("before revoke: %d", code)
	}
	code, _, body := do(t, "GET", srv.URL+"/api/v1/tokens", admin, nil)
	if code != 200 || !strings.Contains(string(body), `"victim"`) || strings.Contains(string(body), "sha256") {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, _, body := do(t, "DELETE", srv.URL+"/api/v1/tokens/victim", admin, nil); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, _, _ := do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", victim, nil); code != 401 {
		t.Errorf("after revoke: %d; want 401", code)
	}
}

func TestBadParameters(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct {
		path    string
		mention string // the parameter the message must name
	}{
		{"/api/v1/vessels?bbox=1,2,3", "bbox"},
		{"/api/v1/vessels?bbox=a,b,c,d", "bbox"},
		{"/api/v1/vessels?bbox=-10,50,10,40", "bbox"},
		{"/api/v1/vessels?bbox=-200,0,0,10", "bbox"},
		{"/api/v1/vessels?type=spaceship", "type"},
		{"/api/v1/vessels?type=300", "type"},
		{"/api/v1/vessels?flag=USA", "flag"},
		{"/api/v1/vessels?min_speed=-1", "min_speed"},
		{"/api/v1/vessels?min_speed=fast", "min_speed"},
		{"/api/v1/vessels?max_age=-1h", "max_age"},
		{"/api/v1/vessels?max_age=0s", "max_age"},
		{"/api/v1/vessels?max_age=forever", "max_age"},
		{"/api/v1/vessels?at=yesterday", "at"},
		{"/api/v1/vessels?at=@abc", "at"},
		{"/api/v1/vessels?at=99999-01-01", "at"},
		{"/api/v1/vessels?limit=0", "limit"},
		{"/api/v1/vessels?limit=1000000", "limit"},
		{"/api/v1/vessels/abc", "mmsi"},
		{"/api/v1/vessels/1234567890", "mmsi"},
		{"/api/v1/vessels/366999999?at=never", "at"},
		{"/api/v1/vessels/366999999/track?format=kml", "format"},
		{"/api/v1/vessels/366999999/track?from=2022-01-03T01:00:00Z&to=2022-01-03T00:00:00Z", "from"},
		{"/api/v1/vessels/366999999/track?flagged=maybe", "flagged"},
		{"/api/v1/vessels/366999999/track?to=tomorrow", "to"},
		{"/api/v1/search", "q"},
		{"/api/v1/search?q=" + strings.Repeat("x", 101), "q"},
		{"/api/v1/search?q=x&limit=x", "limit"},
		{"/api/v1/near?lon=-95", "lat"},
		{"/api/v1/near?lat=95&lon=-95", "lat"},
		{"/api/v1/near?lat=29&lon=-195", "lon"},
		{"/api/v1/near?lat=29&lon=-95&radius=far", "radius"},
		{"/api/v1/near?lat=29&lon=-95&radius=3000km", "radius"},
		{"/api/v1/near?lat=29&lon=-95&radius=0", "radius"},
		{"/api/v1/near?lat=29&lon=-95&from=-90d", "from"},
		{"/api/v1/near?lat=29&lon=-95&from=2022-02-01&to=2022-01-01", "from"},
		{"/api/v1/stream?since=abc", "since"},
		{"/api/v1/stream?bbox=1", "bbox"},
	}
	for _, tt := range tests {
		code, hdr, body := do(t, "GET", srv.URL+tt.path, fx.read, nil)
		wantError(t, tt.path, code, body, http.StatusBadRequest, "bad_parameter", tt.mention)
		if ct := hdr.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.path, ct)
		}
	}
	areaTests := []struct{ body, mention string }{
		{`not json`, "body"},
		{`{"polygon":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"extra":1}`, "body"},
		{`{"from":"-1h"}`, "polygon"},
		{`{"polygon":{"type":"Point","coordinates":[0,0]}}`, "polygon"},
		{`{"polygon":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}`, "polygon"},
		{`{"polygon":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"from":"soon"}`, "from"},
		{`{"polygon":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"limit":-1}`, "limit"},
	}
	for _, tt := range areaTests {
		code, _, body := do(t, "POST", srv.URL+"/api/v1/area", fx.read, strings.NewReader(tt.body))
		wantError(t, "area "+tt.body, code, body, http.StatusBadRequest, "bad_parameter", tt.mention)
	}
}

// TestHostileText checks that text from AIS reaches clients JSON-escaped:
// a name that is HTML must not appear as HTML in any answer.
func TestHostileText(t *testing.T) {
	pic := fusion.NewPicture(fusion.Config{})
	const m = 366123456
	hostile := `<img src=x onerror=alert(1)>&"`
	tm := vessel.TimeOf(clock)
	pic.Apply(&vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: m, Time: tm, Lat: 29.5, Lon: -94.9,
		SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}})
	pic.Apply(&vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{MMSI: m, Time: tm,
		Has: vessel.HasName | vessel.HasCallSign | vessel.HasDestination, Name: hostile, CallSign: "<b>", Destination: "</script>"}})
	hub := httpapi.NewHub(16)
	srv := newServer(t, func(c *httpapi.Config) { c.Picture = bind.Picture(pic); c.Hub = hub })
	for _, path := range []string{"/api/v1/vessels", "/api/v1/vessels/366123456", "/api/v1/search?q=img"} {
		code, _, body := do(t, "GET", srv.URL+path, fx.read, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if strings.ContainsAny(string(body), "<>&") || !strings.Contains(string(body), `\u003cimg src=x onerror=alert(1)\u003e\u0026\"`) {
			t.Errorf("%s: not escaped: %s", path, body)
		}
		var v struct {
			Name *string `json:"name"`
		}
		var l struct{ Vessels []struct{ Name *string } }
		if json.Unmarshal(body, &l); len(l.Vessels) > 0 {
			v.Name = l.Vessels[0].Name
		} else {
			json.Unmarshal(body, &v)
		}
		if v.Name == nil || *v.Name != hostile {
			t.Errorf("%s: name decodes to %v; want %q", path, v.Name, hostile)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	var ready error = errors.New("store: replaying the WAL at /secret/path")
	srv := newServer(t, func(c *httpapi.Config) { c.Ready = func() error { return ready } })
	if code, _, _ := do(t, "GET", srv.URL+"/healthz", "", nil); code != 200 {
		t.Errorf("healthz = %d", code)
	}
	code, _, body := do(t, "GET", srv.URL+"/readyz", "", nil)
	wantError(t, "readyz", code, body, http.StatusServiceUnavailable, "unavailable", "not ready")
	if strings.Contains(string(body), "secret") {
		t.Errorf("readyz leaks the internal error: %s", body)
	}
	ready = nil
	if code, _, _ := do(t, "GET", srv.URL+"/readyz", "", nil); code != 200 {
		t.Errorf("readyz when ready = %d", code)
	}
}

func TestTokensFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "tokens.json")
	tokens, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	read, err := tokens.CreateAt("ops-1", httpapi.RoleRead, created)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tokens.Create("lead", httpapi.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{read, admin} {
		if !strings.HasPrefix(tok, "tw_") || len(tok) != 3+43 {
			t.Errorf("token %q: want tw_ and 43 base64url characters", tok)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %04o; want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), read) || strings.Contains(string(data), admin) ||
		strings.Contains(string(data), read[3:20]) {
		t.Errorf("the tokens file holds a token: %s", data)
	}
	if !strings.Contains(string(data), `"sha256"`) {
		t.Errorf("no hashes in %s", data)
	}
	check := func(tok, wantRole string, wantOK bool) {
		t.Helper()
		if role, ok := tokens.Check(tok); role != wantRole || ok != wantOK {
			t.Errorf("Check(%.8s...) = %q, %v; want %q, %v", tok, role, ok, wantRole, wantOK)
		}
	}
	check(read, "read", true)
	check(admin, "admin", true)
	check(read+"x", "", false)
	check("", "", false)
	if _, err := tokens.Create("ops-1", "read"); !errors.Is(err, httpapi.ErrTokenExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := tokens.Create("x", "root"); !errors.Is(err, httpapi.ErrRole) {
		t.Errorf("bad role: %v", err)
	}
	if _, err := tokens.Create("a b", "read"); !errors.Is(err, httpapi.ErrTokenName) {
		t.Errorf("bad name: %v", err)
	}
	list := tokens.List()
	if len(list) != 2 || list[0].Name != "lead" || list[1].Name != "ops-1" || list[1].Role != "read" || !list[1].Created.Equal(created) {
		t.Errorf("List() = %+v", list)
	}

	// Another process (the token command) opens the same file: both see
	// each other's changes.
	other, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	role, ok := other.Check(read)
	if !ok || role != "read" {
		t.Errorf("reopened: Check = %q %v", role, ok)
	}
	if err := other.Revoke("ops-1"); err != nil {
		t.Fatal(err)
	}
	check(read, "", false) // the first instance noticed the change
	check(admin, "admin", true)
	if err := tokens.Revoke("ops-1"); !errors.Is(err, httpapi.ErrNoToken) {
		t.Errorf("revoke twice: %v", err)
	}

	// A file others may read is refused.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := httpapi.OpenTokens(path); !errors.Is(err, httpapi.ErrTokensFileMode) {
		t.Errorf("mode 0644: %v; want ErrTokensFileMode", err)
	}
}
