package event

import (
	"fmt"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// slowGrid holds the current positions of encounter candidates (slow
// vessels away from ports) in cells about MaxDistance on a side, so that a
// report finds its neighbours by looking in a few cells.
type slowGrid struct {
	cell  float64 // degrees of latitude
	cells map[int64][]*track
}

func newSlowGrid(maxDistance float64) slowGrid {
	return slowGrid{cell: math.Max(maxDistance, 100) / (math.Pi / 180 * geo.EarthRadius), cells: make(map[int64][]*track)}
}

func (g *slowGrid) rowCol(pt geo.Point) (int, int) {
	return int(math.Floor(pt.Lat / g.cell)), int(math.Floor(geo.NormalizeLon(pt.Lon) / g.cell))
}

func (g *slowGrid) put(tr *track, pt geo.Point) {
	row, col := g.rowCol(pt)
	k := cellKey(row, col)
	if tr.slowIn {
		if tr.slowKey == k {
			return
		}
		g.remove(tr)
	}
	s := g.cells[k]
	tr.slowIn, tr.slowKey, tr.slowIdx = true, k, len(s)
	g.cells[k] = append(s, tr)
}

func (g *slowGrid) remove(tr *track) {
	if !tr.slowIn {
		return
	}
	s := g.cells[tr.slowKey]
	last := len(s) - 1
	s[tr.slowIdx] = s[last]
	s[tr.slowIdx].slowIdx = tr.slowIdx
	s[last] = nil
	if last == 0 {
		delete(g.cells, tr.slowKey)
	} else {
		g.cells[tr.slowKey] = s[:last]
	}
	tr.slowIn = false
}

// pair is two vessels found within MaxDistance of each other.
type pair struct {
	a, b        *track
	start, last vessel.Time // first and last common time within MaxDistance
	speeds      [128]uint32 // tenths of a knot; the last bin is 12.7 kn and more
	n           uint32
	sumLat      float64
	sumDLon     float64
	lon0        float64
	npos        int
	ev          *Event
	nextCheck   vessel.Time
	first       [2]vessel.Position
	end         [2]vessel.Position
	out         int            // consecutive fixes found far (MaxOutliers)
	suspect     [2]vessel.Time // time of each side's last fix found far, 0 none

	dist    [16]float32 // the latest distances at common times, a ring
	nd      int         // distances pushed
	sumDist float64     // smoothed distances of the samples
	minDist float64
	berthed int         // samples with both vessels moored or at anchor
	emitted vessel.Time // pr.last when the event was last published
}

// smoothed pushes distance d and returns the median of the latest w.
func (pr *pair) smoothed(d float64, w int) float64 {
	pr.dist[pr.nd%len(pr.dist)] = float32(d)
	pr.nd++
	n := min(pr.nd, max(w, 1))
	var buf [16]float32
	for i := range n {
		buf[i] = pr.dist[(pr.nd-1-i)%len(pr.dist)]
	}
	s := buf[:n]
	slices.Sort(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return (float64(s[n/2-1]) + float64(s[n/2])) / 2
}

func berthedStatus(s vessel.NavStatus) bool { return s == 1 || s == 5 }

// outlier counts report p of tr, found farther than MaxDistance from
// the other vessel o, and reports whether the pair must end: more than
// MaxOutliers consecutive far fixes. A far comparison with o's fix that
// was itself found far counts as that fix, not a new one.
func (pr *pair) outlier(tr, o *track, p *vessel.Position, maxOut int) bool {
	ti, oi := 0, 1
	if pr.b == tr {
		ti, oi = 1, 0
	}
	if pr.suspect[oi] != 0 && pr.suspect[oi] == o.last.Time {
		return false
	}
	pr.suspect[ti] = p.Time
	pr.out++
	return pr.out > maxOut
}

func (pr *pair) other(tr *track) *track {
	if pr.a == tr {
		return pr.b
	}
	return pr.a
}

func (pr *pair) addSpeed(kn float64) {
	if kn < 0 {
		return
	}
	i := min(int(math.Round(kn*10)), len(pr.speeds)-1)
	pr.speeds[i]++
	pr.n++
}

// median returns the median speed sample in knots (the lower median),
// or -1 without samples.
func (pr *pair) median() float64 {
	if pr.n == 0 {
		return -1
	}
	half := (pr.n + 1) / 2
	var c uint32
	for i, k := range pr.speeds {
		c += k
		if c >= half {
			return float64(i) / 10
		}
	}
	return -1
}

func (pr *pair) mean() geo.Point {
	return geo.Point{Lat: pr.sumLat / float64(pr.npos), Lon: geo.NormalizeLon(pr.lon0 + pr.sumDLon/float64(pr.npos))}
}

// estimate returns where vessel tr was at time t: interpolated between
// its last two reports, or carried forward from the last along the
// movement between them for at most MaxExtrapolation.
func (e *Engine) estimate(tr *track, t vessel.Time) (geo.Point, bool) {
	last := posPoint(&tr.last)
	dt := t - tr.last.Time
	if dt == 0 {
		return last, true
	}
	if dt > vessel.Time(e.p.Encounter.MaxExtrapolation.ms()) || -dt > vessel.Time(e.p.Encounter.MaxExtrapolation.ms()) {
		return geo.Point{}, false
	}
	if dt > 0 {
		// carried forward by the reported motion, which GNSS noise does
		// not amplify as a line through two noisy fixes would
		if sog, ok := tr.last.SOG.Knots(); ok {
			if sog < 0.5 {
				return last, true
			}
			if cog, ok := tr.last.COG.Degrees(); ok {
				return geo.Destination(last, cog, sog*knot*float64(dt)/1000), true
			}
		}
	}
	if !tr.hasPrev {
		return last, true
	}
	span := tr.last.Time - tr.prev.Time
	if span <= 0 || span > vessel.Time(e.p.Encounter.MaxExtrapolation.ms()) {
		return last, true
	}
	f := float64(t-tr.prev.Time) / float64(span)
	if f < 0 {
		return posPoint(&tr.prev), true
	}
	return geo.Interpolate(posPoint(&tr.prev), last, f), true
}

// encounterOnReport follows the vessel's pairs with report p (already its
// last) and looks for new ones among slow vessels nearby.
func (e *Engine) encounterOnReport(tr *track, p *vessel.Position, pt geo.Point, speed float64) {
	ep := &e.p.Encounter
	if !ep.Enabled {
		return
	}
	for i := 0; i < len(tr.pairs); {
		pr := tr.pairs[i]
		o := pr.other(tr)
		op, ok := e.estimate(o, p.Time)
		if !ok {
			i++
			continue
		}
		raw := geo.Distance(pt, op)
		sd := pr.smoothed(raw, ep.SmoothWindow)
		if sd > ep.MaxDistance {
			if pr.outlier(tr, o, p, ep.MaxOutliers) && p.Time-pr.last > vessel.Time(ep.Grace.ms()) {
				e.closePair(pr)
				continue // closePair removed it from tr.pairs
			}
			i++
			continue
		}
		pr.out, pr.suspect = 0, [2]vessel.Time{}
		e.pairSample(pr, tr, p, pt, op, speed, raw, sd)
		i++
	}
	candidate := speed >= 0 && speed < ep.CandidateSpeed && !e.portWithin(tr, pt, ep.MinPortDistance)
	if !candidate {
		e.slow.remove(tr)
		return
	}
	e.slow.put(tr, pt)
	row, col := e.slow.rowCol(pt)
	cols := 1
	if c := math.Cos(pt.Lat * math.Pi / 180); c > 0 {
		cols = min(int(math.Ceil(1/c)), 64)
	}
	ncol := int(math.Round(360 / e.slow.cell))
	for r := row - 1; r <= row+1; r++ {
		for dc := -cols; dc <= cols; dc++ {
			c := col + dc
			if c >= ncol/2 {
				c -= ncol
			} else if c < -ncol/2 {
				c += ncol
			}
			for _, o := range e.slow.cells[cellKey(r, c)] {
				if o == tr || paired(tr, o) || !e.ownsPair(tr.mmsi, o.mmsi) {
					continue
				}
				op, ok := e.estimate(o, p.Time)
				if !ok {
					continue
				}
				d := geo.Distance(pt, op)
				if d > ep.MaxDistance {
					continue
				}
				pr := &pair{a: tr, b: o, start: p.Time, lon0: p.Lon, minDist: math.Inf(1)}
				pr.smoothed(d, ep.SmoothWindow)
				pr.first = [2]vessel.Position{*p, o.last}
				tr.pairs = append(tr.pairs, pr)
				o.pairs = append(o.pairs, pr)
				e.pairs++
				pr.addSpeed(e.lastSpeed(o))
				e.pairSample(pr, tr, p, pt, op, speed, d, d)
			}
		}
	}
}

func paired(a, b *track) bool {
	for _, pr := range a.pairs {
		if pr.a == b || pr.b == b {
			return true
		}
	}
	return false
}

// lastSpeed is the speed of a vessel at its last report, -1 if unknown.
func (e *Engine) lastSpeed(tr *track) float64 {
	if v, ok := tr.last.SOG.Knots(); ok {
		return v
	}
	return tr.implied
}

// pairSample adds a common-time sample to a pair and opens its event once
// it qualifies.
func (e *Engine) pairSample(pr *pair, tr *track, p *vessel.Position, pt, op geo.Point, speed, raw, dist float64) {
	ep := &e.p.Encounter
	if raw <= ep.MaxDistance {
		pr.last = p.Time // the last common time within MaxDistance
	}
	pr.addSpeed(speed)
	pr.sumDist += dist
	pr.minDist = min(pr.minDist, dist)
	if berthedStatus(p.Status) && berthedStatus(pr.other(tr).last.Status) {
		pr.berthed++
	}
	mid := geo.Interpolate(pt, op, 0.5)
	pr.sumLat += mid.Lat
	pr.sumDLon += geo.NormalizeLon(mid.Lon - pr.lon0)
	pr.npos++
	if pr.a == tr {
		pr.end[0] = *p
		pr.end[1] = pr.b.last
	} else {
		pr.end[1] = *p
		pr.end[0] = pr.a.last
	}
	if pr.ev != nil {
		if ep.UpdateEvery > 0 && pr.last-pr.emitted >= vessel.Time(ep.UpdateEvery.ms()) {
			e.pairMeasures(pr, pr.ev)
			pr.emitted = pr.last
			e.emit(pr.ev)
		}
		return
	}
	if pr.last-pr.start < vessel.Time(ep.MinDuration.ms()) || pr.last < pr.nextCheck {
		return
	}
	if !e.pairQualifies(pr) {
		pr.nextCheck = pr.last + 10*minute
		return
	}
	a, b := pr.a.mmsi, pr.b.mmsi
	ev := e.newEvent(Encounter, a, b, -1, pr.start, vessel.Position{})
	e.pairMeasures(pr, ev)
	e.evidence(ev, pr.first[0], pr.first[1])
	pr.ev = ev
	pr.emitted = pr.last
	e.emit(ev)
}

func (e *Engine) pairQualifies(pr *pair) bool {
	ep := &e.p.Encounter
	if m := pr.median(); m < 0 || m >= ep.MaxMedianSpeed {
		return false
	}
	if ep.ExcludeBerthed && 2*pr.berthed > pr.npos {
		return false
	}
	ca, cb := e.cats[pr.a.mmsi], e.cats[pr.b.mmsi]
	if e.excludeCat[ca] || e.excludeCat[cb] {
		return false
	}
	if ep.Transshipment && !transshipment(ca, cb) && !transshipment(cb, ca) {
		return false
	}
	if e.learnedNear(pr.mean(), ep.MinPortDistance, pr.last) {
		return false
	}
	if ep.MinPortDistance > 0 {
		if i, _ := e.nearestPort(pr.mean(), ep.MinPortDistance); i >= 0 {
			return false
		}
	}
	return true
}

func transshipment(fishing, other vessel.Category) bool {
	return fishing == vessel.CategoryFishing && (other == vessel.CategoryCargo || other == vessel.CategoryTanker)
}

func (e *Engine) pairMeasures(pr *pair, ev *Event) {
	m := pr.mean()
	ev.Lat, ev.Lon = m.Lat, m.Lon
	med := pr.median()
	dur := float64(pr.last-pr.start) / 1000
	ev.Measures["median_speed_kn"] = med
	ev.Measures["duration_s"] = dur
	ev.Measures["samples"] = float64(pr.npos)
	ev.Measures["mean_distance_m"] = pr.sumDist / float64(pr.npos)
	ev.Measures["min_distance_m"] = pr.minDist
	e.encounterSeverity(pr, ev)
}

// encounterSeverity scores an encounter: 0.5 for meeting the rules, more
// the longer it lasts (up to +0.2 at three times the minimum), +0.2 for a
// fishing vessel with a carrier or bunker (a possible transshipment),
// +0.1 for drifting (median under 1 knot).
func (e *Engine) encounterSeverity(pr *pair, ev *Event) {
	ep := &e.p.Encounter
	dur := float64(pr.last-pr.start) / 1000
	sev := 0.5 + 0.2*min(1, max(0, dur/(3*float64(ep.MinDuration.ms())/1000)))
	rs := []string{
		fmt.Sprintf("within %.0f m (mean of the smoothed distance) for %.1f h", pr.sumDist/float64(pr.npos), dur/3600),
		fmt.Sprintf("median speed %.1f kn", pr.median()),
	}
	ca, cb := e.cats[pr.a.mmsi], e.cats[pr.b.mmsi]
	if transshipment(ca, cb) || transshipment(cb, ca) {
		sev += 0.2
		rs = append(rs, "a fishing vessel with a carrier or bunker vessel")
	} else if ca != vessel.CategoryUnknown || cb != vessel.CategoryUnknown {
		rs = append(rs, fmt.Sprintf("vessels: %s and %s", ca, cb))
	}
	if pr.median() < 1 {
		sev += 0.1
		rs = append(rs, "drifting together")
	}
	if ep.MinPortDistance > 0 {
		rs = append(rs, fmt.Sprintf("farther than %.0f km from known ports and anchorages", ep.MinPortDistance/1000))
	}
	ev.Severity = min(sev, 1)
	ev.Reasons = rs
}

// closePair ends a pair: its event, if any, closes at the last common
// time within MaxDistance (or is retracted if the whole encounter's median
// speed turned out too high); a pair that qualifies only now is emitted
// closed.
func (e *Engine) closePair(pr *pair) {
	ep := &e.p.Encounter
	long := pr.last-pr.start >= vessel.Time(ep.MinDuration.ms())
	ev := pr.ev
	if ev == nil && long && e.pairQualifies(pr) {
		ev = e.newEvent(Encounter, pr.a.mmsi, pr.b.mmsi, -1, pr.start, vessel.Position{})
		e.evidence(ev, pr.first[0], pr.first[1])
	}
	if ev != nil {
		ev.End = pr.last
		e.pairMeasures(pr, ev)
		if !e.pairQualifies(pr) {
			ev.Retracted = true // too fast, or an anchorage learned since
		}
		e.evidence(ev, pr.end[0], pr.end[1])
		e.emit(ev)
	}
	for _, tr := range []*track{pr.a, pr.b} {
		for i, q := range tr.pairs {
			if q == pr {
				tr.pairs = append(tr.pairs[:i], tr.pairs[i+1:]...)
				break
			}
		}
	}
	e.pairs--
}
