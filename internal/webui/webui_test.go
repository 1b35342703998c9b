package webui_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/webui"
)

type manifest struct {
	SourceHash string `json:"sourceHash"`
	Index      string `json:"index"`
	JS         string `json:"js"`
	CSS        string `json:"css"`
	Worker     string `json:"worker"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	data, err := os.ReadFile("dist/build.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("dist/build.json: %v", err)
	}
	if m.SourceHash == "" || m.JS == "" || m.CSS == "" || m.Worker == "" {
		t.Fatalf("dist/build.json incomplete: %+v", m)
	}
	return m
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerServesDist(t *testing.T) {
	m := readManifest(t)
	h := webui.Handler()
	const immutable = "public, max-age=31536000, immutable"
	for _, tc := range []struct {
		path, ctype, cache string
		status             int
	}{
		{"/", "text/html; charset=utf-8", "no-cache", 200},
		{"/index.html", "text/html; charset=utf-8", "no-cache", 200},
		{"/" + m.JS, "text/javascript; charset=utf-8", immutable, 200},
		{"/" + m.CSS, "text/css; charset=utf-8", immutable, 200},
		{"/" + m.Worker, "text/javascript; charset=utf-8", immutable, 200},
		{"/licenses/maplibre-gl.txt", "text/plain; charset=utf-8", "no-cache", 200},
		{"/build.json", "application/json", "no-cache", 200},
		{"/nope.js", "text/plain; charset=utf-8", "no-cache", 404},
		{"/assets/../index.html", "text/plain; charset=utf-8", "no-cache", 404},
	} {
		res := get(t, h, "GET", tc.path, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.status {
			t.Errorf("GET %s: status %d; want %d", tc.path, res.StatusCode, tc.status)
			continue
		}
		checkHeader(t, res, tc.path, "Content-Type", tc.ctype)
		checkHeader(t, res, tc.path, "Cache-Control", tc.cache)
		checkHeader(t, res, tc.path, "X-Content-Type-Options", "nosniff")
		checkCSP(t, tc.path, res.Header.Get("Content-Security-Policy"))
		if tc.status == 200 {
			file := strings.TrimPrefix(tc.path, "/")
			if file == "" {
				file = "index.html"
			}
			want, err := os.ReadFile(filepath.Join("dist", file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("GET %s: body differs from dist", tc.path)
			}
		}
	}

	index := get(t, h, "GET", "/", nil)
	body, _ := io.ReadAll(index.Body)
	for _, ref := range []string{m.JS, m.CSS, m.Worker} {
		if !bytes.Contains(body, []byte(`"`+ref+`"`)) {
			t.Errorf("index.html does not reference %s", ref)
		}
	}
}

func checkHeader(t *testing.T, res *http.Response, path, key, want string) {
	t.Helper()
	if got := res.Header.Get(key); got != want {
		t.Errorf("GET %s: %s = %q; want %q", path, key, got, want)
	}
}

func checkCSP(t *testing.T, path, csp string) {
	t.Helper()
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self'", "worker-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("GET %s: CSP %q allows %q", path, csp, bad)
		}
	}
}

func TestHandlerMethodsAndCaching(t *testing.T) {
	m := readManifest(t)
	h := webui.Handler()

	res := get(t, h, "POST", "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q; want 405, GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
	res = get(t, h, "HEAD", "/"+m.JS, nil)
	if body, _ := io.ReadAll(res.Body); res.StatusCode != 200 || len(body) != 0 || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD %s: %d, %d bytes, Content-Length %q", m.JS, res.StatusCode, len(body), res.Header.Get("Content-Length"))
	}

	res = get(t, h, "GET", "/", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /: no ETag")
	}
	if res := get(t, h, "GET", "/", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET / If-None-Match: %d; want 304", res.StatusCode)
	}

	plain, _ := os.ReadFile(filepath.Join("dist", m.JS))
	res = get(t, h, "GET", "/"+m.JS, map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("GET %s gzip: Content-Encoding %q, Vary %q", m.JS, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if !bytes.Equal(unz, plain) {
		t.Errorf("GET %s gzip: body does not unzip to the file", m.JS)
	}
	if res.Header.Get("ETag") == get(t, h, "GET", "/"+m.JS, nil).Header.Get("ETag") {
		t.Error("gzip and identity responses share an ETag")
	}
	if res := get(t, h, "GET", "/"+m.JS, map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}

func TestNewHandlerTileOrigins(t *testing.T) {
	h, err := webui.NewHandler(webui.Config{TileOrigins: []string{"https://tiles.example.org", "http://10.0.0.5:8081/"}})
	if err != nil {
		t.Fatal(err)
	}
	csp := get(t, h, "GET", "/", nil).Header.Get("Content-Security-Policy")
	for _, want := range []string{"img-src 'self' data: blob: https://tiles.example.org http://10.0.0.5:8081;", "connect-src 'self' https://tiles.example.org http://10.0.0.5:8081;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"", "tiles.example.org", "ftp://x", "https://x/tiles/{z}", "https://x;script-src *", "https://x?a=b", "https://u@x"} {
		if _, err := webui.NewHandler(webui.Config{TileOrigins: []string{bad}}); err == nil {
			t.Errorf("NewHandler(TileOrigins %q): no error", bad)
		}
	}
}

// appSources lists the files whose hash dist/build.json records, the same
// way as sourceFiles in app/build.mjs.
func appSources(t *testing.T) []string {
	files := []string{"package.json", "package-lock.json", "build.mjs"}
	err := filepath.WalkDir("app/src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel("app", p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// TestDistUpToDate checks that dist was built from the sources as they are:
// build.mjs records a hash of them. Rebuild with go generate ./internal/webui.
func TestDistUpToDate(t *testing.T) {
	m := readManifest(t)
	h := sha256.New()
	for _, f := range appSources(t) {
		data, err := os.ReadFile(filepath.Join("app", f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s\x00%s\n", f, hex.EncodeToString(sum[:]))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SourceHash {
		t.Errorf("dist is stale: sources hash to %s, dist/build.json records %s; run go generate ./internal/webui", got, m.SourceHash)
	}
}

// TestDistRebuild rebuilds the app into a temporary directory and compares
// it with dist, byte for byte, when node and app/node_modules are there
// (npm ci in app installs them).
func TestDistRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuild in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	if _, err := os.Stat("app/node_modules/esbuild"); err != nil {
		t.Skip("no app/node_modules (cd internal/webui/app && npm ci)")
	}
	out := filepath.Join(t.TempDir(), "dist")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "build.mjs", out)
	cmd.Dir = "app"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, b)
	}
	want := treeOf(t, out)
	got := treeOf(t, "dist")
	for name, sum := range want {
		if got[name] != sum {
			t.Errorf("dist/%s differs from a fresh build (or is missing); run go generate ./internal/webui", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("dist/%s is not part of a fresh build", name)
		}
	}
}

func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(data)
		tree[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// htmlSinks are the DOM APIs that parse a string as markup. The app renders
// AIS text (attacker-controlled) with textContent and text nodes only.
var htmlSinks = regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|setHTML|srcdoc|\beval\(|new Function\(|setHTML\(|\.html\(`)

func TestNoHTMLSinksInApp(t *testing.T) {
	n := 0
	err := filepath.WalkDir("app/src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		for i, line := range strings.Split(string(data), "\n") {
			if m := htmlSinks.FindString(line); m != "" {
				t.Errorf("%s:%d: %s: render text with textContent or text nodes", p, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no app sources found")
	}
}

// TestIndexHasNoInlineCode checks that index.html (source and built) has
// no inline script, event handler attributes or style attributes, which the
// CSP would block.
func TestIndexHasNoInlineCode(t *testing.T) {
	scriptTag := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	inline := regexp.MustCompile(`(?i)\s(on[a-z]+|style)\s*=`)
	for _, p := range []string{"app/src/index.html", "dist/index.html"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range scriptTag.FindAllSubmatch(data, -1) {
			if !bytes.Contains(m[1], []byte("src=")) || len(bytes.TrimSpace(m[2])) > 0 {
				t.Errorf("%s: inline script %q", p, m[0])
			}
		}
		if m := inline.Find(data); m != nil {
			t.Errorf("%s: inline attribute %q", p, m)
		}
	}
}

// TestNodeUnit runs the unit tests of the map's pure modules (formatting,
// geometry, the time slider's range) with Node's test runner, when node
// is installed (app/test/*.test.mjs; the TypeScript modules they import
// are compiled by esbuild through app/tshooks.mjs).
func TestNodeUnit(t *testing.T) {
	node := nodeTool(t, "esbuild")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--import", "./tshooks.mjs", "--test", "test/")
	cmd.Dir = "app"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("# fail 0")) {
		t.Fatalf("node --test: no \"# fail 0\" in\n%s", out)
	}
}
