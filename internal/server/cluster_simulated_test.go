package server

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestSimulatedNMEARoundTrip: the simulated traffic a cluster node
// publishes as NMEA (appendObservationNMEA) decodes, as every member
// decodes the log's lines (decodeBatch), to the reports simulated: the
// same vessels, times (to the second of the tag block), positions (to
// the 1/10000 minute of AIS), speed, course, heading and status, and the
// static data's name, call sign, IMO, ship type, dimensions and
// destination.
func TestSimulatedNMEARoundTrip(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var obs []vessel.Observation
	sim := simulate.New(simulate.Config{Vessels: 60, Rate: 1, Source: "demo-sim"}, rand.New(rand.NewPCG(3, 4)))
	from := vessel.TimeOf(start)
	if err := sim.Run(from, from+20*60_000, func(o *vessel.Observation) error { obs = append(obs, *o); return nil }); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	var lines [][]byte
	for i := range obs {
		s0 := len(buf)
		var err error
		if buf, err = appendObservationNMEA(buf, &obs[i], i); err != nil {
			t.Fatalf("%+v: %v", obs[i], err)
		}
		for l := range bytes.Lines(buf[s0:]) {
			lines = append(lines, bytes.TrimRight(l, "\r\n"))
		}
	}
	got := decodeBatch(cluster.Batch{Input: simTrafficInput, Received: start.Add(time.Hour), Lines: lines})
	if len(got) != len(obs) {
		t.Fatalf("%d observations decoded from %d lines; want the %d encoded", len(got), len(lines), len(obs))
	}
	statics := 0
	for i := range obs {
		w, g := &obs[i], &got[i]
		if g.Kind != w.Kind {
			t.Fatalf("observation %d: kind %v; want %v", i, g.Kind, w.Kind)
		}
		switch w.Kind {
		case vessel.KindPosition:
			wp, gp := &w.Position, &g.Position
			if gp.MMSI != wp.MMSI || gp.Time != wp.Time/1000*1000 || gp.Source != wp.Source ||
				math.Abs(gp.Lat-wp.Lat) > 1e-6 || math.Abs(gp.Lon-wp.Lon) > 1e-6 ||
				gp.SOG != wp.SOG || gp.COG != wp.COG || gp.Heading != wp.Heading || gp.Status != wp.Status {
				t.Fatalf("position %d:\ngot  %+v\nwant %+v", i, *gp, *wp)
			}
		case vessel.KindStatic:
			statics++
			ws, gs := &w.Static, &g.Static
			if gs.MMSI != ws.MMSI || gs.Time != ws.Time/1000*1000 || gs.Name != ws.Name || gs.CallSign != ws.CallSign ||
				gs.IMO != ws.IMO || gs.ShipType != ws.ShipType || gs.ToBow != ws.ToBow || gs.ToStern != ws.ToStern ||
				gs.ToPort != ws.ToPort || gs.ToStarboard != ws.ToStarboard || gs.Destination != ws.Destination {
				t.Fatalf("static %d:\ngot  %+v\nwant %+v", i, *gs, *ws)
			}
		}
	}
	if statics == 0 {
		t.Fatal("no static data in 20 minutes of simulated traffic")
	}
	t.Logf("%d reports (%d static) in %d lines round-tripped", len(obs), statics, len(lines))
}

// TestClusterSimulated: three cluster nodes in this process; the first
// runs the demo's simulated inputs (SimulatedTraffic: 150 vessels with
// 30 minutes of history; SimulatedRadar: a patrol ship's radar, a fixed
// site, a SAR pass and the AIS of their ships, 30 minutes all dated
// before now), as `tidewatch demo` runs them, the other two nothing. The
// simulated inputs publish to the ingest log, so all three end with the
// same picture (every vessel's fused state, to the byte) and the same
// contacts (times, positions, radar track ids, MMSI associations), and
// every radar report and SAR detection made a contact on every node.
func TestClusterSimulated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs cluster nodes")
	}
	now := time.Now().UTC()
	sc := sensorScenario(now.Add(-40*time.Minute).Truncate(time.Minute), 30*time.Minute)
	traffic := &SimulatedTraffic{Vessels: 150, Seed: 9, Start: now, Backfill: 30 * time.Minute}
	simCtx, stopSim := context.WithCancel(context.Background())
	defer stopSim()
	cfgs := clusterConfigs(t, t.TempDir(), true, "a", "b", "c")
	opts := make([]Options, len(cfgs))
	for i := range cfgs {
		opts[i].Config = cfgs[i]
	}
	opts[0].Extra = func(submit func([]vessel.Observation) bool) []Runner {
		traffic.Submit = submit
		return []Runner{ComponentFunc(func(ctx context.Context) error {
			// Stopped by the test (simCtx) once the contacts are made,
			// so that the log ends.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(simCtx, cancel)
			defer stop()
			return traffic.Run(ctx)
		})}
	}
	opts[0].Components = func(n *Node) []Member {
		return []Member{{Name: "radar-sim", Component: &SimulatedRadar{Scenario: sc, Node: n}}}
	}
	nodes := runNodesOpt(t, opts, true)

	// Every radar report and SAR detection makes a contact on every node
	// (the last scans once the log's time moved on: the live traffic
	// moves it).
	want := int64(len(sc.Radar) + len(sc.SAR))
	for i, n := range nodes {
		waitFor(t, 3*time.Minute, "node "+cfgs[i].Cluster.Name+"'s contacts", func() bool {
			st := n.Contacts().Stats()
			return st.Contacts+st.Rejected >= want
		})
	}
	stopSim()
	// The log's end: every node applied it, and it stopped growing.
	var last uint64
	since := time.Now()
	waitFor(t, 2*time.Minute, "every node to apply the whole log", func() bool {
		l := nodes[0].cl.follower.Status().Last
		if l != last {
			last, since = l, time.Now()
			return false
		}
		for _, n := range nodes {
			if n.cl.follower.Applied() != l {
				return false
			}
		}
		return time.Since(since) > 2*time.Second
	})

	pics := make([][]byte, len(nodes))
	contacts := make([][]json.RawMessage, len(nodes))
	for i, n := range nodes {
		if err := n.pipe.Do(context.Background(), func() { pics[i] = pictureOf(n.core.Picture) }); err != nil {
			t.Fatal(err)
		}
		for _, c := range n.Contacts().Contacts(httpapi.ContactQuery{History: true}) {
			b, _ := json.Marshal(c)
			contacts[i] = append(contacts[i], b)
		}
		// Contacts of the same time come in the order of the contact
		// log's blocks: compared in a canonical order.
		slices.SortFunc(contacts[i], func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	}
	var vessels, assoc, tracked int
	nodes[0].core.Picture.Range(func(*fusion.State) bool { vessels++; return true })
	for _, c := range nodes[0].Contacts().Contacts(httpapi.ContactQuery{History: true}) {
		if c.MMSI != 0 {
			assoc++
		}
		if c.Track != 0 {
			tracked++
		}
	}
	t.Logf("log of %d entries; %d vessels; %d contacts (%d with a radar track, %d associated with an MMSI) from %d radar reports and %d SAR detections",
		last, vessels, len(contacts[0]), tracked, assoc, len(sc.Radar), len(sc.SAR))
	if vessels < 150 {
		t.Errorf("%d vessels in the picture; want the 150 simulated and the radar scenario's", vessels)
	}
	if int64(len(contacts[0])) != want {
		t.Errorf("%d contacts; want %d, one for every radar report and SAR detection", len(contacts[0]), want)
	}
	if assoc == 0 || tracked == 0 {
		t.Errorf("%d contacts associated with an MMSI, %d with a radar track; want some of each", assoc, tracked)
	}
	for i := 1; i < len(nodes); i++ {
		name := cfgs[i].Cluster.Name
		if !bytes.Equal(pics[i], pics[0]) {
			t.Errorf("node %s's picture (%d bytes) differs from node a's (%d bytes)", name, len(pics[i]), len(pics[0]))
		}
		if len(contacts[i]) != len(contacts[0]) {
			t.Errorf("node %s holds %d contacts, node a %d", name, len(contacts[i]), len(contacts[0]))
			continue
		}
		for j := range contacts[0] {
			if !bytes.Equal(contacts[i][j], contacts[0][j]) {
				t.Errorf("first difference in the contacts, at %d in canonical order:\na: %s\n%s: %s", j, contacts[0][j], name, contacts[i][j])
				break
			}
		}
	}
}
