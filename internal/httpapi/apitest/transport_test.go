package apitest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
)

// recorder is a testing.TB that keeps the failures reported to it.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func (r *recorder) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs)
}

// cannedAPI answers each path with what the test case says, whatever the
// real API would: path → status, Content-Type, body (gzipped with
// ?gzip=1, but for a stream, which the API never compresses; ?gzip=all
// compresses that too).
func cannedAPI(answers map[string][3]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Path]
		if !ok {
			http.Error(w, "no such case", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", a[1])
		body := []byte(a[2])
		if gz := r.URL.Query().Get("gzip"); gz == "all" || gz == "1" && a[1] != "text/event-stream" {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		switch a[0] {
		case "200":
			w.WriteHeader(http.StatusOK)
		case "404":
			w.WriteHeader(http.StatusNotFound)
		case "418":
			w.WriteHeader(http.StatusTeapot)
		}
		w.Write(body)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	})
}

// TestCheckedBothSides: the server-side Handler and the client-side
// Transport fail a test for the same answers: an undocumented member, a
// status not documented, a path the document does not have answering
// 200, a bad stream event, a compressed stream; and pass documented answers (also gzipped,
// with the Accept-Encoding set by the caller) and paths outside the
// document (the web map).
func TestCheckedBothSides(t *testing.T) {
	const js, sse = "application/json", "text/event-stream"
	bad := map[string][3]string{
		"/api/v1/session": {"200", js, `{"role":"read","name":"reader","zone_editing":false,"x":1}`},
		"/api/v1/vessels": {"418", js, `{"error":{"code":"teapot","message":"no"}}`},
		"/api/v1/nothing": {"200", js, `{}`},
		"/api/v1/stream":  {"200", sse, "event: ready\ndata: {\"seq\":1}\n\nevent: lagged\ndata: {\"missed\":1}\n\n"},
	}
	good := map[string][3]string{
		"/api/v1/session": {"200", js, `{"role":"read","name":"reader","zone_editing":false}`},
		"/api/v1/nothing": {"404", js, `{"error":{"code":"not_found","message":"no"}}`},
		"/index.html":     {"200", "text/html", "<!doctype html><title>map</title>"},
		"/api/v1/stream":  {"200", sse, ": hello\n\nevent: ready\ndata: {\"seq\":1}\n\nevent: lagged\ndata: {\"missed\":1,\"reset\":false,\"seq\":2}\n\n"},
	}
	d := apitest.Load(t)
	for _, side := range []string{"handler", "transport"} {
		for _, tc := range []struct {
			name    string
			answers map[string][3]string
			query   string
			bad     bool
		}{
			{"good", good, "", false},
			{"good-gzip", good, "?gzip=1", false},
			{"bad", bad, "", true},
			{"bad-gzip", bad, "?gzip=1", true},
			{"compressed-stream", map[string][3]string{"/api/v1/stream": good["/api/v1/stream"]}, "?gzip=all", true},
		} {
			for path := range tc.answers {
				if side == "handler" && !d.Describes(path) {
					continue // the handler serves the API alone, and checks all it answers
				}
				t.Run(side+"/"+tc.name+path, func(t *testing.T) {
					rec := &recorder{TB: t}
					h := cannedAPI(tc.answers)
					client := http.DefaultClient
					if side == "handler" {
						h = apitest.Handler(rec, d, h)
					} else {
						client = &http.Client{Transport: apitest.NewTransport(rec, d, nil)}
					}
					srv := httptest.NewServer(h)
					defer srv.Close()
					req, err := http.NewRequest("GET", srv.URL+path+tc.query, nil)
					if err != nil {
						t.Fatal(err)
					}
					if tc.query != "" {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					resp, err := client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Fatal(err)
					}
					if tc.query == "" && string(body) != tc.answers[path][2] {
						t.Errorf("body %q; want what the server sent, %q", body, tc.answers[path][2])
					}
					if got := rec.failures() > 0; got != tc.bad {
						t.Errorf("failures %q; want some: %v", rec.errs, tc.bad)
					}
				})
			}
		}
	}
}
