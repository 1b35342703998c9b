package fusion

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// maxClockSources bounds the receivers whose clocks the picture judges;
// reports of further sources are not judged (and not counted).
const maxClockSources = 4096

// clocks is what the picture knows of each receiver's clock. Its lock is
// taken under a shard's lock, never the other way round, and only for a
// report that is evidence of a clock fault or from a receiver in one.
type clocks struct {
	mu     sync.Mutex
	m      map[string]*sourceClock
	faulty atomic.Int32 // receivers in a clock fault now
}

// sourceClock is one receiver's clock record.
type sourceClock struct {
	faulty       bool
	lastEvidence vessel.Time // time stamp of its last report that was evidence
	lastVessel   vessel.MMSI // the vessel of that report
	offset       vessel.Time // its stamps minus the picture's, at the last evidence
	// maxLate is the most any evidence of the current fault was late by:
	// a report is late against its vessel's latest report, which may be
	// up to a reporting interval older than the arrival, so evidence
	// underestimates the offset by different amounts
	maxLate  vessel.Time
	faults   uint64 // its reports flagged FlagClock
	episodes uint64 // times it went into a fault
}

// ReceiverClock is what the picture found about one receiver's clock.
type ReceiverClock struct {
	Source string
	// Faults counts its reports flagged FlagClock; Episodes the times its
	// clock was judged off (two reports of different vessels, minutes off
	// in the same way, within ten minutes).
	Faults, Episodes uint64
	// Faulty is whether its clock is judged off now; Offset is by how
	// much its stamps differed from the picture's at the last evidence
	// (negative: stamped late).
	Faulty bool
	Offset vessel.Time
}

// moving reports whether e's speed over ground is available and at least
// 1 knot: a vessel that moves does not send the same report twice.
func moving(e *entry) bool { return e.sog >= 10 && e.sog < vessel.NoSpeed }

// clockFault judges e, a report of t from src, against the vessel's other
// reports and src's clock record, and reports whether it is to be
// flagged FlagClock. Evidence of a fault is a report older than the main
// track's latest by more than the clock tolerance that is impossible at
// its own time but fits where the vessel is now, or the same report
// (position, speed, course, heading, status) as one already kept from a
// moving vessel, more than the tolerance apart. A report that is evidence
// is flagged; two from different vessels within ten minutes put src into
// a fault, in which its reports late by more than the tolerance are
// flagged too, until one of them is not late. The caller holds the
// shard's lock.
func (p *Picture) clockFault(t *track, e *entry, speed float64, src string, m vessel.MMSI) bool {
	tol := p.cfg.clockTol
	h := t.main()
	var lateBy vessel.Time
	evidence := false
	var offset vessel.Time
	if h != nil {
		last := h.latest()
		lateBy = last.t - e.t
		if lateBy > tol {
			if off, ok := p.misfit(h, e, speed); ok {
				d := geo.Distance(last.point(), e.point())
				if d <= p.cfg.slack+speed*float64(p.cfg.dedup) && d < off/2 {
					evidence, offset = true, -lateBy
				}
			}
		}
	}
	if !evidence && h != nil && lateBy > tol && moving(e) {
		// The same report kept with a later time, while the vessel was
		// elsewhere at e's time: e was stamped early. (A transponder
		// stuck on one message repeats it later, and in one place.)
		if k := t.sameAway(e, tol); k != nil {
			prev, next := h.neighbours(e)
			if prev != nil && !samePlace(prev, e) || next != nil && !samePlace(next, e) {
				evidence, offset = true, e.t-k.t
			}
		}
	}
	if !evidence && p.clocks.faulty.Load() == 0 && (lateBy <= tol || h == nil) {
		return false
	}
	c := &p.clocks
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.m[src]
	if sc == nil {
		if !evidence || len(c.m) >= maxClockSources {
			return evidence
		}
		if c.m == nil {
			c.m = make(map[string]*sourceClock)
		}
		sc = new(sourceClock)
		c.m[strings.Clone(src)] = sc
	}
	if evidence {
		// A clock that is off shifts every stamp by the same offset;
		// reports that are merely late are late by different amounts.
		consistent := absT(offset-sc.offset) <= offsetAgree
		if !sc.faulty && consistent && sc.lastVessel != 0 && sc.lastVessel != m && absT(e.t-sc.lastEvidence) <= 10*tol {
			sc.faulty = true
			sc.episodes++
			c.faulty.Add(1)
			sc.maxLate = -sc.offset
		}
		if sc.faulty {
			sc.maxLate = max(sc.maxLate, -offset)
		}
		sc.lastEvidence, sc.lastVessel, sc.offset = e.t, m, offset
		sc.faults++
		return true
	}
	if !sc.faulty {
		// Not yet in a fault, but one piece of evidence just now: a
		// report late by as much that no track of its vessel can reach
		// (the first report of a transmitter, stamped early) is the
		// same fault, not a jump.
		if lateBy > tol && absT(-lateBy-sc.offset) <= offsetAgree+faultSlack && absT(e.t-sc.lastEvidence) <= 10*tol &&
			!p.reachable(t, e, speed) {
			sc.faults++
			return true
		}
		return false
	}
	if h != nil && lateBy > tol && lateBy <= max(-sc.offset, sc.maxLate)+offsetAgree+faultSlack {
		// Late by up to the fault's offset: as the fault stamps.
		sc.faults++
		return true
	}
	if h != nil && lateBy <= tol { // a report that fits the picture's time: the clock is back
		sc.faulty = false
		c.faulty.Add(-1)
	}
	return false
}

// reachable reports whether a track of t can reach e.
func (p *Picture) reachable(t *track, e *entry, speed float64) bool {
	for i := range t.hyps {
		prev, next := t.hyps[i].neighbours(e)
		if _, ok := p.fit(prev, e, next, speed); ok {
			return true
		}
	}
	return false
}

// sameAway returns a kept position with the same kinematics as e and a
// time more than d later, nil if none.
func (t *track) sameAway(e *entry, d vessel.Time) *entry {
	for k := range t.hyps {
		h := &t.hyps[k]
		for i := range int(h.ngood) {
			if g := &h.good[i]; g.t-e.t > d && sameReport(g, e) {
				return g
			}
		}
	}
	return nil
}

// Receivers returns the clock record of every receiver that has shown
// evidence of a clock fault, sorted by source.
func (p *Picture) Receivers() []ReceiverClock {
	c := &p.clocks
	c.mu.Lock()
	out := make([]ReceiverClock, 0, len(c.m))
	for src, sc := range c.m {
		out = append(out, ReceiverClock{Source: src, Faults: sc.faults, Episodes: sc.episodes, Faulty: sc.faulty, Offset: sc.offset})
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b ReceiverClock) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// misfitDistance is how far from its track (interpolated between
// neighbours less than two minutes apart) a late report must be to be
// out of place at its time. Ships manoeuvring in harbour at a few knots
// stay within it.
const misfitDistance = 500

// offsetAgree is how far apart two measures of one receiver's clock offset
// may be and still be the same fault.
const offsetAgree = 30 * 1000

// faultSlack widens the offset within which a receiver in a clock fault
// has its late reports flagged: lateness is measured against the
// vessel's latest report, which may be up to a reporting interval older
// than the arrival, so the evidence underestimates the offset by up to
// that. A report later still is merely late (a satellite pass) and is
// judged as one; only a report on time ends the fault.
const faultSlack = 60 * 1000

// misfit reports whether e is out of place in h at its own time: not
// reachable from its neighbours; or, between neighbours less than two
// minutes apart, more than misfitDistance from the track between them; or,
// older than every kept position (by at most ten minutes) of a vessel
// making 3 knots or more, more than misfitDistance plus 30% of the
// distance run from where the oldest one's speed and course put the
// vessel at e's time. It returns how far e
// is from where it should be.
func (p *Picture) misfit(h *hyp, e *entry, speed float64) (float64, bool) {
	prev, next := h.neighbours(e)
	if _, ok := p.fit(prev, e, next, speed); !ok {
		d := math.Inf(1)
		for _, n := range [2]*entry{prev, next} {
			if n != nil {
				d = min(d, geo.Distance(n.point(), e.point()))
			}
		}
		return d, true
	}
	if prev == nil && next != nil && next.sog >= 30 && next.sog < vessel.NoSpeed && next.cog < vessel.NoCourse && next.t-e.t <= 600_000 {
		// Older than every position kept: where was the vessel, by its
		// speed and course, that long before the oldest?
		kn, _ := next.sog.Knots()
		deg, _ := next.cog.Degrees()
		back := kn * 1852 / 3600 * float64(next.t-e.t) / 1000
		d := geo.Distance(geo.Destination(next.point(), deg+180, back), e.point())
		return d, d > misfitDistance+0.3*back
	}
	if prev == nil || next == nil || next.t-prev.t > 120_000 || next.t == prev.t {
		return 0, false
	}
	f := float64(e.t-prev.t) / float64(next.t-prev.t)
	a, b := prev.point(), next.point()
	mid := geo.Point{Lat: a.Lat + f*(b.Lat-a.Lat), Lon: a.Lon + f*(b.Lon-a.Lon)}
	d := geo.Distance(mid, e.point())
	return d, d > misfitDistance
}
