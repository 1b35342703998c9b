package contact_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestSARPasses scores satellite association alone on a busy sea: 400
// vessels in a 60 km square (5-20 knots, some anchored; class A every
// 10 s, class B every 30 s, anchored every 3 min), one in ten dark, seen
// by an ascending and a descending SAR pass with 30 m noise, the azimuth
// shift of moving targets (hundreds of metres), 15% length error, small
// craft mostly missed and 20 low-score false alarms a scene. It runs the
// passes with the shift model and without it, to show the model is what
// keeps association right.
func TestSARPasses(t *testing.T) {
	for _, shift := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(11, 18))
		var targets []*target
		for i := range 400 {
			g := &target{id: i, aisUntil: math.Inf(1), lengthM: 15 + 250*rng.Float64()}
			if rng.Float64() >= 0.1 {
				g.mmsi = vessel.MMSI(538000000 + i)
			}
			x0, y0 := 60000*rng.Float64(), 60000*rng.Float64()
			hs, hc := math.Sincos(2 * math.Pi * rng.Float64())
			v := (5 + 15*rng.Float64()) * kn
			g.aisEvery = 10
			switch r := rng.Float64(); {
			case r < 0.1:
				v, g.aisEvery = 0, 180
			case r < 0.3:
				g.aisEvery, g.lengthM, g.small = 30, 8+6*rng.Float64(), true
			}
			g.path = func(s float64) (float64, float64) { return x0 + hs*v*s, y0 + hc*v*s }
			targets = append(targets, g)
		}
		pic := aisReports(rng, targets, 3*3600)
		a := contact.New(contact.Config{}, pic)
		box := [4]float64{0, 60000, 0, 60000}
		n, correct, falseAlarms, doubtful := 0, 0, 0, 0
		dark := map[string]map[int]int{}
		var maxShift float64
		for _, p := range []struct {
			s       float64
			heading float64
		}{{3600, 348}, {9000, 192}} {
			dets, truth := sarScene(rng, "scene", targets, p.s, p.heading, box, 20)
			for i := range dets {
				dets[i].Scene = "scene-" + vessel.Time(p.s).String()
				if id := truth[i]; id >= 0 {
					vx, vy := targets[id].velocity(p.s)
					maxShift = max(maxShift, 100*math.Hypot(vx, vy))
				}
			}
			pic.now = t0 + vessel.Time(p.s*1000)
			cs := a.Satellite(dets, contact.Pass{SAR: shift, HeadingDeg: p.heading, HasHeading: true}, nil)
			for i, c := range cs {
				var want vessel.MMSI
				if id := truth[i]; id >= 0 {
					want = targets[id].mmsi
				} else {
					falseAlarms++
				}
				n++
				if c.MMSI == want {
					correct++
				} else if testing.Verbose() && shift {
					g := targets[max(truth[i], 0)]
					last, _ := pic.last(want, pic.now)
					tx, ty := g.path(p.s)
					dx, dy := toXY(c.Lat, c.Lon)
					vx, vy := g.velocity(p.s)
					t.Logf("  truth at %.0f,%.0f v %.2f,%.2f; detection at %.0f,%.0f (offset %.0f,%.0f)", tx, ty, vx, vy, dx, dy, dx-tx, dy-ty)
					t.Logf("  wrong: truth %v (len %.0f, every %.0fs, last %+v) got %v cands %+v det len %.0f", want, g.lengthM, g.aisEvery, last, c.MMSI, c.Candidates, c.LengthM)
				}
				if c.Doubtful {
					doubtful++
				}
				if c.Episode != "" {
					// What an alert is about is decided by its credible
					// detections: a doubtful one is only corroboration (an
					// alert of doubtful detections alone counts as false).
					if dark[c.Episode] == nil {
						dark[c.Episode] = map[int]int{}
					}
					if c.Doubtful {
						dark[c.Episode][-1] += 0
					} else {
						dark[c.Episode][truth[i]]++
					}
				}
			}
		}
		acc := float64(correct) / float64(n)
		tp := 0
		for id, m := range dark {
			if k := majority(m); k >= 0 && targets[k].dark() {
				tp++
			} else if shift {
				t.Logf("  false dark episode %s: %v (%s)", id, m, describe(targets, k))
			}
		}
		prec := float64(tp) / float64(len(dark))
		t.Logf("shift model %v: satellite association accuracy %.4f (%d/%d, %d false alarms, %d doubtful); dark episodes %d, precision %.3f; largest shift %.0f m",
			shift, acc, correct, n, falseAlarms, doubtful, len(dark), prec, maxShift)
		if shift {
			if acc < 0.95 {
				t.Errorf("accuracy %.4f; want >= 0.95", acc)
			}
			if prec < 0.90 {
				t.Errorf("dark-episode precision %.3f; want >= 0.90", prec)
			}
		} else if acc >= 0.95 {
			t.Errorf("without the shift model accuracy is %.4f: the scene does not exercise the shift", acc)
		}
	}
}

func describe(targets []*target, id int) string {
	if id < 0 {
		return "false alarms"
	}
	g := targets[id]
	return "target " + g.name + " mmsi " + g.mmsi.String()
}
