package server

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
)

// apiClient is the HTTP client of this package's tests: every answer a
// test gets from a node's API (status, Content-Type, body; the live stream
// event by event) is checked against openapi.json with the checks of
// httpapi's own tests, and a mismatch fails t (apitest.Client).
// TestAPIClientChecked keeps the tests on it.
func apiClient(t testing.TB) *http.Client {
	t.Helper()
	return apitest.Client(t)
}

// apiClientVia is apiClient over the transport base (TLS settings).
func apiClientVia(t testing.TB, base http.RoundTripper) *http.Client {
	t.Helper()
	return &http.Client{Transport: apitest.NewTransport(t, apitest.Load(t), base)}
}

// uncheckedHTTP matches the ways to reach a node that bypass apiClient.
var uncheckedHTTP = regexp.MustCompile(`http\.(Get|Head|Post|PostForm)\(|http\.DefaultClient|http\.Client\{`)

// TestAPIClientChecked: the package's tests reach a node's API only
// through apiClient, so that every answer they get is checked against
// openapi.json, and a new test gets the check without asking.
func TestAPIClientChecked(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "apiclient_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if uncheckedHTTP.MatchString(line) {
				t.Errorf("%s:%d: %s: use apiClient(t), which checks answers against openapi.json", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// failures is a testing.TB that keeps the failures reported to it.
type failures struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// TestAPIClientCatchesMismatch: the check of apiClient is live on a real
// node's answers: against a document whose Session lacks zone_editing
// (the object stays closed), the node's /api/v1/session fails the test,
// and against the real document it passes.
func TestAPIClientCatchesMismatch(t *testing.T) {
	node := startNode(t, Options{Config: Config{Data: filepath.Join(t.TempDir(), "data"), Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true}})
	altered, err := apitest.Parse(httpapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	session := apitest.Dig(altered.Root, "components", "schemas", "Session").(map[string]any)
	delete(session["properties"].(map[string]any), "zone_editing")
	session["required"] = []any{"role", "name"}
	for _, tc := range []struct {
		doc  *apitest.Doc
		want bool
	}{{apitest.Load(t), false}, {altered, true}} {
		rec := &failures{TB: t}
		c := &http.Client{Transport: apitest.NewTransport(rec, tc.doc, nil)}
		resp, err := c.Get(node.base + "/api/v1/session")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/session: %s", resp.Status)
		}
		if got := len(rec.msgs) > 0; got != tc.want || tc.want && !strings.Contains(rec.msgs[0], `undocumented member "zone_editing"`) {
			t.Errorf("failures %q; want some: %v", rec.msgs, tc.want)
		}
	}
}
