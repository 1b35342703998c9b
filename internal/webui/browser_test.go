package webui_test

import (
	"context"
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
	chromium := os.Getenv("CHROMIUM")
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
	e2e, err := filepath.Abs("../../e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		skipBrowser(t, "no e2e/node_modules (bash e2e/run.sh installs them)")
	}
	// Anonymous readers see no zone editor; the admin draws, saves,
	// renames and deletes a zone. Both move the time slider into the past and see the
	// events of its window.
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
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join(e2e, "map.mjs"))
			cmd.Env = append(os.Environ(),
				"BASE_URL="+srv.URL,
				"TOKEN="+tc.token,
				"SEARCH_NAME="+searchName,
				"HOSTILE_MMSI="+hostileMMSI,
				"EXPECT_EVENTS=1",
				"EXPECT_LIVE_EVENTS=1",
				"EXPECT_ZONES=1",
				"HOSTILE_ZONE="+hostileZone,
				"ZONE_EDITING="+tc.zoneEditing,
				"EXPECT_PAST_EVENTS=1",
				"PAST_EVENT_ID="+oldEventID,
				"ARTIFACTS="+artifacts,
				"CHROMIUM="+chromium,
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
		})
	}
}

// TestServeMock serves the map and the mock API for development when
// TIDEWATCH_WEBUI_MOCK is set to a listen address, until interrupted:
//
//	TIDEWATCH_WEBUI_MOCK=127.0.0.1:8090 go test ./internal/webui -run TestServeMock -timeout 0
//
// TIDEWATCH_WEBUI_MOCK_TOKEN makes the mock API require that token, and
// TIDEWATCH_WEBUI_MOCK_ROLE=admin gives it (or anonymous users) the admin
// role, with the zone editor.
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
