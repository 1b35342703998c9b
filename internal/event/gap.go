package event

import (
	"fmt"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// coverage is the coarse activity grid behind the gap detector's coverage
// check: for each cell (GapParams.CoverageCell degrees) the time buckets,
// of a twelfth of the minimum gap each, in which any vessel was heard
// there, as a bit set over the cell's latest 64 buckets.
type coverage struct {
	cell   float64
	bucket int64 // ms
	cells  map[int64]*covCell
}

type covCell struct {
	last int64 // newest bucket heard
	bits uint64
}

func newCoverage(p GapParams) coverage {
	b := max(p.MinDuration.ms()/12, minute)
	return coverage{cell: p.CoverageCell, bucket: b, cells: make(map[int64]*covCell)}
}

func (c *coverage) key(lat, lon float64) int64 {
	return cellKey(int(math.Floor(lat/c.cell)), int(math.Floor(geo.NormalizeLon(lon)/c.cell)))
}

// add records that a vessel was heard at p. The track, when given, caches
// its cell to save the lookup while it stays in it.
func (c *coverage) add(p *vessel.Position, tr *track) (*covCell, int64) {
	if c.cell <= 0 {
		return nil, 0
	}
	k := c.key(p.Lat, p.Lon)
	var cc *covCell
	if tr != nil && tr.covCell != nil && tr.covKey == k {
		cc = tr.covCell
	} else if cc = c.cells[k]; cc == nil {
		cc = &covCell{last: math.MinInt64}
		c.cells[k] = cc
	}
	cc.mark(int64(p.Time) / c.bucket)
	return cc, k
}

// fraction returns the fraction of the buckets strictly between t0 and t1
// in which some vessel was heard within radius of p.
func (c *coverage) fraction(p geo.Point, radius float64, t0, t1 vessel.Time) float64 {
	b0, b1 := int64(t0)/c.bucket+1, int64(t1)/c.bucket-1
	if b1 < b0 {
		b1 = b0
	}
	if b1-b0 >= 64 {
		b0 = b1 - 63
	}
	var heard uint64 // bit i: bucket b0+i heard
	c.around(p, radius, func(cell *covCell) bool {
		for b := b0; b <= b1; b++ {
			if d := cell.last - b; d >= 0 && d < 64 && cell.bits&(1<<uint(d)) != 0 {
				heard |= 1 << uint(b-b0)
			}
		}
		return true
	})
	n := 0
	for ; heard != 0; heard &= heard - 1 {
		n++
	}
	return float64(n) / float64(b1-b0+1)
}

// sourceRuns are the starts of a source's latest runs of buckets heard:
// for a satellite, its passes.
type sourceRuns struct {
	start [64]int64 // a ring
	n     int
	last  int64 // newest bucket heard
}

func (r *sourceRuns) add(b int64) {
	if r.n > 0 && b <= r.last {
		return // the run goes on, or a late report
	}
	if r.n == 0 || b > r.last+1 {
		r.start[r.n%len(r.start)] = b
		r.n++
	}
	r.last = b
}

// count returns how many of the remembered runs started in [b0, b1],
// and whether the ring still holds every run since b0.
func (r *sourceRuns) count(b0, b1 int64) (int, bool) {
	n := 0
	for i := range min(r.n, len(r.start)) {
		if s := r.start[i]; s >= b0 && s <= b1 {
			n++
		}
	}
	complete := r.n <= len(r.start) || r.start[r.n%len(r.start)] <= b0
	return n, complete
}

// passRing is how many reception runs (passes) a vessel remembers.
const passRing = 48

// passes holds the starts of a vessel's latest reception runs: appended
// to until it holds passRing, then a ring written at the run's number
// modulo passRing. Most vessels make one or two runs in the time they
// are followed, so it grows as they do instead of taking passRing
// times 8 bytes from the start in every vessel and every checkpoint of
// one. A state holds it as the array it replaced (state_conv.go).
type passes []vessel.Time

// add records the start of run number n (from 0). The slots held are
// shared with the vessel's checkpoints (snapshot), which never change:
// a slot is overwritten (a ring full, a vessel back after being
// forgotten) in a copy; appended past them it is not shared.
func (ps *passes) add(n int, t vessel.Time) {
	if i := n % passRing; i < len(*ps) {
		c := slices.Clone(*ps)
		c[i] = t
		*ps = c
		return
	}
	*ps = append(*ps, t)
}

// share returns the slots held, to be shared by a checkpoint: with no
// room to append into.
func (ps passes) share() passes { return ps[:len(ps):len(ps)] }

// at returns the start of the run at slot i, 0 when none was recorded
// there.
func (ps passes) at(i int) vessel.Time {
	if i < len(ps) {
		return ps[i]
	}
	return 0
}

// passBreak is the silence that starts a new reception run.
const passBreak = 30 * minute

// mark records that bucket b was heard.
func (cc *covCell) mark(b int64) {
	switch {
	case b > cc.last:
		if cc.last == math.MinInt64 || b-cc.last >= 64 {
			cc.bits = 0
		} else {
			cc.bits <<= uint(b - cc.last)
		}
		cc.last = b
		cc.bits |= 1
	case cc.last-b < 64:
		cc.bits |= 1 << uint(cc.last-b)
	}
}

// count returns in how many of the buckets b0 to b1 someone was heard.
func (cc *covCell) count(b0, b1 int64) int {
	n := 0
	for b := b0; b <= b1; b++ {
		if cc.has(b) {
			n++
		}
	}
	return n
}

// has reports whether bucket b was heard.
func (cc *covCell) has(b int64) bool {
	d := cc.last - b
	return d >= 0 && d < 64 && cc.bits&(1<<uint(d)) != 0
}

// heardAt reports whether anyone was heard within radius of p in bucket b.
func (c *coverage) heardAt(p geo.Point, radius float64, b int64) bool {
	heard := false
	c.around(p, radius, func(cell *covCell) bool {
		heard = cell.has(b)
		return !heard
	})
	return heard
}

// around calls fn with every coverage cell within radius of p (the cells of
// the bounding rectangle, across the antimeridian) until fn returns false.
func (c *coverage) around(p geo.Point, radius float64, fn func(*covCell) bool) {
	r := geo.RectAround(p, radius)
	r0, r1 := int(math.Floor(r.MinLat/c.cell)), int(math.Floor(r.MaxLat/c.cell))
	c0, c1 := int(math.Floor(r.MinLon/c.cell)), int(math.Floor(r.MaxLon/c.cell))
	ncol := int(math.Round(360 / c.cell))
	if c1 < c0 {
		c1 += ncol
	}
	if c1-c0 >= ncol {
		c0, c1 = -ncol/2, ncol/2-1
	}
	for row := r0; row <= r1; row++ {
		for cc := c0; cc <= c1; cc++ {
			col := cc
			if col >= ncol/2 {
				col -= ncol
			}
			if cell := c.cells[cellKey(row, col)]; cell != nil && !fn(cell) {
				return
			}
		}
	}
}

// rxAdd records which receiver heard report p, and where. The track,
// when given, caches the report's source number and receiver cell while
// they stay the same; a late report (older than its vessel's last) is
// recorded with no track, so that it changes neither cache (the track's
// source is that of its newest report, see significance).
func (e *Engine) rxAdd(tr *track, p *vessel.Position) {
	if !e.p.Gap.Enabled {
		return
	}
	var n uint32
	if tr == nil {
		n = e.intern(p.Source)
	} else {
		if p.Source != tr.src || !tr.srcOK {
			tr.src, tr.srcN, tr.srcOK = p.Source, e.intern(p.Source), true
		}
		n = tr.srcN
	}
	bit := uint64(1) << (n % 64)
	b := int64(p.Time) / e.cov.bucket
	e.rxAlive[n%64].mark(b)
	e.rxRuns[n%64].add(b)
	rc := e.p.Gap.ReceiverCell
	if rc <= 0 {
		return
	}
	k := cellKey(int(math.Floor(p.Lat/rc)), int(math.Floor(geo.NormalizeLon(p.Lon)/rc)))
	var m *uint64
	if tr != nil && tr.rxMask != nil && k == tr.rxKey {
		m = tr.rxMask
	} else if m = e.rxCells[k]; m == nil {
		m = new(uint64)
		e.rxCells[k] = m
	}
	if tr != nil {
		tr.rxMask, tr.rxKey = m, k
	}
	*m |= bit
}

// rxCovered reports whether p was in the coverage of a receiver heard
// (anywhere) in bucket b and steadily (in 9 of the 12 buckets up to b:
// a satellite heard in passes does not make a place covered, see
// significance): one that has heard p's cell, or heard cells
// around p in at least 7 of 8 directions within rxReach (p is inside its
// coverage, in a cell nobody happened to cross). A place just beyond the
// edge of a receiver's range is not covered: nothing was heard beyond it.
// Each direction is a ray three cells wide.
func (e *Engine) rxCovered(p geo.Point, b int64) bool {
	rc := e.p.Gap.ReceiverCell
	if rc <= 0 {
		return true
	}
	var alive uint64
	for s := range e.rxAlive {
		if e.rxAlive[s].has(b) && e.rxAlive[s].count(b-11, b) >= 9 {
			alive |= 1 << uint(s) // heard now, and steadily (not satellite passes)
		}
	}
	if alive == 0 {
		return false
	}
	cell := func(lat, lon float64) uint64 {
		if m := e.rxCells[cellKey(int(math.Floor(lat/rc)), int(math.Floor(geo.NormalizeLon(lon)/rc)))]; m != nil {
			return *m
		}
		return 0
	}
	if cell(p.Lat, p.Lon)&alive != 0 {
		return true
	}
	// for each direction, the receivers heard along it
	var dirs [8]uint64
	cosLat := math.Max(math.Cos(p.Lat*math.Pi/180), 0.01)
	steps := int(math.Ceil(rxReach / (rc * math.Pi / 180 * geo.EarthRadius)))
	for d := range dirs {
		a := float64(d) * math.Pi / 4
		dl, dn := math.Cos(a)*rc, math.Sin(a)*rc/cosLat
		pl, pn := -math.Sin(a)*rc, math.Cos(a)*rc/cosLat // across the ray: three cells wide
		for k := 1; k <= steps; k++ {
			la, lo := p.Lat+float64(k)*dl, p.Lon+float64(k)*dn
			dirs[d] |= (cell(la, lo) | cell(la+pl, lo+pn) | cell(la-pl, lo-pn)) & alive
		}
	}
	for bits := alive; bits != 0; bits &= bits - 1 {
		s := uint64(1) << uint(trailingZeros(bits))
		n := 0
		for _, m := range dirs {
			if m&s != 0 {
				n++
			}
		}
		if n >= 6 {
			return true
		}
	}
	return false
}

// rxReach is how far, in metres, rxCovered looks for cells a receiver
// heard around a place.
const rxReach = 150e3

func trailingZeros(x uint64) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

// receptionOnReport keeps the vessel's reception statistics with report
// p (before it becomes the last): the buckets in which it was heard and
// the starts of its reception runs.
func (e *Engine) receptionOnReport(tr *track, p *vessel.Position) {
	if tr.heard.bits == 0 && tr.heard.last == 0 {
		tr.heard.last = math.MinInt64
	}
	tr.heard.mark(int64(p.Time) / e.cov.bucket)
	if !tr.has || tr.first == 0 { // new, or back after being forgotten
		tr.passT.add(0, p.Time)
		tr.passN, tr.first = 1, p.Time
		return
	}
	if p.Time-tr.last.Time > passBreak {
		tr.passT.add(tr.passN, p.Time)
		tr.passN++
	}
}

// gapDeadline is when the vessel's silence is judged next.
func (e *Engine) gapDeadline(tr *track) vessel.Time {
	return max(tr.last.Time+vessel.Time(e.p.Gap.MinDuration.ms()), tr.gapNext)
}

// sparse reports whether the vessel is heard only now and then
// (satellite passes): in fewer than GapParams.SparseHeardFraction of the
// (at most twelve) buckets up to its last report since its first.
func (e *Engine) sparse(tr *track) bool {
	bl := int64(tr.last.Time) / e.cov.bucket
	n := min(12, bl-int64(tr.first)/e.cov.bucket+1)
	if e.p.Gap.SparseHeardFraction <= 0 || n < 4 {
		return false
	}
	heard := 0
	for b := bl - n + 1; b <= bl; b++ {
		if tr.heard.has(b) {
			heard++
		}
	}
	return float64(heard) < e.p.Gap.SparseHeardFraction*float64(n)
}

// atBerth reports whether the vessel fell silent stopped at a port or
// anchorage (the bundled list, or learned): switching off at the berth
// is not going dark.
func (e *Engine) atBerth(tr *track, now vessel.Time) bool {
	if !e.stoppedAt(tr) {
		return false
	}
	r := e.p.PortVisit.EntryRadius
	pt := posPoint(&tr.last)
	// or where enough other vessels stopped that, with this one, the
	// place is an anchorage (it switched off before its stop counted)
	return e.portWithin(tr, pt, r) || e.learnedNear(pt, r, now) ||
		e.p.Anchorages.Enabled && e.stoppersNear(pt, now, tr.mmsi)+1 >= e.p.Anchorages.MinVessels
}

// stoppedAt reports whether the vessel was stopped at its last report.
func (e *Engine) stoppedAt(tr *track) bool {
	kn, ok := tr.last.SOG.Knots()
	if !ok {
		kn = tr.implied
	}
	return kn >= 0 && kn < 1 || berthedStatus(tr.last.Status)
}

// deadReckon returns where the vessel probably was dt after its last
// report: on its reported course and speed (at most 30 knots), else on
// the movement from its previous report (at most an hour before), else
// where it was.
func deadReckon(tr *track, dt vessel.Time) geo.Point {
	p := &tr.last
	sog, ok1 := p.SOG.Knots()
	cog, ok2 := p.COG.Degrees()
	if !ok1 || !ok2 {
		span := p.Time - tr.prev.Time
		if !tr.hasPrev || span <= 0 || span > 60*minute {
			return posPoint(p)
		}
		a, b := posPoint(&tr.prev), posPoint(p)
		sog = geo.Distance(a, b) / (float64(span) / 1000) / knot
		cog = geo.Bearing(a, b)
	}
	if sog < 0.5 {
		return posPoint(p)
	}
	return geo.Destination(posPoint(p), cog, min(sog, 30)*knot*float64(dt)/1000)
}

// coverageAlong returns the fraction of the buckets strictly between t0
// and t1 in which, where the vessel probably was, someone was heard
// within the coverage radius by a receiver known to hear there.
func (e *Engine) coverageAlong(tr *track, t0, t1 vessel.Time) float64 {
	bk := e.cov.bucket
	b0, b1 := int64(t0)/bk+1, int64(t1)/bk-1
	if b1 < b0 {
		b1 = b0
	}
	if b1-b0 >= 64 {
		b0 = b1 - 63
	}
	n := 0
	for b := b0; b <= b1; b++ {
		q := deadReckon(tr, vessel.Time(b*bk+bk/2)-tr.last.Time)
		if e.cov.heardAt(q, e.p.Gap.CoverageRadius, b) && e.rxCovered(q, b) {
			n++
		}
	}
	return float64(n) / float64(b1-b0+1)
}

// significance judges a sparse vessel's silence at now: the passes of
// the source that heard it last (runs of buckets in which that source
// heard anyone) since its last report are missed passes; its detection
// probability is estimated from the source's passes since its first
// report (as far as its last 48 reception runs go back) and the runs in
// which it was heard, with Laplace's rule, (heard+1)/(passes+2).
func (e *Engine) significance(tr *track, now vessel.Time) (missed int, p, prob float64) {
	bk := e.cov.bucket
	bl, bn := int64(tr.last.Time)/bk, int64(now)/bk
	runs := &e.rxRuns[tr.srcN%64]
	// passes since its first report (one bucket of slack: it may have
	// been heard in a pass that began just before) up to its last
	oldest := tr.passT.at(0)
	if tr.passN > passRing {
		oldest = tr.passT.at(tr.passN % passRing)
	}
	bw := int64(oldest)/bk - 1
	before, complete := runs.count(bw, bl)
	if !complete {
		before = 0 // the source's passes since then are no longer known
	}
	missed, _ = runs.count(bl+1, bn)
	heard := min(tr.passN, passRing)
	heard = min(heard, before)
	p = float64(heard+1) / float64(before+2) // Laplace's rule
	return missed, p, math.Pow(1-p, float64(missed))
}

// gapOpen runs when a vessel has been silent for the minimum gap (and
// then, for a sparse vessel, every quarter of it): the gap opens if the
// silence means something. Stopped at a port or anchorage it does not;
// a vessel heard continuously needs others heard, by receivers that hear
// there, where it probably was (coverageAlong) in CoverageMinFraction of
// the time; a sparse vessel (satellite passes) needs a significant run of
// missed passes, unless others were heard there nearly all the time
// (90%: the area is not sparse, the vessel's reports are).
func (e *Engine) gapOpen(tr *track, now vessel.Time) {
	if tr.openGap != nil {
		return
	}
	gp := &e.p.Gap
	min := vessel.Time(gp.MinDuration.ms())
	if e.atBerth(tr, now) {
		return
	}
	if tr.gapWait == tr.last.Time && tr.gapUncov != tr.last.Time && e.gapPending(tr, now) {
		// still waiting for its receiver's reports (gapPending): found
		// uncovered on what came, so no need to measure again
		tr.gapChecked, tr.gapNext = false, max(now, e.clock)+minute
		return
	}
	var ev *Event
	f := e.coverageAlong(tr, tr.last.Time, tr.last.Time+min)
	sparse := e.sparse(tr)
	switch {
	case gp.CoverageMinFraction <= 0 || f >= gp.CoverageMinFraction && (!sparse || f >= 0.9):
		ev = e.newEvent(Gap, tr.mmsi, 0, -1, tr.last.Time, tr.last)
		ev.Measures["coverage_fraction"] = f
		ev.Severity = 0.4 + 0.3*f
		ev.Reasons = []string{
			fmt.Sprintf("silent %.1f h", float64(now-tr.last.Time)/3600e3),
			fmt.Sprintf("receivers heard others where it would have been in %.0f%% of the silence", 100*f),
		}
	case sparse:
		missed, p, prob := e.significance(tr, now)
		if prob > gp.SparseMaxProbability {
			if now-tr.last.Time < 4*min {
				tr.gapChecked, tr.gapNext = false, now+min/4
			}
			return
		}
		ev = e.newEvent(Gap, tr.mmsi, 0, -1, tr.last.Time, tr.last)
		ev.Measures["coverage_fraction"] = f
		ev.Measures["missed_passes"] = float64(missed)
		ev.Measures["reception_probability"] = p
		ev.Measures["silence_probability"] = prob
		ev.Severity = 0.6 + 0.4*math.Min(1, math.Max(0, (-math.Log10(math.Max(prob, 1e-300))-4)/6))
		ev.Reasons = []string{
			fmt.Sprintf("silent %.1f h", float64(now-tr.last.Time)/3600e3),
			fmt.Sprintf("missed %d passes in a row after being heard in %.0f%% of passes", missed, 100*p),
			fmt.Sprintf("chance of that by bad reception %.1g", prob),
		}
	case e.gapPending(tr, now):
		// its receiver's reports of the silence are still to come: wait
		// for them, looking again a minute later
		tr.gapWait, tr.gapChecked, tr.gapNext = tr.last.Time, false, max(now, e.clock)+minute
		return
	default:
		e.gapUncovered(tr, now)
		return
	}
	if kn, ok := tr.last.SOG.Knots(); ok && kn >= 2 {
		ev.Severity += 0.2
		ev.Reasons = append(ev.Reasons, fmt.Sprintf("under way at %.1f kn when it fell silent", kn))
	}
	ev.Severity = math.Min(ev.Severity, 1)
	e.evidence(ev, tr.last)
	tr.openGap = ev
	e.emit(ev)
}

// gapUncovered runs when a silence that is not sparse was judged at now
// without enough coverage. The coverage is what others were heard doing
// where the vessel would have been, and their reports may come late (a
// receiver's backlog, a feed catching up after an outage): they count in
// the grid when they arrive, whatever their time. So the first such
// judgment is not final: the silence is judged again once the late
// window (Config.History, 6 hours by default, at most 4 × MinDuration,
// which the coverage grid still remembers) has passed, if the vessel is
// still silent, or when it reports again before that (gapRejudge). The
// second judgment is final. (A silence whose receiver's own reports of
// it are still to come is not judged yet: gapPending.) Both happen at
// times set by the data (the timer's deadline, the return report), so
// live and batch runs agree.
func (e *Engine) gapUncovered(tr *track, now vessel.Time) {
	switch {
	case tr.gapFinal == tr.last.Time:
	case tr.gapUncov == tr.last.Time:
		tr.gapFinal = tr.last.Time // the re-judgment: final
	default:
		tr.gapUncov = tr.last.Time
		tr.gapChecked, tr.gapNext = false, now+e.lateWindow()
	}
}

// gapPending reports whether a silence without enough coverage cannot
// be judged yet at now because the evidence is not in: the receiver that
// heard the vessel last has not been heard since the silence's last
// bucket began (its reports of those hours are still to come: a backlog
// at start, a feed catching up after an outage, while another input or
// the wall clock has moved the engine's time on). Such a silence is
// judged when that receiver has caught up (looked at again every
// minute), when the vessel reports again (gapRejudge), or, if the
// receiver stays silent, once the late window has passed: then as any
// silence judged uncovered (gapUncovered). In time order the receiver
// that keeps hearing others is never behind, so nothing waits.
func (e *Engine) gapPending(tr *track, now vessel.Time) bool {
	end := tr.last.Time + vessel.Time(e.p.Gap.MinDuration.ms())
	if !tr.srcOK || now >= end+e.lateWindow() {
		return false
	}
	return e.rxAlive[tr.srcN%64].last < int64(end)/e.cov.bucket-1
}

// lateWindow is how long after a silence is judged uncovered late
// reports can still make it a gap.
func (e *Engine) lateWindow() vessel.Time {
	w := e.histAge
	if w <= 0 {
		w = 6 * 3600 * 1000
	}
	return min(w, 4*vessel.Time(e.p.Gap.MinDuration.ms()))
}

// gapRejudge judges again, when the vessel reports again at p, a silence
// judged uncovered once whose late window has not passed (its timer would
// have judged it for good): with the late reports that came since, it may
// be a gap, which opens now (judged as at its first deadline) and closes
// with p. A silence still waiting for its receiver's reports
// (gapPending) is judged then for the first time.
func (e *Engine) gapRejudge(tr *track, p *vessel.Position) {
	if tr.openGap != nil || tr.gapFinal == tr.last.Time {
		return
	}
	waiting := tr.gapWait == tr.last.Time && tr.gapUncov != tr.last.Time
	if tr.gapUncov != tr.last.Time && !waiting {
		return
	}
	at := tr.last.Time + vessel.Time(e.p.Gap.MinDuration.ms())
	if p.Time < at {
		return
	}
	if !waiting {
		tr.gapFinal = tr.last.Time
	}
	e.gapOpen(tr, at) // p's receiver is heard after the silence: not pending
}

// gapOnReport closes the vessel's open gap with report p (first judging
// again a silence judged uncovered, gapRejudge).
func (e *Engine) gapOnReport(tr *track, p *vessel.Position) {
	e.gapRejudge(tr, p)
	ev := tr.openGap
	if ev == nil {
		return
	}
	tr.openGap = nil
	e.closeGap(ev, &tr.last, p)
	if e.p.Anchorages.Enabled && e.stoppedAt(tr) && ev.Measures["distance_m"] <= e.p.Anchorages.StopRadius {
		// stopped, silent, and back where it was: it stayed moored or at
		// anchor, a place no list knows (one vessel cannot teach it)
		ev.Retracted = true
		ev.Reasons = append(ev.Reasons, "back where it stopped: moored or at anchor all along")
	}
	e.emit(ev)
	tr.gaps = append(tr.gaps, ev)
	if len(tr.gaps) > 4 {
		tr.gaps = tr.gaps[1:]
	}
}

// closeGap sets a gap's end and what it measured between the reports a
// and b around it.
func (e *Engine) closeGap(ev *Event, a, b *vessel.Position) {
	ev.Start, ev.End = a.Time, b.Time
	ev.Lat, ev.Lon = a.Lat, a.Lon
	d := geo.Distance(posPoint(a), posPoint(b))
	ev.Measures["duration_s"] = float64(b.Time-a.Time) / 1000
	ev.Measures["distance_m"] = d
	ev.Measures["implied_speed_kn"] = d / (float64(b.Time-a.Time) / 1000) / knot
	ev.Evidence = ev.Evidence[:0]
	e.evidence(ev, *a, *b)
	if len(ev.Reasons) > 0 {
		ev.Reasons[0] = fmt.Sprintf("silent %.1f h, back %.1f km away", float64(b.Time-a.Time)/3600e3, d/1000)
	}
}

// lateGap re-evaluates the vessel's recent gaps with a late report older
// than its history (or any late report when replays are off): a gap
// it falls into is cut at it, keeping the parts still long enough (the
// first keeps the event's ID), or retracted when neither is.
func (e *Engine) lateGap(tr *track, p *vessel.Position) {
	min := vessel.Time(e.p.Gap.MinDuration.ms())
	horizon := vessel.Time(math.MaxInt64)
	if e.histOn {
		horizon = tr.h.horizon() // later gaps belong to replays
	}
	for i, g := range tr.gaps {
		if g.Retracted || p.Time <= g.Start || p.Time >= g.End || g.End > horizon {
			continue
		}
		a, b := g.Evidence[0], g.Evidence[len(g.Evidence)-1]
		left, right := p.Time-g.Start, g.End-p.Time
		switch {
		case left >= min:
			e.closeGap(g, &a, p)
			e.emit(g)
			if right >= min {
				ng := e.newEvent(Gap, tr.mmsi, 0, -1, p.Time, *p)
				ng.Measures["coverage_fraction"] = g.Measures["coverage_fraction"]
				e.closeGap(ng, p, &b)
				e.emit(ng)
				tr.gaps = append(tr.gaps, ng)
			}
		case right >= min:
			e.closeGap(g, p, &b)
			e.emit(g)
		default:
			g.Retracted = true
			e.emit(g)
			tr.gaps = append(tr.gaps[:i], tr.gaps[i+1:]...)
		}
		return
	}
}
