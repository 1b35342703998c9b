package webui_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/incident"
)

// TestBrowser runs the browser test e2e/map.mjs (Playwright driving
// Chromium) against the embedded map and the mock API, anonymously and with
// a token. It skips unless Chromium, node and e2e/node_modules are present:
// bash e2e/run.sh installs them. Screenshots go to $ARTIFACTS, else to a
// temporary directory.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium, node, e2e := browserTools(t)
	// Anonymous readers see no zone editor and no incident editing; the
	// admin draws, saves, renames and deletes a zone, and creates, edits
	// (meeting a stale edit) and deletes an incident. Both move the time
	// slider into the past and see the events of its window, see the
	// incidents list, details and map, and export STIX and GeoJSON. The
	// admin checks the Sharing panel (partners and audit); the reader must
	// not see it.
	for _, tc := range []struct{ name, token, role, zoneEditing string }{
		{"anonymous", "", "read", "0"},
		{"token", "test-token-4711", "admin", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMockAPI(400, tc.token, tc.role)
			srv := httptest.NewServer(m.handler(t))
			defer srv.Close()
			artifacts := os.Getenv("ARTIFACTS")
			if artifacts == "" {
				artifacts = t.TempDir()
			} else {
				artifacts = filepath.Join(artifacts, tc.name)
			}
			// The checks take about a minute; a loaded machine (CI, other
			// tests running) can make it several.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join(e2e, "map.mjs"))
			cmd.Env = append(os.Environ(),
				"BASE_URL="+srv.URL,
				"TOKEN="+tc.token,
				"SEARCH_NAME="+searchName,
				"HOSTILE_MMSI="+hostileMMSI,
				"EXPECT_EVENTS=1", "EXPECT_EVENT_ORIGIN=JP-JCG",
				"EXPECT_LIVE_EVENTS=1",
				"EXPECT_ZONES=1",
				"HOSTILE_ZONE="+hostileZone,
				"ZONE_EDITING="+tc.zoneEditing,
				"EXPECT_PAST_EVENTS=1",
				"PAST_EVENT_ID="+oldEventID,
				"EXPECT_INCIDENTS=1",
				"HOSTILE_INCIDENT="+hostileIncident,
				"PARTNER_ORIGIN="+mockPartner,
				"INCIDENT_EDITING="+tc.zoneEditing,
				"EXPECT_SHARING="+tc.zoneEditing,
				"HOSTILE_PARTNER_ERROR="+hostileLinkError,
				"HOSTILE_AUDIT_RULE="+hostileAuditRule,
				"EXPECT_AUDIT_LIMIT=1",
				"ARTIFACTS="+artifacts,
				"CHROMIUM="+chromium,
				"TIMEOUT_MS="+browserWait,
			)
			out, err := cmd.CombinedOutput()
			t.Logf("e2e/map.mjs:\n%s", out)
			if err != nil {
				t.Fatalf("e2e/map.mjs: %v", err)
			}
			// The editing the browser did reached the API: a zone created,
			// renamed and deleted by the admin, nothing by the reader.
			m.mu.Lock()
			writes := slices.Clone(m.writes)
			m.mu.Unlock()
			if tc.role == "admin" {
				var name string
				if len(writes) > 0 {
					name, _ = strings.CutPrefix(writes[0], "POST ")
				}
				if len(writes) != 3 || name == "" || writes[1] != "PUT "+name || writes[2] != "DELETE "+name+" renamed" {
					t.Errorf("zone edits %q; want POST, PUT (rename) and DELETE of one zone", writes)
				}
			} else if len(writes) != 0 {
				t.Errorf("zone edits %q by a reader", writes)
			}
			checkIncidentWrites(t, m, tc.role == "admin", tc.token != "")
			checkSharingRequests(t, m, tc.role == "admin")
		})
	}
}

// checkIncidentWrites checks what the browser did to the mock's incidents:
// an admin created a point incident (with what the form said), edited it,
// met an edit made elsewhere (the second PUT, from the test page), saved
// again from the latest version, and deleted it; then created and deleted
// an assessment with a drawn area; a reader wrote nothing.
// Both exports were fetched, with the token when there is one.
func checkIncidentWrites(t *testing.T, m *mockAPI, admin, token bool) {
	t.Helper()
	m.mu.Lock()
	writes := slices.Clone(m.incidentWrites)
	posted := slices.Clone(m.incidentPosted)
	exports := slices.Clone(m.exports)
	m.mu.Unlock()
	if admin {
		var id string
		if len(writes) > 0 {
			id, _ = strings.CutPrefix(writes[0], "POST ")
		}
		want := []string{"POST " + id, "PUT " + id + " v1", "PUT " + id + " v2", "PUT " + id + " v3", "DELETE " + id}
		var area string
		if len(writes) == 7 {
			area, _ = strings.CutPrefix(writes[5], "POST ")
			want = append(want, "POST "+area, "DELETE "+area)
		}
		if id == "" || area == "" || !slices.Equal(writes, want) {
			t.Errorf("incident writes %q; want %q and an assessment's POST and DELETE", writes, want)
		}
		if len(posted) == 2 {
			if a := posted[1]; a.Kind != incident.KindAssessment || len(a.Area) != 1 || len(a.Area[0].Outer) != 4 || a.HasPoint {
				t.Errorf("assessment POSTed %+v; want an area of 3 corners, closed, and no point", a)
			}
			p := posted[0]
			if !p.HasPoint || p.Lat == 0 || p.Category != incident.Piracy || p.TLP != incident.TLPAmberStrict ||
				!slices.Equal(p.ReleasableTo, []string{"JP-JCG", "AU-MBC"}) || p.Kind != incident.KindIncident {
				t.Errorf("incident POSTed %+v; want a point piracy incident, TLP:AMBER+STRICT, releasable to JP-JCG and AU-MBC", p)
			}
		}
	} else if len(writes) != 0 {
		t.Errorf("incident writes %q by a reader", writes)
	}
	want := []string{fmt.Sprintf("stix token=%t", token), fmt.Sprintf("geojson token=%t", token)}
	if !slices.Equal(exports, want) {
		t.Errorf("exports %q; want %q", exports, want)
	}
}

// checkSharingRequests checks what the browser asked of the mock's
// sharing: an admin's panel loaded the partners more than once (it
// refreshes) and asked for the audit with every filter; a reader asked
// for nothing.
func checkSharingRequests(t *testing.T, m *mockAPI, admin bool) {
	t.Helper()
	m.mu.Lock()
	partners, audits := m.partnerRequests, len(m.auditQueries)
	m.mu.Unlock()
	if !admin {
		if partners != 0 || audits != 0 {
			t.Errorf("a reader asked for the partners %d times and the audit %d times", partners, audits)
		}
		return
	}
	if partners < 2 {
		t.Errorf("the partners were asked for %d times; want a load and a refresh", partners)
	}
	if !m.auditQueried("partner", "direction", "kind", "key", "from", "limit=500") {
		t.Errorf("no audit query with partner, direction, kind, key, from and limit=500 among %d", audits)
	}
}

// TestBrowserBasemap runs the basemap's browser test,
// e2e/features/basemap.mjs, against the embedded map and a mock API
// serving a PMTiles archive detailed over Singapore with three ships in
// its strait (the other feature scripts run against a real node:
// TestBrowserFeatures in internal/server). Screenshots go to
// $ARTIFACTS/features, else to e2e/artifacts (ignored by git). It skips
// as TestBrowser does.
func TestBrowserBasemap(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium, node, e2e := browserTools(t)
	scripts := []string{filepath.Join(e2e, "features", "basemap.mjs")}
	artifacts := filepath.Join(e2e, "artifacts")
	if a := os.Getenv("ARTIFACTS"); a != "" {
		artifacts = filepath.Join(a, "features")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".mjs")
		t.Run(name, func(t *testing.T) {
			m := newMockAPI(400, "", "read")
			h := m.withBasemap(t, m.handler(t))
			srv := httptest.NewServer(h)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script)
			cmd.Env = append(os.Environ(), "BASE_URL="+srv.URL, "ARTIFACTS="+artifacts, "CHROMIUM="+chromium, "TIMEOUT_MS="+browserWait)
			out, err := cmd.CombinedOutput()
			t.Logf("%s:\n%s", filepath.Base(script), out)
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(script), err)
			}
		})
	}
}

// browserWait is the browser tests' wait for one thing (TIMEOUT_MS, in
// ms): the first draw compiles shaders in software (SwiftShader), which
// takes tens of seconds on a loaded machine.
const browserWait = "90000"

// browserTools returns Chromium, node and the e2e directory, or skips
// (see skipBrowser) when one is missing.
func browserTools(t *testing.T) (chromium, node, e2e string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		skipBrowser(t, "no Chromium at %s (bash e2e/run.sh installs it)", chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skipBrowser(t, "no node")
	}
	e2e, err = filepath.Abs("../../e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		skipBrowser(t, "no e2e/node_modules (bash e2e/run.sh installs them)")
	}
	return chromium, node, e2e
}

// TestServeMock serves the map and the mock API for development when
// TIDEWATCH_WEBUI_MOCK is set to a listen address, until interrupted:
//
//	TIDEWATCH_WEBUI_MOCK=127.0.0.1:8090 go test ./internal/webui -run TestServeMock -timeout 0
//
// TIDEWATCH_WEBUI_MOCK_TOKEN makes the mock API require that token, and
// TIDEWATCH_WEBUI_MOCK_ROLE=admin gives it (or anonymous users) the admin
// role, with the zone editor and incident editing.
func TestServeMock(t *testing.T) {
	addr := os.Getenv("TIDEWATCH_WEBUI_MOCK")
	if addr == "" {
		t.Skip("set TIDEWATCH_WEBUI_MOCK=ADDR to serve the map with the mock API")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	role := os.Getenv("TIDEWATCH_WEBUI_MOCK_ROLE")
	if role == "" {
		role = "read"
	}
	srv := &http.Server{Handler: newMockAPI(2000, os.Getenv("TIDEWATCH_WEBUI_MOCK_TOKEN"), role).handler(t)}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	t.Logf("serving the map with the mock API at http://%s/", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		t.Fatal(err)
	}
}

// skipBrowser skips, or fails when TIDEWATCH_REQUIRE_BROWSER is set (CI,
// where .ci/run installed the browser and the packages).
func skipBrowser(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("TIDEWATCH_REQUIRE_BROWSER") != "" {
		t.Fatalf("browser test required: "+format, args...)
	}
	t.Skipf(format, args...)
}
