package contact_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// gulf is the ground-truth scenario of the association tests: a patrol
// ship steaming east at 10 knots for three hours and back, with its radar
// (24 km, small craft within 4 km) looking at an anchored group 250 m
// apart, a convoy 1 km apart, crossing traffic, small AIS craft and dark
// skiffs circling near it, slow dark fishing vessels, a dark ship, and a
// cargo ship that switches AIS off inside radar cover after 90 minutes.
type gulf struct {
	own     *target
	targets []*target
	silent  *target
	dur     float64
}

func newGulf(rng *rand.Rand) *gulf {
	g := &gulf{dur: 6 * 3600}
	add := func(t *target) *target {
		t.id = len(g.targets)
		if t.aisUntil == 0 {
			t.aisUntil = math.Inf(1)
		}
		g.targets = append(g.targets, t)
		return t
	}
	mmsi := func(i int) vessel.MMSI { return vessel.MMSI(470000000 + i) }
	ownPath := func(s float64) (float64, float64) {
		if s < 3*3600 {
			return 10 * kn * s, 0
		}
		return 10 * kn * (6*3600 - s), 0
	}
	g.own = add(&target{mmsi: mmsi(1), name: "patrol", lengthM: 90, aisEvery: 10, path: ownPath})
	for i := range 6 {
		bx, by := 25000+float64(i%3)*250, 6000+float64(i/3)*250
		ph := rng.Float64() * 2 * math.Pi
		add(&target{mmsi: mmsi(10 + i), name: "anchored", lengthM: 80 + 120*rng.Float64(), aisEvery: 180,
			path: func(s float64) (float64, float64) {
				a := ph + s*2*math.Pi/3600
				return bx + 20*math.Cos(a), by + 20*math.Sin(a)
			}})
	}
	for i := range 4 {
		add(&target{mmsi: mmsi(20 + i), name: "convoy", lengthM: 60 + 60*rng.Float64(), aisEvery: 10,
			path: func(s float64) (float64, float64) { return -3000 - float64(i)*1000 + 12*kn*s, -3000 }})
	}
	g.silent = add(&target{mmsi: mmsi(30), name: "silent", lengthM: 180, aisEvery: 10, aisUntil: 5400,
		path: func(s float64) (float64, float64) { return -2000 + 10.5*kn*s, 5000 }})
	for i := range 8 {
		x0, y0 := 55000*rng.Float64(), -20000+40000*rng.Float64()
		hs, hc := math.Sincos(2 * math.Pi * rng.Float64())
		v := (10 + 8*rng.Float64()) * kn
		add(&target{mmsi: mmsi(40 + i), name: "cargo", lengthM: 120 + 130*rng.Float64(), aisEvery: 10,
			path: func(s float64) (float64, float64) { return x0 + hs*v*s, y0 + hc*v*s }})
	}
	orbit := func(r0, dr, period, speedKn, phase float64, away func(s float64) float64) func(float64) (float64, float64) {
		return func(s float64) (float64, float64) {
			ox, oy := ownPath(s)
			r := r0 + dr*math.Sin(s/period+phase)
			if away != nil {
				r += away(s)
			}
			a := phase + s*speedKn*kn/r0
			return ox + r*math.Cos(a), oy + r*math.Sin(a)
		}
	}
	for i := range 3 {
		add(&target{mmsi: mmsi(60 + i), name: "small-ais", lengthM: 8, small: true, aisEvery: 30,
			path: orbit(2500, 800, 900, 15, float64(i)*2.1, nil)})
	}
	for i := range 3 {
		var away func(float64) float64
		if i == 2 { // leaves radar sight for an hour and comes back
			away = func(s float64) float64 {
				return 7000 * (ramp(s, 7200, 7800) - ramp(s, 10200, 10800))
			}
		}
		sp := 20.0
		if i%2 == 1 {
			sp = -20
		}
		add(&target{name: "dark-skiff", lengthM: 9, small: true, path: orbit(2000, 700, 700, sp, float64(i)*2.1+1, away)})
	}
	for _, b := range [][2]float64{{30000, -8000}, {12000, 10000}} {
		add(&target{name: "dark-fishing", lengthM: 25, path: func(s float64) (float64, float64) {
			a := s * 3 * kn / 1500
			return b[0] + 1500*math.Cos(a), b[1] + 1500*math.Sin(a)
		}})
	}
	hs, hc := math.Sincos(300 * math.Pi / 180)
	add(&target{name: "dark-ship", lengthM: 70, path: func(s float64) (float64, float64) {
		return 60000 + hs*8*kn*s, -15000 + hc*8*kn*s
	}})
	return g
}

func ramp(s, a, b float64) float64 { return min(1, max(0, (s-a)/(b-a))) }

var gulfRadar = radarConfig{
	periodS: 5, rangeM: 24000, smallRangeM: 4000, pd: 0.92, pdSmall: 0.8,
	rangeErrM: 20, rangeErrFrac: 0.003, bearingErr: 0.4, clutter: 0.5, lostScans: 6,
}

// tally scores contacts against the truth.
type tally struct {
	g                      *gulf
	n, correct             int
	silentN, silentOK      int
	silentLate, silentHeld int
	// episode ID → target id → contacts; target id → episode IDs
	episodes  map[string]map[int]int
	darkEps   map[int][]string
	darkSeen  map[int]int // dark target → radar reports or credible satellite detections
	perTarget map[int][2]int
}

func newTally(g *gulf) *tally {
	return &tally{g: g, episodes: map[string]map[int]int{}, darkEps: map[int][]string{},
		darkSeen: map[int]int{}, perTarget: map[int][2]int{}}
}

func (ty *tally) add(t *testing.T, c *contact.Contact, id int) {
	if c.Err != nil {
		t.Fatalf("contact refused: %v", c.Err)
	}
	var want vessel.MMSI
	var tg *target
	if id >= 0 {
		tg = ty.g.targets[id]
		want = tg.mmsi
	}
	ty.n++
	pt := ty.perTarget[id]
	pt[0]++
	if c.MMSI == want {
		ty.correct++
		pt[1]++
	}
	ty.perTarget[id] = pt
	if s := float64(c.Time-t0) / 1000; tg == ty.g.silent && s > tg.aisUntil {
		ty.silentN++
		if c.MMSI == want {
			ty.silentOK++
		}
		// Once its last report is older than the age limit (10 min) the
		// identity can only come from the radar track.
		if s > tg.aisUntil+660 {
			ty.silentLate++
			if c.MMSI == want && c.Held {
				ty.silentHeld++
			}
		}
	}
	if tg != nil && tg.dark() && !c.Doubtful {
		ty.darkSeen[id]++
	}
	if c.Episode != "" {
		if ty.episodes[c.Episode] == nil {
			ty.episodes[c.Episode] = map[int]int{}
		}
		ty.episodes[c.Episode][id]++
		if tg != nil && tg.dark() && !slices.Contains(ty.darkEps[id], c.Episode) {
			ty.darkEps[id] = append(ty.darkEps[id], c.Episode)
		}
	}
}

// majority returns the target most of an episode's contacts came from.
func majority(m map[int]int) int {
	best, bn := -1, -1
	for id, n := range m {
		if n > bn || n == bn && id < best {
			best, bn = id, n
		}
	}
	return best
}

// runGulf plays the scenario through an Associator: radar scans every 5 s
// for six hours and two SAR passes (ascending at 2 h, descending at 5 h).
func runGulf(t *testing.T, seed uint64) (radar, sat *tally, a *contact.Associator, eps []contact.Episode) {
	rng := rand.New(rand.NewPCG(seed, 18))
	g := newGulf(rng)
	pic := aisReports(rng, g.targets, g.dur)
	scans := radarScans(rng, g.own, g.targets, gulfRadar, g.dur)
	box := [4]float64{-5000, 60000, -25000, 25000}
	type pass struct {
		s       float64
		heading float64
		name    string
	}
	passes := []pass{{7200, 348, "S1A_IW_asc"}, {18000, 192, "S1A_IW_desc"}}
	a = contact.New(contact.Config{}, pic)
	radar, sat = newTally(g), newTally(g)
	var cs []contact.Contact
	for _, sc := range scans {
		for len(passes) > 0 && t0+vessel.Time(passes[0].s*1000) <= sc.t {
			p := passes[0]
			passes = passes[1:]
			dets, truth := sarScene(rng, p.name, g.targets, p.s, p.heading, box, 8)
			pic.now = t0 + vessel.Time(p.s*1000)
			cs = a.Satellite(dets, contact.Pass{SAR: true, HeadingDeg: p.heading, HasHeading: true}, cs[:0])
			for i := range cs {
				sat.add(t, &cs[i], truth[i])
			}
		}
		pic.now = sc.t
		cs = a.Radar(sc.dets, cs[:0])
		for i := range cs {
			radar.add(t, &cs[i], sc.truth[i])
		}
	}
	a.Flush(t0 + vessel.Time((g.dur+86400)*1000))
	eps = a.Episodes(nil)
	return radar, sat, a, eps
}

func TestGulfScenario(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) { testGulf(t, seed) })
	}
}

func testGulf(t *testing.T, seed uint64) {
	radar, sat, a, eps := runGulf(t, seed)
	g := radar.g
	st := a.Stats()
	t.Logf("stats: %+v", st)

	accR := float64(radar.correct) / float64(radar.n)
	accS := float64(sat.correct) / float64(sat.n)
	t.Logf("radar association accuracy %.4f (%d/%d reports)", accR, radar.correct, radar.n)
	t.Logf("satellite association accuracy %.4f (%d/%d detections)", accS, sat.correct, sat.n)
	// Per kind of target: the anchored group and the convoy are where
	// association is hardest.
	byName := map[string][2]int{}
	for id, pt := range radar.perTarget {
		name := "clutter"
		if id >= 0 {
			name = g.targets[id].name
		}
		b := byName[name]
		b[0] += pt[0]
		b[1] += pt[1]
		byName[name] = b
	}
	names := slices.Sorted(maps.Keys(byName))
	for _, name := range names {
		b := byName[name]
		t.Logf("  radar reports of %-12s %.4f (%d/%d)", name+":", float64(b[1])/float64(b[0]), b[1], b[0])
		if float64(b[1])/float64(b[0]) < 0.98 {
			t.Errorf("radar association accuracy for %s %.4f; want >= 0.98", name, float64(b[1])/float64(b[0]))
		}
	}
	if accR < 0.98 {
		t.Errorf("radar association accuracy %.4f; want >= 0.98", accR)
	}
	if accS < 0.95 {
		t.Errorf("satellite association accuracy %.4f; want >= 0.95", accS)
	}

	// The vessel whose AIS fell silent keeps its identity on the radar track.
	kept := float64(radar.silentOK) / float64(radar.silentN)
	held := float64(radar.silentHeld) / float64(radar.silentLate)
	t.Logf("AIS-silent vessel: %d/%d radar reports after its AIS stopped carry its MMSI (%.3f); %d/%d after 11 min marked held by radar (%.3f)",
		radar.silentOK, radar.silentN, kept, radar.silentHeld, radar.silentLate, held)
	if radar.silentN < 100 || kept < 0.98 || held < 0.98 {
		t.Errorf("AIS-silent vessel kept its identity on %.3f and was held on %.3f of its reports; want >= 0.98 of at least 100", kept, held)
	}

	// Dark targets: merge the radar and satellite tallies per episode.
	all := map[string]map[int]int{}
	for _, ty := range []*tally{radar, sat} {
		for id, m := range ty.episodes {
			if all[id] == nil {
				all[id] = map[int]int{}
			}
			for k, n := range m {
				all[id][k] += n
			}
		}
	}
	truePos := 0
	for id, m := range all {
		if k := majority(m); k >= 0 && g.targets[k].dark() {
			truePos++
		} else {
			t.Logf("  false dark episode %s: %v", id, m)
		}
	}
	detectable, found, maxAlerts := 0, 0, 0
	for _, tg := range g.targets {
		if !tg.dark() {
			continue
		}
		seen := radar.darkSeen[tg.id] + sat.darkSeen[tg.id]
		var epsOf []string
		for _, ty := range []*tally{radar, sat} {
			for _, e := range ty.darkEps[tg.id] {
				if !slices.Contains(epsOf, e) {
					epsOf = append(epsOf, e)
				}
			}
		}
		ok := false
		for _, e := range epsOf {
			if majority(all[e]) == tg.id {
				ok = true
			}
		}
		t.Logf("  dark %s #%d: %d radar reports, %d credible satellite detections, alerts %v", tg.name, tg.id,
			radar.darkSeen[tg.id], sat.darkSeen[tg.id], epsOf)
		if seen >= 10 {
			detectable++
			if ok {
				found++
			}
		}
		maxAlerts = max(maxAlerts, len(epsOf))
	}
	recall := float64(found) / float64(detectable)
	precision := float64(truePos) / float64(len(all))
	t.Logf("dark targets: recall %.3f (%d/%d), precision %.3f (%d/%d episodes), at most %d alerts per dark vessel",
		recall, found, detectable, precision, truePos, len(all), maxAlerts)
	if detectable < 6 || recall < 0.95 {
		t.Errorf("dark-target recall %.3f of %d detectable; want >= 0.95 of at least 6", recall, detectable)
	}
	if precision < 0.90 {
		t.Errorf("dark-target precision %.3f; want >= 0.90", precision)
	}
	if maxAlerts > 2 {
		t.Errorf("a dark vessel raised %d alerts; want at most 2", maxAlerts)
	}

	// Episodes are updated, not repeated: versions grow by one per ID, the
	// last one is closed, and every ID the contacts name was emitted.
	last := map[string]contact.Episode{}
	for _, e := range eps {
		if e.Kind == contact.KindAISMismatch {
			t.Errorf("AIS position mismatch %s naming %v in a scenario without a spoofer", e.ID, e.MMSI)
		}
		if p, ok := last[e.ID]; ok && e.Version != p.Version+1 {
			t.Errorf("episode %s: version %d after %d", e.ID, e.Version, p.Version)
		} else if !ok && e.Version != 1 {
			t.Errorf("episode %s: first version %d", e.ID, e.Version)
		}
		last[e.ID] = e
	}
	for id := range all {
		e, ok := last[id]
		if !ok {
			t.Errorf("episode %s named by contacts was never emitted", id)
			continue
		}
		if !e.Closed || e.End < e.Start || e.Evidence.Reports == 0 {
			t.Errorf("episode %s at the end: %+v", id, e)
		}
	}
	t.Logf("%d episode updates for %d episodes", len(eps), len(last))
}
