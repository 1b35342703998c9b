package contact_test

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestSimulatedScenario runs the radar and SAR scenario of package
// simulate (written independently of this package: a patrol ship on a
// racetrack and a fixed platform radar, an anchored group, a convoy,
// transits, fishing vessels, small craft with and without AIS, dark
// vessels, a ship whose AIS falls silent, a spoofer, two SAR passes)
// through the associator and scores it against that scenario's truth.
//
// The spoofer's AIS positions are 8 km from the truth, so no AIS report
// explains its radar track: its expected association is none, and an
// alert on it is a true alert (a real target nobody explains).
//
// Every seed from 1 to 10 must meet the targets. The dark
// recall is scored per alert, as the issue counts alerts: alerts and
// dark vessels are matched one to one (matchAlerts), and a vessel is
// found when its matched alert holds at least a third of its credible
// contacts in alerts; no vessel may have its contacts in more than two
// alerts. The scenario's two dark skiffs (the same speed, lengths of 7
// to 11 m that no radar or SAR measures apart, each wandering within
// about 5 km of its own home, homes 1.5-8 km apart, seen only within
// 6 km of the patrol ship, which passes every 70 minutes) are often
// unseen for 15-60 minutes, long enough to have been anywhere in their
// areas; nothing a sensor measures tells which of the two a new track
// is, and their two alerts may swap between them. Each of them is then
// still alerted, in two alerts; the test logs how much of each dark
// vessel's evidence is in its matched alert (0.91 to 1.0 of the contacts
// over seeds 1-10) and on how many seeds a skiff is the majority of
// none of its alerts (the stricter per-contact view, which a swap can
// fail).
func TestSimulatedScenario(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			simulatedSeed(t, seed)
		})
	}
}

func simulatedSeed(t *testing.T, seed uint64) {
	{
		sc, pic := simulatedWorld(seed)
		expect := func(ship int, t vessel.Time) vessel.MMSI {
			if ship == simulate.FalseAlarm || sc.Ships[ship].Role == simulate.RoleSpoofer {
				return 0
			}
			return sc.Ships[ship].MMSI
		}
		a := contact.New(contact.Config{}, pic)
		var n, ok, satN, satOK, silentN, silentOK int
		eps := map[string]map[int]int{} // episode → ship → credible contacts
		alerts := map[int][]string{}
		note := func(c *contact.Contact, ship int) {
			if c.Episode == "" {
				return
			}
			if eps[c.Episode] == nil {
				eps[c.Episode] = map[int]int{}
			}
			if !c.Doubtful {
				eps[c.Episode][ship]++
			}
			if ship >= 0 && !slices.Contains(alerts[ship], c.Episode) {
				alerts[ship] = append(alerts[ship], c.Episode)
			}
		}
		var cs []contact.Contact
		for _, st := range simulatedSteps(sc) {
			pic.now = st.t
			if !st.radar {
				cs = a.Satellite(st.dets, st.pass, cs[:0])
				for k := range cs {
					satN++
					if cs[k].MMSI == expect(st.ships[k], st.t) {
						satOK++
					}
					note(&cs[k], st.ships[k])
				}
				continue
			}
			cs = a.Radar(st.dets, cs[:0])
			for k := range cs {
				ship := st.ships[k]
				n++
				if cs[k].MMSI == expect(ship, st.t) {
					ok++
				}
				if ship >= 0 && sc.Ships[ship].Role == simulate.RoleSilent && st.t > sc.Ships[ship].SilentFrom {
					silentN++
					if cs[k].MMSI == sc.Ships[ship].MMSI {
						silentOK++
					}
				}
				note(&cs[k], ship)
			}
		}
		a.Flush(sc.End + 86400_000)
		// AIS position mismatch: the spoofer, and nobody else.
		var spoofer vessel.MMSI
		for _, s := range sc.Ships {
			if s.Role == simulate.RoleSpoofer {
				spoofer = s.MMSI
			}
		}
		mismatch := map[string]contact.Episode{}
		for _, e := range a.Episodes(nil) {
			if e.Kind == contact.KindAISMismatch {
				mismatch[e.ID] = e
			}
		}
		right := 0
		for id, e := range mismatch {
			t.Logf("seed %d: mismatch %s: %v from %v to %v, AIS %.0f m at %.0f° from the track, %d reports",
				seed, id, e.MMSI, e.Start, e.End, e.Evidence.OffsetM, e.Evidence.OffsetBearing, e.Evidence.Reports)
			if e.MMSI == spoofer {
				right++
			} else {
				t.Errorf("seed %d: mismatch episode %s names %v; only the spoofer %v spoofs", seed, id, e.MMSI, spoofer)
			}
		}
		if right == 0 || right > 2 {
			t.Errorf("seed %d: %d mismatch episodes name the spoofer; want 1 or 2 (spoofer %v)", seed, right, spoofer)
		}
		truePos := 0
		for id, m := range eps {
			k := majority(m)
			if k >= 0 && (sc.Ships[k].MMSI == 0 || sc.Ships[k].Role == simulate.RoleSpoofer) {
				truePos++
			} else {
				t.Logf("seed %d: false dark episode %s: %v", seed, id, m)
			}
		}
		// Dark recall as the issue measures it: alerts and dark vessels
		// are matched one to one (an alert counts for at most one vessel),
		// maximising the credible contacts the matched pairs share; a
		// dark vessel is found when its matched alert holds at least a
		// third of its credible contacts in alerts. Two craft whose
		// alerts swap between them once are both found, each in two
		// alerts; a craft whose contacts are spread over three alerts
		// breaks the alerts-per-vessel bound instead.
		var darkShips []int
		for i, s := range sc.Ships {
			if s.MMSI == 0 {
				darkShips = append(darkShips, i)
			}
		}
		match := matchAlerts(eps, darkShips)
		dark, found, maxAlerts := len(darkShips), 0, 0
		var skiffs []int
		kept, inAlerts := 0, 0
		byMajority := 0 // dark vessels that are the majority of one of their alerts
		for _, i := range darkShips {
			s := sc.Ships[i]
			all := 0
			for _, e := range alerts[i] {
				all += eps[e][i]
			}
			share := 0.0
			if all > 0 {
				share = float64(eps[match[i]][i]) / float64(all)
			}
			if match[i] != "" && 3*eps[match[i]][i] >= all {
				found++
			}
			for _, e := range alerts[i] {
				if majority(eps[e]) == i {
					byMajority++
					break
				}
			}
			kept, inAlerts = kept+eps[match[i]][i], inAlerts+all
			maxAlerts = max(maxAlerts, len(alerts[i]))
			if s.Role == simulate.RoleSmallCraft {
				skiffs = append(skiffs, i)
			}
			t.Logf("seed %d: dark %s (%.0f m): alerts %v; matched %q with %.2f of its credible contacts in alerts", seed, s.Role, s.LengthM, alerts[i], match[i], share)
		}
		if len(skiffs) == 2 {
			// Where the two skiffs work: the middle of their true
			// positions and their RMS spread about it.
			var mid [2]geo.Point
			var spread [2]float64
			for k, i := range skiffs {
				var ps []geo.Point
				for tm := sc.Start; tm < sc.End; tm += 60_000 {
					p, _, _ := sc.Ships[i].At(tm)
					ps = append(ps, p)
					mid[k].Lat += p.Lat / 360
					mid[k].Lon += p.Lon / 360
				}
				for _, p := range ps {
					d := geo.Distance(mid[k], p)
					spread[k] += d * d / float64(len(ps))
				}
				spread[k] = math.Sqrt(spread[k])
			}
			t.Logf("seed %d: the dark skiffs work %.1f km apart, each within %.1f and %.1f km (RMS) of its middle",
				seed, geo.Distance(mid[0], mid[1])/1000, spread[0]/1000, spread[1]/1000)
		}
		accR, accS := float64(ok)/float64(n), float64(satOK)/float64(satN)
		recall, precision := float64(found)/float64(dark), float64(truePos)/float64(len(eps))
		t.Logf("seed %d: radar accuracy %.4f (%d/%d), satellite accuracy %.4f (%d/%d), silent ship kept on %d/%d, dark recall %.3f (%d/%d) precision %.3f (%d/%d), at most %d alerts per dark vessel",
			seed, accR, ok, n, accS, satOK, satN, silentOK, silentN, recall, found, dark, precision, truePos, len(eps), maxAlerts)
		if accR < 0.98 || accS < 0.95 || precision < 0.90 || silentOK < silentN*98/100 {
			t.Errorf("seed %d: below target (radar >= 0.98, satellite >= 0.95, precision >= 0.90, silent ship >= 0.98)", seed)
		}
		t.Logf("seed %d: %.3f of the dark vessels' credible contacts in alerts are in the alert matched with their vessel (%d of %d); %d of %d dark vessels are the majority of one of their alerts",
			seed, float64(kept)/float64(max(inAlerts, 1)), kept, inAlerts, byMajority, dark)
		if recall < 0.95 || maxAlerts > 2 {
			t.Errorf("seed %d: dark recall %.3f, %d alerts for one dark vessel; want recall >= 0.95 and <= 2 alerts", seed, recall, maxAlerts)
		}
	}
}

// matchAlerts matches alerts (episode → ship → credible contacts) with
// the ships one to one, maximising the contacts the matched pairs share;
// a ship without a match maps to "". It searches exhaustively: a
// scenario has a handful of dark ships and alerts.
func matchAlerts(eps map[string]map[int]int, ships []int) map[int]string {
	ids := slices.Sorted(maps.Keys(eps))
	best, bestN := map[int]string{}, -1
	cur := map[int]string{}
	used := map[string]bool{}
	var walk func(k, n int)
	walk = func(k, n int) {
		if k == len(ships) {
			if n > bestN {
				bestN = n
				best = maps.Clone(cur)
			}
			return
		}
		i := ships[k]
		cur[i] = ""
		walk(k+1, n)
		for _, id := range ids {
			if c := eps[id][i]; c > 0 && !used[id] {
				used[id], cur[i] = true, id
				walk(k+1, n+c)
				used[id] = false
			}
		}
		cur[i] = ""
	}
	walk(0, 0)
	return best
}

// simStep is one call of the associator in the simulated scenario: a
// radar scan or a SAR scene, with the truth's ship of each detection.
type simStep struct {
	t     vessel.Time
	dets  []vessel.Detection
	ships []int
	pass  contact.Pass
	radar bool
}

// simulatedSteps returns the scenario's radar scans and SAR scenes in
// time order (a scene before the scan at or after its time).
func simulatedSteps(sc *simulate.RadarScenario) []simStep {
	var steps []simStep
	sat := sc.SAR
	for i := 0; i < len(sc.Radar); {
		j := i
		for j < len(sc.Radar) && sc.Radar[j].Det.Scene == sc.Radar[i].Det.Scene {
			j++
		}
		now := sc.Radar[i].Det.Time
		for len(sat) > 0 && sat[0].Det.Time <= now {
			k := 0
			for k < len(sat) && sat[k].Det.Scene == sat[0].Det.Scene {
				k++
			}
			st := simStep{t: sat[0].Det.Time}
			for _, s := range sc.Scenes {
				if s.ID == sat[0].Det.Scene {
					st.pass = contact.Pass{SAR: true, HeadingDeg: s.HeadingDeg, HasHeading: true}
				}
			}
			for _, d := range sat[:k] {
				st.dets, st.ships = append(st.dets, d.Det), append(st.ships, d.Ship)
			}
			steps = append(steps, st)
			sat = sat[k:]
		}
		st := simStep{t: now, radar: true}
		for _, d := range sc.Radar[i:j] {
			st.dets, st.ships = append(st.dets, d.Det), append(st.ships, d.Ship)
		}
		steps = append(steps, st)
		i = j
	}
	return steps
}

// simulatedWorld returns package simulate's radar scenario for seed and
// the AIS picture of its reports.
func simulatedWorld(seed uint64) (*simulate.RadarScenario, *picture) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{}, rand.New(rand.NewPCG(seed, 2)))
	pic := &picture{reports: map[vessel.MMSI][]contact.VesselState{}}
	length := map[vessel.MMSI]float64{}
	for _, o := range sc.AIS {
		switch o.Kind {
		case vessel.KindStatic:
			if l := float64(o.Static.ToBow) + float64(o.Static.ToStern); l > 0 {
				length[o.Static.MMSI] = l
			}
		case vessel.KindPosition:
			p := o.Position
			v := contact.VesselState{MMSI: p.MMSI, Time: p.Time, Lat: p.Lat, Lon: p.Lon, LengthM: length[p.MMSI]}
			sog, ok1 := p.SOG.Knots()
			cog, ok2 := p.COG.Degrees()
			if ok1 && ok2 {
				v.HasMotion, v.SOGKn, v.COGDeg = true, sog, cog
			}
			if _, ok := pic.reports[p.MMSI]; !ok {
				pic.order = append(pic.order, p.MMSI)
			}
			pic.reports[p.MMSI] = append(pic.reports[p.MMSI], v)
		}
	}
	for _, r := range pic.reports {
		slices.SortStableFunc(r, func(a, b contact.VesselState) int { return int(a.Time - b.Time) })
	}
	return sc, pic
}

// TestStateResumes plays the simulated scenario (radar scans, SAR
// passes, a Flush every minute as the node's ticker does) through an
// associator, and again through one that is saved (AppendState) and
// replaced by a new associator loaded from the state (LoadState) at
// several points, the second time from a state that went through a
// second save and load; every contact (track id, identity, held, score,
// episode) and every episode update must be the same as in the
// uninterrupted run: a restarted node continues its tracks with the
// same ids and raises no alert twice. The state encodes to the same
// bytes after a load.
func TestStateResumes(t *testing.T) {
	sc, pic := simulatedWorld(3)
	steps := simulatedSteps(sc)
	type outcome struct {
		contacts []string
		episodes []contact.Episode
	}
	run := func(restartAt map[int]bool) outcome {
		var out outcome
		a := contact.New(contact.Config{}, pic)
		var cs []contact.Contact
		var flushed vessel.Time
		for k, st := range steps {
			if restartAt[k] {
				state := a.AppendState(nil)
				b := contact.New(contact.Config{}, pic)
				if err := b.LoadState(state); err != nil {
					t.Fatalf("step %d: LoadState: %v", k, err)
				}
				if again := b.AppendState(nil); !slices.Equal(again, state) {
					t.Fatalf("step %d: the loaded state encodes to %d other bytes (of %d)", k, len(again), len(state))
				}
				a = b
			}
			pic.now = st.t
			if st.t-flushed >= 60_000 {
				a.Flush(st.t)
				flushed = st.t
			}
			if st.radar {
				cs = a.Radar(st.dets, cs[:0])
			} else {
				cs = a.Satellite(st.dets, st.pass, cs[:0])
			}
			for _, c := range cs {
				out.contacts = append(out.contacts, fmt.Sprintf("%d %d %v %v %.12g %s", c.Track, c.MMSI, c.Held, c.Confirmed, c.Score, c.Episode))
			}
			out.episodes = a.Episodes(out.episodes)
		}
		a.Flush(sc.End + 86400_000)
		out.episodes = a.Episodes(out.episodes)
		return out
	}
	whole := run(nil)
	n := len(steps)
	resumed := run(map[int]bool{n / 5: true, n / 2: true, n/2 + 1: true, 4 * n / 5: true})
	if len(whole.episodes) == 0 {
		t.Fatal("no episodes in the scenario")
	}
	if !slices.Equal(resumed.contacts, whole.contacts) {
		for i := range min(len(whole.contacts), len(resumed.contacts)) {
			if whole.contacts[i] != resumed.contacts[i] {
				t.Fatalf("contact %d of %d: %q after restarts; want %q", i, len(whole.contacts), resumed.contacts[i], whole.contacts[i])
			}
		}
		t.Fatalf("%d contacts after restarts; want %d", len(resumed.contacts), len(whole.contacts))
	}
	if !reflect.DeepEqual(resumed.episodes, whole.episodes) {
		t.Errorf("%d episode updates after restarts; want the %d of the uninterrupted run, the same", len(resumed.episodes), len(whole.episodes))
	}
	t.Logf("%d steps, %d contacts, %d episode updates, the same across 4 restarts", n, len(whole.contacts), len(whole.episodes))
}

// TestStateCorrupt checks that LoadState refuses a state that is not one
// and leaves the associator as it was.
func TestStateCorrupt(t *testing.T) {
	sc, pic := simulatedWorld(1)
	a := contact.New(contact.Config{}, pic)
	var dets []vessel.Detection
	for _, r := range sc.Radar[:400] {
		dets = append(dets, r.Det)
	}
	a.Radar(dets, nil)
	good := a.AppendState(nil)
	flip := slices.Clone(good)
	flip[len(flip)/2] ^= 0x10
	version := slices.Clone(good)
	version[6] = 9
	for name, b := range map[string][]byte{
		"empty": nil, "magic": append([]byte("TWFUSE"), good[6:]...), "version": version,
		"cut": good[:len(good)-3], "flipped": flip, "trailing": append(slices.Clone(good), 0),
	} {
		err := a.LoadState(b)
		var se *contact.StateError
		if !errors.Is(err, contact.ErrState) || !errors.As(err, &se) {
			t.Errorf("%s: LoadState = %v; want a *StateError wrapping ErrState", name, err)
		}
		if again := a.AppendState(nil); !slices.Equal(again, good) {
			t.Errorf("%s: a refused state changed the associator", name)
		}
	}
}

// TestVesselStates checks that the AIS reports appended to a state
// (AppendVesselStates) come back exactly, that the state still loads,
// that a state without them has none, and that damage to their record
// is refused by both LoadState and VesselStates.
func TestVesselStates(t *testing.T) {
	sc, pic := simulatedWorld(1)
	a := contact.New(contact.Config{}, pic)
	var dets []vessel.Detection
	for _, r := range sc.Radar[:400] {
		dets = append(dets, r.Det)
	}
	a.Radar(dets, nil)
	var vs []contact.VesselState
	for _, m := range pic.order {
		vs = append(vs, pic.reports[m][:min(5, len(pic.reports[m]))]...)
	}
	vs = append(vs, contact.VesselState{MMSI: 123456789, LengthM: 42.5}) // a length, no position yet
	state := a.AppendState(nil)
	full := contact.AppendVesselStates(slices.Clone(state), vs)
	got, err := contact.VesselStates(full)
	if err != nil || !slices.Equal(got, vs) {
		t.Fatalf("VesselStates = %d states, %v; want the %d appended", len(got), err, len(vs))
	}
	b := contact.New(contact.Config{}, pic)
	if err := b.LoadState(full); err != nil {
		t.Fatalf("LoadState of a state with AIS reports: %v", err)
	}
	if again := b.AppendState(nil); !slices.Equal(again, state) {
		t.Error("a state with AIS reports loads to another associator")
	}
	if got, err := contact.VesselStates(state); got != nil || err != nil {
		t.Errorf("VesselStates of a state without reports = %d, %v; want none", len(got), err)
	}
	flip := slices.Clone(full)
	flip[len(state)+20] ^= 1
	twice := contact.AppendVesselStates(slices.Clone(full), vs)
	for name, bad := range map[string][]byte{"flipped": flip, "cut": full[:len(full)-1], "twice": twice, "trailing": append(slices.Clone(full), 7)} {
		var se *contact.StateError
		if err := b.LoadState(bad); !errors.As(err, &se) || !errors.Is(err, contact.ErrState) {
			t.Errorf("%s: LoadState = %v; want a *StateError wrapping ErrState", name, err)
		}
		if _, err := contact.VesselStates(bad); !errors.Is(err, contact.ErrState) {
			t.Errorf("%s: VesselStates = %v; want ErrState", name, err)
		}
	}
}

// FuzzLoadState checks that any bytes either load or are refused with
// ErrState, never a crash, and that what loads encodes again to a state
// that loads.
func FuzzLoadState(f *testing.F) {
	sc, pic := simulatedWorld(1)
	a := contact.New(contact.Config{}, pic)
	var dets []vessel.Detection
	for _, r := range sc.Radar[:300] {
		dets = append(dets, r.Det)
	}
	a.Radar(dets, nil)
	f.Add(a.AppendState(nil))
	f.Add(contact.New(contact.Config{}, pic).AppendState(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		// A body with a right checksum reaches the decoder: fix it up.
		if len(b) >= 16 {
			b = fixState(b)
		}
		if _, err := contact.VesselStates(b); err != nil && !errors.Is(err, contact.ErrState) {
			t.Fatalf("VesselStates = %v; want ErrState", err)
		}
		x := contact.New(contact.Config{}, pic)
		if err := x.LoadState(b); err != nil {
			if !errors.Is(err, contact.ErrState) {
				t.Fatalf("LoadState = %v; want ErrState", err)
			}
			return
		}
		y := contact.New(contact.Config{}, pic)
		if err := y.LoadState(x.AppendState(nil)); err != nil {
			t.Fatalf("a loaded state does not load again: %v", err)
		}
	})
}

// fixState makes b a state file whose one record frames what follows
// its header, so that the fuzzer's bytes reach the body's decoder.
func fixState(b []byte) []byte {
	return record.Append(record.AppendFileHeader(nil, "TWCNTC", 1), 1, b[16:])
}
