package contact_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// This file builds deterministic ground-truth scenarios: vessels moving on
// known paths, their AIS reports, the radar scans of a moving patrol ship
// (with an ARPA that numbers targets and recycles the numbers) and SAR
// scenes, so that association can be scored against the truth.

const (
	lat0, lon0 = 12.5, 44.0 // Gulf of Aden
	mPerDeg    = 6371008.8 * math.Pi / 180
	kn         = 1852.0 / 3600
)

var t0 = vessel.Time(1772323200000) // 2026-03-01T00:00:00Z

// toLatLon converts plane metres east and north of (lat0, lon0).
func toLatLon(x, y float64) (float64, float64) {
	return lat0 + y/mPerDeg, lon0 + x/(mPerDeg*math.Cos(lat0*math.Pi/180))
}

func toXY(lat, lon float64) (float64, float64) {
	return (lon - lon0) * mPerDeg * math.Cos(lat0*math.Pi/180), (lat - lat0) * mPerDeg
}

// target is one real object of a scenario.
type target struct {
	id       int
	mmsi     vessel.MMSI // 0: no AIS (dark)
	name     string
	lengthM  float64
	small    bool    // small craft: radar sees it only at short range, SAR often misses it
	aisEvery float64 // seconds between AIS reports
	aisUntil float64 // AIS falls silent after this many seconds
	path     func(s float64) (x, y float64)
}

func (g *target) dark() bool { return g.mmsi == 0 }

// velocity returns the true velocity at s, m/s east and north.
func (g *target) velocity(s float64) (vx, vy float64) {
	x1, y1 := g.path(s - 0.5)
	x2, y2 := g.path(s + 0.5)
	return x2 - x1, y2 - y1
}

// picture is the AIS picture of a scenario: every report of every vessel,
// queried as of a time. It implements contact.Vessels.
type picture struct {
	now     vessel.Time
	reports map[vessel.MMSI][]contact.VesselState
	order   []vessel.MMSI
}

func (p *picture) last(m vessel.MMSI, t vessel.Time) (contact.VesselState, bool) {
	r := p.reports[m]
	i, _ := slices.BinarySearchFunc(r, t+1, func(v contact.VesselState, t vessel.Time) int {
		return int(v.Time - t)
	})
	if i == 0 {
		return contact.VesselState{}, false
	}
	return r[i-1], true
}

func (p *picture) Near(lat, lon, radiusM float64, t vessel.Time, fn func(contact.VesselState) bool) {
	x0, y0 := toXY(lat, lon)
	for _, m := range p.order {
		v, ok := p.last(m, t)
		if !ok {
			continue
		}
		x, y := toXY(v.Lat, v.Lon)
		if math.Hypot(x-x0, y-y0) <= radiusM && !fn(v) {
			return
		}
	}
}

func (p *picture) Vessel(m vessel.MMSI) (contact.VesselState, bool) { return p.last(m, p.now) }

// aisReports generates the AIS reports of the scenario's vessels over
// [0, dur] seconds: GPS noise of 5 m, speed and course from the true
// motion with small noise, 5% of reports lost.
func aisReports(rng *rand.Rand, targets []*target, dur float64) *picture {
	p := &picture{reports: make(map[vessel.MMSI][]contact.VesselState)}
	for _, g := range targets {
		if g.dark() {
			continue
		}
		p.order = append(p.order, g.mmsi)
		for s := rng.Float64() * g.aisEvery; s <= dur && s <= g.aisUntil; s += g.aisEvery {
			if rng.Float64() < 0.05 {
				continue
			}
			x, y := g.path(s)
			vx, vy := g.velocity(s)
			lat, lon := toLatLon(x+rng.NormFloat64()*5, y+rng.NormFloat64()*5)
			sog := math.Hypot(vx, vy)/kn + rng.NormFloat64()*0.1
			cog := math.Mod(math.Atan2(vx, vy)*180/math.Pi+360+rng.NormFloat64(), 360)
			p.reports[g.mmsi] = append(p.reports[g.mmsi], contact.VesselState{
				MMSI: g.mmsi, Time: t0 + vessel.Time(s*1000), Lat: lat, Lon: lon,
				HasMotion: true, SOGKn: max(sog, 0), COGDeg: cog, LengthM: g.lengthM,
			})
		}
	}
	return p
}

// radarConfig describes the patrol ship's radar and its ARPA.
type radarConfig struct {
	periodS      float64 // scan period
	rangeM       float64 // instrumented range
	smallRangeM  float64 // small craft are seen only this close
	pd, pdSmall  float64 // probability of detection per scan
	rangeErrM    float64 // range noise: rangeErrM + rangeErrFrac*range, one sigma
	rangeErrFrac float64
	bearingErr   float64 // degrees, one sigma
	clutter      float64 // mean false plots per scan
	lostScans    int     // ARPA drops a target (and frees its number) after this many missed scans
}

// scan is one radar scan with the truth of each report: the target id, or
// -1 for clutter.
type scan struct {
	t     vessel.Time
	dets  []vessel.Detection
	truth []int
}

// radarScans simulates the ARPA of the own ship: reports with range and
// bearing noise, missed scans, clutter, and target numbers 1-99 that are
// freed when a target is lost and given to the next new target.
func radarScans(rng *rand.Rand, own *target, targets []*target, rc radarConfig, dur float64) []scan {
	num := map[int]int{}      // target id (clutter: negative serial) → number
	lastSeen := map[int]int{} // target id → scan index
	used := [100]bool{}
	clutterID := -1
	var scans []scan
	for k := 0; float64(k)*rc.periodS <= dur; k++ {
		s := float64(k) * rc.periodS
		t := t0 + vessel.Time(s*1000)
		// Free the numbers of lost targets.
		for id, n := range num {
			if k-lastSeen[id] > rc.lostScans {
				used[n] = false
				delete(num, id)
			}
		}
		ox, oy := own.path(s)
		olat, olon := toLatLon(ox, oy)
		sc := scan{t: t}
		report := func(id int, x, y float64) {
			n, ok := num[id]
			if !ok {
				for n = 1; n < 100 && used[n]; n++ {
				}
				if n == 100 {
					return // ARPA full
				}
				used[n] = true
				num[id] = n
			}
			lastSeen[id] = k
			r := math.Hypot(x-ox, y-oy)
			b := math.Atan2(x-ox, y-oy)
			r += rng.NormFloat64() * (rc.rangeErrM + rc.rangeErrFrac*r)
			b += rng.NormFloat64() * rc.bearingErr * math.Pi / 180
			lat, lon := toLatLon(ox+r*math.Sin(b), oy+r*math.Cos(b))
			sc.dets = append(sc.dets, vessel.Detection{
				Time: t, Sensor: vessel.SensorRadar, Source: "patrol", Target: strconv.Itoa(n),
				Lat: lat, Lon: lon, Has: vessel.HasPolar, RangeM: r,
				BearingDeg: math.Mod(b*180/math.Pi+360, 360), SensorLat: olat, SensorLon: olon, Status: 'T',
			})
			sc.truth = append(sc.truth, id)
		}
		for _, g := range targets {
			if g == own {
				continue
			}
			x, y := g.path(s)
			r := math.Hypot(x-ox, y-oy)
			pd, maxR := rc.pd, rc.rangeM
			if g.small {
				pd, maxR = rc.pdSmall, rc.smallRangeM
			}
			if r > maxR || rng.Float64() >= pd {
				continue
			}
			report(g.id, x, y)
		}
		for n := poisson(rng, rc.clutter); n > 0; n-- {
			r := rc.rangeM * math.Sqrt(rng.Float64())
			b := rng.Float64() * 2 * math.Pi
			report(clutterID, ox+r*math.Sin(b), oy+r*math.Cos(b))
			clutterID--
		}
		scans = append(scans, sc)
	}
	return scans
}

func poisson(rng *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// sarScene simulates one SAR scene over the box [x0,x1]×[y0,y1] at s
// seconds: each vessel detected with probability 0.97 (0.3 for small
// craft), 30 m position noise, the azimuth shift of its radial speed
// (100 m per m/s, right-looking), a length estimate with 15% error and a
// presence score in [0.55, 1]; plus low-score false alarms. The truth of
// a false alarm is -1.
func sarScene(rng *rand.Rand, name string, targets []*target, s, heading float64, box [4]float64, falseAlarms int) ([]vessel.Detection, []int) {
	t := t0 + vessel.Time(s*1000)
	hs, hc := math.Sincos(heading * math.Pi / 180)
	ls, lc := math.Sincos((heading + 90) * math.Pi / 180)
	var dets []vessel.Detection
	var truth []int
	add := func(id int, x, y, length, score float64) {
		lat, lon := toLatLon(x, y)
		dets = append(dets, vessel.Detection{
			Time: t, Sensor: vessel.SensorSatellite, Source: "sentinel-1", Scene: name,
			Lat: lat, Lon: lon, PosErrM: 30, Has: vessel.HasLength | vessel.HasScore,
			LengthM: length, Score: score,
		})
		truth = append(truth, id)
	}
	for _, g := range targets {
		x, y := g.path(s)
		if x < box[0] || x > box[1] || y < box[2] || y > box[3] {
			continue
		}
		pd := 0.97
		if g.small {
			pd = 0.3
		}
		if rng.Float64() >= pd {
			continue
		}
		vx, vy := g.velocity(s)
		shift := -100 * (vx*ls + vy*lc)
		x += shift*hs + rng.NormFloat64()*30
		y += shift*hc + rng.NormFloat64()*30
		add(g.id, x, y, g.lengthM*max(0.3, 1+0.15*rng.NormFloat64()), 0.55+0.45*rng.Float64())
	}
	for range falseAlarms {
		x := box[0] + rng.Float64()*(box[1]-box[0])
		y := box[2] + rng.Float64()*(box[3]-box[2])
		add(-1, x, y, 10+30*rng.Float64(), 0.05+0.4*rng.Float64())
	}
	return dets, truth
}
