package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// cotLeakPolicy is the sharing policy of TestCoTPartnerLeak: the radar
// scenario's area (Gulf of Aden, about 12.4 N 46 E) cut in two at 46 E.
const cotLeakPolicy = `{"version": 1, "node": "LOCAL",
 "areas": {"east": {"bbox": [46.0, 0, 60, 20]}, "site_approach": {"bbox": [46.0, 12.5, 46.1, 12.6]}},
 "partners": {
  "AA-RADAR": {"share": {"positions": true, "contacts": ["radar"]}, "include_areas": ["east"], "exclude_areas": ["site_approach"]},
  "BB-SAT":   {"share": {"contacts": ["satellite"]}, "precision_m": 2000},
  "CC-AIS":   {"share": {"positions": true, "static": true}}}}`

// cotCollector reads the CoT datagrams one UDP socket receives.
type cotCollector struct {
	pc   net.PacketConn
	mu   sync.Mutex
	xmls [][]byte
	done chan struct{}
}

func newCoTCollector(t *testing.T) *cotCollector {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc.(*net.UDPConn).SetReadBuffer(8 << 20)
	c := &cotCollector{pc: pc, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 65536)
		for {
			k, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			c.mu.Lock()
			c.xmls = append(c.xmls, bytes.Clone(buf[:k]))
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() { pc.Close(); <-c.done })
	return c
}

func (c *cotCollector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.xmls)
}

// TestCoTPartnerLeak is the leak test of the Cursor on Target output: a
// node runs the simulator's radar and SAR scenario (AIS through the
// pipeline, detections through the contact tracker) with one CoT output
// per partner of a policy that shares radar contacts east of 46 E but not
// off the fixed radar site (AA-RADAR, with positions in the same area),
// satellite detections only, rounded to 2 km (BB-SAT), and no contacts
// (CC-AIS, positions and static data everywhere). Every event each output
// sends is parsed: every contact is one the tracker has as dark, at the
// place the partner's policy gives it (so inside its areas, rounded to
// its grid), of a sensor it shares; every vessel is where its positions
// may go; no event names a sensor, a scan or a scene; CC-AIS gets no
// contact at all; and AA-RADAR and BB-SAT do get contacts, so the test
// can fail.
func TestCoTPartnerLeak(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 30 * time.Minute, SARPasses: []time.Duration{20 * time.Minute}},
		rand.New(rand.NewPCG(1, 2)))
	pol := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(pol, []byte(cotLeakPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	pp, err := policy.Parse([]byte(cotLeakPolicy))
	if err != nil {
		t.Fatal(err)
	}
	partners := []string{"AA-RADAR", "BB-SAT", "CC-AIS"}
	cols := map[string]*cotCollector{}
	cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true,
		Share: Share{Off: true, Policy: pol}}
	for _, p := range partners {
		cols[p] = newCoTCollector(t)
		cfg.CoT = append(cfg.CoT, CoTOutput{Network: "udp", Address: cols[p].pc.LocalAddr().String(), Partner: p,
			Queue: 100000, TTL: "1h", MinInterval: "1ms"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return sc.End.Std() }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

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
	for i, p := range partners {
		s := n.cot[i]
		waitFor(t, 30*time.Second, "the CoT queue of "+p+" to drain", func() bool {
			return cols[p].count() >= int(s.Stats().Sent)
		})
	}
	// The places each partner may get a contact at: the tracker's dark
	// contacts through its policy.
	allowed := map[string][][2]float64{}
	isAllowed := func(p string, lat, lon float64) bool { // CoT writes 7 decimals
		for _, a := range allowed[p] {
			if math.Abs(a[0]-lat) < 1e-6 && math.Abs(a[1]-lon) < 1e-6 {
				return true
			}
		}
		return false
	}
	dark := 0
	for _, c := range n.Contacts().Contacts(httpapi.ContactQuery{History: true}) {
		if c.MMSI != 0 {
			continue
		}
		dark++
		d := vessel.Detection{Time: c.Time, Lat: c.Lat, Lon: c.Lon, Source: c.Source, Target: c.Target}
		switch c.Sensor {
		case "radar":
			d.Sensor = vessel.SensorRadar
		case "satellite":
			d.Sensor = vessel.SensorSatellite
		}
		for _, p := range partners {
			if out, _, dec := pp.Partner(p).Contact(d, "", 0); dec.Allow {
				allowed[p] = append(allowed[p], [2]float64{out.Lat, out.Lon})
			}
		}
	}
	stats := make([]string, len(partners))
	for i, p := range partners {
		stats[i] = fmt.Sprintf("%s: %+v", p, n.cot[i].Stats())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	forbidden := []*regexp.Regexp{word("patrol"), word("site"), word("sar"), regexp.MustCompile(`scan|scene|S1[AB]_`)}
	east := func(lat, lon float64) bool { return lon >= 46 && lon <= 60 && lat >= 0 && lat <= 20 }
	nearSite := func(lat, lon float64) bool { return lon >= 46 && lon <= 46.1 && lat >= 12.5 && lat <= 12.6 }
	for _, p := range partners {
		c := cols[p]
		c.mu.Lock()
		xmls := c.xmls
		c.mu.Unlock()
		contacts, vessels := 0, 0
		for _, b := range xmls {
			var ev cotEvent
			if err := xml.Unmarshal(b, &ev); err != nil {
				t.Errorf("%s: event %q: %v", p, b, err)
				continue
			}
			for _, re := range forbidden {
				if re.Match(b) {
					t.Errorf("%s: event names the sensor (%s): %s", p, re, b)
				}
			}
			lat, lon := ev.Point.Lat, ev.Point.Lon
			switch {
			case strings.HasPrefix(ev.UID, "tidewatch-contact-"):
				contacts++
				if !isAllowed(p, lat, lon) {
					t.Errorf("%s: contact not among the dark contacts its policy allows (east %v, off the site %v): %s", p, east(lat, lon), nearSite(lat, lon), b)
				}
				wantSensor := map[string]string{"AA-RADAR": "tidewatch-contact-radar-", "BB-SAT": "tidewatch-contact-satellite-"}[p]
				if wantSensor == "" || !strings.HasPrefix(ev.UID, wantSensor) {
					t.Errorf("%s: contact of a sensor it does not get: %s", p, b)
				}
			case strings.HasPrefix(ev.UID, "tidewatch-mmsi-"):
				vessels++
				if p == "BB-SAT" || p == "AA-RADAR" && !east(lat, lon) {
					t.Errorf("%s: vessel outside its policy: %s", p, b)
				}
			default:
				t.Errorf("%s: event %s", p, b)
			}
		}
		t.Logf("%s: %d events, %d contacts (%d places allowed of %d dark contacts), %d vessel events", p, len(xmls), contacts, len(allowed[p]), dark, vessels)
		switch {
		case p == "AA-RADAR" && (contacts == 0 || vessels == 0), p == "BB-SAT" && contacts == 0, p == "CC-AIS" && vessels == 0:
			t.Errorf("%s: %d contacts and %d vessels; the test wants both kinds where its policy allows them", p, contacts, vessels)
		}
	}
	t.Log(strings.Join(stats, "; "))
}
