package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// decodeBody undoes the Content-Encoding of a response body: gzip with
// the standard library's reader, zstd with klauspost's decoder.
func decodeBody(t *testing.T, enc string, data []byte) []byte {
	t.Helper()
	switch enc {
	case "":
		return data
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		return out
	case "zstd":
		zr, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		out, err := zr.DecodeAll(data, nil)
		if err != nil {
			t.Fatalf("zstd body: %v", err)
		}
		return out
	}
	t.Fatalf("unexpected Content-Encoding %q", enc)
	return nil
}

// TestCompression sends the Accept-Encoding headers of real clients and
// checks the coding of the answer, Vary, and that the decoded body is
// byte for byte the uncompressed answer (and so the same JSON).
func TestCompression(t *testing.T) {
	srv := newServer(t, nil)
	clients := []struct {
		name, accept, want string
	}{
		{"no header", "", ""},
		{"Chrome", "gzip, deflate, br, zstd", "zstd"},
		{"Firefox", "gzip, deflate, br, zstd", "zstd"},
		{"Safari", "gzip, deflate, br", "gzip"},
		{"curl --compressed", "deflate, gzip, br, zstd", "zstd"},
		{"Go net/http", "gzip", "gzip"},
		{"python-requests", "gzip, deflate", "gzip"},
		{"identity", "identity", ""},
		{"gzip refused", "gzip;q=0, identity", ""},
	}
	paths := []struct{ path, ctype string }{
		{"/api/v1/vessels", "application/json"},
		{"/api/v1/vessels?bbox=-96,28,-88,31", "application/json"},
		{"/api/v1/vessels?format=compact", httpapi.CompactMediaType},
		{"/api/v1/vessels/316040626/track?format=geojson&from=2022-01-03T00:00:00Z&to=2022-01-04T00:00:00Z", "application/geo+json"},
		{"/api/v1/search?q=a&limit=200", "application/json"},
		{"/openapi.json", "application/json"},
	}
	for _, p := range paths {
		code, _, plain := do(t, "GET", srv.URL+p.path, fx.read, nil, "Accept-Encoding", "identity")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", p.path, code, plain)
		}
		if len(plain) < httpapi.MinCompressBytes {
			t.Fatalf("GET %s: %d bytes, too small to test compression", p.path, len(plain))
		}
		var want any
		if err := json.Unmarshal(plain, &want); err != nil {
			t.Fatalf("GET %s: %v", p.path, err)
		}
		for _, c := range clients {
			hdr := []string{}
			if c.accept != "" {
				hdr = []string{"Accept-Encoding", c.accept}
			}
			code, h, data := do(t, "GET", srv.URL+p.path, fx.read, nil, hdr...)
			if code != http.StatusOK {
				t.Fatalf("%s GET %s = %d", c.name, p.path, code)
			}
			if got := h.Get("Content-Encoding"); got != c.want {
				t.Errorf("%s GET %s: Content-Encoding %q; want %q", c.name, p.path, got, c.want)
				continue
			}
			if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("%s GET %s: Vary %q lacks Accept-Encoding", c.name, p.path, h.Values("Vary"))
			}
			if ct := h.Get("Content-Type"); ct != p.ctype {
				t.Errorf("%s GET %s: Content-Type %q; want %q", c.name, p.path, ct, p.ctype)
			}
			if c.want != "" && len(data) >= len(plain)/2 {
				t.Errorf("%s GET %s: %d bytes compressed of %d", c.name, p.path, len(data), len(plain))
			}
			got := decodeBody(t, c.want, data)
			if !bytes.Equal(got, plain) {
				t.Errorf("%s GET %s: decoded body differs from the uncompressed one (%d and %d bytes)", c.name, p.path, len(got), len(plain))
			}
			var v any
			if err := json.Unmarshal(got, &v); err != nil || !reflect.DeepEqual(v, want) {
				t.Errorf("%s GET %s: decoded body is not the same JSON (%v)", c.name, p.path, err)
			}
		}
	}
	// Go's client, left alone, asks for gzip and decodes it.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/vessels", nil)
	req.Header.Set("Authorization", "Bearer "+fx.read)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var l vesselList
	err = json.NewDecoder(resp.Body).Decode(&l)
	resp.Body.Close()
	if err != nil || !resp.Uncompressed || l.Count == 0 {
		t.Errorf("Go client: uncompressed %v, %d vessels, err %v; want a transparently decoded gzip picture", resp.Uncompressed, l.Count, err)
	}
}

// TestCompressionNotForSmallOrStream checks that tiny answers and the
// live stream are sent as they are.
func TestCompressionNotForSmallOrStream(t *testing.T) {
	srv := newServer(t, nil)
	for _, path := range []string{"/healthz", "/api/v1/vessels?bbox=-10,-10,-9,-9", "/api/v1/vessels/1"} {
		_, h, data := do(t, "GET", srv.URL+path, fx.read, nil, "Accept-Encoding", "gzip, zstd")
		if enc := h.Get("Content-Encoding"); enc != "" {
			t.Errorf("GET %s (%d bytes): Content-Encoding %q; want none under %d bytes", path, len(data), enc, httpapi.MinCompressBytes)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+fx.read)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if enc := resp.Header.Get("Content-Encoding"); enc != "" || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream: Content-Encoding %q, Content-Type %q; want none, text/event-stream", enc, resp.Header.Get("Content-Type"))
	}
	line, err := readLine(resp.Body)
	if err != nil || !strings.HasPrefix(line, "retry: ") && !strings.HasPrefix(line, "event: ") {
		t.Errorf("stream: first line %q, %v; want an event stream line in clear", line, err)
	}
}

func readLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := r.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

// testPicture is a small picture of its own (the fixture's is shared and
// read-only) whose changes are published to hub, as the server does.
type testPicture struct {
	pic *fusion.Picture
	hub *httpapi.Hub
}

func (p *testPicture) report(m vessel.MMSI, tm time.Time, lat, lon float64) {
	r := p.pic.Apply(&vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: m, Time: vessel.TimeOf(tm), Lat: lat, Lon: lon,
		SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}})
	if r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 {
		if s, ok := p.pic.Vessel(m); ok {
			p.hub.Publish(bind.Update(&s))
		}
	}
}

// TestPictureETag checks the ETag of the live picture: the same picture
// in the same second answers 304 to If-None-Match, a new report or the
// next second a new ETag and body.
func TestPictureETag(t *testing.T) {
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(64)}
	var nowMs atomic.Int64
	nowMs.Store(clock.UnixMilli())
	now := func() time.Time { return time.UnixMilli(nowMs.Load()).UTC() }
	for i := range 40 {
		tp.report(vessel.MMSI(366000001+i), clock.Add(-time.Duration(i)*time.Second), 29+float64(i)/100, -94.9)
	}
	srv := newServer(t, func(c *httpapi.Config) { c.Picture, c.Hub, c.Now = bind.Picture(tp.pic), tp.hub, now })
	get := func(inm string) (int, http.Header, []byte) {
		return do(t, "GET", srv.URL+"/api/v1/vessels", fx.read, nil, "If-None-Match", inm)
	}
	code, h, first := get("")
	etag := h.Get("ETag")
	if code != 200 || !strings.HasPrefix(etag, `W/"`) || !strings.Contains(h.Get("Cache-Control"), "no-cache") {
		t.Fatalf("GET = %d, ETag %q, Cache-Control %q; want 200, a weak ETag, no-cache", code, etag, h.Get("Cache-Control"))
	}
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `W/"x", ` + etag} {
		code, h, data := get(inm)
		if code != http.StatusNotModified || len(data) != 0 || h.Get("ETag") != etag {
			t.Errorf("If-None-Match %s = %d, %d bytes, ETag %q; want 304, none, %q", inm, code, len(data), h.Get("ETag"), etag)
		}
	}
	// Within the same second the answer is the same.
	nowMs.Add(999 - clock.UnixMilli()%1000)
	if code, _, data := get(""); code != 200 || !bytes.Equal(data, first) {
		t.Errorf("later in the same second: %d, body changed", code)
	}
	// A new report: a new ETag, and the answer shows it.
	tp.report(366000001, clock.Add(500*time.Millisecond), 29.001, -94.9)
	code, h, data := get(etag)
	if code != 200 || h.Get("ETag") == etag {
		t.Fatalf("after a report: %d, ETag %q; want 200 and a new ETag", code, h.Get("ETag"))
	}
	var l vesselList
	if err := json.Unmarshal(data, &l); err != nil || l.Count != 40 || *l.Vessels[0].Lat != 29.001 {
		t.Errorf("after a report: %d vessels, first at %v (%v); want 40, the first at 29.001", l.Count, *l.Vessels[0].Lat, err)
	}
	etag = h.Get("ETag")
	// The next second: ages change, so does the ETag.
	nowMs.Add(1)
	code, h, data = get(etag)
	if code != 200 || h.Get("ETag") == etag || bytes.Equal(data, first) {
		t.Errorf("next second: %d, ETag %q (was %q); want 200, a new ETag", code, h.Get("ETag"), etag)
	}
	// Another query has an ETag of its own.
	_, h2, _ := do(t, "GET", srv.URL+"/api/v1/vessels?max_age=10s", fx.read, nil)
	if h2.Get("ETag") == h.Get("ETag") {
		t.Errorf("max_age=10s has the ETag of the full picture")
	}
}

// TestPictureCacheConcurrent reads the picture from several clients while
// reports arrive: every answer is valid JSON, answers with the same ETag
// are identical, and once the reports stop every client sees the last one.
func TestPictureCacheConcurrent(t *testing.T) {
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(1 << 12)}
	for i := range 200 {
		tp.report(vessel.MMSI(366000001+i), clock.Add(-time.Minute), 29+float64(i)/1000, -94.9)
	}
	srv := newServer(t, func(c *httpapi.Config) { c.Picture, c.Hub = bind.Picture(tp.pic), tp.hub })
	var (
		mu     sync.Mutex
		byETag = map[string][]byte{}
		wg     sync.WaitGroup
		done   atomic.Bool
		asked  atomic.Int64
	)
	for c := range 4 {
		wg.Go(func() {
			enc := []string{"", "gzip", "zstd", "gzip, zstd"}[c]
			for !done.Load() {
				code, h, data := do(t, "GET", srv.URL+"/api/v1/vessels?max_age=2h", fx.read, nil, "Accept-Encoding", enc)
				if code != 200 {
					t.Errorf("GET = %d", code)
					return
				}
				data = decodeBody(t, h.Get("Content-Encoding"), data)
				var l vesselList
				if err := json.Unmarshal(data, &l); err != nil {
					t.Errorf("answer is not JSON: %v", err)
					return
				}
				mu.Lock()
				if prev, ok := byETag[h.Get("ETag")]; ok && !bytes.Equal(prev, data) {
					t.Errorf("two answers with ETag %s differ", h.Get("ETag"))
				}
				byETag[h.Get("ETag")] = data
				mu.Unlock()
				asked.Add(1)
			}
		})
	}
	for i := range 300 {
		m := i % 200
		tp.report(vessel.MMSI(366000001+m), clock.Add(time.Duration(i)*time.Second), 29+float64(m)/1000+float64(i)*1e-5, -94.9)
		if i%30 == 0 {
			// Let the clients read between the reports.
			for n, deadline := asked.Load(), time.Now().Add(10*time.Second); asked.Load() < n+4 && time.Now().Before(deadline); {
				runtime.Gosched()
			}
		}
	}
	done.Store(true)
	wg.Wait()
	var l vesselList
	getJSON(t, srv.URL+"/api/v1/vessels?max_age=2h", &l)
	found := false
	for _, v := range l.Vessels {
		if v.MMSI == 366000101 {
			found = true
			if *v.Lat != 29.101 {
				t.Errorf("after the reports: %d at %v; want its last report, 29.101", v.MMSI, *v.Lat)
			}
		}
	}
	if !found || l.Count != 200 {
		t.Errorf("after the reports: %d vessels, 366000101 found %v; want 200 with it", l.Count, found)
	}
	if len(byETag) < 5 {
		t.Errorf("only %d distinct answers seen; the clients did not read while the picture changed", len(byETag))
	}
}

// randomBBox returns a bbox parameter: a box of random size around a
// random point of the picture or of the Earth, a third of them crossing
// the antimeridian.
func randomBBox(r *rand.Rand, near [][2]float64) string {
	size := []float64{0.01, 0.1, 0.5, 2, 10, 60, 200, 400}[r.IntN(8)] * (0.2 + r.Float64())
	lat, lon := r.Float64()*180-90, r.Float64()*360-180
	if len(near) > 0 && r.IntN(2) == 0 {
		p := near[r.IntN(len(near))]
		lat, lon = p[0], p[1]
	}
	s, n := max(lat-size/2, -90), min(lat+size/2, 90)
	if size >= 360 {
		return fmt.Sprintf("-180,%g,180,%g", s, n)
	}
	west, east := lon-size/2, lon+size/2
	if west < -180 {
		west += 360
	}
	if east > 180 {
		east -= 360
	}
	return fmt.Sprintf("%g,%g,%g,%g", west, s, east, n)
}

// TestBBoxGridMatchesScan asks random boxes (with and without other
// filters) of the API that uses the spatial grid and of one that scans
// the picture (no Hub, so no grid): on the real NOAA picture and on a
// picture of vessels around the antimeridian and the poles, the answers
// must be identical.
func TestBBoxGridMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(1 << 12)}
	var edge [][2]float64
	for i := range 600 {
		lat := r.Float64()*170 - 85
		lon := 179.5 + r.Float64()
		if i%7 == 0 {
			lat = []float64{89.9, -89.9, 0, 65.5}[i%4]
		}
		if i%11 == 0 {
			lon = []float64{180, -180, 179.999999, -179.999999}[i%4]
		}
		if lon > 180 {
			lon -= 360
		}
		tp.report(vessel.MMSI(412000001+i), clock.Add(-time.Duration(i)*time.Second), lat, lon)
		edge = append(edge, [2]float64{lat, lon})
	}
	var noaa [][2]float64
	fx.pic.Range(func(s *fusion.State) bool {
		if s.Located {
			noaa = append(noaa, [2]float64{s.Position.Lat, s.Position.Lon})
		}
		return true
	})
	for _, c := range []struct {
		name  string
		pic   *fusion.Picture
		hub   *httpapi.Hub
		near  [][2]float64
		boxes int
	}{
		{"NOAA", fx.pic, httpapi.NewHub(0), noaa, 150},
		{"antimeridian", tp.pic, tp.hub, edge, 300},
	} {
		grid := newServer(t, func(cfg *httpapi.Config) { cfg.Picture, cfg.Hub = bind.Picture(c.pic), c.hub })
		scan := newServer(t, func(cfg *httpapi.Config) { cfg.Picture, cfg.Hub = bind.Picture(c.pic), nil })
		nonEmpty := 0
		for i := range c.boxes {
			q := "bbox=" + randomBBox(r, c.near) + "&max_age=" + []string{"1h", "2d", "5m"}[i%3]
			if i%5 == 0 {
				q += "&type=cargo,tanker"
			}
			if i%7 == 0 {
				q += "&min_speed=5&limit=10"
			}
			code1, _, got := do(t, "GET", grid.URL+"/api/v1/vessels?"+q, fx.read, nil)
			code2, _, want := do(t, "GET", scan.URL+"/api/v1/vessels?"+q, fx.read, nil)
			if code1 != 200 || code2 != 200 {
				t.Fatalf("%s %s: %d and %d", c.name, q, code1, code2)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %s: the grid answers\n%.300s\nthe scan\n%.300s", c.name, q, got, want)
			}
			if !bytes.Contains(got, []byte(`"count":0,`)) {
				nonEmpty++
			}
		}
		if nonEmpty < c.boxes/4 {
			t.Errorf("%s: only %d of %d boxes held vessels; the test needs more", c.name, nonEmpty, c.boxes)
		}
	}
}

// TestBBoxFollowsReports checks that a bbox query follows a vessel that
// moves (its update published), and finds vessels that were in the
// picture before the API started.
func TestBBoxFollowsReports(t *testing.T) {
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(64)}
	// In the picture before the API, never published (as restored from
	// the store).
	tp.pic.Apply(&vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: 366000009, Time: vessel.TimeOf(clock.Add(-time.Hour + time.Minute)),
		Lat: 10, Lon: 10, SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}})
	srv := newServer(t, func(c *httpapi.Config) { c.Picture, c.Hub = bind.Picture(tp.pic), tp.hub })
	in := func(bbox string) []uint32 {
		var l vesselList
		getJSON(t, srv.URL+"/api/v1/vessels?max_age=2h&bbox="+bbox, &l)
		return mmsis(l)
	}
	if got := in("9,9,11,11"); !reflect.DeepEqual(got, []uint32{366000009}) {
		t.Errorf("restored vessel: bbox finds %v; want [366000009]", got)
	}
	tp.report(366000001, clock.Add(-100*time.Minute), 29.5, -94.9)
	tp.report(366000001, clock.Add(-99*time.Minute), 29.5, -94.895)
	if got := in("-95,29,-94,30"); !reflect.DeepEqual(got, []uint32{366000001}) {
		t.Errorf("first report: %v; want [366000001]", got)
	}
	// East at about 17 knots, into the next cell of the grid.
	tp.report(366000001, clock.Add(-50*time.Minute), 29.5, -94.65)
	tp.report(366000001, clock.Add(-5*time.Minute), 29.5, -94.4)
	if got := in("-95,29,-94.5,30"); len(got) != 0 {
		t.Errorf("after moving east: the old place still finds %v", got)
	}
	if got := in("-94.5,29,-94,30"); !reflect.DeepEqual(got, []uint32{366000001}) {
		t.Errorf("after moving east: the new place finds %v; want [366000001]", got)
	}
	// With no stream client the server skips the update (Hub.Skip) and
	// only places the vessel (Hub.Place): the box still follows it.
	tp.report(366000002, clock.Add(-100*time.Minute), 29.5, -95.3)
	if got := in("-95.5,29,-95,30"); !reflect.DeepEqual(got, []uint32{366000002}) {
		t.Errorf("second vessel: %v; want [366000002]", got)
	}
	r := tp.pic.Apply(&vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: 366000002, Time: vessel.TimeOf(clock.Add(-10 * time.Minute)),
		Lat: 29.5, Lon: -94.8, SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}})
	if r.Outcome != fusion.Stored || r.Position.Flags&vessel.Bad != 0 {
		t.Fatalf("move of the second vessel: %+v", r)
	}
	tp.hub.Place(r.MMSI, r.Position.Lat, r.Position.Lon)
	tp.hub.Skip()
	if got := in("-94.9,29,-94.6,30"); !reflect.DeepEqual(got, []uint32{366000002}) {
		t.Errorf("moved while unpublished (Skip and Place): the new place finds %v; want [366000002]", got)
	}
}
