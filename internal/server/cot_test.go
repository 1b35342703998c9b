package server

import (
	"context"
	"encoding/xml"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
)

// TestNodeCoT runs a node with a CoT output over UDP on loopback and
// pushes the DMA capture: the vessels arrive as CoT events, only those
// in the output's box.
func TestNodeCoT(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.(*net.UDPConn).SetReadBuffer(8 << 20)
	tcp := freePort(t)
	// The box holds the Øresund and the Belts, most of the capture.
	cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none",
		Inputs: []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}},
		CoT:    []CoTOutput{{Network: "udp", Address: pc.LocalAddr().String(), BBox: []float64{9, 54, 14, 57}, Queue: 100000}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		clock := func() time.Time { return time.Date(2010, 6, 11, 11, 50, 0, 0, time.UTC) }
		done <- Run(ctx, Options{Config: cfg, Now: clock, Started: func(a net.Addr) { started <- a }})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("node did not start: %v", err)
	}
	capture, err := os.ReadFile(aistest.Path("raw/dma-stream-example.nmea"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(capture)
	c.Close()

	uids := map[string]bool{}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(20 * time.Second)
	for len(uids) < 400 && time.Now().Before(deadline) {
		pc.SetReadDeadline(deadline)
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			break
		}
		var ev struct {
			UID   string `xml:"uid,attr"`
			Type  string `xml:"type,attr"`
			Point struct {
				Lat float64 `xml:"lat,attr"`
				Lon float64 `xml:"lon,attr"`
			} `xml:"point"`
		}
		if err := xml.Unmarshal(buf[:n], &ev); err != nil {
			t.Fatalf("event %q: %v", buf[:n], err)
		}
		if ev.Point.Lon < 9 || ev.Point.Lon > 14 || ev.Point.Lat < 54 || ev.Point.Lat > 57 {
			t.Errorf("event outside the box: %s", buf[:n])
		}
		if !strings.HasPrefix(ev.UID, "tidewatch-mmsi-") || !strings.HasPrefix(ev.Type, "a-") {
			t.Errorf("event %s", buf[:n])
		}
		uids[ev.UID] = true
	}
	if len(uids) < 400 {
		t.Fatalf("%d vessels arrived as CoT events; want 400 or more (463 of the capture's 1,390 vessels are in the box)", len(uids))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCoTConfigErrors(t *testing.T) {
	for _, o := range []CoTOutput{
		{Network: "sctp", Address: "127.0.0.1:1"},
		{Network: "udp"},
		{Network: "udp", Address: "127.0.0.1:1", BBox: []float64{1, 2, 3}},
		{Network: "udp", Address: "127.0.0.1:1", Categories: []string{"submarine"}},
		{Network: "udp", Address: "127.0.0.1:1", MinInterval: "soon"},
	} {
		if _, err := cotSender(o, nil, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v; want ErrConfig", o, err)
		}
	}
	// A partner with no sharing policy is refused at start.
	cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none",
		CoT: []CoTOutput{{Network: "udp", Address: "127.0.0.1:1", Partner: "JP-JCG"}}}
	if n, err := Open(context.Background(), Options{Config: cfg}); !errors.Is(err, ErrConfig) {
		if n != nil {
			n.Close()
		}
		t.Errorf("open with a CoT partner and no policy: %v; want ErrConfig", err)
	}
}
