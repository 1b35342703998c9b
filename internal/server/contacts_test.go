package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// openSensorNode opens and runs a node with the given inputs; it returns
// the node, the API's base URL and a stop function.
func openSensorNode(t *testing.T, inputs []Input, now time.Time) (*Node, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Data: filepath.Join(t.TempDir(), "data"), Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true, Inputs: inputs}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		n.Close()
	}
	return n, "http://" + n.Addr().String(), stop
}

type apiContacts struct {
	Count    int `json:"count"`
	Contacts []struct {
		Time   time.Time    `json:"time"`
		Lat    float64      `json:"lat"`
		Lon    float64      `json:"lon"`
		Sensor string       `json:"sensor"`
		Source string       `json:"source"`
		MMSI   *vessel.MMSI `json:"mmsi"`
		Dark   bool         `json:"dark"`
	} `json:"contacts"`
}

func getJSONInto(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := apiClient(t).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestNodeContactsRadarUDP runs a node with a radar NMEA input over UDP
// and feeds it the simulator's radar scenario: AIS through the pipeline
// (as an AIS input would), the patrol ship's and the fixed site's radar
// as datagrams, twenty seconds of both at a time. The contacts the API
// serves must carry the MMSI of the ship the radar saw, the radar-only
// ships must be dark contacts, and a dark_target event must be raised.
func TestNodeContactsRadarUDP(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 30 * time.Minute}, rand.New(rand.NewPCG(1, 2)))
	var nmea bytes.Buffer
	if err := sc.WriteRadarNMEA(&nmea); err != nil {
		t.Fatal(err)
	}
	site := sc.Radars[1]
	n, base, stop := openSensorNode(t, []Input{{Type: "nmea-radar", Name: "radar", Listen: "127.0.0.1:0",
		Site: &SensorSite{Lat: site.Pos.Lat, Lon: site.Pos.Lon}}}, sc.End.Std())
	defer stop()
	in, conn := dialSensorUDP(t, n)

	// The radar lines with their tag-block times.
	type line struct {
		t vessel.Time
		b []byte
	}
	var lines []line
	sc2 := bufio.NewScanner(&nmea)
	for sc2.Scan() {
		b := append([]byte(nil), sc2.Bytes()...)
		i := bytes.Index(b, []byte("c:"))
		j := bytes.IndexAny(b[i+2:], ",*\\")
		sec, err := strconv.ParseInt(string(b[i+2:i+2+j]), 10, 64)
		if err != nil {
			t.Fatalf("line %q: %v", b, err)
		}
		lines = append(lines, line{vessel.Time(sec * 1000), b})
	}
	// The truth per report (time, lat, lon in 1e-4°): the MMSI the contact
	// must carry, 0 for a dark one. As in package contact's scenario test,
	// clutter, ships without AIS and the spoofer (its AIS is 8 km off:
	// none of its reports explains the radar track) are dark; a ship
	// whose AIS fell silent keeps its identity (held by radar).
	truth := map[[3]int64]vessel.MMSI{}
	wantDark := 0
	for _, r := range sc.Radar {
		var want vessel.MMSI
		if r.Ship != simulate.FalseAlarm && sc.Ships[r.Ship].Role != simulate.RoleSpoofer {
			want = sc.Ships[r.Ship].MMSI
		}
		if want == 0 {
			wantDark++
		}
		truth[[3]int64{int64(r.Det.Time) / 1000, int64(r.Det.Lat * 1e4), int64(r.Det.Lon * 1e4)}] = want
	}
	ais, li := 0, 0
	var sentLines int64
	for t0 := sc.Start; t0 < sc.End; t0 += 20_000 {
		applyAISBefore(t, n, sc.AIS, &ais, t0+20_000)
		var dg []byte
		for li < len(lines) && lines[li].t < t0+20_000 {
			if len(dg)+len(lines[li].b) > 8000 {
				conn.Write(dg)
				dg = dg[:0]
			}
			dg = append(append(dg, lines[li].b...), '\n')
			li++
			sentLines++
		}
		if len(dg) > 0 {
			conn.Write(dg)
		}
		waitFor(t, 20*time.Second, "radar lines read", func() bool { return in.Stats().Records >= sentLines })
	}
	// Garbage datagrams are counted, never fatal.
	errs := in.Stats().Errors
	conn.Write([]byte("$RATTM,not,a,target*00\n"))
	conn.Write([]byte{0xff, 0x00, 0x13})
	waitFor(t, 10*time.Second, "bad datagrams counted", func() bool { return in.Stats().Errors > errs })
	waitFor(t, 20*time.Second, "contacts tracked", func() bool {
		st := n.Contacts().Stats()
		return st.Contacts+st.Rejected >= in.Stats().Detections && st.Contacts > 0
	})
	var got apiContacts
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=20000", &got)
	right, wrong, dark, darkOnAISShip, unknown := 0, 0, 0, 0, 0
	for _, c := range got.Contacts {
		want, ok := truth[[3]int64{c.Time.Unix(), int64(c.Lat * 1e4), int64(c.Lon * 1e4)}]
		var m vessel.MMSI
		if c.MMSI != nil {
			m = *c.MMSI
		}
		switch {
		case !ok:
			unknown++ // a position rounded across a 1e-4° line
		case m == want:
			right++
		default:
			wrong++
		}
		if c.Dark {
			dark++
			if ok && want != 0 {
				darkOnAISShip++
			}
		}
	}
	t.Logf("%d contacts served (%d detections): %d right (MMSI or dark), %d wrong, %d unmatched; %d dark (truth %d), %d of them of ships with AIS",
		got.Count, in.Stats().Detections, right, wrong, unknown, dark, wantDark, darkOnAISShip)
	// Offline (package contact's TestSimulatedScenario) the radar
	// accuracy is ≥ 0.98; the node must match it, and its dark contacts
	// must be the dark ships' (before the site's position applied to the
	// site's tag-block source, 1,574 AIS ships' contacts stayed dark).
	if got.Count != len(sc.Radar) || unknown > len(sc.Radar)/100 {
		t.Errorf("%d contacts, %d not matched to the truth; want %d", got.Count, unknown, len(sc.Radar))
	}
	if acc := float64(right) / float64(right+wrong); acc < 0.98 {
		t.Errorf("association: %d right, %d wrong (%.4f); want ≥ 0.98", right, wrong, acc)
	}
	if darkOnAISShip > len(sc.Radar)/100 {
		t.Errorf("%d dark contacts of ships whose AIS explains them; want at most 1%% of %d", darkOnAISShip, len(sc.Radar))
	}
	if dark < wantDark*95/100 || dark > wantDark*105/100 {
		t.Errorf("%d dark contacts; want within 5%% of the truth's %d", dark, wantDark)
	}
	var dk apiContacts
	getJSONInto(t, base+"/api/v1/contacts?dark=true", &dk)
	for _, c := range dk.Contacts {
		if !c.Dark || c.MMSI != nil {
			t.Errorf("dark=true served %+v", c)
		}
	}
	var evs struct {
		Events []struct {
			Type     string   `json:"type"`
			Severity float64  `json:"severity"`
			Reasons  []string `json:"reasons"`
		} `json:"events"`
	}
	waitFor(t, 10*time.Second, "a dark_target event", func() bool {
		getJSONInto(t, base+"/api/v1/events?from="+sc.Start.Std().Format(time.RFC3339)+"&to="+sc.End.Std().Add(time.Hour).Format(time.RFC3339)+"&limit=10000", &evs)
		for _, e := range evs.Events {
			if e.Type == "dark_target" && e.Severity > 0 && len(e.Reasons) > 0 {
				return true
			}
		}
		return false
	})
}

// TestNodeContactsAsterixUDP sends the real CAT 034/048 capture of
// ../shared/testdata/radar/asterix (its UDP payloads, one datagram each)
// to an ASTERIX input, with bad datagrams between them: every record is
// read, the plots become contacts served by the API, and the bad
// datagrams are counted.
func TestNodeContactsAsterixUDP(t *testing.T) {
	payloads, first := asterixCapture(t)
	n, base, stop := openSensorNode(t, []Input{{Type: "asterix", Name: "radar-site", Listen: "127.0.0.1:0"}}, first)
	defer stop()
	in, conn := dialSensorUDP(t, n)
	bad := [][]byte{{48}, {48, 0, 200, 1, 2, 3}, {0xff, 0xff}}
	for i, p := range payloads {
		conn.Write(p)
		if i < len(bad) {
			conn.Write(bad[i])
		}
		// Let the listener keep up (UDP drops what its buffer cannot hold).
		want := int64(i + 1 + min(i+1, len(bad)))
		waitFor(t, 10*time.Second, "datagram read", func() bool { return in.Stats().Datagrams >= want })
	}
	st := in.Stats()
	t.Logf("ASTERIX over UDP: %+v", st)
	if st.Errors < int64(len(bad)) {
		t.Errorf("%d errors counted; want at least %d (the bad datagrams)", st.Errors, len(bad))
	}
	if st.Records == 0 || st.Detections == 0 {
		t.Fatalf("no records or detections: %+v", st)
	}
	waitFor(t, 10*time.Second, "contacts", func() bool { return n.Contacts().Stats().Contacts+n.Contacts().Stats().Rejected >= st.Detections })
	var got apiContacts
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=20000", &got)
	if got.Count == 0 {
		t.Fatal("the API serves no contact")
	}
	for _, c := range got.Contacts {
		if c.Sensor != "radar" || c.Source == "" {
			t.Errorf("contact %+v: want a radar contact with its SAC/SIC", c)
		}
	}
}

// tllLine is a radar TLL sentence of source src with its tag block.
func tllLine(src, target string, t vessel.Time, lat, lon float64) string {
	angle := func(v float64, digits int, pos, neg string) string {
		h := pos
		if v < 0 {
			h, v = neg, -v
		}
		m := int64(math.Round(v * 60e5))
		return fmt.Sprintf("%0*d%02d.%05d,%s", digits, m/6_000_000, (m%6_000_000)/100_000, m%100_000, h)
	}
	s := t.Std()
	body := fmt.Sprintf("RATLL,%s,%s,%s,,%02d%02d%02d.00,T,", target, angle(lat, 2, "N", "S"), angle(lon, 3, "E", "W"), s.Hour(), s.Minute(), s.Second())
	tag := "s:" + src + ",c:" + strconv.FormatInt(int64(t)/1000, 10)
	sum := func(x string) string {
		var c byte
		for i := range len(x) {
			c ^= x[i]
		}
		return fmt.Sprintf("*%02X", c)
	}
	return "\\" + tag + sum(tag) + "\\$" + body + sum(body) + "\n"
}

// TestNodeNoDarkTargetInPort replays a fixed radar's TLL file to a node
// with the bundled ports: a dark craft (no AIS) moving about a port's
// berths for 40 minutes raises no dark_target, and one doing the same
// 60 km out at sea does; both stay unassociated contacts.
func TestNodeNoDarkTargetInPort(t *testing.T) {
	var port event.Port
	for _, p := range event.DefaultPorts() {
		if !p.Anchor && p.Name == "MUMBAI (BOMBAY)" {
			port = p
		}
	}
	if port.Name == "" {
		t.Fatal("MUMBAI (BOMBAY) is not among the bundled ports")
	}
	start := vessel.TimeOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	sea := geo.Destination(geo.Point{Lat: port.Lat, Lon: port.Lon}, 300, 60000)
	var b strings.Builder
	for s := 0; s < 2400; s += 10 {
		at := start + vessel.Time(s*1000)
		// Both circle 300 m round their spot every 10 minutes.
		off := geo.Destination(geo.Point{Lat: port.Lat, Lon: port.Lon}, float64(s%600)*0.6, 300)
		b.WriteString(tllLine("vts", "01", at, off.Lat, off.Lon))
		off = geo.Destination(sea, float64(s%600)*0.6, 300)
		b.WriteString(tllLine("vts", "02", at, off.Lat, off.Lon))
	}
	file := filepath.Join(t.TempDir(), "vts.nmea")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	site := geo.Destination(geo.Point{Lat: port.Lat, Lon: port.Lon}, 300, 30000)
	n, base, stop := openSensorNode(t, []Input{{Type: "nmea-radar", Name: "vts", File: file, Site: &SensorSite{Lat: site.Lat, Lon: site.Lon}}},
		start.Std().Add(41*time.Minute))
	defer stop()
	waitFor(t, 30*time.Second, "contacts tracked", func() bool { return n.Contacts().Stats().Contacts >= 480 })
	var evs struct {
		Events []struct {
			Type string  `json:"type"`
			Lat  float64 `json:"lat"`
			Lon  float64 `json:"lon"`
		} `json:"events"`
	}
	url := base + "/api/v1/events?type=dark_target&from=" + start.Std().Format(time.RFC3339) + "&to=" + start.Std().Add(2*time.Hour).Format(time.RFC3339)
	waitFor(t, 20*time.Second, "the dark_target at sea", func() bool {
		getJSONInto(t, url, &evs)
		return len(evs.Events) > 0
	})
	for _, e := range evs.Events {
		if e.Type != "dark_target" {
			continue
		}
		if d := geo.Distance(geo.Point{Lat: e.Lat, Lon: e.Lon}, sea); d > 2000 {
			t.Errorf("dark_target at %.4f,%.4f, %.0f m from the craft at sea (the craft in port must raise none)", e.Lat, e.Lon, d)
		}
	}
	st := n.Contacts().Stats()
	if st.InHarbour == 0 || st.Associated != 0 {
		t.Errorf("tracker stats %+v: want contacts in harbour counted, none associated", st)
	}
	var got apiContacts
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=1000", &got)
	inPort := 0
	for _, c := range got.Contacts {
		if geo.Distance(geo.Point{Lat: c.Lat, Lon: c.Lon}, geo.Point{Lat: port.Lat, Lon: port.Lon}) < 1000 {
			inPort++
			if c.MMSI != nil || !c.Dark {
				t.Errorf("in-port contact %+v: want dark (unassociated)", c)
			}
		}
	}
	if inPort != 240 {
		t.Errorf("%d in-port contacts served; want 240", inPort)
	}
}

// TestTrackerHarbours checks the node's harbours: ports by kind and the
// event engine's learned anchorages, taken again when their number
// changes, each from the time it was learned.
func TestTrackerHarbours(t *testing.T) {
	learned := []event.Anchorage{{Lat: 10, Lon: 50, Since: 1000}}
	takes := 0
	h := newTrackerHarbours([]event.Port{{Name: "P", Lat: 20, Lon: 60}, {Name: "A", Anchor: true, Lat: 30, Lon: 70}},
		func() []event.Anchorage { takes++; return learned })
	off := func(lat, lon, m float64) (float64, float64) {
		p := geo.Destination(geo.Point{Lat: lat, Lon: lon}, 90, m)
		return p.Lat, p.Lon
	}
	for _, tc := range []struct {
		lat, lon float64
		t        vessel.Time
		want     bool
	}{
		{20, 60, 1, true},
		{0, 0, 1, false},
	} {
		if got := h.InHarbour(tc.lat, tc.lon, tc.t); got != tc.want {
			t.Errorf("InHarbour(%v, %v) = %v", tc.lat, tc.lon, got)
		}
	}
	lat, lon := off(20, 60, PortHarbourM-50)
	lat2, lon2 := off(20, 60, PortHarbourM+50)
	lat3, lon3 := off(30, 70, AnchorageHarbourM-50)
	lat4, lon4 := off(30, 70, AnchorageHarbourM+50)
	lat5, lon5 := off(10, 50, LearnedHarbourM-50)
	if !h.InHarbour(lat, lon, 1) || h.InHarbour(lat2, lon2, 1) || !h.InHarbour(lat3, lon3, 1) || h.InHarbour(lat4, lon4, 1) {
		t.Error("port or anchorage radius not kept")
	}
	if h.InHarbour(lat5, lon5, 999) || !h.InHarbour(lat5, lon5, 1000) {
		t.Error("a learned anchorage is not a harbour from when it was learned")
	}
	learned = append(learned, event.Anchorage{Lat: -10, Lon: -50, Since: 5})
	h.refresh()
	if !h.InHarbour(-10, -50, 10) || takes != 2 {
		t.Errorf("the new learned anchorage is not taken (%d takes)", takes)
	}
	h.refresh() // the same number: kept as it is
	if !h.InHarbour(-10, -50, 10) {
		t.Error("refresh lost the learned anchorages")
	}
}

// TestTrackerLearnedHarbourWhileRunning feeds a tracker two dark craft
// (no AIS) each circling 300 m round its spot: one at sea for 80
// minutes, one at a berth that the event engine learns as an anchorage
// 40 minutes in, while the tracker runs, from when the craft there
// appears. The craft at sea raises a dark_target; the one at the
// learned berth none, and its contacts are counted in harbour. The whole
// feed takes well under a wall-clock minute, so the learned anchorage
// must be taken in data time.
func TestTrackerLearnedHarbourWhileRunning(t *testing.T) {
	start := vessel.TimeOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	berth := geo.Point{Lat: -36.84, Lon: 174.77}
	sea := geo.Destination(berth, 30, 40000)
	var mu sync.Mutex
	var learned []event.Anchorage
	takes := 0
	var scenes [][]vessel.Detection
	for sec := 0; sec < 4800; sec += 10 {
		at := start + vessel.Time(sec*1000)
		var scan []vessel.Detection
		for _, c := range []struct {
			target string
			p      geo.Point
		}{{"01", sea}, {"02", berth}} {
			if c.target == "02" && sec < 2400 {
				continue
			}
			p := geo.Destination(c.p, float64(sec%600)*0.6, 300)
			scan = append(scan, vessel.Detection{Time: at, Sensor: vessel.SensorRadar, Source: "vts", Scene: "vts " + strconv.Itoa(sec),
				Target: c.target, Lat: p.Lat, Lon: p.Lon, PosErrM: 30})
		}
		scenes = append(scenes, scan)
	}
	tr, evs := runTracker(t, ContactTrackerOptions{Anchorages: func() []event.Anchorage {
		mu.Lock()
		defer mu.Unlock()
		takes++
		return slices.Clone(learned)
	}}, scenes, func(i int) {
		if i == 240 { // 40 minutes in
			mu.Lock()
			learned = append(learned, event.Anchorage{Lat: berth.Lat, Lon: berth.Lon, Vessels: 5})
			mu.Unlock()
		}
	})
	mu.Lock()
	defer mu.Unlock()
	atSea := 0
	for _, e := range evs {
		if e.Type != "dark_target" {
			continue
		}
		if d := geo.Distance(geo.Point{Lat: e.Lat, Lon: e.Lon}, sea); d > 2000 {
			t.Errorf("dark_target at %.4f,%.4f, %.0f m from the craft at sea: the craft at the learned berth must raise none", e.Lat, e.Lon, d)
		} else {
			atSea++
		}
	}
	if atSea == 0 {
		t.Errorf("no dark_target for the craft at sea (events %d)", len(evs))
	}
	if st := tr.Stats(); st.InHarbour == 0 {
		t.Errorf("tracker stats %+v: want the contacts at the learned berth counted in harbour", st)
	}
	if takes < 2 {
		t.Errorf("learned anchorages taken %d times; want again while running", takes)
	}
}

// radarScenes returns the radar reports of package simulate's scenario
// (seed 2) of the first span, one batch per scene, without AIS: every
// track is dark, so association depends on the detections alone.
func radarScenes(span time.Duration) [][]vessel.Detection {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{}, rand.New(rand.NewPCG(2, 2)))
	var out [][]vessel.Detection
	for _, r := range sc.Radar {
		if r.Det.Time-sc.Start > vessel.Time(span.Milliseconds()) {
			break
		}
		if n := len(out); n == 0 || out[n-1][0].Scene != r.Det.Scene {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r.Det)
	}
	return out
}

// runTracker opens a tracker with opt (its Publish collects the events),
// runs it over the scenes, calling before(i) ahead of scene i when
// before is not nil, stops it and returns it with the events it
// published.
func runTracker(t *testing.T, opt ContactTrackerOptions, scenes [][]vessel.Detection, before func(i int)) (*ContactTracker, []event.Event) {
	t.Helper()
	var mu sync.Mutex
	var evs []event.Event
	opt.Publish = func(_ context.Context, e []event.Event) error {
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, e...)
		return nil
	}
	tr, err := OpenContactTracker(opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	for i, s := range scenes {
		if before != nil {
			before(i)
		}
		if err := tr.SubmitWait(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return tr, evs
}

// darkIDs returns the ids of the dark_target events, each once.
func darkIDs(evs []event.Event) []string {
	var ids []string
	for _, e := range evs {
		if e.Type == "dark_target" && !slices.Contains(ids, e.ID) {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// logOn returns the options of a tracker whose log is on fsys.
func logOn(fsys record.FS) ContactTrackerOptions {
	return ContactTrackerOptions{LogDir: "/data/contacts", LogFS: fsys}
}

// TestTrackerRestartSameAlerts runs two hours of the simulated radar
// scenario through a tracker with a log, and again through one stopped
// half-way and opened again on the same directory (which loads the
// associator's state): the same dark_target alerts are raised, none
// twice, and the contacts' history (track ids and episodes) is the same.
// Without the state, the tracks after the restart start afresh with new
// ids and the dark craft raise their alerts again.
func TestTrackerRestartSameAlerts(t *testing.T) {
	scenes := radarScenes(2 * time.Hour)
	whole, evs := runTracker(t, logOn(record.NewMemFS()), scenes, nil)
	wantIDs := darkIDs(evs)
	fsys := record.NewMemFS()
	_, first := runTracker(t, logOn(fsys), scenes[:len(scenes)/2], nil)
	second, rest := runTracker(t, logOn(fsys), scenes[len(scenes)/2:], nil)
	gotIDs := darkIDs(append(first, rest...))
	if len(wantIDs) == 0 {
		t.Fatal("no dark_target in the scenario")
	}
	// An episode that goes on across the restart publishes updates in
	// both halves under its one id; an alert raised again would be a new
	// id the uninterrupted run does not have.
	seen := map[string]bool{}
	for _, id := range gotIDs {
		seen[id] = true
	}
	slices.Sort(wantIDs)
	if ids := slices.Sorted(maps.Keys(seen)); !slices.Equal(ids, wantIDs) {
		t.Errorf("alerts with a restart: %v; want those of the uninterrupted run %v", ids, wantIDs)
	}
	key := func(cs []httpapi.Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%d %s %d %s %v", c.Time, c.Source, c.Track, c.Episode, c.Confirmed))
		}
		return out
	}
	q := httpapi.ContactQuery{History: true}
	if got, want := key(second.Contacts(q)), key(whole.Contacts(q)); !slices.Equal(got, want) {
		t.Errorf("the contacts' history after a restart differs from the uninterrupted run's (%d and %d contacts)", len(got), len(want))
	}
	if st := second.Stats(); st.StateErrors != 0 {
		t.Errorf("state errors: %d", st.StateErrors)
	}
	t.Logf("%d scenes, %d alerts, the same with a restart", len(scenes), len(wantIDs))
}

// TestTrackerStateCrash writes the tracker's state again over an older
// one and crashes the file system after each of its operations (unsynced
// writes partly kept): a tracker opened on what is left loads the old
// state or the new one, whole, without error.
func TestTrackerStateCrash(t *testing.T) {
	scenes := radarScenes(30 * time.Minute)
	fsys := record.NewMemFS()
	tr, _ := runTracker(t, logOn(fsys), scenes[:len(scenes)/2], nil)
	old := tr.assoc.AppendState(nil)
	for _, s := range scenes[len(scenes)/2:] {
		tr.assoc.Radar(s, nil)
	}
	niu := tr.assoc.AppendState(nil)
	base := fsys.Ops()
	tr.saveState()
	ops := fsys.Ops() - base
	if ops < 3 {
		t.Fatalf("a state save took %d operations", ops)
	}
	for k := 0; k <= ops; k++ {
		for _, seed := range []uint64{1, 2, 3} {
			fsys2 := record.NewMemFS()
			tr2, _ := runTracker(t, logOn(fsys2), scenes[:len(scenes)/2], nil)
			for _, s := range scenes[len(scenes)/2:] {
				tr2.assoc.Radar(s, nil)
			}
			fsys2.CrashAfter(fsys2.Ops()+k, rand.New(rand.NewPCG(seed, uint64(k))))
			tr2.saveState()
			after := fsys2.Crashed()
			if after == nil {
				after = fsys2.CrashClone(rand.New(rand.NewPCG(seed, uint64(k))))
			}
			tr3, err := OpenContactTracker(ContactTrackerOptions{LogDir: "/data/contacts", LogFS: after})
			if err != nil {
				t.Fatalf("crash after %d of %d operations: open: %v", k, ops, err)
			}
			got := tr3.assoc.AppendState(nil)
			if st := tr3.Stats(); st.StateErrors != 0 || !slices.Equal(got, old) && !slices.Equal(got, niu) {
				t.Fatalf("crash after %d of %d operations (seed %d): state errors %d, a state that is neither the old nor the new", k, ops, seed, st.StateErrors)
			}
		}
	}
	t.Logf("%d crash points × 3", ops+1)
}
