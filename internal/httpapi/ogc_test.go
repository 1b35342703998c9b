package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// dayEvents is an event source holding the events the detectors find in
// the fixture's real day.
type dayEvents struct{ evs []event.Event }

func (d *dayEvents) Events(q httpapi.EventQuery) []event.Event {
	var out []event.Event
	for _, e := range d.evs {
		end := e.End
		if end == 0 {
			end = e.Start
		}
		if e.Start > q.To || end < q.From || (q.BBox != nil && !q.BBox.Contains(geo.Point{Lat: e.Lat, Lon: e.Lon})) {
			continue
		}
		out = append(out, e)
	}
	return out
}

var (
	dayEventsOnce sync.Once
	dayEventsList dayEvents
)

// realEvents runs the event engine over the fixture's positions in time
// order.
func realEvents(t *testing.T) *dayEvents {
	dayEventsOnce.Do(func() {
		from, to, _ := fx.db.Bounds()
		rows, err := export.Select(context.Background(), fx.db, export.Query{From: from, To: to, Flagged: true})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortStableFunc(rows, func(a, b export.Row) int { return int(a.Time - b.Time) })
		eng := event.New(event.Config{})
		latest := map[string]event.Event{}
		for i := range rows {
			for _, e := range eng.Observe(rows[i].Position) {
				latest[e.ID] = e
			}
		}
		for _, e := range eng.Flush(to) {
			latest[e.ID] = e
		}
		for _, e := range latest {
			dayEventsList.evs = append(dayEventsList.evs, e)
		}
		slices.SortFunc(dayEventsList.evs, func(a, b event.Event) int { return strings.Compare(a.ID, b.ID) })
	})
	if len(dayEventsList.evs) == 0 {
		t.Fatal("no events detected in the real day")
	}
	return &dayEventsList
}

// ogcServer serves the fixture with events, a zone and an incident, so
// that every collection has features.
func ogcServer(t *testing.T) *httptest.Server {
	t.Helper()
	evs := realEvents(t)
	st := openIncidents(t)
	srv := newServer(t, func(c *httpapi.Config) {
		c.Events = evs
		c.Zones = []event.Zone{{Name: "Houston Ship Channel", Area: square(-95.3, 29.3)}}
		c.Incidents = st
		c.NodeName = node
		c.Contacts = newSimContacts(t)
	})
	code, _, body := do(t, "POST", srv.URL+"/api/v1/incidents", fx.admin, strings.NewReader(draft(map[string]any{"lat": 29.7, "lon": -95.0})))
	if code != http.StatusCreated {
		t.Fatalf("create incident: %d %s", code, body)
	}
	return srv
}

type ogcLink struct{ Href, Rel, Type string }

type ogcPage struct {
	Type           string
	NumberMatched  int
	NumberReturned int
	Links          []ogcLink
	Features       []struct {
		ID         any
		Geometry   struct{ Type string }
		Properties map[string]any
	}
}

func linkOf(links []ogcLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// TestOGCWalk is a plain HTTP client of the OGC API: from the landing page
// it follows the links to the conformance classes, the collections and
// every collection's items, paging through "next" until the end, and
// checks numberMatched, numberReturned and the features against the data.
func TestOGCWalk(t *testing.T) {
	srv := ogcServer(t)
	var landing struct{ Links []ogcLink }
	getJSON(t, srv.URL+"/ogc", &landing)
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if linkOf(landing.Links, rel) == "" {
			t.Errorf("landing page: no %q link in %+v", rel, landing.Links)
		}
	}
	var conf struct{ ConformsTo []string }
	getJSON(t, linkOf(landing.Links, "conformance"), &conf)
	for _, c := range []string{"core", "geojson", "oas30"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+c) {
			t.Errorf("conformance: no %s class in %q", c, conf.ConformsTo)
		}
	}
	var oas struct {
		OpenAPI string
		Paths   map[string]any
	}
	getJSON(t, linkOf(landing.Links, "service-desc"), &oas)
	if !strings.HasPrefix(oas.OpenAPI, "3.0") || oas.Paths["/collections/positions/items"] == nil {
		t.Errorf("service-desc: openapi %q, %d paths", oas.OpenAPI, len(oas.Paths))
	}
	var cols struct {
		Collections []struct {
			ID    string
			Links []ogcLink
		}
	}
	getJSON(t, linkOf(landing.Links, "data"), &cols)
	var ids []string
	for _, c := range cols.Collections {
		ids = append(ids, c.ID)
	}
	if want := []string{"vessels", "positions", "tracks", "events", "zones", "incidents", "contacts"}; !slices.Equal(ids, want) {
		t.Fatalf("collections %q; want %q", ids, want)
	}

	// The positions of a window and box, paged 500 at a time, are the
	// export's positions of the same window and box.
	box := "-95.3,29.3,-94.6,29.9"
	window := "2022-01-03T00:00:00Z/2022-01-03T00:10:00Z"
	code, _, body := do(t, "GET", srv.URL+"/api/v1/export?format=csv&bbox="+box+"&from=2022-01-03T00:00:00Z&to=2022-01-03T00:10:00Z", fx.read, nil)
	if code != 200 {
		t.Fatalf("export: %d", code)
	}
	wantIDs := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n")[1:] {
		f := strings.Split(line, ",")
		tm, _ := vessel.ParseTime(f[1], fx.now)
		wantIDs[f[0]+"-"+strconv.FormatInt(int64(tm), 10)] = true
	}
	next := srv.URL + "/ogc/collections/positions/items?limit=500&bbox=" + box + "&datetime=" + url.QueryEscape(window)
	got := map[string]bool{}
	pages := 0
	for next != "" {
		var p ogcPage
		getJSON(t, next, &p)
		pages++
		if p.Type != "FeatureCollection" || p.NumberMatched != len(wantIDs) || p.NumberReturned != len(p.Features) || len(p.Features) > 500 {
			t.Fatalf("page %d: %s, matched %d, returned %d of %d features; want %d matched", pages, p.Type, p.NumberMatched, p.NumberReturned, len(p.Features), len(wantIDs))
		}
		for _, f := range p.Features {
			id, _ := f.ID.(string)
			if got[id] || !wantIDs[id] || f.Geometry.Type != "Point" {
				t.Fatalf("page %d: feature %v (%s) is a repeat or not in the window", pages, f.ID, f.Geometry.Type)
			}
			got[id] = true
		}
		next = linkOf(p.Links, "next")
	}
	if len(got) != len(wantIDs) || pages < 2 {
		t.Errorf("paged %d positions in %d pages; want %d in several", len(got), pages, len(wantIDs))
	}

	// Every collection answers items, and the first feature by its id.
	for _, c := range ids {
		var p ogcPage
		getJSON(t, srv.URL+"/ogc/collections/"+c+"/items?limit=5", &p)
		if len(p.Features) == 0 || p.NumberMatched < len(p.Features) {
			t.Errorf("%s: %d features, %d matched", c, len(p.Features), p.NumberMatched)
			continue
		}
		id := p.Features[0].ID
		s, ok := id.(string)
		if !ok {
			t.Errorf("%s: feature id %v is not a string", c, id)
			continue
		}
		var f struct {
			ID    string
			Type  string
			Links []ogcLink
		}
		getJSON(t, srv.URL+"/ogc/collections/"+c+"/items/"+url.PathEscape(s), &f)
		if f.ID != s || f.Type != "Feature" || linkOf(f.Links, "self") == "" {
			t.Errorf("%s/items/%s = %+v", c, s, f)
		}
	}

	// Tracks: one LineString per vessel.
	var tr ogcPage
	getJSON(t, srv.URL+"/ogc/collections/tracks/items?limit=10000&bbox="+box+"&datetime="+url.QueryEscape(window), &tr)
	seen := map[any]bool{}
	for _, f := range tr.Features {
		if f.Geometry.Type != "LineString" || seen[f.ID] || f.Properties["positions"].(float64) < 2 {
			t.Fatalf("track %v: %s, positions %v, repeated %v", f.ID, f.Geometry.Type, f.Properties["positions"], seen[f.ID])
		}
		seen[f.ID] = true
	}
	if len(tr.Features) == 0 {
		t.Error("no tracks")
	}

	// Errors and authentication.
	for _, tc := range []struct {
		path, token string
		code        int
	}{
		{"/ogc/collections", "", http.StatusUnauthorized},
		{"/ogc/collections/positions/items", "", http.StatusUnauthorized},
		{"/ogc/collections/nothing/items", fx.read, http.StatusNotFound},
		{"/ogc/collections/positions/items?datetime=2022-01-04/2022-01-03", fx.read, http.StatusBadRequest},
		{"/ogc/collections/positions/items?datetime=2021-01-01/2022-01-03", fx.read, http.StatusOK}, // clipped to the data
		{"/ogc/collections/positions/items?limit=100000", fx.read, http.StatusBadRequest},
		{"/ogc/collections/positions/items?bbox=1,2,3", fx.read, http.StatusBadRequest},
		{"/ogc/collections/vessels/items/123", fx.read, http.StatusNotFound},
		{"/ogc/collections/positions/items/x-y", fx.read, http.StatusNotFound},
	} {
		if code, _, body := do(t, "GET", srv.URL+tc.path, tc.token, nil); code != tc.code {
			t.Errorf("GET %s = %d %s; want %d", tc.path, code, body, tc.code)
		}
	}
}

// ogrinfo runs GDAL's ogrinfo with the read token in the headers.
func ogrinfo(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("TIDEWATCH_REQUIRE_OGRINFO") != "" {
			t.Fatalf("ogrinfo required but not found: %v", err)
		}
		t.Skip("ogrinfo not installed (bash e2e/formats/install.sh)")
	}
	cmd := exec.Command(path, append([]string{"--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer " + fx.read}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ogrinfo %q: %v: %s", args, err, stderr.Bytes())
	}
	return string(out)
}

// TestOGCWithGDAL reads the OGC API with GDAL's OAPIF driver, the client
// under QGIS: it lists every collection, reads their features with a
// token, pages through a bbox-filtered collection, and is refused without
// the token.
func TestOGCWithGDAL(t *testing.T) {
	srv := ogcServer(t)
	ds := "OAPIF:" + srv.URL + "/ogc"
	out := ogrinfo(t, "-ro", "-so", ds)
	for _, c := range []string{"vessels", "positions", "tracks", "events", "zones", "incidents", "contacts"} {
		if !regexp.MustCompile(`(?m)^\d+: ` + c + `\b`).MatchString(out) {
			t.Errorf("ogrinfo lists no layer %s:\n%s", c, out)
		}
	}
	count := func(s string) int { return strings.Count(s, "\nOGRFeature(") }
	for _, c := range []string{"vessels", "events", "zones", "incidents", "tracks", "contacts"} {
		var p ogcPage
		getJSON(t, srv.URL+"/ogc/collections/"+c+"/items?limit=10000", &p)
		got := ogrinfo(t, "-ro", "-oo", "PAGE_SIZE=10000", ds, c)
		if n := count(got); n != p.NumberMatched || n == 0 {
			t.Errorf("ogrinfo reads %d %s; the API matches %d", n, c, p.NumberMatched)
		}
	}
	// Positions in a box, 200 a page: GDAL follows the next links.
	var p ogcPage
	getJSON(t, srv.URL+"/ogc/collections/positions/items?limit=1&bbox=-95.0,29.6,-94.9,29.8", &p)
	got := ogrinfo(t, "-ro", "-oo", "PAGE_SIZE=200", "-spat", "-95.0", "29.6", "-94.9", "29.8", ds, "positions")
	if n := count(got); n != p.NumberMatched || n <= 200 {
		t.Errorf("ogrinfo reads %d positions in the box; the API matches %d (want more than a page of 200)", n, p.NumberMatched)
	}
	if !strings.Contains(got, "mmsi (Integer") && !strings.Contains(got, "mmsi (Integer64") {
		t.Errorf("ogrinfo positions: no integer mmsi field:\n%.2000s", got)
	}
	// Contacts in a box: GDAL's spatial filter and paging.
	var cp, first ogcPage
	getJSON(t, srv.URL+"/ogc/collections/contacts/items?limit=1", &first)
	lon, lat := first.Features[0].Properties["lon"].(float64), first.Features[0].Properties["lat"].(float64)
	cbox := []string{strconv.FormatFloat(lon-0.05, 'f', 4, 64), strconv.FormatFloat(lat-0.05, 'f', 4, 64), strconv.FormatFloat(lon+0.05, 'f', 4, 64), strconv.FormatFloat(lat+0.05, 'f', 4, 64)}
	getJSON(t, srv.URL+"/ogc/collections/contacts/items?limit=1&bbox="+strings.Join(cbox, ","), &cp)
	got = ogrinfo(t, append(append([]string{"-ro", "-oo", "PAGE_SIZE=50", "-spat"}, cbox...), ds, "contacts")...)
	if n := count(got); n != cp.NumberMatched || n <= 50 {
		t.Errorf("ogrinfo reads %d contacts in the box; the API matches %d (want more than a page of 50)", n, cp.NumberMatched)
	}
	path, _ := exec.LookPath("ogrinfo")
	cmd := exec.Command(path, "-ro", "-so", ds)
	if err := cmd.Run(); err == nil {
		t.Error("ogrinfo without a token opened the API")
	}
}
