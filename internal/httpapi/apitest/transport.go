package apitest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Transport is an http.RoundTripper that checks, on the client side,
// every answer of a path the document describes (the API under /api/
// and the document's other paths: /openapi.json, /metrics, /healthz,
// /readyz) against d with d.Check. It reads a buffered answer whole
// before handing it on; a 200 text/event-stream is checked event by event
// as the caller reads it. Other paths (the web map, the basemap, /ogc)
// pass unchecked. A mismatch fails the test the Transport was made for.
type Transport struct {
	doc  *Doc
	base http.RoundTripper
	rep  *reporter
}

// NewTransport checks the answers base gets (http.DefaultTransport when
// nil) against d, failing t on a mismatch.
func NewTransport(t testing.TB, d *Doc, base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{doc: d, base: base, rep: newReporter(t)}
}

// Client is an http.Client whose every answer from the API is checked
// against the document httpapi serves (see Transport), failing t on a
// mismatch.
func Client(t testing.TB) *http.Client {
	t.Helper()
	return &http.Client{Transport: NewTransport(t, Load(t), nil)}
}

// Describes reports whether the document describes the answers of path:
// the API's prefix /api/ and each of the document's paths.
func (d *Doc) Describes(path string) bool {
	if strings.HasPrefix(path, "/api/") {
		return true
	}
	paths, _ := d.Root["paths"].(map[string]any)
	_, ok := paths[path]
	return ok
}

// RoundTrip sends r and checks its answer.
func (tr *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(r)
	if err != nil || !tr.doc.Describes(r.URL.Path) {
		return resp, err
	}
	pattern := tr.doc.Pattern(r)
	if resp.StatusCode == http.StatusOK && MediaType(resp.Header.Get("Content-Type")) == "text/event-stream" {
		sb := &streamBody{under: resp.Body, doc: tr.doc, rep: tr.rep, method: r.Method, pattern: pattern, url: r.URL.String()}
		tr.rep.response(r.Method, r.URL.String(), "stream: ", compressedStream(resp.Header), &sb.reported)
		resp.Body = sb
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var reported int
	tr.rep.response(r.Method, r.URL.String(), strconv.Itoa(resp.StatusCode)+": ", tr.doc.Check(r.Method, pattern, resp.StatusCode, resp.Header, body), &reported)
	return resp, nil
}

// streamBody checks the events of a live stream as the caller reads them.
type streamBody struct {
	under                io.ReadCloser
	doc                  *Doc
	rep                  *reporter
	method, pattern, url string

	mu       sync.Mutex
	buf      bytes.Buffer
	events   eventChecker
	reported int
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.under.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p[:n])
	for {
		ev, ok := b.events.next(&b.buf)
		if !ok {
			break
		}
		b.rep.response(b.method, b.url, "stream: ", b.events.check(b.doc, b.pattern, ev), &b.reported)
	}
	return n, err
}

func (b *streamBody) Close() error { return b.under.Close() }
