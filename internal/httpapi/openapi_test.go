package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// TestOpenAPIMatchesRoutes checks the served OpenAPI document against the
// handler: every registered route is documented, and every documented
// path and method answers on a real server (not 404 or 405).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv := newServer(t, nil)
	code, _, body := do(t, "GET", srv.URL+"/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q; want 3.1", doc.OpenAPI)
	}
	routes := httpapi.RouteTable()
	for _, rt := range routes {
		if _, ok := doc.Paths[rt[1]][strings.ToLower(rt[0])]; !ok {
			t.Errorf("route %s %s is not in openapi.json", rt[0], rt[1])
		}
	}
	// Example values for path parameters.
	fill := strings.NewReplacer("{mmsi}", "366999999", "{name}", "nobody")
	for path, ops := range doc.Paths {
		for method := range ops {
			m := strings.ToUpper(method)
			if !slices.Contains(routes, [2]string{m, path}) {
				t.Errorf("openapi.json documents %s %s, which the handler does not register", m, path)
			}
			var bodyStr string
			if m == "POST" {
				bodyStr = `{}`
			}
			url := srv.URL + fill.Replace(path)
			if path == "/api/v1/stream" {
				continue // answers 200 and streams: checked in TestStream
			}
			code, _, resp := do(t, m, url, fx.admin, strings.NewReader(bodyStr))
			if code == http.StatusNotFound && !strings.Contains(path, "{") || code == http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d %s", m, path, code, resp)
			}
			if strings.Contains(path, "{") && code == http.StatusNotFound && !strings.Contains(string(resp), `"not_found"`) {
				t.Errorf("%s %s = 404 from the mux, not the handler: %s", m, path, resp)
			}
		}
	}
}

func TestMetrics(t *testing.T) {
	srv := newServer(t, nil)
	do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", fx.read, nil)
	do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", fx.read, nil)
	do(t, "GET", srv.URL+"/api/v1/vessels?limit=0", fx.read, nil)
	do(t, "GET", srv.URL+"/api/v1/vessels/123456789", fx.read, nil)
	do(t, "GET", srv.URL+"/api/v1/vessels", "", nil)
	code, hdr, body := do(t, "GET", srv.URL+"/metrics", fx.read, nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`tidewatch_api_requests_total{code="200",method="GET",route="/api/v1/vessels"} 2`,
		`tidewatch_api_requests_total{code="400",method="GET",route="/api/v1/vessels"} 1`,
		`tidewatch_api_requests_total{code="401",method="GET",route="/api/v1/vessels"} 1`,
		`tidewatch_api_requests_total{code="404",method="GET",route="/api/v1/vessels/{mmsi}"} 1`,
		`tidewatch_api_request_duration_seconds_count{method="GET",route="/api/v1/vessels"} 4`,
		`tidewatch_api_request_duration_seconds_bucket{method="GET",route="/api/v1/vessels",le="+Inf"} 4`,
		"tidewatch_api_stream_clients 0",
		"tidewatch_api_stream_dropped_total 0",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
