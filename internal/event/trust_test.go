package event_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fusedMessy is a messy scenario as a node runs it: every observation
// through fusion in the order delivered, the arrival time being the time
// the report was made.
type fusedMessy struct {
	s       *simulate.Scenario
	ps      []vessel.Position // stored positions, in delivery order
	statics []vessel.Static
	res     []fusion.Result // per observation
	pic     *fusion.Picture
}

func fuseMessy(t testing.TB, s *simulate.Scenario) *fusedMessy {
	t.Helper()
	made := make([]vessel.Time, len(s.Observations))
	for i := range s.Observations {
		made[i] = s.Observations[i].Time()
	}
	for _, f := range s.Faults {
		made[f.Obs] = f.TrueTime
	}
	var arrival vessel.Time
	pic := fusion.NewPicture(fusion.Config{Land: testLand(t), Now: func() time.Time { return arrival.Std() }})
	fm := &fusedMessy{s: s, pic: pic, res: make([]fusion.Result, len(s.Observations))}
	for i := range s.Observations {
		o := &s.Observations[i]
		arrival = made[i] + 2000 // heard a couple of seconds after it was made
		r := pic.Apply(o)
		fm.res[i] = r
		switch {
		case r.Outcome == fusion.Stored:
			fm.ps = append(fm.ps, r.Position)
		case r.Outcome == fusion.Static && o.Kind == vessel.KindStatic:
			fm.statics = append(fm.statics, o.Static)
		}
	}
	return fm
}

// run runs the fused positions through an engine, as a batch or live
// (Advance every 7 minutes of data time between reports).
func (fm *fusedMessy) run(t testing.TB, cfg event.Config, live bool) map[string]event.Event {
	t.Helper()
	e, err := event.NewChecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range fm.statics {
		e.ObserveStatic(st)
	}
	var all []event.Event
	next := fm.s.From
	for _, p := range fm.ps {
		for live && p.Flags&(vessel.FlagFuture|vessel.FlagClock) == 0 && next < p.Time {
			all = append(all, e.Advance(next)...)
			next += 7 * 60_000
		}
		all = append(all, e.Observe(p)...)
	}
	all = append(all, e.Flush(fm.s.To)...)
	return latest(t, all)
}

// trustRow is one family's line of the proof table.
type trustRow struct {
	family                      string
	truths, found, quiet, broke int
	note                        string
}

// TestMessyTrust is the proof of issue 13 on simulate.Messy (100 vessels
// and the four transmitters of a placeholder MMSI, 2 days, seven seeds),
// run as a node runs it: through fusion, then the event engine (gfw
// preset, the bundled ports, which know nothing of the scenario's
// harbour). Per family it checks the targets:
//
//   - recall 1.0 on the true events (encounters, loitering, gaps, the two
//     identity episodes);
//   - encounter precision at least 0.9;
//   - at most one false gap in the two days;
//   - no teleport or identity event from the clock fault (a two-minute
//     batch of one receiver stamped five minutes early): its reports are
//     flagged clock by fusion;
//   - no teleport from the shared identity, and exactly one identity
//     event per episode, listing the episode's transmitters;
//   - no encounter, loitering or gap in the harbour;
//   - at least 99% of the genuine reports of the vessels with bursts of
//     bad fixes (0,0 among them) kept in their track, unflagged.
//
// Live (Advance ticks) gives the same final events as the batch. The
// table of each seed is in the log (-v).
func TestMessyTrust(t *testing.T) {
	for _, seed := range []uint64{13, 1, 2, 3, 4, 5, 6} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := messyScenario()
			if seed != 13 {
				s = simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(seed, seed)))
			}
			fm := fuseMessy(t, s)
			cfg := event.Config{Ports: ports(), Land: testLand(t)}
			m := fm.run(t, cfg, false)
			sc := scoreMessy(s, m)
			rows, summary := trustTable(t, fm, m, sc)
			var b strings.Builder
			fmt.Fprintf(&b, "%-10s %6s %6s %6s %6s  %s\n", "family", "truth", "found", "quiet", "broken", "measured")
			for _, r := range rows {
				fmt.Fprintf(&b, "%-10s %6d %6d %6d %6d  %s\n", r.family, r.truths, r.found, r.quiet, r.broke, r.note)
			}
			b.WriteString(summary)
			t.Logf("messy feed seed %d through fusion, gfw preset, %d observations, %d stored positions:\n%s", seed, len(s.Observations), len(fm.ps), b.String())
			compareFinal(t, m, fm.run(t, cfg, true))
		})
	}
}

// trustTable scores a fused run family by family, fails the test on
// every target missed, and returns the rows and a summary of the
// targets.
func trustTable(t *testing.T, fm *fusedMessy, m map[string]event.Event, sc messyScore) ([]trustRow, string) {
	t.Helper()
	s := fm.s
	byFam := map[string]*trustRow{}
	row := func(f string) *trustRow {
		if byFam[f] == nil {
			byFam[f] = &trustRow{family: f}
		}
		return byFam[f]
	}
	for _, tr := range s.Truth {
		row(tr.Family).truths++
	}
	for _, tr := range sc.found {
		row(tr.Family).found++
	}
	broken := func(family string) int {
		n := 0
		for i := range s.Quiet {
			if q := &s.Quiet[i]; q.Family == family && len(sc.broke[q]) > 0 {
				n++
			}
		}
		return n
	}
	for i := range s.Quiet {
		q := &s.Quiet[i]
		row(q.Family).quiet++
		if len(sc.broke[q]) > 0 {
			row(q.Family).broke++
			t.Logf("quiet broken: %s (%s) by %d events, first %s %v %s", q.Family, q.Note, len(sc.broke[q]),
				sc.broke[q][0].Type, sc.broke[q][0].Vessels, sc.broke[q][0].Start)
		}
	}

	// recall and encounter precision
	recall := float64(len(sc.found)) / float64(len(s.Truth))
	for _, tr := range sc.missed {
		t.Errorf("missed: %s %s %v %v-%v (%s)", tr.Family, tr.Type, tr.Vessels, tr.Start, tr.End, tr.Note)
	}
	tp, fp := len(sc.tp[event.Encounter]), len(sc.fp[event.Encounter])
	precision := 0.0
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if precision < 0.9 {
		t.Errorf("encounter precision %d/%d; want at least 0.9", tp, tp+fp)
	}
	for _, ev := range sc.fp[event.Encounter] {
		t.Logf("false encounter %v %v-%v %q", ev.Vessels, ev.Start, ev.End, ev.Reasons)
	}
	falseGaps := len(sc.fp[event.Gap])
	if falseGaps > 1 {
		t.Errorf("%d false gaps in 2 days of 100 vessels; want at most 1", falseGaps)
	}
	for _, ev := range sc.fp[event.Gap] {
		t.Logf("false gap %v %v-%v %q", ev.Vessels, ev.Start, ev.End, ev.Reasons)
	}
	row("meeting").note = fmt.Sprintf("encounters: %d true, %d false", tp, fp)
	row("dark").note = fmt.Sprintf("gaps: %d true, %d false (all families)", len(sc.tp[event.Gap]), falseGaps)

	// harbour
	harbour := broken("harbour")
	if harbour > 0 {
		t.Errorf("%d harbour rules broken; want none", harbour)
	}

	// clock fault: fusion flags the batch; no teleport or identity event
	clockN, clockFlagged, clockTeleport := 0, 0, 0
	for _, f := range s.Faults {
		if f.Kind != simulate.FaultClock {
			continue
		}
		clockN++
		r := fm.res[f.Obs]
		if r.Outcome == fusion.Stored && r.Position.Flags&vessel.FlagClock != 0 {
			clockFlagged++
		}
		if r.Outcome == fusion.Stored && r.Position.Flags&vessel.FlagTeleport != 0 {
			clockTeleport++
		}
	}
	clockEvents := broken("clock")
	if clockTeleport > 0 || clockEvents > 0 || clockN == 0 {
		t.Errorf("clock fault: %d reports, %d flagged teleport, %d rules broken; want reports, no teleport", clockN, clockTeleport, clockEvents)
	}
	row("clock").note = fmt.Sprintf("%d reports stamped 5 min early: %d flagged clock, %d teleport flags", clockN, clockFlagged, clockTeleport)

	// shared identity: one identity event per episode, no teleport
	var ids []event.Event
	for _, ev := range ofType(m, event.IdentityConflict) {
		if ev.Vessels[0] == simulate.SharedMMSI {
			ids = append(ids, ev)
		}
	}
	perEpisode := 0
	for _, tr := range s.Truth {
		if tr.Family != "shared" {
			continue
		}
		n := 0
		for _, ev := range ids {
			if matchTruth(ev, tr, s.To) {
				n++
				want := 4.0
				if tr.Start > s.From+25*3600_000 {
					want = 2
				}
				if ev.Measures["tracks"] != want {
					t.Errorf("identity event %s: %v tracks; want %v", ev.ID, ev.Measures["tracks"], want)
				}
			}
		}
		if n == 1 {
			perEpisode++
		} else {
			t.Errorf("%d identity events for the episode %v-%v; want 1", n, tr.Start, tr.End)
		}
	}
	sharedTeleports := len(slices.DeleteFunc(ofType(m, event.Teleport), func(ev event.Event) bool { return ev.Vessels[0] != simulate.SharedMMSI }))
	if len(ids) != perEpisode || sharedTeleports > 0 {
		t.Errorf("%v: %d identity events (%d episodes), %d teleports; want one per episode and none", simulate.SharedMMSI, len(ids), perEpisode, sharedTeleports)
	}
	var spans []string
	for _, ev := range ids {
		end := "open"
		if !ev.Open() {
			end = ev.End.Std().Format("02T15:04")
		}
		spans = append(spans, fmt.Sprintf("%s-%s %.0f tracks", ev.Start.Std().Format("02T15:04"), end, ev.Measures["tracks"]))
	}
	row("shared").note = fmt.Sprintf("%d identity events %v, %d teleports", len(ids), spans, sharedTeleports)

	// bad fixes: genuine reports of their vessels kept in the track
	victims := map[vessel.MMSI]vessel.Time{} // first bad fix
	fault := map[int]bool{}
	bursts := 0
	var prevBad vessel.Time
	for _, f := range s.Faults {
		fault[f.Obs] = true
		if f.Kind != simulate.FaultBadFix {
			continue
		}
		p := s.Observations[f.Obs].Position
		if _, ok := victims[p.MMSI]; !ok {
			victims[p.MMSI] = p.Time
		}
		if p.Time-prevBad > 5000 {
			bursts++
		}
		prevBad = p.Time
	}
	genuine, kept, badTeleports := 0, 0, 0
	for i := range s.Observations {
		p := s.Observations[i].Position
		first, ok := victims[p.MMSI]
		if s.Observations[i].Kind != vessel.KindPosition || !ok || fault[i] || p.Time < first {
			continue
		}
		genuine++
		r := fm.res[i]
		if r.Outcome == fusion.Duplicate || r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 {
			kept++
		}
	}
	for _, ev := range ofType(m, event.Teleport) {
		if _, ok := victims[ev.Vessels[0]]; ok {
			badTeleports++
		}
	}
	keptShare := float64(kept) / float64(max(genuine, 1))
	if genuine == 0 || keptShare < 0.99 {
		t.Errorf("bad fixes: %d of %d genuine reports kept after the first burst; want at least 99%%", kept, genuine)
	}
	row("badfix").note = fmt.Sprintf("%d bursts in %d vessels: %d of %d genuine reports after the first burst kept (%.2f%%), %d teleport events",
		bursts, len(victims), kept, genuine, 100*keptShare, badTeleports)

	rows := make([]trustRow, 0, len(byFam))
	for _, r := range byFam {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b trustRow) int { return strings.Compare(a.family, b.family) })
	var b strings.Builder
	fmt.Fprintf(&b, "recall %d/%d = %.2f (target 1.0)\n", len(sc.found), len(s.Truth), recall)
	fmt.Fprintf(&b, "encounter precision %d/%d = %.2f (target >= 0.9)\n", tp, tp+fp, precision)
	fmt.Fprintf(&b, "false gaps %d (target <= 1)\n", falseGaps)
	fmt.Fprintf(&b, "teleports from the clock fault %d, identity events from it %d, from the shared identity %d (target 0)\n", clockTeleport, clockEvents, sharedTeleports)
	fmt.Fprintf(&b, "identity events of the shared MMSI %d for %d episodes (target 1 each)\n", len(ids), perEpisode)
	fmt.Fprintf(&b, "harbour rules broken %d (target 0)\n", harbour)
	fmt.Fprintf(&b, "genuine reports kept after bad fixes %.2f%% (target >= 99%%)\n", 100*keptShare)
	return rows, b.String()
}
