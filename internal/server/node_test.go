package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
)

func freePort(t *testing.T) string {
	t.Helper()
	// A port the kernel hands out for 127.0.0.1:0 is in the ephemeral
	// range, which every outgoing connection and every other test
	// process draws from too: between this check and the node's own
	// bind (or a killed node's restart minutes later) another one may
	// take it ("address already in use"). Ports below that range
	// (Linux: 32768–60999) are only taken by those who ask for them.
	for range 200 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestNodeEndToEnd runs a node with a TCP input, pushes a real capture to
// it, reads the picture through the API, then shuts it down and checks
// that everything the pipeline took is in the store.
func TestNodeEndToEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	tcp := freePort(t)
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true,
		Inputs: []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp, MaxConnsPerAddr: 1}}}
	node := startNode(t, Options{Config: cfg, Now: dmaClock})
	base := node.base
	api := apiClient(t)
	sendCapture(t, tcp, "raw/dma-stream-example.nmea")

	// The picture fills: poll the API.
	var list struct {
		Count   int `json:"count"`
		Vessels []struct {
			MMSI uint32 `json:"mmsi"`
		} `json:"vessels"`
	}
	waitFor(t, 10*time.Second, "the picture to fill", func() bool {
		resp, err := api.Get(base + "/api/v1/vessels?max_age=1h&limit=100000")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
			t.Logf("status %s, %v", resp.Status, err)
		}
		return len(list.Vessels) > 1000
	})
	if len(list.Vessels) < 1000 {
		t.Fatalf("%d vessels in the picture after pushing the DMA capture (1,390 vessels)", len(list.Vessels))
	}
	checkBBoxFollowsPicture(t, base)
	// The input's per-address limit (1) refuses a second connection from
	// this host, and the metrics count it.
	metrics := func() string {
		resp, err := api.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor(t, 10*time.Second, "the capture's connection to end", func() bool {
		return strings.Contains(metrics(), `tidewatch_input_conns{input="receivers"} 0`)
	})
	for range 2 {
		c, err := net.Dial("tcp", tcp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitFor(t, 10*time.Second, "the refusal in the metrics", func() bool {
		return strings.Contains(metrics(), `tidewatch_input_conns_refused_total{input="receivers",reason="per_address"} 1`)
	})
	if m := metrics(); !strings.Contains(m, `tidewatch_input_conns{input="receivers"} 1`) {
		t.Errorf("metrics do not show one open connection")
	}
	for _, p := range []string{"/", "/basemap/land.geojson", "/healthz", "/readyz", "/openapi.json", "/api/v1/events?from=2010-06-11&to=2010-06-12"} {
		resp, err := api.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", p, err, resp.Status)
		}
		resp.Body.Close()
	}
	node.stop(t)
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st := db.Stats(); st.Positions < 2000 || st.Vessels < 1000 {
		t.Errorf("store after shutdown: %+v", st)
	}
}

func TestLandHandler(t *testing.T) {
	h, err := landHandler()
	if err != nil {
		t.Fatal(err)
	}
	for _, gz := range []bool{false, true} {
		req := httptest.NewRequest("GET", "/basemap/land.geojson", nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if gz {
			if rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatal("no gzip for a client that accepts it")
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		var fc struct {
			Type     string
			Features []json.RawMessage
		}
		if err := json.Unmarshal(body, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) < 100 {
			t.Fatalf("gzip=%v: not the land GeoJSON: %v (%d features)", gz, err, len(fc.Features))
		}
	}
}

// TestNodeTLS: with a self-signed certificate the node serves HTTPS only.
func TestNodeTLS(t *testing.T) {
	cfg := Config{Data: filepath.Join(t.TempDir(), "data"), Listen: "127.0.0.1:0", Land: "none", TLS: TLS{SelfSigned: true}}
	node := startNode(t, Options{Config: cfg})
	addr := node.addr
	client := apiClientVia(t, &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
	resp, err := client.Get("https://" + addr.String() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("https: %v", err)
	}
	resp.Body.Close()
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 || resp.TLS.PeerCertificates[0].Subject.CommonName != "localhost" {
		t.Errorf("certificate: %+v", resp.TLS)
	}
	// Without a token the API refuses (only the demo reads anonymously).
	resp, err = client.Get("https://" + addr.String() + "/api/v1/vessels")
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	// Plain HTTP gets net/http's TLS server's refusal, not an answer of
	// the API: asked on a bare connection, outside the API's contract.
	if c, err := net.Dial("tcp", addr.String()); err == nil {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr)
		status, _ := bufio.NewReader(c).ReadString('\n')
		if strings.Contains(status, " 200 ") {
			t.Errorf("plain HTTP served on the TLS port: %q", status)
		}
		c.Close()
	}
	node.stop(t)
}

// waitFor checks cond every 20 ms until it holds, failing the test after
// limit: the node works on its own goroutines, and the tests wait on what
// it makes visible, never for a fixed time.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		case <-tick.C:
		}
	}
}

// checkBBoxFollowsPicture asks for a box of the live picture while no
// stream client listens (the hub then skips building updates): the box's
// answer must still be the full picture's vessels inside it, as the
// spatial index follows every stored position, not only published ones.
func checkBBoxFollowsPicture(t *testing.T, base string) {
	t.Helper()
	type entry struct {
		MMSI uint32   `json:"mmsi"`
		Lat  *float64 `json:"lat"`
		Lon  *float64 `json:"lon"`
	}
	get := func(query string) map[uint32]bool {
		resp, err := apiClient(t).Get(base + "/api/v1/vessels?max_age=1h&limit=100000" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l struct {
			Vessels []entry `json:"vessels"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 {
			t.Fatalf("vessels%s: %s, %v", query, resp.Status, err)
		}
		in := map[uint32]bool{}
		for _, v := range l.Vessels {
			if query != "" || (v.Lat != nil && v.Lon != nil && *v.Lon >= 10 && *v.Lon <= 13 && *v.Lat >= 54 && *v.Lat <= 58) {
				in[v.MMSI] = true
			}
		}
		return in
	}
	want := get("")
	got := get("&bbox=10,54,13,58")
	if len(want) < 100 {
		t.Fatalf("only %d vessels of the DMA capture between 10–13°E, 54–58°N", len(want))
	}
	if len(got) != len(want) {
		t.Errorf("bbox with no stream client: %d vessels, the full picture has %d in the box", len(got), len(want))
	}
	for m := range want {
		if !got[m] {
			t.Errorf("bbox answer lacks %d", m)
			break
		}
	}
}
