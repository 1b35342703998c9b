package relay_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/relay"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const raw = "../../../shared/testdata/ais/raw/"

// readLines returns the lines of a real capture of the shared workspace,
// skipping the test without it.
func readLines(t testing.TB, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(raw + name)
	if err != nil {
		t.Skipf("real capture %s not in the shared workspace: %v", name, err)
	}
	return bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
}

// gpsdecode runs gpsd's decoder on in and returns its JSON lines.
func gpsdecode(t *testing.T, in []byte) []string {
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

func start(t testing.TB, cfg relay.Config) (*relay.Relay, func()) {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return r, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// connect dials the relay and waits until it has registered the client.
func connect(t testing.TB, r *relay.Relay) net.Conn {
	t.Helper()
	want := r.Stats().Accepted + 1
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "the relay to accept", func() bool { return r.Stats().Accepted >= want })
	return c
}

// poll waits for cond, failing after a deadline.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// relayed publishes lines and returns what a client received once the
// relay has stopped.
func relayed(t *testing.T, cfg relay.Config, lines [][]byte) []byte {
	t.Helper()
	return relayedFrom(t, cfg, "rx1", lines)
}

// relayedFrom is relayed with the lines published as from source.
func relayedFrom(t *testing.T, cfg relay.Config, source string, lines [][]byte) []byte {
	t.Helper()
	cfg.Queue = len(lines) // the capture is published at once, far faster than a live feed
	r, stop := start(t, cfg)
	c := connect(t, r)
	var n atomic.Uint64
	got := make(chan []byte, 1)
	go func() {
		var b []byte
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			b = append(append(b, sc.Bytes()...), '\n')
			n.Add(1)
		}
		got <- b
	}()
	for _, l := range lines {
		r.Publish(source, l)
	}
	poll(t, "the client to receive every line", func() bool { return n.Load() >= r.Stats().Relayed || r.Stats().SlowDropped > 0 })
	stop()
	b := <-got
	if st := r.Stats(); st.SlowDropped != 0 {
		t.Fatalf("client dropped as slow: %+v", st)
	}
	return b
}

// TestGpsdecode relays real captures to a TCP client and has gpsd's
// gpsdecode decode what the client received: the same decodes, in the same
// order, as gpsdecode makes of the capture itself. The DMA capture has
// proprietary $PGHP lines between the sentences (not relayed); the AMSA
// one has tag blocks, relayed as they are and stripped.
func TestGpsdecode(t *testing.T) {
	for _, tc := range []struct {
		file  string
		strip bool
	}{
		{"dma-stream-example.nmea", false},
		{"amsa-timestamped-tagblock.nmea", false},
		{"amsa-timestamped-tagblock.nmea", true},
		{"amsa-exactearth-tagblock.nmea", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			lines := readLines(t, tc.file)
			want := gpsdecode(t, append(bytes.Join(lines, []byte("\n")), '\n'))
			out := relayed(t, relay.Config{Tags: map[bool]relay.TagMode{true: relay.TagsStrip}[tc.strip]}, lines)
			if tc.strip && bytes.Contains(out, []byte(`\`)) {
				t.Error("a tag block was relayed with TagsStrip")
			}
			if !tc.strip && strings.Contains(tc.file, "tagblock") && !bytes.HasPrefix(out, []byte(`\c:`)) {
				t.Errorf("tag blocks not relayed: %.80q", out)
			}
			got := gpsdecode(t, out)
			if len(want) < 50 || len(got) != len(want) {
				t.Fatalf("gpsdecode: %d decodes of the relayed stream; %d of the capture", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("decode %d: relayed %s; capture %s", i, got[i], want[i])
				}
			}
			t.Logf("%d lines offered, %d decodes equal", len(lines), len(got))
		})
	}
}

// TestWithheld relays a real capture under a policy that withholds every
// vessel with an odd MMSI: gpsdecode finds exactly the capture's decodes of
// the others, multi-part messages (type 5) included.
func TestWithheld(t *testing.T) {
	lines := readLines(t, "dma-stream-example.nmea")
	allow := func(m vessel.MMSI) bool { return m%2 == 0 }
	var want []string
	multipart := 0
	for _, d := range gpsdecode(t, append(bytes.Join(lines, []byte("\n")), '\n')) {
		var v struct {
			MMSI uint32
			Type int
		}
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatal(err)
		}
		if allow(vessel.MMSI(v.MMSI)) {
			want = append(want, d)
			if v.Type == 5 {
				multipart++
			}
		}
	}
	if multipart == 0 {
		t.Fatal("the capture has no allowed type 5: the multi-part path is untested")
	}
	got := gpsdecode(t, relayed(t, relay.Config{Allow: allow}, lines))
	if len(got) != len(want) {
		t.Fatalf("%d decodes relayed; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("decode %d: relayed %s; want %s", i, got[i], want[i])
		}
	}
	t.Logf("%d of the capture's decodes allowed (%d type 5)", len(want), multipart)
}

// TestFilters checks source filtering and the counts of lines that are
// not AIS, with no client connected.
func TestFilters(t *testing.T) {
	r, stop := start(t, relay.Config{Sources: []string{"rx1"}})
	defer stop()
	for _, l := range []string{
		"!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B",            // relayed
		"!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B\r\n",        // relayed
		"1276012800,!BSVDO,1,1,,A,402=481uaUcf;OQ55JS9ITi025Jp,0*2B", // relayed: archive prefix dropped
		"$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B",    // not AIS
		"!AIVDM,1,1,,B,402=481uaUcf",                                 // no checksum
		"",
	} {
		r.Publish("rx1", []byte(l))
	}
	r.Publish("rx2", []byte("!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B"))
	want := relay.Stats{Lines: 7, Relayed: 3, NotAIS: 3, Filtered: 1}
	if got := r.Stats(); got != want {
		t.Errorf("stats %+v; want %+v", got, want)
	}
}

// TestSlowClientDropped has a client that reads nothing: once its queue
// is full it is disconnected and counted, and Publish never blocks.
func TestSlowClientDropped(t *testing.T) {
	r, stop := start(t, relay.Config{Queue: 16})
	defer stop()
	c := connect(t, r)
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(1024)
	line := []byte("!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B")
	for i := 0; i < 1_000_000 && r.Stats().SlowDropped == 0; i++ {
		r.Publish("rx1", line)
	}
	if st := r.Stats(); st.SlowDropped != 1 {
		t.Fatalf("stats %+v; want the client dropped", st)
	}
	poll(t, "the dropped client's connection to close", func() bool { return r.Stats().Clients == 0 })
}

// TestMaxConns refuses a client past MaxConns.
func TestMaxConns(t *testing.T) {
	r, stop := start(t, relay.Config{MaxConns: 1})
	defer stop()
	c1 := connect(t, r)
	defer c1.Close()
	c2, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(20 * time.Second))
	if n, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("second client read %d, %v; want EOF", n, err)
	}
	if st := r.Stats(); st.Refused != 1 || st.Accepted != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestUDP sends the relayed lines as datagrams too.
func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r, err := relay.New(relay.Config{UDP: pc.LocalAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	line := `\s:rx,c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`
	r.Publish("rx", []byte(line+"\n"))
	buf := make([]byte, 1024)
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != line+"\r\n" {
		t.Errorf("datagram %q; want %q", buf[:n], line+"\r\n")
	}
	cancel()
	<-done
}

// BenchmarkFanout relays a real capture to 10 TCP clients that read and
// discard; a line counts once every client has received it (lines/s
// counts the relayed sentences, not the capture's other lines).
func BenchmarkFanout(b *testing.B) {
	lines := readLines(b, "dma-stream-example.nmea")
	// Queues for the whole run: the benchmark measures throughput, not the
	// slow-client policy (a loaded machine may starve a reader for a while).
	r, stop := start(b, relay.Config{Queue: max(b.N, 1024)})
	defer stop()
	var received atomic.Int64
	for range 10 {
		c := connect(b, r)
		defer c.Close()
		go func() {
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				received.Add(1)
			}
		}()
	}
	relayedBefore := r.Stats().Relayed
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Publish("rx1", lines[i%len(lines)])
	}
	want := int64(r.Stats().Relayed-relayedBefore) * 10
	poll(b, "the clients to receive every line", func() bool { return received.Load() >= want || r.Stats().SlowDropped > 0 })
	b.StopTimer()
	if st := r.Stats(); st.SlowDropped > 0 {
		b.Fatalf("clients dropped as slow: %+v", st)
	}
	b.ReportMetric(float64(want/10)/b.Elapsed().Seconds(), "lines/s")
}

// TestAddTags relays real captures with TagsAdd: every line leaves with a
// tag block holding s: (the input's name, made safe) and c: (the relay's
// clock, or the capture's own c: where it had one), with a correct
// checksum, and gpsdecode decodes the same messages as from the capture.
func TestAddTags(t *testing.T) {
	at := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		file, source, wantS string
		ownTime             bool
	}{
		{"dma-stream-example.nmea", "tcp:10.0.0.1:4001", "tcp-10.0.0.1-4001", false},
		{"amsa-timestamped-tagblock.nmea", "amsa", "amsa", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			lines := readLines(t, tc.file)
			want := gpsdecode(t, append(bytes.Join(lines, []byte("\n")), '\n'))
			out := relayedFrom(t, relay.Config{Tags: relay.TagsAdd, Now: func() time.Time { return at }}, tc.source, lines)
			got := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(got) < 90 {
				t.Fatalf("%d lines received", len(got))
			}
			for i, l := range got {
				tag, rest, ok := strings.Cut(strings.TrimPrefix(l, `\`), `\`)
				if !ok || !strings.HasPrefix(rest, "!") {
					t.Fatalf("line %d %q: no tag block", i, l)
				}
				body, sum, _ := strings.Cut(tag, "*")
				var x byte
				for _, ch := range []byte(body) {
					x ^= ch
				}
				if got := strings.ToUpper(sum); got != hex2(x) {
					t.Fatalf("line %d %q: checksum %s; want %s", i, l, sum, hex2(x))
				}
				fs := map[string]string{}
				for _, f := range strings.Split(body, ",") {
					k, v, _ := strings.Cut(f, ":")
					fs[k] = v
				}
				if fs["s"] != tc.wantS {
					t.Fatalf("line %d %q: s:%q; want %q", i, l, fs["s"], tc.wantS)
				}
				if !tc.ownTime && fs["c"] != "1796580000" {
					t.Fatalf("line %d %q: c:%q; want the relay's clock 1796580000", i, l, fs["c"])
				}
				if tc.ownTime && !strings.HasPrefix(fs["c"], "14200") {
					t.Fatalf("line %d %q: c:%q; want the capture's own time kept", i, l, fs["c"])
				}
			}
			dec := gpsdecode(t, out)
			if len(dec) != len(want) {
				t.Fatalf("gpsdecode: %d decodes relayed; %d of the capture", len(dec), len(want))
			}
			for i := range want {
				if dec[i] != want[i] {
					t.Fatalf("decode %d: relayed %s; capture %s", i, dec[i], want[i])
				}
			}
		})
	}
}

func hex2(b byte) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[b>>4], h[b&15]})
}

// TestBBox relays a real capture through a box over the Danish straits:
// what gpsdecode finds in the relayed stream is exactly the capture's
// decodes of vessels whose last position report (types 1-4, 9, 11, 18,
// 19, 21, 27, as gpsdecode decodes them) was inside the box, static data
// included, and nothing of vessels not yet placed.
func TestBBox(t *testing.T) {
	lines := readLines(t, "dma-stream-example.nmea")
	box := relay.BBox{Has: true, West: 9, South: 54.5, East: 13, North: 57.8}
	var want []string
	in := map[uint32]bool{}
	statics := 0
	for _, d := range gpsdecode(t, append(bytes.Join(lines, []byte("\n")), '\n')) {
		var v struct {
			MMSI     uint32
			Type     int
			Lat, Lon *float64
		}
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatal(err)
		}
		switch v.Type {
		case 1, 2, 3, 4, 9, 11, 18, 19, 21, 27:
			if v.Lat != nil && v.Lon != nil && *v.Lon <= 180 && *v.Lat <= 90 {
				in[v.MMSI] = box.Contains(*v.Lat, *v.Lon)
			}
		}
		if in[v.MMSI] {
			want = append(want, d)
			if v.Type == 5 {
				statics++
			}
		}
	}
	if statics == 0 || len(want) < 100 {
		t.Fatalf("the box holds %d decodes, %d of type 5: choose another", len(want), statics)
	}
	got := gpsdecode(t, relayed(t, relay.Config{BBox: box}, lines))
	if len(got) != len(want) {
		t.Fatalf("%d decodes relayed; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("decode %d: relayed %s; want %s", i, got[i], want[i])
		}
	}
	t.Logf("%d decodes in the box (%d type 5)", len(want), statics)
}
