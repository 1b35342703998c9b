package contact_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// circling is a synthetic live AIS picture for the benchmark: n vessels
// each on a circle of 300 m radius (period 500 s, about 7 knots) around a
// fixed centre, the last report always 2 s old, found through a 1 km grid.
type circling struct {
	cx, cy, phase []float64
	cells         int // grid is cells×cells squares of 1 km
	grid          [][]int
	at            vessel.Time // time of states
	states        []contact.VesselState
}

const (
	circR      = 300.0
	circPeriod = 500.0
)

func newCircling(rng *rand.Rand, n int, sideM float64) *circling {
	c := &circling{cells: int(sideM/1000) + 1}
	c.grid = make([][]int, c.cells*c.cells)
	for i := range n {
		x, y := sideM*rng.Float64(), sideM*rng.Float64()
		c.cx = append(c.cx, x)
		c.cy = append(c.cy, y)
		c.phase = append(c.phase, 2*math.Pi*rng.Float64())
		k := int(x/1000)*c.cells + int(y/1000)
		c.grid[k] = append(c.grid[k], i)
	}
	return c
}

func (c *circling) pos(i int, s float64) (x, y, vx, vy float64) {
	w := 2 * math.Pi / circPeriod
	a := c.phase[i] + w*s
	sn, cs := math.Sincos(a)
	return c.cx[i] + circR*cs, c.cy[i] + circR*sn, -circR * w * sn, circR * w * cs
}

func (c *circling) state(i int, t vessel.Time) contact.VesselState {
	rt := t - 2000
	x, y, vx, vy := c.pos(i, float64(rt-t0)/1000)
	lat, lon := toLatLon(x, y)
	return contact.VesselState{MMSI: vessel.MMSI(200000000 + i), Time: rt, Lat: lat, Lon: lon, HasMotion: true,
		SOGKn: math.Hypot(vx, vy) / kn, COGDeg: math.Mod(math.Atan2(vx, vy)*180/math.Pi+360, 360), LengthM: 100}
}

func (c *circling) Near(lat, lon, radiusM float64, t vessel.Time, fn func(contact.VesselState) bool) {
	x, y := toXY(lat, lon)
	r := radiusM + circR
	for gx := max(0, int((x-r)/1000)); gx <= min(c.cells-1, int((x+r)/1000)); gx++ {
		for gy := max(0, int((y-r)/1000)); gy <= min(c.cells-1, int((y+r)/1000)); gy++ {
			for _, i := range c.grid[gx*c.cells+gy] {
				if math.Hypot(c.cx[i]-x, c.cy[i]-y) > r {
					continue
				}
				if c.at != t || c.states == nil {
					c.states = c.states[:0]
					for k := range c.cx {
						c.states = append(c.states, c.state(k, t))
					}
					c.at = t
				}
				if !fn(c.states[i]) {
					return
				}
			}
		}
	}
}

func (c *circling) Vessel(m vessel.MMSI) (contact.VesselState, bool) {
	i := int(m) - 200000000
	if i < 0 || i >= len(c.cx) {
		return contact.VesselState{}, false
	}
	return contact.VesselState{}, false // the benchmark's vessels never fall silent
}

// BenchmarkRadar associates radar scans of 1,000 reports (one per vessel,
// 30 m noise, 92% detection) against 1,000 AIS vessels in range, in a
// 40 km square, one scan every 5 s; it reports radar reports per second.
func BenchmarkRadar(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 18))
	const n, period = 1000, 100 // vessels; scans before the circles repeat
	pic := newCircling(rng, n, 40000)
	scans := make([][]vessel.Detection, period)
	for k := range scans {
		s := float64(k) * circPeriod / period
		for i := range n {
			if rng.Float64() >= 0.92 {
				continue
			}
			x, y, _, _ := pic.pos(i, s)
			lat, lon := toLatLon(x+30*rng.NormFloat64(), y+30*rng.NormFloat64())
			scans[k] = append(scans[k], vessel.Detection{Sensor: vessel.SensorRadar, Source: "bench",
				Target: strconv.Itoa(i + 1), Lat: lat, Lon: lon, PosErrM: 30})
		}
	}
	a := contact.New(contact.Config{}, pic)
	var cs []contact.Contact
	reports, correct, k := 0, 0, 0
	cpu0 := cpuTime()
	for b.Loop() {
		sc := scans[k%period]
		t := t0 + vessel.Time(float64(k)*circPeriod/period*1000)
		for i := range sc {
			sc[i].Time = t
		}
		cs = a.Radar(sc, cs[:0])
		for i := range cs {
			want, _ := strconv.Atoi(cs[i].Target)
			if cs[i].MMSI == vessel.MMSI(200000000+want-1) {
				correct++
			}
		}
		reports += len(sc)
		k++
	}
	b.ReportMetric(float64(reports)/b.Elapsed().Seconds(), "reports/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		// The machine may be shared: work per CPU second is the figure
		// that does not depend on the neighbours.
		b.ReportMetric(float64(reports)/cpu.Seconds(), "reports/cpu-s")
	}
	b.ReportMetric(float64(correct)/float64(reports), "accuracy")
}
