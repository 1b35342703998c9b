package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestContactTrackerLearnedHarbours: a log-driven tracker (cluster mode)
// takes the learned anchorages from the anchorages markers of the log,
// where they fall: a SAR detection no AIS explains, at an anchorage a
// marker before it brought, is in harbour (no dark-target episode), one
// at an anchorage learned after the detection's time (its Since) or at
// open sea is not; without the markers none is. The members' copies of
// an anchorage count once and a damaged line is counted. A tracker
// restarted from its state written after the markers (the state keeps
// the harbours) judges the same detections the same way and makes the
// same contacts: every member, restarted or not, alike.
func TestContactTrackerLearnedHarbours(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	p := event.Anchorage{Lat: 11.82, Lon: 45.03, Since: vessel.TimeOf(t0)}
	q := event.Anchorage{Lat: 11.95, Lon: 45.40, Since: vessel.TimeOf(t0.Add(10 * time.Hour))}
	open := event.Anchorage{Lat: 12.30, Lon: 46.10}
	marker := anchoragesBatch([]event.Anchorage{p, q}, t0.Add(time.Minute))
	marker.Lines = append(marker.Lines, []byte("11.8,not a number,0"))
	copyOfP := anchoragesBatch([]event.Anchorage{p}, t0.Add(2*time.Minute))
	at := t0.Add(time.Hour)
	sar := cluster.Batch{Input: "sar", Received: at, Sensor: cluster.SensorSAR, Lines: [][]byte{[]byte(simulate.SARCSVHeader)}}
	for i, a := range []event.Anchorage{p, q, open} {
		sar.Lines = append(sar.Lines, fmt.Appendf(nil, "S1A_TEST,d%d,%s,%v,%v,60,0.9", i, at.Format("2006-01-02 15:04:05 UTC"), a.Lat, a.Lon))
	}
	later := cluster.Batch{Input: "ais", Received: at.Add(5 * time.Second)} // the log's time moves on: the scene is associated
	full := []logEntry{{b: marker}, {b: copyOfP}, {b: sar}, {b: later}}
	bare := []logEntry{{b: sar}, {b: later}}

	a := newLogTracker(t, nil)
	a.apply(full, 1, uint64(len(full)))
	st := a.t.Stats()
	t.Logf("with the markers: %d contacts, %d in harbour, %d learned harbours, %d damaged lines, %d episode events", st.Contacts, st.InHarbour, a.t.LearnedHarbours(), st.DecodeErrors, len(a.events))
	if st.Contacts != 3 || st.InHarbour != 1 {
		t.Errorf("with the markers: %d contacts, %d in harbour; want 3, 1 (the one at the anchorage learned before)", st.Contacts, st.InHarbour)
	}
	if n := a.t.LearnedHarbours(); n != 2 {
		t.Errorf("%d learned harbours; want 2 (the copy kept once)", n)
	}
	if st.DecodeErrors != 1 {
		t.Errorf("%d damaged lines counted; want 1", st.DecodeErrors)
	}

	b := newLogTracker(t, nil)
	b.apply(bare, 1, uint64(len(bare)))
	if st := b.t.Stats(); st.Contacts != 3 || st.InHarbour != 0 {
		t.Errorf("without the markers: %d contacts, %d in harbour; want 3, 0", st.Contacts, st.InHarbour)
	}
	if len(b.events) <= len(a.events) {
		t.Errorf("without the markers %d episode events, with them %d; want more without (the contact at the anchorage alerts)", len(b.events), len(a.events))
	}

	// Restarted after the markers, from its state.
	c := newLogTracker(t, nil)
	c.apply(full, 1, 2)
	raw, err := c.t.appendClusterState(nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := decodeContactsState(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.anchorages) != 2 {
		t.Fatalf("state with %d anchorages; want 2", len(cs.anchorages))
	}
	d := newLogTracker(t, cs)
	d.apply(full, 1, uint64(len(full))) // the entries up to the state's are skipped
	if st := d.t.Stats(); st.InHarbour != 1 || d.t.LearnedHarbours() != 2 {
		t.Errorf("restarted: %d in harbour, %d learned harbours; want 1, 2", st.InHarbour, d.t.LearnedHarbours())
	}
	if !slices.Equal(append(c.contacts, d.contacts...), a.contacts) || !slices.Equal(append(c.events, d.events...), a.events) {
		t.Errorf("restarted: contacts %q, events %q\nwant %q, %q", d.contacts, d.events, a.contacts, a.events)
	}
}

// TestAnchoragesMarkerRoundTrip: an anchorages marker decodes to the
// anchorages encoded, exactly, and a line out of range or cut short is
// refused.
func TestAnchoragesMarkerRoundTrip(t *testing.T) {
	as := []event.Anchorage{{Lat: 1.0 / 3, Lon: -179.99999999, Since: 1_772_345_678_901}, {Lat: -90, Lon: 180}}
	b := anchoragesBatch(as, time.Unix(0, 0))
	if b.Input != anchoragesMarkerInput || len(b.Lines) != len(as) {
		t.Fatalf("marker %q with %d lines", b.Input, len(b.Lines))
	}
	for i, line := range b.Lines {
		got, err := decodeAnchorageLine(line)
		if err != nil || got != as[i] {
			t.Errorf("line %q: %+v, %v; want %+v", line, got, err, as[i])
		}
	}
	for _, bad := range []string{"", "1,2", "91,0,0", "0,181,0", "0,0,x", "NaN,0,0", "1,2,3,4"} {
		if _, err := decodeAnchorageLine([]byte(bad)); err == nil {
			t.Errorf("line %q decoded", bad)
		}
	}
}

// TestClusterLearnedHarbours: three cluster nodes in this process. Three
// vessels moored together for 40 minutes, then leaving (their AIS
// published to the ingest log as an input of the first node would, each
// entry received a second after its reports), make every member's event
// engine learn an anchorage there; each member publishes it as an anchorages marker and
// every tracker takes it where the first copy falls in the log. A SAR
// scene published after it, with a detection 800 m from the berth (in
// the learned harbour's 1 km) and one at open sea, neither explained by
// AIS (the vessels are kilometres away by then): on every node the one at the
// berth is in harbour (no alert) and the other not, the same contacts
// on all three.
func TestClusterLearnedHarbours(t *testing.T) {
	if testing.Short() {
		t.Skip("runs cluster nodes")
	}
	cfgs := clusterConfigs(t, t.TempDir(), true, "a", "b", "c")
	nodes := runNodes(t, cfgs, true)
	m := nodes[0].cl
	ctx := t.Context()
	berth := geoPoint{12.7801, 45.0102} // off Aden
	start := time.Now().UTC().Add(-50 * time.Minute).Truncate(time.Minute)
	for k := range 14 { // every 3 minutes for 40 minutes
		at := start.Add(time.Duration(k) * 3 * time.Minute)
		var lines [][]byte
		for v := range 3 {
			p := vessel.Position{MMSI: vessel.MMSI(636019001 + v), Time: vessel.TimeOf(at), Status: 5,
				Lat: berth.lat + 0.0003*float64(v), Lon: berth.lon, SOG: 0, COG: 3600, Heading: 511}
			lines = append(lines, aisPositionLine(&p))
		}
		if err := m.publishBatch(ctx, cluster.Batch{Input: "ais", Received: at.Add(time.Second), Lines: lines}, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Then they leave, eastwards at 21 kn: the berth is empty.
	for k := range 2 {
		at := start.Add(time.Duration(42+3*k) * time.Minute)
		var lines [][]byte
		for v := range 3 {
			p := vessel.Position{MMSI: vessel.MMSI(636019001 + v), Time: vessel.TimeOf(at), Status: 0,
				Lat: berth.lat + 0.0003*float64(v), Lon: berth.lon + 0.0185*float64(k+1), SOG: 210, COG: 900, Heading: 90}
			lines = append(lines, aisPositionLine(&p))
		}
		if err := m.publishBatch(ctx, cluster.Batch{Input: "ais", Received: at.Add(time.Second), Lines: lines}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range nodes {
		waitFor(t, time.Minute, "node "+cfgs[i].Cluster.Name+" to take the learned anchorage from the log", func() bool {
			return n.Contacts().LearnedHarbours() > 0
		})
	}
	// The scene, after every member's marker... or at least after the
	// first, which is where every tracker takes the anchorage.
	at := time.Now().UTC()
	sar := cluster.Batch{Input: "sar", Received: at, Sensor: cluster.SensorSAR, Lines: [][]byte{[]byte(simulate.SARCSVHeader),
		fmt.Appendf(nil, "S1A_TEST,berth,%s,%v,%v,40,0.9", at.Add(-time.Second).Format("2006-01-02 15:04:05 UTC"), berth.lat+0.0003, berth.lon+0.0075),
		fmt.Appendf(nil, "S1A_TEST,sea,%s,%v,%v,40,0.9", at.Add(-time.Second).Format("2006-01-02 15:04:05 UTC"), berth.lat-0.5, berth.lon+0.5)}}
	if err := m.publishBatch(ctx, sar, ""); err != nil {
		t.Fatal(err)
	}
	// The log's time moves on: the scene is associated on every member.
	if err := m.publishBatch(ctx, cluster.Batch{Input: "ais", Received: at.Add(5 * time.Second)}, ""); err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		waitFor(t, time.Minute, "node "+cfgs[i].Cluster.Name+"'s contacts", func() bool { return n.Contacts().Stats().Contacts >= 2 })
	}
	var ref []string
	for i, n := range nodes {
		st := n.Contacts().Stats()
		var cs []string
		for _, c := range n.Contacts().Contacts(httpapi.ContactQuery{History: true}) {
			b, _ := json.Marshal(c)
			cs = append(cs, string(b))
		}
		slices.Sort(cs)
		t.Logf("node %s: %d learned harbours, %d contacts, %d in harbour", cfgs[i].Cluster.Name, n.Contacts().LearnedHarbours(), st.Contacts, st.InHarbour)
		if st.Contacts != 2 || st.InHarbour != 1 {
			t.Errorf("node %s: %d contacts, %d in harbour; want 2, 1 (the one at the learned berth)", cfgs[i].Cluster.Name, st.Contacts, st.InHarbour)
		}
		if i == 0 {
			ref = cs
		} else if !slices.Equal(cs, ref) {
			t.Errorf("node %s's contacts differ from node a's:\n%q\n%q", cfgs[i].Cluster.Name, cs, ref)
		}
	}
}

type geoPoint struct{ lat, lon float64 }

// FuzzAnchoragesMarker: any marker line decodes without a panic, and
// one that decodes encodes back to a line that decodes to the same.
func FuzzAnchoragesMarker(f *testing.F) {
	for _, s := range []string{"11.82,45.03,1772345678901", "-90,180,0", "0,0,-1", "1e-300,-179.999,9", "NaN,0,0", ",,", "91,0,0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a, err := decodeAnchorageLine(line)
		if err != nil {
			return
		}
		b := anchoragesBatch([]event.Anchorage{a}, time.Unix(0, 0))
		again, err := decodeAnchorageLine(b.Lines[0])
		if err != nil || again != a {
			t.Fatalf("%q: %+v; again %q: %+v, %v", line, a, b.Lines[0], again, err)
		}
	})
}
