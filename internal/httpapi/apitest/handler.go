package apitest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// MaxReported bounds the mismatches reported of one response.
const MaxReported = 5

// MaxCheckedEvents is how many events of each name a stream has checked:
// the slow-client tests publish hundreds of thousands of updates and
// measure who keeps up, which checking each would change.
const MaxCheckedEvents = 500

// OwnDocument is the path prefix whose answers another document
// describes: /ogc has its OpenAPI 3.0 document (/ogc/api), checked by the
// OGC tests and by GDAL.
const OwnDocument = "/ogc"

// served is the document httpapi serves, parsed once: a Doc is read-only.
var served = sync.OnceValues(func() (*Doc, error) { return Parse(httpapi.OpenAPI()) })

// Load is the document httpapi serves (httpapi.OpenAPI), failing t when
// it cannot be parsed.
func Load(t testing.TB) *Doc {
	t.Helper()
	d, err := served()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// reporter fails t with the mismatches of responses, until t has ended:
// a stream read by a goroutine can outlive its test.
type reporter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func newReporter(t testing.TB) *reporter {
	r := &reporter{t: t}
	t.Cleanup(func() {
		r.mu.Lock()
		r.done = true
		r.mu.Unlock()
	})
	return r
}

// response reports the mismatches of one response, counting them in
// *reported (at most MaxReported each response).
func (r *reporter) response(method, url, prefix string, errs []string, reported *int) {
	if len(errs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	for _, e := range errs {
		*reported++
		switch {
		case *reported <= MaxReported:
			r.t.Errorf("%s %s: %sopenapi.json: %s", method, url, prefix, e)
		case *reported == MaxReported+1:
			r.t.Errorf("%s %s: more mismatches with openapi.json", method, url)
		}
	}
}

// Handler wraps h: every response is buffered, checked with d.Check (a
// mismatch fails t, naming the request), and then sent on. A 200
// text/event-stream is passed through as written, each complete event
// checked before it is sent. Answers under OwnDocument are not checked,
// nor those to a client that went away before they were done.
func Handler(t testing.TB, d *Doc, h http.Handler) http.Handler {
	rep := newReporter(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == OwnDocument || strings.HasPrefix(r.URL.Path, OwnDocument+"/") {
			h.ServeHTTP(w, r)
			return
		}
		cw := &checkingWriter{under: w, d: d, rep: rep, method: r.Method, pattern: d.Pattern(r), url: r.URL.String()}
		h.ServeHTTP(cw, r)
		if r.Context().Err() != nil {
			// The client went away before the answer was done (a
			// browser dropping its stream when the view moves): the
			// answer reaches no one, and a proxy in front of the node
			// answers such a request 502 itself ("proxy error: context
			// canceled"); it is not the API's answer, so not checked.
			return
		}
		cw.finish()
	})
}

// checkingWriter buffers a response until the handler returns, except a
// 200 text/event-stream, which it passes through event by event.
type checkingWriter struct {
	under                http.ResponseWriter
	d                    *Doc
	rep                  *reporter
	method, pattern, url string

	mu        sync.Mutex
	code      int
	streaming bool
	reported  int
	events    eventChecker
	body      bytes.Buffer // buffered body, or the stream's unfinished event
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
	if code == http.StatusOK && MediaType(w.under.Header().Get("Content-Type")) == "text/event-stream" {
		w.streaming = true
		w.rep.response(w.method, w.url, "stream: ", compressedStream(w.under.Header()), &w.reported)
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
		ev, ok := w.events.next(&w.body)
		if !ok {
			break
		}
		w.rep.response(w.method, w.url, "stream: ", w.events.check(w.d, w.pattern, ev), &w.reported)
		if _, err := w.under.Write(append(ev, "\n\n"...)); err != nil {
			return len(b), err
		}
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
	w.rep.response(w.method, w.url, strconv.Itoa(code)+": ", w.d.Check(w.method, w.pattern, code, w.under.Header(), w.body.Bytes()), &w.reported)
	w.under.WriteHeader(code)
	w.under.Write(w.body.Bytes())
}

// compressedStream is the mismatch of a live stream with a content
// coding: the API sends its stream uncompressed (it compresses JSON
// bodies only), and the checks read it so.
func compressedStream(hdr http.Header) []string {
	if ce := hdr.Get("Content-Encoding"); ce != "" {
		return []string{"a live stream with Content-Encoding " + ce + ": the stream is sent uncompressed"}
	}
	return nil
}

// eventChecker cuts a stream into events and checks up to
// MaxCheckedEvents of each name.
type eventChecker struct {
	checked map[string]int
}

// next takes the first complete event (without its blank line) from buf.
func (c *eventChecker) next(buf *bytes.Buffer) ([]byte, bool) {
	ev, rest, ok := bytes.Cut(buf.Bytes(), []byte("\n\n"))
	if !ok {
		return nil, false
	}
	ev = append([]byte(nil), ev...)
	*buf = *bytes.NewBuffer(append([]byte(nil), rest...))
	return ev, true
}

// check checks ev unless MaxCheckedEvents of its name were.
func (c *eventChecker) check(d *Doc, pattern string, ev []byte) []string {
	name := eventName(ev)
	if c.checked[name] >= MaxCheckedEvents {
		return nil
	}
	if c.checked == nil {
		c.checked = map[string]int{}
	}
	c.checked[name]++
	return d.CheckEvent(pattern, ev)
}
