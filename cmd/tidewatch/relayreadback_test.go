package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/server"
)

// lineReader collects a connection's lines on its own goroutine.
type lineReader struct {
	mu    sync.Mutex
	lines []string
}

func readLinesFrom(c net.Conn) *lineReader {
	r := &lineReader{}
	go func() {
		sc := bufio.NewScanner(c)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, sc.Text())
			r.mu.Unlock()
		}
	}()
	return r
}

// matching returns the lines collected so far that start with prefix.
func (r *lineReader) matching(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// decodeJSON runs tidewatch decode (the command's function) over in and
// returns its objects without the framing fields (time, source, rxtime:
// the relay passes the sentence on, not the receiver's $PGHP lines).
func decodeJSON(t *testing.T, in []byte, args ...string) []map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := runDecode(context.Background(), append(args, "-"), bytes.NewReader(in), &out, &errb); err != nil {
		t.Fatalf("decode: %v: %s", err, errb.String())
	}
	var objs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("decode printed %q: %v", l, err)
		}
		delete(o, "time")
		delete(o, "source")
		delete(o, "rxtime")
		objs = append(objs, o)
	}
	return objs
}

// TestRelayReadBack feeds the DMA capture (Danish receivers, with their
// $PGHP lines) through a node's TCP input and reads both relays: the
// NMEA relay's lines, run through tidewatch decode and gpsd's gpsdecode,
// give the same messages as the capture itself (count and content), and
// the gpsd JSON port's objects are those messages too.
func TestRelayReadBack(t *testing.T) {
	capture, err := os.ReadFile(aistest.Path("raw/dma-stream-example.nmea"))
	if err != nil {
		t.Skipf("capture not in the shared workspace: %v", err)
	}
	in, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inAddr := in.Addr().String()
	in.Close()
	cfg := server.Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none",
		Inputs: []server.Input{{Type: "tcp-server", Name: "receivers", Listen: inAddr}},
		Relay:  server.RelayOutput{Listen: "127.0.0.1:0", GPSD: "127.0.0.1:0", Queue: 1 << 16}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := server.Open(ctx, server.Options{Config: cfg, Now: func() time.Time { return time.Date(2010, 6, 11, 11, 50, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	var nc, gc net.Conn
	waitFor(t, "the relays to accept", func() bool {
		if nc == nil {
			nc, _ = net.Dial("tcp", n.RelayAddr())
		}
		if gc == nil {
			gc, _ = net.Dial("tcp", n.GPSDAddr())
		}
		return nc != nil && gc != nil
	})
	defer nc.Close()
	defer gc.Close()
	nmea, gpsd := readLinesFrom(nc), readLinesFrom(gc)
	fmt.Fprint(gc, `?WATCH={"enable":true,"json":true};`)
	waitFor(t, "the gpsd port's WATCH reply", func() bool { return len(gpsd.matching(`{"class":"WATCH","enable":true`)) == 1 })
	var push net.Conn
	waitFor(t, "the node's input", func() bool { push, err = net.Dial("tcp", inAddr); return err == nil })
	push.Write(capture)
	push.Close()

	want := decodeJSON(t, capture)
	sentences := 0
	for _, l := range bytes.Split(capture, []byte("\n")) {
		if bytes.Contains(l, []byte("VDM,")) || bytes.Contains(l, []byte("VDO,")) {
			sentences++
		}
	}
	if len(want) < 3000 {
		t.Fatalf("tidewatch decode made %d messages of the capture", len(want))
	}
	waitFor(t, "every sentence on the NMEA relay", func() bool { return len(nmea.matching("!")) >= sentences })
	waitFor(t, "every message on the gpsd port", func() bool { return len(gpsd.matching(`{"class":"AIS"`)) >= len(want) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	relayed := []byte(strings.Join(nmea.matching("!"), "\n") + "\n")
	if got := decodeJSON(t, relayed); !reflect.DeepEqual(got, want) {
		t.Errorf("tidewatch decode of the relayed lines: %d messages; of the capture %d (or different content)", len(got), len(want))
	}
	// gpsd's decoder agrees: the same output for the relayed lines as for
	// the capture.
	if path, err := exec.LookPath("gpsdecode"); err == nil {
		gd := func(b []byte) string {
			cmd := exec.Command(path)
			cmd.Stdin = bytes.NewReader(b)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("gpsdecode: %v", err)
			}
			return string(out)
		}
		g1, g2 := gd(capture), gd(relayed)
		if g1 != g2 || strings.Count(g1, "\n") < 3000 {
			t.Errorf("gpsdecode: %d lines of the relayed, %d of the capture (or different)", strings.Count(g2, "\n"), strings.Count(g1, "\n"))
		}
	} else if os.Getenv("CI") != "" {
		t.Fatalf("gpsdecode required in CI: %v", err)
	}
	// The gpsd port: unscaled JSON, as tidewatch decode --unscaled makes
	// it, with the input's name as device.
	raw := decodeJSON(t, capture, "--unscaled")
	objs := gpsd.matching(`{"class":"AIS"`)
	if len(objs) != len(raw) {
		t.Fatalf("gpsd port: %d messages; decode %d", len(objs), len(raw))
	}
	for i, l := range objs {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("gpsd port line %q: %v", l, err)
		}
		if o["device"] != "receivers" {
			t.Fatalf("gpsd port line %d: device %v; want the input's name", i, o["device"])
		}
		delete(o, "device")
		if !reflect.DeepEqual(o, raw[i]) {
			t.Fatalf("gpsd port message %d: %v; decode %v", i, o, raw[i])
		}
	}
	t.Logf("%d sentences relayed, %d messages decoded alike; %d gpsd JSON messages", sentences, len(want), len(objs))
}
