package event_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var messyScenario = sync.OnceValue(func() *simulate.Scenario {
	return simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(13, 13)))
})

// runMessy runs a messy scenario through an engine as a batch and
// returns the final version of every event.
func runMessy(t testing.TB, s *simulate.Scenario, cfg event.Config) map[string]event.Event {
	t.Helper()
	e, err := event.NewChecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var all []event.Event
	for i := range s.Observations {
		o := &s.Observations[i]
		switch o.Kind {
		case vessel.KindStatic:
			e.ObserveStatic(o.Static)
		case vessel.KindPosition:
			all = append(all, e.Observe(o.Position)...)
		}
	}
	all = append(all, e.Flush(s.To)...)
	return latest(t, all)
}

// messyScore is how a run did against a scenario's ground truth.
type messyScore struct {
	found, missed []simulate.Truth
	// per type: events matching a truth, and the others
	tp, fp map[string][]event.Event
	// events breaking a Quiet rule
	broke map[*simulate.Quiet][]event.Event
}

func matchTruth(ev event.Event, tr simulate.Truth, end vessel.Time) bool {
	if ev.Type != tr.Type || !slices.Equal(ev.Vessels, tr.Vessels) {
		return false
	}
	es, ee := ev.Start, ev.End
	if ee == 0 {
		ee = end
	}
	ts, te := tr.Start, tr.End
	if te == 0 {
		te = end
	}
	return es <= te && ts <= ee
}

func scoreMessy(s *simulate.Scenario, m map[string]event.Event) messyScore {
	sc := messyScore{tp: map[string][]event.Event{}, fp: map[string][]event.Event{}, broke: map[*simulate.Quiet][]event.Event{}}
	var evs []event.Event
	for _, ev := range m {
		if !ev.Retracted {
			evs = append(evs, ev)
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].ID < evs[j].ID })
	for _, tr := range s.Truth {
		if slices.ContainsFunc(evs, func(ev event.Event) bool { return matchTruth(ev, tr, s.To) }) {
			sc.found = append(sc.found, tr)
		} else {
			sc.missed = append(sc.missed, tr)
		}
	}
	for _, ev := range evs {
		if slices.ContainsFunc(s.Truth, func(tr simulate.Truth) bool { return matchTruth(ev, tr, s.To) }) {
			sc.tp[ev.Type] = append(sc.tp[ev.Type], ev)
		} else {
			sc.fp[ev.Type] = append(sc.fp[ev.Type], ev)
		}
		for i := range s.Quiet {
			q := &s.Quiet[i]
			if breaks(q, ev, s.To) {
				sc.broke[q] = append(sc.broke[q], ev)
			}
		}
	}
	return sc
}

func breaks(q *simulate.Quiet, ev event.Event, end vessel.Time) bool {
	if !slices.Contains(q.Types, ev.Type) {
		return false
	}
	if q.Vessels != nil && !slices.ContainsFunc(ev.Vessels, func(m vessel.MMSI) bool { return slices.Contains(q.Vessels, m) }) {
		return false
	}
	qe := q.End
	if qe == 0 {
		qe = end
	}
	ee := ev.End
	if ee == 0 {
		ee = end
	}
	if ev.Start > qe || ee < q.Start {
		return false
	}
	if q.Radius > 0 && geo.Distance(geo.Point{Lat: ev.Lat, Lon: ev.Lon}, q.Center) > q.Radius {
		return false
	}
	return true
}

// table renders per-family results.
func (sc messyScore) table(s *simulate.Scenario) string {
	fam := map[string]*[4]int{} // truths, found, quiet rules, broken
	get := func(f string) *[4]int {
		if fam[f] == nil {
			fam[f] = &[4]int{}
		}
		return fam[f]
	}
	for _, tr := range s.Truth {
		get(tr.Family)[0]++
	}
	for _, tr := range sc.found {
		get(tr.Family)[1]++
	}
	for i := range s.Quiet {
		q := &s.Quiet[i]
		get(q.Family)[2]++
		if len(sc.broke[q]) > 0 {
			get(q.Family)[3]++
		}
	}
	var names []string
	for f := range fam {
		names = append(names, f)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %6s %6s %6s %6s\n", "family", "truth", "found", "quiet", "broken")
	for _, f := range names {
		c := fam[f]
		fmt.Fprintf(&b, "%-10s %6d %6d %6d %6d\n", f, c[0], c[1], c[2], c[3])
	}
	for _, typ := range []string{event.Encounter, event.Loitering, event.Gap} {
		fmt.Fprintf(&b, "%-10s true %d false %d\n", typ, len(sc.tp[typ]), len(sc.fp[typ]))
	}
	for _, tr := range sc.missed {
		fmt.Fprintf(&b, "missed: %s %s %v %v-%v (%s)\n", tr.Family, tr.Type, tr.Vessels, tr.Start.Std().Format("02T15:04"), tr.End.Std().Format("02T15:04"), tr.Note)
	}
	for q, evs := range sc.broke {
		for _, ev := range evs {
			fmt.Fprintf(&b, "quiet broken: %s (%s) by %s %v %s\n", q.Family, q.Note, ev.Type, ev.Vessels, ev.Start.Std().Format("02T15:04"))
		}
	}
	for _, typ := range []string{event.Encounter, event.Gap} {
		for _, ev := range sc.fp[typ] {
			fmt.Fprintf(&b, "false %s %v %s-%s %v\n", typ, ev.Vessels, ev.Start.Std().Format("02T15:04"), ev.End.Std().Format("02T15:04"), ev.Reasons)
		}
	}
	return b.String()
}

// TestMessy runs the messy-feed scenarios (simulate.Messy: 100 vessels,
// 2 days) of seven seeds through the gfw preset and checks the results
// against their ground truth: every true event found, encounter
// precision at least 0.9, at most one false gap, nothing in the
// harbour. The per-family table is in the test log (-v); the
// transshipment and skylight presets are logged for comparison.
func TestMessy(t *testing.T) {
	for _, seed := range []uint64{13, 1, 2, 3, 4, 5, 6} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := messyScenario()
			if seed != 13 {
				s = simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(seed, seed)))
			}
			m := runMessy(t, s, event.Config{Ports: ports(), Land: testLand(t)})
			sc := scoreMessy(s, m)
			t.Logf("messy feed seed %d, gfw preset, %d observations:\n%s", seed, len(s.Observations), sc.table(s))
			if len(sc.missed) > 0 {
				t.Errorf("recall %d/%d; want all true events", len(sc.found), len(s.Truth))
			}
			tp, fp := len(sc.tp[event.Encounter]), len(sc.fp[event.Encounter])
			if tp == 0 || float64(tp)/float64(tp+fp) < 0.9 {
				t.Errorf("encounter precision %d/%d; want at least 0.9", tp, tp+fp)
			}
			if n := len(sc.fp[event.Gap]); n > 1 {
				t.Errorf("%d false gaps in 2 days of 100 vessels; want at most 1", n)
			}
			for i := range s.Quiet {
				q := &s.Quiet[i]
				if q.Family == "harbour" && len(sc.broke[q]) > 0 {
					t.Errorf("harbour: %s: %d events", q.Note, len(sc.broke[q]))
				}
			}
			if seed != 13 {
				return
			}
			for _, preset := range []string{event.PresetTransshipment, event.PresetSkylight} {
				m := runMessy(t, s, event.Config{Preset: preset, Ports: ports(), Land: testLand(t)})
				sc := scoreMessy(s, m)
				t.Logf("preset %s: encounters true %d false %d, gaps true %d false %d, missed %d of %d truths",
					preset, len(sc.tp[event.Encounter]), len(sc.fp[event.Encounter]), len(sc.tp[event.Gap]), len(sc.fp[event.Gap]), len(sc.missed), len(s.Truth))
			}
		})
	}
}

// messyPositions returns the positions of the messy scenario.
func messyPositions() []vessel.Position {
	var ps []vessel.Position
	for _, o := range messyScenario().Observations {
		if o.Kind == vessel.KindPosition {
			ps = append(ps, o.Position)
		}
	}
	return ps
}

// TestMessyLive: fed live (Advance every 7 minutes between reports), the
// messy scenario gives the same final events as in a batch, with the
// timers of sparse vessels' gaps judged again and again.
func TestMessyLive(t *testing.T) {
	s := messyScenario()
	cfg := event.Config{Ports: ports(), Land: testLand(t)}
	batch := runMessy(t, s, cfg)
	live, err := event.NewChecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var all []event.Event
	next := s.From
	for _, o := range s.Observations {
		if o.Kind == vessel.KindStatic {
			live.ObserveStatic(o.Static)
			continue
		}
		for next < o.Position.Time {
			all = append(all, live.Advance(next)...)
			next += 7 * 60 * 1000
		}
		all = append(all, live.Observe(o.Position)...)
	}
	all = append(all, live.Flush(s.To)...)
	compareFinal(t, batch, latest(t, all))
	if len(batch) < 19 {
		t.Errorf("only %d events; want the 19 true ones at least", len(batch))
	}
}
