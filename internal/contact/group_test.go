package contact_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestAnchoredPairFarFromRadar: two ships at anchor 150 m apart, seen by a
// radar whose noise is as large as their spacing (a site 20 km away). The
// two tracks start on the wrong ships (their first reports fall on the
// other ship); as the reports go on centring on the right ship, each
// track must move to it, although no single report can tell them apart
// and the stickiness favours the identity the track has.
func TestAnchoredPairFarFromRadar(t *testing.T) {
	const sigma = 150.0 // m, one sigma, each axis
	ships := []struct {
		mmsi vessel.MMSI
		x, y float64
	}{{470000001, 0, 0}, {470000002, 150, 0}}
	for _, seed := range []uint64{1, 2, 3, 4} {
		rng := rand.New(rand.NewPCG(seed, 7))
		pic := &fixed{}
		for _, s := range ships {
			pic.reports = append(pic.reports, aisAt(s.mmsi, -5, s.x, s.y, 0, 0))
		}
		a := contact.New(contact.Config{}, pic)
		var cs []contact.Contact
		right, n := 0, 0
		const scans = 400
		for k := range scans {
			s := float64(k * 10)
			var scan []vessel.Detection
			for i, sh := range ships {
				x, y := sh.x+rng.NormFloat64()*sigma, sh.y+rng.NormFloat64()*sigma
				if k < 3 { // a wrong start: each report on the other ship
					x, y = ships[1-i].x, ships[1-i].y
				}
				d := radarAt(s, x, y, string(rune('1'+i)))
				d.PosErrM = sigma
				scan = append(scan, d)
			}
			pic.now = t0 + vessel.Time(s*1000)
			cs = a.Radar(scan, cs[:0])
			if k == 3 && cs[0].MMSI != ships[1].mmsi {
				t.Fatalf("seed %d: the wrong start did not take: track 1 is %v", seed, cs[0].MMSI)
			}
			if k >= scans/2 {
				for i := range cs {
					n++
					if cs[i].MMSI == ships[i].mmsi {
						right++
					}
				}
			}
		}
		acc := float64(right) / float64(n)
		t.Logf("seed %d: %.3f of the second half on the right ship", seed, acc)
		if acc < 0.95 {
			t.Errorf("seed %d: %d of %d reports of the second half on the right ship (%.3f), want >= 0.95", seed, right, n, acc)
		}
	}
}

// TestSpooferOneEpisode: a vessel whose AIS claims a position 6.3 km
// from where the radar sees it, on the same path; it turns 60° after 20
// minutes, and its radar track breaks at 30 minutes (the radar lost it
// and gave it a new number). A second, honest vessel runs parallel to
// the spoofer's AIS path, dark, for the first 20 minutes: a chance
// parallel that does not follow the turn. Exactly one AIS position
// mismatch episode must name the spoofer, and none the honest vessel.
func TestSpooferOneEpisode(t *testing.T) {
	const spoofer, other = vessel.MMSI(255000001), vessel.MMSI(255000002)
	const kn = 6.0
	v := kn * 1852 / 3600
	pos := func(s float64) (x, y, cog float64) {
		if s <= 1200 {
			return v * s, 0, 90
		}
		d := v * (s - 1200)
		return v*1200 + d*0.5, -d * 0.8660254, 150
	}
	const ox, oy = 2000.0, 6000.0 // where its AIS claims to be, from the truth
	pic := &picture{reports: map[vessel.MMSI][]contact.VesselState{}}
	for s := 0.0; s <= 4800; s += 10 {
		x, y, cog := pos(s)
		pic.reports[spoofer] = append(pic.reports[spoofer], aisAt(spoofer, s, x+ox, y+oy, kn, cog))
	}
	pic.order = []vessel.MMSI{spoofer}
	a := contact.New(contact.Config{}, pic)
	rng := rand.New(rand.NewPCG(3, 5))
	var cs []contact.Contact
	var eps []contact.Episode
	for s := 0.0; s <= 4800; s += 10 {
		if s > 1800 && s < 1900 {
			continue // the radar lost it
		}
		target := "1"
		if s >= 1900 {
			target = "7"
		}
		x, y, _ := pos(s)
		scan := []vessel.Detection{radarAt(s, x+rng.NormFloat64()*30, y+rng.NormFloat64()*30, target)}
		if s <= 1200 {
			// A dark vessel 3 km north of the spoofer's AIS path, on
			// its course and speed until the turn.
			scan = append(scan, radarAt(s, v*s+ox+rng.NormFloat64()*30, oy+3000+rng.NormFloat64()*30, "2"))
		}
		pic.now = t0 + vessel.Time(s*1000)
		cs = a.Radar(scan, cs[:0])
		eps = a.Episodes(eps)
	}
	a.Flush(t0 + 86400_000)
	eps = a.Episodes(eps)
	ids := map[string]bool{}
	for _, e := range eps {
		if e.Kind != contact.KindAISMismatch {
			continue
		}
		if e.MMSI != spoofer {
			t.Errorf("mismatch episode %s names %v, not the spoofer", e.ID, e.MMSI)
		}
		ids[e.ID] = true
		if e.Closed && (e.Evidence.OffsetM < 5800 || e.Evidence.OffsetM > 6800) {
			t.Errorf("episode %s: offset %.0f m, want about 6325", e.ID, e.Evidence.OffsetM)
		}
	}
	if len(ids) != 1 {
		t.Errorf("%d mismatch episodes (%v), want one", len(ids), ids)
	}
	if st := a.Stats(); st.Mismatches != 1 {
		t.Errorf("Stats.Mismatches %d, want 1", st.Mismatches)
	}
}

// TestHeldNotPassedBackAndForth: a dark craft lies where a fast boat with
// AIS waited for two minutes; two radars track the craft, and both tracks
// take the boat's identity. Then the boat leaves at 25 knots, its AIS
// reporting every 30 s. Each track may hold the identity until the boat's
// next report, but the two must not keep offering it to each other as a
// radar-held identity: the boat's AIS is not silent.
func TestHeldNotPassedBackAndForth(t *testing.T) {
	const boat = vessel.MMSI(563000001)
	v := 25 * 1852 / 3600.0
	pic := &picture{reports: map[vessel.MMSI][]contact.VesselState{}, order: []vessel.MMSI{boat}}
	for s := 0.0; s <= 900; s += 30 {
		r := aisAt(boat, s, 0, 0, 0, 0)
		if s >= 120 {
			r = aisAt(boat, s, v*(s-120), 0, 25, 90)
		}
		pic.reports[boat] = append(pic.reports[boat], r)
	}
	a := contact.New(contact.Config{}, pic)
	rng := rand.New(rand.NewPCG(1, 1))
	var cs []contact.Contact
	took, wrong := 0, 0
	for s := 0.0; s <= 900; s += 10 {
		var scan []vessel.Detection
		for _, src := range []string{"a", "b"} {
			d := radarAt(s, rng.NormFloat64()*30, rng.NormFloat64()*30, "1")
			d.Source = src
			scan = append(scan, d)
		}
		pic.now = t0 + vessel.Time(s*1000)
		cs = a.Radar(scan, cs[:0])
		for _, c := range cs {
			switch {
			case s == 110 && c.MMSI == boat:
				took++
			case s >= 300 && c.MMSI != 0:
				wrong++
			}
		}
	}
	if took != 2 {
		t.Fatalf("%d of the 2 tracks took the boat's identity while it lay there", took)
	}
	if wrong > 0 {
		t.Errorf("%d reports of the dark craft after the boat left carry an identity, want none", wrong)
	}
}
