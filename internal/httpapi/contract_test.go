package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// contract checks responses against openapi.json: every test server of
// the package (newServer) answers through validating, so that every
// response of every test is checked against the schema of its route,
// method, status and content type.
type contract struct {
	doc    *apiDoc
	routes *http.ServeMux // the document's paths, to find a request's
}

// newContract parses the document New serves.
func newContract(t testing.TB) *contract {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(httpapi.OpenAPI(), &root); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	c := &contract{doc: &apiDoc{root: root}, routes: http.NewServeMux()}
	paths, _ := root["paths"].(map[string]any)
	for p := range paths {
		c.routes.Handle(p, http.NotFoundHandler())
	}
	return c
}

// ownDocument is the path prefix whose answers another document
// describes: /ogc has its OpenAPI 3.0 document (/ogc/api), checked by the
// OGC tests and by GDAL in ogc_test.go.
const ownDocument = "/ogc"

// validating wraps h: every response is buffered, checked with
// c.check (a mismatch fails t, naming the request), and then sent on.
// The live stream is passed through as written, each complete event
// checked before it is sent.
func validating(t testing.TB, c *contract, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == ownDocument || strings.HasPrefix(r.URL.Path, ownDocument+"/") {
			h.ServeHTTP(w, r)
			return
		}
		_, pattern := c.routes.Handler(r)
		cw := &checkingWriter{under: w, c: c, t: t, method: r.Method, pattern: pattern, url: r.URL.String()}
		h.ServeHTTP(cw, r)
		cw.finish()
	})
}

// checkingWriter buffers a response until the handler returns, except a
// 200 text/event-stream, which it passes through event by event.
type checkingWriter struct {
	under                http.ResponseWriter
	c                    *contract
	t                    testing.TB
	method, pattern, url string

	mu        sync.Mutex
	code      int
	streaming bool
	reported  int            // mismatches reported: at most maxReported per response
	checked   map[string]int // stream events checked, by name
	body      bytes.Buffer   // buffered body, or the stream's unfinished event
}

func (w *checkingWriter) Header() http.Header { return w.under.Header() }

func (w *checkingWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(code)
}

func (w *checkingWriter) writeHeader(code int) {
	if w.code != 0 {
		return
	}
	w.code = code
	if code == http.StatusOK && mediaType(w.under.Header().Get("Content-Type")) == "text/event-stream" {
		w.streaming = true
		w.under.WriteHeader(code)
	}
}

func (w *checkingWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(http.StatusOK)
	w.body.Write(b)
	if !w.streaming {
		return len(b), nil
	}
	for {
		ev, rest, ok := bytes.Cut(w.body.Bytes(), []byte("\n\n"))
		if !ok {
			break
		}
		if name := eventName(ev); w.checked[name] < maxCheckedEvents {
			if w.checked == nil {
				w.checked = map[string]int{}
			}
			w.checked[name]++
			w.report("stream: ", w.c.checkEvent(w.pattern, ev))
		}
		if _, err := w.under.Write(append(ev, "\n\n"...)); err != nil {
			return len(b), err
		}
		w.body = *bytes.NewBuffer(append([]byte(nil), rest...))
	}
	return len(b), nil
}

// Flush flushes a stream; a buffered response is sent when complete.
func (w *checkingWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streaming {
		http.NewResponseController(w.under).Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *checkingWriter) Unwrap() http.ResponseWriter { return w.under }

// maxCheckedEvents is how many events of each name a stream has
// checked: the slow-client tests publish hundreds of thousands of updates
// and measure who keeps up, which checking each would change.
const maxCheckedEvents = 500

// eventName is the name of a stream event ("message" when none).
func eventName(ev []byte) string {
	for line := range bytes.SplitSeq(ev, []byte("\n")) {
		if n, ok := bytes.CutPrefix(line, []byte("event:")); ok {
			return string(bytes.TrimSpace(n))
		}
	}
	return "message"
}

// maxReported bounds the mismatches reported of one response.
const maxReported = 5

// report fails the test with the mismatches of the response.
func (w *checkingWriter) report(prefix string, errs []string) {
	for _, e := range errs {
		w.reported++
		switch {
		case w.reported <= maxReported:
			w.t.Errorf("%s %s: %sopenapi.json: %s", w.method, w.url, prefix, e)
		case w.reported == maxReported+1:
			w.t.Errorf("%s %s: more mismatches with openapi.json", w.method, w.url)
		}
	}
}

// finish checks and sends a buffered response.
func (w *checkingWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streaming {
		return
	}
	code := w.code
	if code == 0 {
		code = http.StatusOK
	}
	w.report(strconv.Itoa(code)+": ", w.c.check(w.method, w.pattern, code, w.under.Header(), w.body.Bytes()))
	w.under.WriteHeader(code)
	w.under.Write(w.body.Bytes())
}

// mediaType is the media type of a Content-Type, without parameters.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

// errorResponse is the answer of a path the document does not have (404)
// or of a method it does not list for a path (405): the handler's JSON
// error.
func errorResponse() map[string]any {
	return map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
}

// check returns how a response of method to the document's path
// pattern ("" when no path matches) differs from the document: an
// undocumented status, a content type not listed, a body where none is
// documented, or a JSON body that does not match the schema.
func (c *contract) check(method, pattern string, code int, hdr http.Header, body []byte) []string {
	var resp map[string]any
	switch op, _ := dig(c.doc.root, "paths", pattern, strings.ToLower(method)).(map[string]any); {
	case pattern == "":
		if code != http.StatusNotFound {
			return []string{fmt.Sprintf("a path openapi.json does not have answers %d; want 404", code)}
		}
		resp = errorResponse()
	case op == nil:
		if code != http.StatusMethodNotAllowed {
			return []string{fmt.Sprintf("openapi.json has no %s %s, which answers %d; want 405", method, pattern, code)}
		}
		resp = errorResponse()
	default:
		r, ok := dig(op, "responses", strconv.Itoa(code)).(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("status %d is not documented for %s %s", code, method, pattern)}
		}
		if ref, ok := r["$ref"].(string); ok {
			if r, ok = c.doc.resolve(ref); !ok {
				return []string{"unresolved " + ref}
			}
		}
		resp = r
	}
	body, err := uncompress(hdr.Get("Content-Encoding"), body)
	if err != nil {
		return []string{err.Error()}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 && code != http.StatusNotModified {
			return []string{fmt.Sprintf("a body (%s) where openapi.json documents none: %s", hdr.Get("Content-Type"), short(string(body)))}
		}
		return nil
	}
	if method == "HEAD" {
		return nil
	}
	ct := hdr.Get("Content-Type")
	media, ok := matchMedia(content, ct)
	if !ok {
		return []string{fmt.Sprintf("Content-Type %q is not one of those documented (%v)", ct, keysOf(content))}
	}
	if len(body) == 0 {
		return []string{fmt.Sprintf("an empty body where openapi.json documents %s", ct)}
	}
	mt := mediaType(ct)
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("the %s body is not JSON: %v", ct, err)}
	}
	schema, ok := media["schema"].(map[string]any)
	if !ok {
		return nil
	}
	var errs []string
	c.doc.validate(schema, v, "$", &errs)
	return errs
}

// checkEvent checks one event of the live stream: its name must be one
// of the stream's x-events and its data the JSON of that schema.
func (c *contract) checkEvent(pattern string, ev []byte) []string {
	name, data := "message", ""
	for line := range strings.SplitSeq(string(ev), "\n") {
		switch {
		case strings.HasPrefix(line, ":"), line == "":
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		case strings.HasPrefix(line, "id:"), strings.HasPrefix(line, "retry:"):
		default:
			return []string{fmt.Sprintf("line %q is not an SSE field", line)}
		}
	}
	if data == "" && name == "message" {
		return nil // a comment (heartbeat)
	}
	events, _ := dig(c.doc.root, "paths", pattern, "get", "responses", "200", "content", "text/event-stream", "x-events").(map[string]any)
	s, ok := events[name].(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("event %q is not in the x-events of %s (%v)", name, pattern, keysOf(events))}
	}
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return []string{fmt.Sprintf("event %s: data %q is not JSON: %v", name, short(data), err)}
	}
	var errs []string
	c.doc.validate(s, v, name, &errs)
	return errs
}

// matchMedia finds the media type of content a Content-Type matches:
// the same type, with every parameter the document names (version=2.1).
func matchMedia(content map[string]any, ct string) (map[string]any, bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, false
	}
	for key, m := range content {
		kt, kp, err := mime.ParseMediaType(key)
		if err != nil || kt != mt {
			continue
		}
		ok := true
		for k, v := range kp {
			ok = ok && params[k] == v
		}
		if ok {
			mm, _ := m.(map[string]any)
			return mm, true
		}
	}
	return nil, false
}

func uncompress(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %v", err)
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("zstd body: %v", err)
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
}

func keysOf(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// TestContractCheck: the response check fails what it must: a path or
// status the document does not have, a content type it does not list, a
// body where it documents none, a member missing, of the wrong type, or
// undocumented in a closed object.
func TestContractCheck(t *testing.T) {
	c := newContract(t)
	js := http.Header{"Content-Type": {"application/json"}}
	session := `{"role":"read","name":"reader","zone_editing":false}`
	for _, tc := range []struct {
		method, path string
		code         int
		hdr          http.Header
		body         string
		bad          bool
	}{
		{"GET", "/api/v1/session", 200, js, session, false},
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader"}`, true},                            // zone_editing missing
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader","zone_editing":"no"}`, true},        // a wrong type
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader","zone_editing":false,"x":1}`, true}, // undocumented
		{"GET", "/api/v1/session", 200, http.Header{"Content-Type": {"text/html"}}, session, true},
		{"GET", "/api/v1/session", 418, js, session, true},
		{"GET", "/api/v1/nothing", 404, js, `{"error":{"code":"not_found","message":"no"}}`, false},
		{"GET", "/api/v1/nothing", 200, js, `{}`, true},
		{"PATCH", "/api/v1/session", 405, js, `{"error":{"code":"method_not_allowed","message":"no"}}`, false},
		{"PATCH", "/api/v1/session", 200, js, session, true},
		{"DELETE", "/api/v1/tokens/x", 204, http.Header{}, "", false},
		{"DELETE", "/api/v1/tokens/x", 204, js, `{}`, true},
		{"GET", "/api/v1/session", 401, js, `{"error":{"code":"unauthorized"}}`, true},
	} {
		r, _ := http.NewRequest(tc.method, "http://x"+tc.path, nil)
		_, pattern := c.routes.Handler(r)
		errs := c.check(tc.method, pattern, tc.code, tc.hdr, []byte(tc.body))
		if got := len(errs) > 0; got != tc.bad {
			t.Errorf("%s %s %d %s: mismatches %q; want some: %v", tc.method, tc.path, tc.code, tc.body, errs, tc.bad)
		}
	}
}
