package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// testClock is a wall clock the test moves.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *testClock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }

// mintTicket asks for a stream ticket with token and returns it.
func mintTicket(t *testing.T, base, token string) string {
	t.Helper()
	code, _, body := do(t, "POST", base+"/api/v1/stream/ticket", token, nil)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/v1/stream/ticket = %d %s; want 201", code, body)
	}
	var tk struct {
		Ticket    string    `json:"ticket"`
		Expires   time.Time `json:"expires"`
		ExpiresIn int       `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tk); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tk.Ticket, httpapi.TicketPrefix) || tk.ExpiresIn != int(httpapi.TicketTTL/time.Second) || tk.Expires.IsZero() {
		t.Fatalf("ticket %+v", tk)
	}
	return tk.Ticket
}

// streamStatus opens the stream at url and returns the status, closing it.
func streamStatus(t *testing.T, url string) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStreamTicket(t *testing.T) {
	tokens, err := httpapi.OpenTokens(filepath.Join(t.TempDir(), "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	clk := newTestClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	read, _ := tokens.CreateAt("reader", httpapi.RoleRead, clk.now())
	other, _ := tokens.CreateAt("other", httpapi.RoleRead, clk.now())
	srv := newServer(t, func(c *httpapi.Config) { c.Tokens = tokens; c.Clock = clk.now })
	stream := srv.URL + "/api/v1/stream"

	code, _, body := do(t, "POST", srv.URL+"/api/v1/stream/ticket", "", nil)
	wantError(t, "ticket without a token", code, body, 401, "unauthorized", "token")

	tk := mintTicket(t, srv.URL, read)
	c := openStream(t, stream+"?ticket="+tk) // fails unless 200 and ready
	c.resp.Body.Close()
	if got := streamStatus(t, stream+"?ticket="+tk); got != 401 {
		t.Errorf("a ticket used twice: %d; want 401", got)
	}
	tk = mintTicket(t, srv.URL, read)
	clk.add(httpapi.TicketTTL + time.Second)
	if got := streamStatus(t, stream+"?ticket="+tk); got != 401 {
		t.Errorf("a ticket older than %v: %d; want 401", httpapi.TicketTTL, got)
	}
	tk = mintTicket(t, srv.URL, other)
	if err := tokens.Revoke("other"); err != nil {
		t.Fatal(err)
	}
	if got := streamStatus(t, stream+"?ticket="+tk); got != 401 {
		t.Errorf("a ticket of a token revoked since: %d; want 401", got)
	}
	if got := streamStatus(t, stream+"?ticket=twt_made-up"); got != 401 {
		t.Errorf("a made-up ticket: %d; want 401", got)
	}
	// The long-lived token is no longer accepted in the URL.
	if got := streamStatus(t, stream+"?access_token="+read); got != 401 {
		t.Errorf("access_token in the stream URL: %d; want 401", got)
	}
	// A ticket opens the stream and nothing else.
	tk = mintTicket(t, srv.URL, read)
	if code, _, _ := do(t, "GET", srv.URL+"/api/v1/vessels?limit=1&ticket="+tk, "", nil); code != 401 {
		t.Errorf("a ticket on /api/v1/vessels: %d; want 401", code)
	}
	c = openStream(t, stream+"?ticket="+tk) // not used up by the refused request
	c.resp.Body.Close()

	// An anonymous-read node mints tickets without a token too.
	anon := newServer(t, func(c *httpapi.Config) { c.Tokens = tokens; c.Clock = clk.now; c.AllowAnonymousRead = true })
	c = openStream(t, anon.URL+"/api/v1/stream?ticket="+mintTicket(t, anon.URL, ""))
	c.resp.Body.Close()
}

// TestTokenExpiry creates a token that expires, checks that requests and
// tickets are refused past the expiry, and that an open stream of the
// token ends with a "revoked" event when the clock passes it.
func TestTokenExpiry(t *testing.T) {
	tokens, err := httpapi.OpenTokens(filepath.Join(t.TempDir(), "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := tokens.CreateExpiring("past", httpapi.RoleRead, t0, t0); err == nil {
		t.Error("a token that expires as it is created was accepted")
	}
	tok, err := tokens.CreateExpiring("temp", httpapi.RoleRead, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	list := tokens.List()
	if len(list) != 1 || list[0].Expires == nil || !list[0].Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("List = %+v; want temp expiring at %v", list, t0.Add(time.Hour))
	}
	if _, ok := tokens.CheckAt(tok, t0.Add(59*time.Minute)); !ok {
		t.Error("CheckAt before the expiry: not valid")
	}
	if _, ok := tokens.CheckAt(tok, t0.Add(time.Hour)); ok {
		t.Error("CheckAt at the expiry: still valid")
	}

	clk := newTestClock(t0.Add(30 * time.Minute))
	hub := httpapi.NewHub(64)
	srv := newServer(t, func(c *httpapi.Config) {
		c.Tokens, c.Clock, c.Hub, c.StreamAuthCheck = tokens, clk.now, hub, 50*time.Millisecond
	})
	if code, _, body := do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", tok, nil); code != 200 {
		t.Fatalf("before the expiry: %d %s", code, body)
	}
	s := openStream(t, srv.URL+"/api/v1/stream", "Authorization", "Bearer "+tok)
	hub.Publish(update(366000001, 29.5, -94.9, "BEFORE"))
	wantUpdate(t, s.next(t), 1, 366000001)

	clk.set(t0.Add(time.Hour + time.Second))
	if e := s.next(t); e.event != "revoked" {
		t.Errorf("after the expiry the stream sent %+v; want revoked", e)
	}
	code, _, body := do(t, "GET", srv.URL+"/api/v1/vessels?limit=1", tok, nil)
	wantError(t, "after the expiry", code, body, 401, "unauthorized", "not valid")
	code, _, body = do(t, "POST", srv.URL+"/api/v1/stream/ticket", tok, nil)
	wantError(t, "ticket after the expiry", code, body, 401, "unauthorized", "not valid")
}

// TestRevokeClosesStream opens streams with a token (by header and by
// ticket), revokes the token from another Tokens on the same file (as
// "tidewatch token revoke" does from another process) while updates keep
// flowing, and checks that both streams end with a "revoked" event; it
// logs how long that took and how many updates went out after the
// revocation.
func TestRevokeClosesStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	tokens, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokens.Create("victim", httpapi.RoleRead)
	keep, _ := tokens.Create("keeper", httpapi.RoleRead)
	hub := httpapi.NewHub(1 << 12)
	reg := prometheus.NewRegistry()
	srv := newServer(t, func(c *httpapi.Config) { c.Tokens, c.Hub, c.Registry = tokens, hub, reg })
	byHeader := openStream(t, srv.URL+"/api/v1/stream", "Authorization", "Bearer "+tok)
	byTicket := openStream(t, srv.URL+"/api/v1/stream?ticket="+mintTicket(t, srv.URL, tok))
	kept := openStream(t, srv.URL+"/api/v1/stream", "Authorization", "Bearer "+keep)

	// Updates flow all along, as on a busy node.
	stop := make(chan struct{})
	published := make(chan struct{})
	go func() {
		defer close(published)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				hub.Publish(update(vessel.MMSI(300000000+i%1000), 1, 1, "FLOW"))
			}
		}
	}()
	defer func() { close(stop); <-published }()
	wantUpdate(t, byHeader.next(t), 1, 300000000)

	cli, err := httpapi.OpenTokens(path) // another process's view of the file
	if err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	if err := cli.Revoke("victim"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*sseClient{"header": byHeader, "ticket": byTicket} {
		after := 0
		for {
			e := c.next(t) // fails the test if the stream neither ends nor says revoked within 10 s
			if e.event == "revoked" {
				break
			}
			after++
		}
		t.Logf("stream by %s: revoked after %v, %d updates sent meanwhile", name, time.Since(revoked).Round(time.Millisecond), after)
		if line, err := c.br.ReadString('\n'); err == nil {
			t.Errorf("stream by %s goes on after revoked: %q", name, line)
		}
	}
	// The other token's stream goes on.
	if e := kept.next(t); e.event != "update" {
		t.Errorf("the unrevoked stream sent %+v", e)
	}
	var sb strings.Builder
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "tidewatch_api_stream_revoked_total" {
			fmt.Fprint(&sb, mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
	if sb.String() != "2" {
		t.Errorf("tidewatch_api_stream_revoked_total = %q; want 2", sb.String())
	}
}

// bigPolygon returns a GeoJSON Polygon of n vertices (closing one
// included) on a circle round Galveston Bay, where the fixture has
// traffic.
func bigPolygon(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := range n - 1 {
		a := 2 * 3.141592653589793 * float64(i) / float64(n-1)
		fmt.Fprintf(&sb, "[%.6f,%.6f],", -94.9+0.6*cos(a), 29.4+0.4*sin(a))
	}
	fmt.Fprintf(&sb, "[%.6f,%.6f]]]}", -94.9+0.6, 29.4)
	return sb.String()
}

func TestHeavyQueries(t *testing.T) {
	srv := newServer(t, nil)
	area := func(base, polygon string) (int, http.Header, []byte) {
		body := `{"polygon":` + polygon + `,"from":"2022-01-03T00:00:00Z","to":"2022-01-03T01:00:00Z"}`
		return do(t, "POST", base+"/api/v1/area", fx.read, strings.NewReader(body))
	}
	// 10,000 vertices: refused at once, naming the limit.
	code, _, body := area(srv.URL, bigPolygon(10_000))
	wantError(t, "a 10,000-vertex polygon", code, body, 400, "bad_parameter", fmt.Sprintf("10000 vertices; an area query takes at most %d", httpapi.MaxAreaVertices))
	// At the limit: answered, with vessels found.
	start := time.Now()
	code, _, body = area(srv.URL, bigPolygon(httpapi.MaxAreaVertices))
	t.Logf("a %d-vertex area query over an hour of NOAA data: %v", httpapi.MaxAreaVertices, time.Since(start).Round(time.Millisecond))
	var res struct {
		Count int `json:"count"`
	}
	if json.Unmarshal(body, &res); code != 200 || res.Count == 0 {
		t.Fatalf("a %d-vertex polygon: %d %s; want 200 with vessels", httpapi.MaxAreaVertices, code, body)
	}

	// A time budget too small for any query: 503 with Retry-After.
	tight := newServer(t, func(c *httpapi.Config) { c.HeavyTimeout = time.Nanosecond })
	code, hdr, body := area(tight.URL, bigPolygon(100))
	wantError(t, "area past its budget", code, body, 503, "unavailable", "time budget")
	if hdr.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	for _, q := range []struct{ name, path string }{
		{"near", "/api/v1/near?lat=29.4&lon=-94.9&radius=50km&from=2022-01-03T00:00:00Z&to=2022-01-03T01:00:00Z"},
		{"track", "/api/v1/vessels/367587420/track"},
		{"the picture at a past moment", "/api/v1/vessels?at=2022-01-03T00:20:00Z"},
	} {
		// The same query with the default budget is answered.
		if code, _, body := do(t, "GET", srv.URL+q.path, fx.read, nil); code != 200 {
			t.Errorf("%s with the default budget: %d %s", q.name, code, body)
		}
		code, hdr, body = do(t, "GET", tight.URL+q.path, fx.read, nil)
		wantError(t, q.name+" past its budget", code, body, 503, "unavailable", "time budget")
		if hdr.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", q.name)
		}
	}
	_, _, metrics := do(t, "GET", tight.URL+"/metrics", fx.read, nil)
	if !strings.Contains(string(metrics), `tidewatch_api_heavy_refused_total{reason="timeout"} 4`) {
		t.Errorf("metrics lack 4 timeouts (area, near, track, at=)")
	}

	// Every slot taken: 429 with Retry-After at once; light routes still
	// answer; a freed slot serves again.
	h, hold := httpapi.NewHoldingHeavy(httpapi.Config{DB: bind.History(fx.db), Picture: bind.Picture(fx.pic), Export: bind.Exporter(fx.db), Tokens: fx.tokens,
		Registry: prometheus.NewRegistry(), Now: func() time.Time { return fx.now }, MaxHeavy: 2})
	busy := httptest.NewServer(validating(t, newContract(t), h))
	defer busy.Close()
	release1, release2 := hold(), hold()
	for _, path := range []string{"/api/v1/near?lat=29.4&lon=-94.9", "/api/v1/vessels/367587420/track", "/api/v1/vessels?at=2022-01-03T00:20:00Z"} {
		code, hdr, body := do(t, "GET", busy.URL+path, fx.read, nil)
		wantError(t, path+" while busy", code, body, 429, "too_many_requests", "retry later")
		if hdr.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", path)
		}
	}
	code, _, body = area(busy.URL, bigPolygon(10))
	wantError(t, "area while busy", code, body, 429, "too_many_requests", "at once")
	if code, _, _ := do(t, "GET", busy.URL+"/api/v1/vessels?limit=1", fx.read, nil); code != 200 {
		t.Errorf("the live picture while busy: %d", code)
	}
	release1()
	if code, _, body := do(t, "GET", busy.URL+"/api/v1/near?lat=29.4&lon=-94.9&from=2022-01-03T00:00:00Z&to=2022-01-03T01:00:00Z", fx.read, nil); code != 200 {
		t.Errorf("near with a slot free: %d %s", code, body)
	}
	release2()
	_, _, metrics = do(t, "GET", busy.URL+"/metrics", fx.read, nil)
	if !strings.Contains(string(metrics), `tidewatch_api_heavy_refused_total{reason="busy"} 4`) {
		t.Errorf("metrics lack 4 busy refusals")
	}
}

func cos(x float64) float64 { return math.Cos(x) }
func sin(x float64) float64 { return math.Sin(x) }
