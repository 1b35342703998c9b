package server

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestNodeCoTContacts runs a node with a CoT output over UDP and feeds
// its contact tracker the simulator's radar and SAR scenario (AIS through
// the pipeline, detections scan by scan, 20 seconds of both at a time):
// the dark contacts arrive as "a-u-S" events at the positions of dark
// contacts the tracker produced, no associated contact is sent (its vessel
// is, from the picture), and @tak-ps/node-cot, when installed, parses
// every event with the same uid, type and point.
func TestNodeCoTContacts(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 30 * time.Minute}, rand.New(rand.NewPCG(1, 2)))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.(*net.UDPConn).SetReadBuffer(8 << 20)
	cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true,
		CoT: []CoTOutput{{Network: "udp", Address: pc.LocalAddr().String(), Queue: 100000, TTL: "1h", MinInterval: "1ms"}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return sc.End.Std() }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	// Collect the datagrams.
	type got struct {
		xml []byte
		ev  cotEvent
	}
	evc := make(chan got, 1<<16)
	var received atomic.Uint64
	go func() {
		buf := make([]byte, 65536)
		for {
			k, _, err := pc.ReadFrom(buf)
			if err != nil {
				close(evc)
				return
			}
			var ev cotEvent
			if xml.Unmarshal(buf[:k], &ev) == nil {
				evc <- got{bytes.Clone(buf[:k]), ev}
				received.Add(1)
			}
		}
	}()

	dets := make([]vessel.Detection, 0, len(sc.Radar)+len(sc.SAR))
	for _, r := range sc.Radar {
		dets = append(dets, r.Det)
	}
	for _, s := range sc.SAR {
		dets = append(dets, s.Det)
	}
	ais, di := 0, 0
	for t0 := sc.Start; t0 < sc.End; t0 += 20_000 {
		applyAISBefore(t, n, sc.AIS, &ais, t0+20_000)
		var b []vessel.Detection
		for di < len(dets) && dets[di].Time < t0+20_000 {
			b = append(b, dets[di])
			di++
		}
		if err := n.Contacts().SubmitWait(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "contacts tracked", func() bool {
		st := n.Contacts().Stats()
		return st.Contacts+st.Rejected >= int64(di)
	})
	dark := map[[2]int64]bool{}
	assoc := map[[2]int64]bool{}
	key := func(lat, lon float64) [2]int64 {
		return [2]int64{int64(math.Round(lat * 1e6)), int64(math.Round(lon * 1e6))}
	}
	for _, c := range n.Contacts().Contacts(httpapi.ContactQuery{History: true}) {
		if c.MMSI == 0 {
			dark[key(c.Lat, c.Lon)] = true
		} else {
			assoc[key(c.Lat, c.Lon)] = true
		}
	}
	s := n.cot[0]
	waitFor(t, 30*time.Second, "the CoT queue to drain", func() bool {
		st := s.Stats()
		return st.Sent > 0 && received.Load() >= st.Sent
	})
	base := "http://" + n.Addr().String()
	name := "udp:" + pc.LocalAddr().String()
	if got := metric(t, base, `tidewatch_cot_sent_total{output="`+name+`"}`); got < float64(received.Load()) {
		t.Errorf("/metrics tidewatch_cot_sent_total = %v; %d events received", got, received.Load())
	}
	if got := metric(t, base, `tidewatch_cot_skipped_total{output="`+name+`",reason="rate_limited"}`); got != float64(s.Stats().RateLimited) || got == 0 {
		t.Errorf("/metrics rate_limited = %v; stats %+v", got, s.Stats())
	}
	if got := metric(t, base, `tidewatch_cot_connected{output="`+name+`"}`); got != 1 {
		t.Errorf("/metrics tidewatch_cot_connected = %v; want 1", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	pc.Close()
	var contacts []got
	for g := range evc {
		if strings.HasPrefix(g.ev.UID, "tidewatch-contact-") {
			contacts = append(contacts, g)
		}
	}
	// The node's clock is fixed, so each track is sent once (rate limit).
	if len(contacts) < 5 {
		t.Fatalf("%d contact events; want the scenario's dark contacts (%d dark, %d associated tracked)", len(contacts), len(dark), len(assoc))
	}
	for _, g := range contacts {
		k := key(g.ev.Point.Lat, g.ev.Point.Lon)
		if g.ev.Type != "a-u-S" {
			t.Errorf("contact event of type %q: %s", g.ev.Type, g.xml)
		}
		if !dark[k] {
			t.Errorf("contact event not at a dark contact (associated: %v): %s", assoc[k], g.xml)
		}
	}
	t.Logf("%d contact events sent; %d dark and %d associated contacts tracked; cot stats %+v", len(contacts), len(dark), len(assoc), s.Stats())

	// The TAK community's parser reads them.
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs("../../e2e/formats")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@tak-ps", "node-cot"))
	}
	if err != nil {
		if os.Getenv("TIDEWATCH_REQUIRE_NODE_COT") != "" {
			t.Fatalf("node and @tak-ps/node-cot required: %v", err)
		}
		t.Logf("node-cot check skipped: %v", err)
		return
	}
	var buf bytes.Buffer
	for _, g := range contacts {
		buf.Write(g.xml)
		buf.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "contacts.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "cot.mjs"), file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node-cot: %v: %s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(contacts) {
		t.Fatalf("node-cot read %d events; want %d", len(lines), len(contacts))
	}
	for i, l := range lines {
		var v struct {
			UID, Type string
			Lat, Lon  float64
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		ev := contacts[i].ev
		if v.UID != ev.UID || v.Type != "a-u-S" || math.Abs(v.Lat-ev.Point.Lat) > 1e-7 || math.Abs(v.Lon-ev.Point.Lon) > 1e-7 {
			t.Errorf("node-cot read %s; sent %+v", l, ev)
		}
	}
}
