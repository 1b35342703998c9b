package event_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// t0 is the start of every scenario timeline.
var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// timeline builds the positions of a scenario.
type timeline struct{ ps []vessel.Position }

func at(d time.Duration) vessel.Time { return vessel.TimeOf(t0.Add(d)) }

func pos(m vessel.MMSI, d time.Duration, p geo.Point, sog float64) vessel.Position {
	return vessel.Position{MMSI: m, Time: at(d), Lat: p.Lat, Lon: p.Lon, SOG: vessel.SpeedKnots(sog),
		COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}
}

// sail adds reports of vessel m every step from time from to time to,
// moving from a at the speed knots on the given bearing.
func (tl *timeline) sail(m vessel.MMSI, from, to, step time.Duration, a geo.Point, bearing, knots float64) geo.Point {
	p := a
	for d := from; d <= to; d += step {
		p = geo.Destination(a, bearing, knots*1852/3600*(d-from).Seconds())
		tl.ps = append(tl.ps, pos(m, d, p, knots))
	}
	return p
}

// stay adds reports of vessel m drifting slowly around p.
func (tl *timeline) stay(m vessel.MMSI, from, to, step time.Duration, p geo.Point, knots float64) {
	tl.sail(m, from, to, step, p, 45, knots)
}

func (tl *timeline) sorted() []vessel.Position {
	ps := slices.Clone(tl.ps)
	slices.SortStableFunc(ps, func(a, b vessel.Position) int { return int(a.Time - b.Time) })
	return ps
}

// final runs positions through an engine as a batch and returns the final
// version of every event, by ID, and every version emitted.
func final(t testing.TB, e *event.Engine, ps []vessel.Position, end vessel.Time) (map[string]event.Event, []event.Event) {
	t.Helper()
	var all []event.Event
	for _, p := range ps {
		all = append(all, e.Observe(p)...)
	}
	all = append(all, e.Flush(end)...)
	return latest(t, all), all
}

// latest keeps the latest version of each event and checks that versions
// grow by one.
func latest(t testing.TB, all []event.Event) map[string]event.Event {
	t.Helper()
	m := map[string]event.Event{}
	for _, ev := range all {
		if old, ok := m[ev.ID]; ok && ev.Version != old.Version+1 {
			t.Errorf("event %s: version %d after %d", ev.ID, ev.Version, old.Version)
		}
		if _, ok := m[ev.ID]; !ok && ev.Version != 1 {
			t.Errorf("event %s: first version %d", ev.ID, ev.Version)
		}
		m[ev.ID] = ev
	}
	return m
}

// ofType returns the non-retracted final events of a type, sorted by ID.
func ofType(m map[string]event.Event, typ string) []event.Event {
	var out []event.Event
	for _, ev := range m {
		if ev.Type == typ && !ev.Retracted {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b event.Event) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func involves(ev event.Event, m vessel.MMSI) bool { return slices.Contains(ev.Vessels, m) }

var land = sync.OnceValues(geo.DefaultLand)

func testLand(t testing.TB) *geo.LandMask {
	l, err := land()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Places used by the scenarios.
var (
	ocean    = geo.Point{Lat: 30, Lon: -40}     // mid-Atlantic: no land within 500 km
	harbour  = geo.Point{Lat: 30.5, Lon: -40.5} // a made-up port for the scenarios
	farOcean = geo.Point{Lat: 10, Lon: -30}     // another empty stretch of sea
	testPort = []event.Port{{Name: "TESTPORT", Lat: harbour.Lat, Lon: harbour.Lon}}
)

// newEngine returns an engine with the scenario port, the embedded land
// mask and the given preset.
func newEngine(t testing.TB, preset string, zones ...event.Zone) *event.Engine {
	t.Helper()
	e, err := event.NewChecked(event.Config{Preset: preset, Ports: testPort, Land: testLand(t), Zones: zones})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
