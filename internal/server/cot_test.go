package server

import (
	"context"
	"encoding/xml"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cotEvent is a received CoT event, as encoding/xml reads it.
type cotEvent struct {
	UID   string `xml:"uid,attr"`
	Type  string `xml:"type,attr"`
	Point struct {
		Lat float64 `xml:"lat,attr"`
		Lon float64 `xml:"lon,attr"`
	} `xml:"point"`
}

// runCoTNode runs a node with cfg (one CoT output over UDP to a loopback
// socket it adds), pushes the DMA capture and returns the vessels' last
// events once want of them have arrived or 20 s have passed.
func runCoTNode(t *testing.T, cfg Config, want int) map[string]cotEvent {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.(*net.UDPConn).SetReadBuffer(8 << 20)
	cfg.CoT[0].Network, cfg.CoT[0].Address, cfg.CoT[0].Queue = "udp", pc.LocalAddr().String(), 100000
	tcp := freePort(t)
	cfg.Data, cfg.Listen, cfg.Land = t.TempDir(), "127.0.0.1:0", "none"
	cfg.Inputs = []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}}
	node := startNode(t, Options{Config: cfg, Now: dmaClock})
	sendCapture(t, tcp, "raw/dma-stream-example.nmea")

	evs := map[string]cotEvent{}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(20 * time.Second)
	for len(evs) < want && time.Now().Before(deadline) {
		pc.SetReadDeadline(deadline)
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			break
		}
		var ev cotEvent
		if err := xml.Unmarshal(buf[:n], &ev); err != nil {
			t.Fatalf("event %q: %v", buf[:n], err)
		}
		if !strings.HasPrefix(ev.UID, "tidewatch-mmsi-") || !strings.HasPrefix(ev.Type, "a-") {
			t.Errorf("event %s", buf[:n])
		}
		evs[ev.UID] = ev
	}
	node.stop(t)
	return evs
}

// TestNodeCoT runs a node with a CoT output over UDP on loopback and
// pushes the DMA capture: the vessels arrive as CoT events, only those
// in the output's box (the Belts and the Øresund).
func TestNodeCoT(t *testing.T) {
	evs := runCoTNode(t, Config{CoT: []CoTOutput{{BBox: []float64{9, 54, 14, 57}}}}, 400)
	if len(evs) < 400 {
		t.Fatalf("%d vessels arrived as CoT events; want 400 or more (463 of the capture's 1,390 vessels are in the box)", len(evs))
	}
	for _, ev := range evs {
		if ev.Point.Lon < 9 || ev.Point.Lon > 14 || ev.Point.Lat < 54 || ev.Point.Lat > 57 {
			t.Errorf("event outside the box: %+v", ev)
		}
	}
}

// TestNodeCoTPartner names a partner whose policy shares only vessels not
// flagged in Denmark west of 11.5 E: nothing else reaches the TAK side.
func TestNodeCoTPartner(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "policy.json")
	err := os.WriteFile(pol, []byte(`{"version": 1, "node": "LOCAL",
		"areas": {"west": {"bbox": [-180, -90, 11.5, 90]}},
		"partners": {"TAK-NET": {"share": {"positions": true, "static": true}, "include_areas": ["west"],
			"exclude_vessels": {"flags": ["DK"]}}}}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	evs := runCoTNode(t, Config{Share: Share{Off: true, Policy: pol}, CoT: []CoTOutput{{Partner: "TAK-NET"}}}, 1000)
	if len(evs) < 20 {
		t.Fatalf("%d vessels arrived; want the capture's foreign vessels west of 11.5 E", len(evs))
	}
	for uid, ev := range evs {
		mmsi, _ := strconv.Atoi(strings.TrimPrefix(uid, "tidewatch-mmsi-"))
		if mid := mmsi / 1000000; mid == 219 || mid == 220 || ev.Point.Lon > 11.5 {
			t.Errorf("withheld vessel sent: %s %+v", uid, ev)
		}
	}
	t.Logf("%d vessels sent under the partner's policy", len(evs))
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
