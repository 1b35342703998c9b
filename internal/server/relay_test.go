package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
)

// gpsdecodeLines runs gpsd's gpsdecode on in and returns its JSON lines,
// skipping without it (failing in CI, which installs it).
func gpsdecodeLines(t *testing.T, in []byte) []string {
	t.Helper()
	path, err := exec.LookPath("gpsdecode")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("gpsdecode required in CI (.ci/run installs gpsd-clients): %v", err)
		}
		t.Skip("gpsdecode not installed (Debian gpsd-clients)")
	}
	cmd := exec.Command(path)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gpsdecode: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// relayNode opens and runs a node with cfg (a tcp-server input named
// "receivers" added), connects a relay client, pushes the DMA capture to
// the input, and returns what the client received once it has every line
// the relay passed on, with the node's relay counters.
//
// With warm, the capture is pushed once before the client connects and
// the test waits until the picture holds it.
func relayNode(t *testing.T, cfg Config, capture []byte, warm bool) ([]byte, *Node) {
	t.Helper()
	tcp := freePort(t)
	cfg.Data, cfg.Listen, cfg.Land = t.TempDir(), "127.0.0.1:0", "none"
	cfg.Inputs = []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}}
	cfg.Relay.Listen = "127.0.0.1:0"
	// The capture is pushed at once, far faster than a live feed: the
	// client's queue holds it all (a client that falls behind is dropped).
	cfg.Relay.Queue = 1 << 16
	cfg.AllowAnonymousRead = true // for /metrics
	clock := func() time.Time { return time.Date(2010, 6, 11, 11, 50, 0, 0, time.UTC) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	waitFor(t, time.Minute, "the node to serve", n.ready.Load)
	push := func() {
		c, err := net.Dial("tcp", tcp)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(capture)
		c.Close()
	}
	if warm {
		push()
		waitFor(t, time.Minute, "the picture to hold the capture", func() bool {
			obs := n.stats[0].stats().Observations
			return obs > 3000 && n.pipe.Stats().Applied >= int64(obs)
		})
		// The relay takes its lines on its own path, behind the picture
		// under load: the counters below start once it has taken the
		// first push whole, else lines of that push relayed to no client
		// would count as owed to the client (TestNodeRelayPartner timed
		// out so, 1 run in 4 under load).
		waitFor(t, time.Minute, "the relay to take the first push", func() bool {
			return n.relay.r.Stats().Lines+n.relay.dropped.Load() >= uint64(bytes.Count(capture, []byte("\n")))
		})
	}
	lines0, relayed0 := n.relay.r.Stats().Lines, n.relay.r.Stats().Relayed
	rc, err := net.Dial("tcp", n.RelayAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	waitFor(t, time.Minute, "the relay to accept its client", func() bool { return n.relay.r.Stats().Clients == 1 })
	var mu sync.Mutex
	var got []byte
	lines := 0
	go func() {
		sc := bufio.NewScanner(rc)
		for sc.Scan() {
			mu.Lock()
			got = append(append(got, sc.Bytes()...), '\n')
			lines++
			mu.Unlock()
		}
	}()
	push()
	waitFor(t, time.Minute, "the relay to take every line", func() bool {
		return n.relay.r.Stats().Lines+n.relay.dropped.Load()-lines0 >= uint64(bytes.Count(capture, []byte("\n")))
	})
	waitFor(t, time.Minute, "the client to receive what was relayed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		st := n.relay.r.Stats()
		return uint64(lines) >= st.Relayed-relayed0 || st.SlowDropped > 0
	})
	if st := n.relay.r.Stats(); st.SlowDropped > 0 {
		t.Fatalf("the client was dropped as slow: %+v", st)
	}
	// The counters on /metrics.
	base := "http://" + n.Addr().String()
	st := n.relay.r.Stats()
	for name, want := range map[string]float64{
		`tidewatch_relay_lines_total{outcome="relayed"}`:  float64(st.Relayed),
		`tidewatch_relay_lines_total{outcome="withheld"}`: float64(st.Withheld),
		`tidewatch_relay_lines_total{outcome="not_ais"}`:  float64(st.NotAIS),
		`tidewatch_relay_clients`:                         1,
		`tidewatch_relay_clients_accepted_total`:          1,
		`tidewatch_relay_dropped_total`:                   0,
	} {
		if got := metric(t, base, name); got != want {
			t.Errorf("/metrics %s = %v; want %v", name, got, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return bytes.Clone(got), n
}

// TestNodeRelay runs a node with its NMEA relay (tags added) and pushes
// the DMA capture to its TCP input: a relay client receives every AIS
// line, each with an s:receivers and c: tag block, and gpsdecode makes of
// them exactly what it makes of the capture.
func TestNodeRelay(t *testing.T) {
	capture, err := os.ReadFile(aistest.Path("raw/dma-stream-example.nmea"))
	if err != nil {
		t.Fatal(err)
	}
	got, n := relayNode(t, Config{Relay: RelayOutput{Tags: "add"}}, capture, false)
	st := n.relay.r.Stats()
	if d := n.relay.dropped.Load(); d != 0 || st.SlowDropped != 0 {
		t.Fatalf("lines dropped: feed %d, relay %+v", d, st)
	}
	for i, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		if !strings.HasPrefix(l, `\s:receivers,c:`) {
			t.Fatalf("line %d %q: no added tag block", i, l)
		}
	}
	want := gpsdecodeLines(t, capture)
	dec := gpsdecodeLines(t, got)
	if len(want) < 3000 || len(dec) != len(want) {
		t.Fatalf("gpsdecode: %d decodes relayed; %d of the capture", len(dec), len(want))
	}
	for i := range want {
		if dec[i] != want[i] {
			t.Fatalf("decode %d: relayed %s; capture %s", i, dec[i], want[i])
		}
	}
	t.Logf("%d lines relayed, %d decodes equal", st.Relayed, len(dec))
}

// TestNodeRelayPartner relays for a partner whose policy shares only
// vessels not flagged in Denmark west of 11.5 E: no other vessel's
// message reaches the client.
func TestNodeRelayPartner(t *testing.T) {
	capture, err := os.ReadFile(aistest.Path("raw/dma-stream-example.nmea"))
	if err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(t.TempDir(), "policy.json")
	err = os.WriteFile(pol, []byte(`{"version": 1, "node": "LOCAL",
		"areas": {"west": {"bbox": [-180, -90, 11.5, 90]}},
		"partners": {"AGG": {"share": {"positions": true, "static": true}, "include_areas": ["west"],
			"exclude_vessels": {"flags": ["DK"]}}}}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	got, n := relayNode(t, Config{Share: Share{Off: true, Policy: pol}, Relay: RelayOutput{Partner: "AGG"}}, capture, true)
	dec := gpsdecodeLines(t, got)
	if len(dec) < 20 {
		t.Fatalf("%d decodes relayed; want the capture's foreign vessels west of 11.5 E", len(dec))
	}
	for _, d := range dec {
		var v struct{ MMSI int }
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatal(err)
		}
		if mid := v.MMSI / 1000000; mid == 219 || mid == 220 {
			t.Errorf("a Danish vessel relayed: %s", d)
		}
	}
	st := n.relay.r.Stats()
	if st.Withheld == 0 {
		t.Errorf("nothing withheld: %+v", st)
	}
	t.Logf("%d decodes relayed, %d lines withheld", len(dec), st.Withheld)
}

func TestRelayConfigErrors(t *testing.T) {
	for _, r := range []RelayOutput{
		{Listen: "127.0.0.1:0", Tags: "rewrite"},
		{Listen: "127.0.0.1:0", BBox: []float64{1, 2, 3}},
		{Listen: "127.0.0.1:0", BBox: []float64{1, 60, 3, 50}},
		{Listen: "127.0.0.1:0", Partner: "nobody"},
	} {
		cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none", Relay: r}
		n, err := Open(context.Background(), Options{Config: cfg})
		if err == nil {
			n.Close()
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v; want ErrConfig", r, err)
		}
	}
}
