package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// leakRule is what may appear in a partner node's API: a test for every
// place (lat/lon) mentioned, the strings that must never appear, and the
// receiver names of the other node (provenance never crosses a link).
type leakRule struct {
	node      string
	placeOK   func(lat, lon float64) bool
	forbidden []*regexp.Regexp
	sources   map[string]bool // the sender's receiver names
}

// crawl fetches every read route of base that can carry data received
// from partners, with the arguments most likely to reach data outside
// policy: the vessels and incidents of interest by ID, near and area
// queries over the places of interest, the whole time range, flagged
// reports included, the stream replayed from its start, and the exports.
func crawl(t *testing.T, base string, mmsis []vessel.MMSI, incidents []string, places [][2]float64) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	api := apiClient(t)
	get := func(path string) {
		resp, err := api.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out["GET "+path] = b
	}
	const all = "from=2000-01-01&to=2100-01-01"
	get("/api/v1/vessels?limit=100000&max_age=36500d")
	get("/api/v1/vessels?limit=100000&max_age=36500d&at=" + url.QueryEscape(time.Now().Add(-30*time.Second).UTC().Format(time.RFC3339)))
	for _, m := range mmsis {
		get(fmt.Sprintf("/api/v1/vessels/%d?max_age=36500d", m))
		get(fmt.Sprintf("/api/v1/vessels/%d/track?%s&flagged=true", m, all))
		get(fmt.Sprintf("/api/v1/search?q=%d", m))
	}
	for _, q := range []string{"A", "MARU", "SEA", "IN-IFC", "partner"} {
		get("/api/v1/search?limit=10000&q=" + url.QueryEscape(q))
	}
	for _, p := range places {
		get(fmt.Sprintf("/api/v1/near?lat=%f&lon=%f&radius=500000&%s&flagged=true&limit=10000", p[0], p[1], all))
		body, _ := json.Marshal(map[string]any{"polygon": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
			{p[1] - 2, p[0] - 2}, {p[1] + 2, p[0] - 2}, {p[1] + 2, p[0] + 2}, {p[1] - 2, p[0] + 2}, {p[1] - 2, p[0] - 2}}}},
			"from": "2000-01-01", "to": "2100-01-01", "flagged": true})
		resp, err := api.Post(base+"/api/v1/area", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out[fmt.Sprintf("POST /api/v1/area %v", p)] = b
	}
	get("/api/v1/events?limit=10000&" + all)
	get("/api/v1/zones")
	get("/api/v1/incidents?limit=10000&include_deleted=true")
	get("/api/v1/incidents?format=stix&include_deleted=true")
	get("/api/v1/incidents?format=geojson&include_deleted=true")
	for _, id := range incidents {
		get("/api/v1/incidents/" + url.PathEscape(id))
		get("/api/v1/incidents/" + url.PathEscape(id) + "/history")
	}
	// The positions export and the OGC API - Features collections:
	// positions and tracks of the last day of the stored data (their
	// default; a window is at most 31 days, and the nodes hold captures
	// years apart), everything else over all time.
	mustGet := func(path string) {
		get(path)
		if b := out["GET "+path]; bytes.HasPrefix(b, []byte(`{"error"`)) {
			t.Errorf("GET %s: %s", path, b)
		}
	}
	mustGet("/api/v1/export?format=geojson&flagged=true")
	for _, c := range []string{"positions", "tracks"} {
		mustGet("/ogc/collections/" + c + "/items?limit=10000")
	}
	for _, c := range []string{"vessels", "events", "zones", "incidents", "contacts"} {
		mustGet("/ogc/collections/" + c + "/items?limit=10000&datetime=../..")
	}
	for _, m := range mmsis {
		get(fmt.Sprintf("/ogc/collections/vessels/items/%d", m))
		get(fmt.Sprintf("/ogc/collections/tracks/items/%d", m))
	}
	// The stream, replayed from the start of its ring, for as long as it
	// takes to deliver what it holds.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/stream?since=0", nil)
	if resp, err := api.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body) // ends with the context
		resp.Body.Close()
		out["GET /api/v1/stream?since=0"] = b
	}
	return out
}

// checkLeaks applies a rule to every body a crawl got.
func checkLeaks(t *testing.T, bodies map[string][]byte, r leakRule) {
	t.Helper()
	places, total := 0, 0
	for route, b := range bodies {
		total += len(b)
		for _, re := range r.forbidden {
			if re.MatchString(route) {
				continue // an error that names what was asked for
			}
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: %s shows %q, outside policy: …%s…", r.node, route, re.String(), b[max(0, loc[0]-80):min(len(b), loc[1]+80)])
			}
		}
		// JSON bodies, and the stream's data: lines.
		var docs [][]byte
		if strings.Contains(route, "/stream") {
			for _, line := range bytes.Split(b, []byte("\n")) {
				if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
					docs = append(docs, d)
				}
			}
		} else {
			docs = [][]byte{b}
		}
		for _, d := range docs {
			var v any
			if json.Unmarshal(d, &v) != nil {
				continue
			}
			walk(v, func(m map[string]any) {
				lat, ok1 := m["lat"].(float64)
				lon, ok2 := m["lon"].(float64)
				if ok1 && ok2 {
					places++
					if !r.placeOK(lat, lon) {
						t.Errorf("%s: %s shows a place outside policy: %v", r.node, route, m)
					}
				}
				// GeoJSON points and lines (exports, OGC API features).
				var coords []any
				switch m["type"] {
				case "Point":
					coords = []any{m["coordinates"]}
				case "LineString":
					coords, _ = m["coordinates"].([]any)
				}
				for _, c := range coords {
					if xy, _ := c.([]any); len(xy) == 2 {
						lon, _ := xy[0].(float64)
						lat, _ := xy[1].(float64)
						places++
						if !r.placeOK(lat, lon) {
							t.Errorf("%s: %s shows a place outside policy: %v", r.node, route, xy)
						}
					}
				}
				for _, k := range []string{"source", "heard_by"} {
					var names []any
					switch x := m[k].(type) {
					case string:
						names = []any{x}
					case []any:
						names = x
					}
					for _, n := range names {
						if s, _ := n.(string); r.sources[s] {
							t.Errorf("%s: %s names the partner's receiver %q", r.node, route, s)
						}
					}
				}
			})
		}
	}
	t.Logf("%s: %d routes, %d bytes, %d places checked", r.node, len(bodies), total, places)
	if places == 0 {
		t.Errorf("%s: the crawl found no places at all; it checks nothing", r.node)
	}
}

func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// tagSources returns the receiver names in the NMEA tag blocks of a file.
func tagSources(t *testing.T, path string) map[string]bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`[\\,]s:([^,*\\]+)`).FindAllSubmatch(b, -1) {
		out[string(m[1])] = true
	}
	return out
}

func word(s string) *regexp.Regexp { return regexp.MustCompile(`\b` + regexp.QuoteMeta(s) + `\b`) }
