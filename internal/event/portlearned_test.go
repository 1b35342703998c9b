package event_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestPortVisitsLearnedHarbour: the messy scenario's harbour is in no
// port list. Read once, nobody visits a port; with the anchorages learned
// from the whole feed first (Config.Anchorages), the vessels lying in the
// harbour for three hours or more (rafted pairs, ships at anchor, the
// boats switching off at their berth) make port visits at the learned
// anchorages (measure "learned"), as does the ferry shuttling between
// its berths, and no vessel outside the harbour makes one.
func TestPortVisitsLearnedHarbour(t *testing.T) {
	s := messyScenario()
	cfg := event.Config{Ports: ports(), Land: testLand(t)}
	once := runMessy(t, s, cfg)
	if n := len(ofType(once, event.PortVisit)); n != 0 {
		t.Errorf("%d port visits with no anchorage known from the start; want none (the harbour is in no port list)", n)
	}
	var ps []vessel.Position
	var statics []vessel.Static
	for _, o := range s.Observations {
		if o.Kind == vessel.KindPosition {
			ps = append(ps, o.Position)
		} else {
			statics = append(statics, o.Static)
		}
	}
	anch, err := event.LearnAnchorages(t.Context(), cfg, ps, statics)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Anchorages = anch
	m := runMessy(t, s, cfg)
	family := map[vessel.MMSI]string{}
	role := map[vessel.MMSI]string{}
	for _, v := range s.Fleet {
		family[v.MMSI], role[v.MMSI] = v.Family, v.Role
	}
	visited := map[vessel.MMSI]int{}
	for _, ev := range ofType(m, event.PortVisit) {
		v := ev.Vessels[0]
		d := geo.Distance(geo.Point{Lat: ev.Lat, Lon: ev.Lon}, s.Harbour)
		if family[v] != "harbour" || d > s.HarbourRadius || ev.Measures["learned"] != 1 || ev.Measures["port_distance_m"] > 4000 {
			t.Errorf("port visit %s of %v (%s) %.0f m from the harbour centre, measures %v", ev.ID, v, family[v], d, ev.Measures)
		}
		visited[v]++
	}
	want := 0
	for _, v := range s.Fleet {
		if family[v.MMSI] == "harbour" {
			want++
			if visited[v.MMSI] == 0 {
				t.Errorf("%v (%s) made no port visit in the harbour", v.MMSI, v.Role)
			}
		}
	}
	t.Logf("%d anchorages learned; %d port visits by %d of the %d vessels lying in the harbour", len(anch), len(ofType(m, event.PortVisit)), len(visited), want)
}

// TestPortVisitsLearnedReal: on the Auckland days (Hauraki Gulf, marinas
// and anchorages that the bundled port list lacks), anchorages learned
// from the whole data first make port visits that the bundled list alone
// does not: each at a learned anchorage (stopped within the exit radius
// of it), lasting at least the minimum duration.
func TestPortVisitsLearnedReal(t *testing.T) {
	const name = "auckland_hauraki_20170907_09.csv.gz"
	if !present(name) {
		t.Skipf("%s not in the workspace", name)
	}
	ps, statics := fusedPositions(t, name)
	cfg := event.Config{Ports: ports(), Land: testLand(t)}
	anch, err := event.LearnAnchorages(t.Context(), cfg, ps, statics)
	if err != nil {
		t.Fatal(err)
	}
	run := func(cfg event.Config) []event.Event {
		e := event.New(cfg)
		for _, st := range statics {
			e.ObserveStatic(st)
		}
		m, _ := final(t, e, ps, ps[len(ps)-1].Time)
		return ofType(m, event.PortVisit)
	}
	bundled := run(cfg)
	cfg.Anchorages = anch
	withLearned := run(cfg)
	learned := 0
	for _, ev := range withLearned {
		if ev.Measures["learned"] != 1 {
			continue
		}
		learned++
		a := geo.Point{Lat: ev.Measures["port_lat"], Lon: ev.Measures["port_lon"]}
		if ev.Zone != "" || geo.Distance(a, geo.Point{Lat: ev.Lat, Lon: ev.Lon}) > 4000 || ev.Measures["duration_s"] > 0 && ev.Measures["duration_s"] < 3*3600 {
			t.Errorf("visit %s: zone %q, %v", ev.ID, ev.Zone, ev.Measures)
		}
	}
	t.Logf("%s: %d anchorages learned; port visits %d with the bundled list, %d with the learned anchorages too (%d at learned ones)", name, len(anch), len(bundled), len(withLearned), learned)
	if learned == 0 || len(withLearned) <= len(bundled) {
		t.Errorf("port visits: %d bundled only, %d with learned anchorages (%d at learned ones); want more", len(bundled), len(withLearned), learned)
	}
}
