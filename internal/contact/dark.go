package contact

import (
	"math"
	"slices"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// episode is a dark target being built.
type episode struct {
	Episode
	lastEmit vessel.Time
	live     int // radar tracks carrying it now
	// State of the radar track when it ended, for linking a continuation.
	endT             vessel.Time
	lat, lon, vx, vy float64
	pc, vc           cov // covariance of that position and velocity
	// AIS position mismatch: the vessel's offset from the tracks
	// carrying it, metres east and north.
	ox, oy float64
	// Where its tracks have been: count, mean and sum of squared
	// deviations (Welford) in metres east and north of the first report.
	n, mx, my, m2 float64
	lat0, lon0    float64
}

// ended records the state of tr, a track carrying the episode, as it
// ends or gains an identity: where a continuation is looked for.
func (ep *episode) ended(tr *track) {
	ep.endT, ep.lat, ep.lon, ep.vx, ep.vy = tr.t, tr.lat, tr.lon, tr.vx, tr.vy
	ep.pc = cov{tr.p[0][0], (tr.p[0][1] + tr.p[1][0]) / 2, tr.p[1][1]}
	ep.vc = cov{tr.p[2][2], (tr.p[2][3] + tr.p[3][2]) / 2, tr.p[3][3]}
}

// place adds a position of the episode's target to its area.
func (ep *episode) place(lat, lon float64) {
	if ep.n == 0 {
		ep.lat0, ep.lon0 = lat, lon
	}
	x, y := enu(ep.lat0, ep.lon0, lat, lon)
	ep.n++
	dx, dy := x-ep.mx, y-ep.my
	ep.mx += dx / ep.n
	ep.my += dy / ep.n
	ep.m2 += dx*(x-ep.mx) + dy*(y-ep.my)
}

// area returns the distance of (lat, lon) from the middle of where the
// episode's target has been, and the radius of that area: twice the RMS
// spread plus 500 m.
func (ep *episode) area(lat, lon float64) (dist, radius float64) {
	if ep.n == 0 {
		return math.Inf(1), 0
	}
	x, y := enu(ep.lat0, ep.lon0, lat, lon)
	return math.Hypot(x-ep.mx, y-ep.my), 2*math.Sqrt(ep.m2/ep.n) + 500
}

// dark keeps the dark-target episode of a radar track after its update: a
// confirmed track without identity for DarkAfter updates opens one (or
// continues the episode of a dark track of the same source that ended
// where this one starts); a track that gains an identity closes it.
func (a *Associator) dark(tr *track, c *Contact) {
	if tr.mmsi != 0 {
		tr.unassoc = 0
		if tr.ep != nil {
			// The track gained an identity: the episode ends with it as
			// if the track had ended, and closes unless a dark track
			// takes it up within LinkWindow (a dark craft that passed
			// close to an AIS vessel for a while, and came out of it).
			ep := tr.ep
			ep.ended(tr)
			if ep.live--; ep.live == 0 {
				a.ended = append(a.ended, ep)
			}
			tr.ep = nil
		}
		return
	}
	if tr.unassoc == 0 {
		tr.darkSince = c.Time
	}
	tr.unassoc++
	if tr.ep == nil {
		if !tr.confirmed || tr.unassoc < a.cfg.DarkAfter ||
			c.Time-tr.darkSince < vessel.Time(a.cfg.DarkMinAge.Milliseconds()) {
			return
		}
		if a.cfg.Harbours != nil && a.cfg.Harbours.InHarbour(tr.lat, tr.lon, c.Time) {
			// At a berth or an anchorage: no alert while it stays there
			// (it opens one as soon as it is dark outside).
			a.stats.InHarbour++
			return
		}
		tr.ep = a.link(tr, c.Time)
		if tr.ep == nil {
			a.stats.Episodes++
			tr.ep = &episode{Episode: Episode{Kind: KindDarkTarget,
				ID:     "dark/radar/" + c.Source + "/" + tr.target + "/" + msString(c.Time),
				Sensor: vessel.SensorRadar, Source: c.Source, Start: c.Time,
			}}
		}
		tr.ep.Evidence.Tracks++
		tr.ep.live++
	}
	ep := tr.ep
	ep.End, ep.Lat, ep.Lon = c.Time, tr.lat, tr.lon
	ep.place(tr.lat, tr.lon)
	ev := &ep.Evidence
	ev.Reports++
	ev.Targets = appendBounded(ev.Targets, tr.target)
	ev.SpeedKn = math.Hypot(tr.vx, tr.vy) / knot
	a.evidence(ev, &c.Detection, tr.nearest, tr.nearD2)
	c.Episode = ep.ID
	if ep.Version == 0 || c.Time-ep.lastEmit >= vessel.Time(a.cfg.EpisodeEvery.Milliseconds()) {
		a.push(ep)
	}
	a.mismatch(tr, c)
}

// mismatchCheck is how often a dark track looks for a vessel whose AIS
// path runs parallel to it.
const mismatchCheck = 60000 // ms

// suspect is a vessel whose AIS path has run parallel to a dark track.
type suspect struct {
	mmsi   vessel.MMSI
	ox, oy float64 // where its AIS claims to be relative to the track, metres, when first seen
	since  vessel.Time
	lat    float64 // the track's position at since
	lon    float64
	crs    float64 // the vessel's AIS course at since, degrees
	turned bool    // its AIS course has since turned by turnDeg or more
	seen   bool
	missed int // consecutive checks that did not see it
	ep     *episode
}

// suspectMisses is how many consecutive checks a suspect may fail (a
// turn the track's velocity has not followed yet, a passing target near
// the claimed position, a check at the edge of cover) before it is
// dropped; the offset must still be the same when it is seen again.
const suspectMisses = 3

// turnDeg is the turn of a vessel's AIS course that, with the offset
// holding through it, proves the track follows the AIS path: two ships
// that merely run parallel for a while do not turn together.
const turnDeg = 30

// mismatch looks, once a minute, for AIS vessels under way that claim to
// be at a constant offset from the dark track tr (offset stable within
// 500 m, velocity roughly the same), more than 1 km from it, at a place
// inside the radar's cover where none of its tracks is: the radar sees
// nothing where the AIS says the vessel is, and sees an unexplained target
// moving just as the AIS says. When that has held for MismatchMinAge and
// at least 1 km of the track's motion, it opens a KindAISMismatch episode
// naming the vessel.
func (a *Associator) mismatch(tr *track, c *Contact) {
	if c.Time-tr.mmCheck < mismatchCheck {
		return
	}
	tr.mmCheck = c.Time
	sp := math.Hypot(tr.vx, tr.vy)
	for i := range tr.suspects {
		tr.suspects[i].seen = false
	}
	d := &c.Detection
	maxAge := a.cfg.MaxAISAgeRadar.Seconds()
	cos0 := cosLat(tr.lat)
	a.vessels.Near(tr.lat, tr.lon, a.cfg.MismatchSearchM, c.Time, func(v VesselState) bool {
		if age := float64(c.Time-v.Time) / 1000; age > maxAge || age < -maxAge {
			return true
		}
		p := a.predict(&v, c.Time, tr.lat, tr.lon, cos0)
		// A constant offset between things at rest proves nothing: the
		// vessel must be under way (2 knots), and the track's velocity,
		// noisy at long range, roughly the same as its AIS says.
		vais := math.Hypot(p.vx, p.vy)
		if vais < 1 || math.Hypot(p.x, p.y) < 1000 {
			return true
		}
		k := slices.IndexFunc(tr.suspects, func(s suspect) bool { return s.mmsi == v.MMSI })
		if math.Hypot(p.vx-tr.vx, p.vy-tr.vy) > 2+0.5*max(sp, vais) {
			return true // a miss for a suspect
		}
		lat, lon := move(tr.lat, tr.lon, p.x, p.y)
		if tr.src.maxRangeM > 0 && d.Has&vessel.HasPolar != 0 {
			x, y := enu(d.SensorLat, d.SensorLon, lat, lon)
			if math.Hypot(x, y) > tr.src.maxRangeM {
				return true // outside the radar's cover: its silence says nothing
			}
		}
		for _, o := range tr.src.tracks {
			if x, y := enu(o.lat, o.lon, lat, lon); math.Hypot(x, y) < 1000 {
				return true // the radar does see something there
			}
		}
		if k < 0 {
			if len(tr.suspects) >= 4 {
				return true
			}
			tr.suspects = append(tr.suspects, suspect{mmsi: v.MMSI})
			k = len(tr.suspects) - 1
			tr.suspects[k].restart(p, tr, c.Time)
		}
		s := &tr.suspects[k]
		if math.Hypot(p.x-s.ox, p.y-s.oy) > 500 {
			s.restart(p, tr, c.Time) // the offset moved
		} else if d := math.Abs(math.Mod(math.Atan2(p.vx, p.vy)/toRad-s.crs+540, 360) - 180); d >= turnDeg {
			s.turned = true
		}
		s.seen = true
		return true
	})
	keep := tr.suspects[:0]
	for _, s := range tr.suspects {
		if !s.seen {
			if s.missed++; s.missed <= suspectMisses {
				keep = append(keep, s)
				continue
			}
			if s.ep != nil {
				a.releaseMismatch(s.ep, c.Time)
			}
			continue
		}
		s.missed = 0
		x, y := enu(s.lat, s.lon, tr.lat, tr.lon)
		minAge := vessel.Time(a.cfg.MismatchMinAge.Milliseconds())
		if age := c.Time - s.since; s.ep == nil && math.Hypot(x, y) >= 1000 && (s.turned && age >= minAge || age >= 3*minAge) {
			// The offset held while the track went 1 km or more, and
			// through a turn or for three times as long: the AIS path
			// runs parallel to it.
			s.ep = a.mismatchEpisode(&s, c.Source)
		}
		if s.ep != nil {
			ep := s.ep
			ep.End, ep.Lat, ep.Lon = c.Time, tr.lat, tr.lon
			ep.Evidence.Reports++
			ep.Evidence.Targets = appendBounded(ep.Evidence.Targets, tr.target)
			ep.Evidence.SpeedKn = sp / knot
			ep.Evidence.OffsetM = math.Hypot(s.ox, s.oy)
			ep.Evidence.OffsetBearing = math.Mod(math.Atan2(s.ox, s.oy)/toRad+360, 360)
			if ep.Version == 0 || c.Time-ep.lastEmit >= vessel.Time(a.cfg.EpisodeEvery.Milliseconds()) {
				a.push(ep)
			}
		}
		keep = append(keep, s)
	}
	tr.suspects = keep
}

// restart starts the suspect's evidence again at t from the vessel's
// prediction p relative to the track tr.
func (s *suspect) restart(p prediction, tr *track, t vessel.Time) {
	s.ox, s.oy, s.since, s.lat, s.lon = p.x, p.y, t, tr.lat, tr.lon
	s.crs, s.turned = math.Atan2(p.vx, p.vy)/toRad, false
}

// mismatchEpisode returns the AIS position mismatch episode a suspect
// that has held long enough joins: the vessel's episode carried by another
// track now, or one whose last track let it go within LinkWindow (the
// track broke, the vessel turned, another radar took over); else a new
// one. So a spoofer is one alert, not one per radar track.
//
// While other tracks carry the episode, a suspect whose offset differs
// from theirs by more than 1 km does not join it (nil): the AIS path
// cannot run parallel to two objects that far apart, and the one that
// proved it first keeps the episode; a chance parallel is less likely to
// hold through a turn.
func (a *Associator) mismatchEpisode(s *suspect, source string) *episode {
	m, since := s.mmsi, s.since
	for _, ep := range a.mismatches {
		if ep.MMSI == m {
			if ep.live > 0 && math.Hypot(s.ox-ep.ox, s.oy-ep.oy) > 1000 {
				return nil
			}
			ep.ox, ep.oy = s.ox, s.oy
			ep.live++
			ep.Evidence.Tracks++
			if ep.live == 1 {
				a.stats.Linked++
			}
			return ep
		}
	}
	a.stats.Mismatches++
	ep := &episode{Episode: Episode{Kind: KindAISMismatch, MMSI: m,
		ID:     "mismatch/" + source + "/" + m.String() + "/" + msString(since),
		Sensor: vessel.SensorRadar, Source: source, Start: since,
	}}
	ep.Evidence.Tracks, ep.live, ep.ox, ep.oy = 1, 1, s.ox, s.oy
	a.mismatches = append(a.mismatches, ep)
	return ep
}

// releaseMismatch records that a suspect carrying ep let it go at t; the
// episode closes LinkWindow after its last suspect let it go, unless one
// takes it up again.
func (a *Associator) releaseMismatch(ep *episode, t vessel.Time) {
	if ep.live--; ep.live == 0 {
		ep.endT = t
	}
}

func (a *Associator) evidence(ev *Evidence, d *vessel.Detection, nearest vessel.MMSI, d2 float64) {
	if d.Has&vessel.HasScore != 0 {
		ev.MaxScore = max(ev.MaxScore, d.Score)
	}
	if d.Has&vessel.HasLength != 0 {
		ev.LengthM = max(ev.LengthM, d.LengthM)
	}
	ev.Nearest, ev.NearestD2 = nearest, d2
}

// link returns the episode tr continues, nil when none: the episode of a
// dark track of another radar seeing the same target now (within the
// gate), else that of a dark track that ended within LinkWindow where tr
// could have got to since (at one and a half times its speed plus 2 m/s,
// plus 300 m: a dark craft turns and changes speed while unseen).
//
// Which ended episode a track continues is decided by motion and
// globally: every track of the source that may turn out dark (confirmed,
// unassociated, without an episode) is a row, every ended episode in
// reach a column, the cost is linkCost, and the assignment maximises the
// links first and then minimises the cost; tr takes what that
// assignment gives it. So two dark craft seen again at about the same
// time each continue the episode their motion explains best, whichever
// turned dark first.
func (a *Associator) link(tr *track, t vessel.Time) *episode {
	for _, src := range a.srcList {
		if src == tr.src {
			continue
		}
		for _, o := range src.tracks {
			if o.ep == nil || o.t-t > 60000 || t-o.t > 60000 {
				continue
			}
			p := *o
			p.predict(t, a.cfg.TrackAccelMS2)
			x, y := enu(p.lat, p.lon, tr.lat, tr.lon)
			r := tr.innovation(cov{})
			if p.innovation(r).d2(x, y) <= a.cfg.GateD2 {
				a.stats.Linked++
				return o.ep
			}
		}
	}
	if len(a.ended) == 0 {
		return nil
	}
	rows := []*track{tr}
	for _, o := range tr.src.tracks {
		if o != tr && o.ep == nil && o.darkSoon(t, &a.cfg) {
			rows = append(rows, o)
		}
	}
	n, m := len(rows), len(a.ended)
	costs := make([]float64, n*m)
	miss := make([]float64, n)
	reach := false
	for i, o := range rows {
		miss[i] = linkMiss
		for j, ep := range a.ended {
			costs[i*m+j] = a.linkCost(ep, o, t)
			reach = reach || i == 0 && costs[j] < forbidden
		}
	}
	if !reach {
		return nil
	}
	got := a.solver.solve(n, m, func(i, j int) float64 { return costs[i*m+j] }, miss, nil)
	best := got[0]
	if best < 0 {
		return nil
	}
	ep := a.ended[best]
	a.ended = append(a.ended[:best], a.ended[best+1:]...)
	a.stats.Linked++
	return ep
}

// darkSoon says whether o, a track without an episode, competes with a
// track that turned dark for the ended episodes: confirmed, seen within
// the last minute, without identity, and half-way to being dark itself
// (DarkAfter/2 updates without identity over DarkMinAge/2). A track in
// its first updates is as likely an AIS vessel whose identity is not
// settled yet, or clutter, as a dark craft; were it a row, the
// assignment would give it the episode that the dark track needs, and
// the dark track would raise a new alert while the other never takes
// the episode up.
func (o *track) darkSoon(t vessel.Time, cfg *Config) bool {
	return o.mmsi == 0 && o.confirmed && t-o.t <= 60000 &&
		2*o.unassoc >= cfg.DarkAfter && 2*(t-o.darkSince) >= vessel.Time(cfg.DarkMinAge.Milliseconds())
}

// Linking by motion: the cost of leaving a track unlinked (above any
// link in reach, so that the most links are made), how long a dark
// craft keeps its course on average (the weight of "went straight on"
// decays with the time unseen), how much its speed and course may have
// changed meanwhile, and the fastest it might go.
const (
	linkMiss      = 1e6
	linkLegS      = 600.0
	linkSpeedErr  = 1.0  // m/s
	linkCourseErr = 10.0 // degrees
	linkMaxSpeed  = 15.0 // m/s
)

// linkCost returns how well track o continues the ended episode ep at
// t: forbidden when o could not have got there in time, else -2 ln of
// the likelihood of o's first report (or its state now, when it was
// seen before the episode ended) given the episode's last track. Two
// hypotheses share it: the craft went straight on (its position dead
// reckoned, with an error that grows with the time unseen, and its
// velocity the same), with a weight that decays over linkLegS; or it
// turned and went anywhere it could reach, likelier where it has been
// working (the area of the episode), at any speed.
func (a *Associator) linkCost(ep *episode, o *track, t vessel.Time) float64 {
	if t < ep.endT {
		return forbidden
	}
	dtNow := float64(t-ep.endT) / 1000
	if dtNow > a.cfg.LinkWindow.Seconds() {
		return forbidden
	}
	sp := math.Hypot(ep.vx, ep.vy)
	xn, yn := enu(ep.lat, ep.lon, o.lat, o.lon)
	if math.Hypot(xn, yn) > 300+(1.5*sp+2)*dtNow {
		return forbidden
	}
	// The reference report: o's first, when it came after the episode
	// ended; else o as it is now.
	tref, lat, lon, r := o.t0, o.lat0, o.lon0, o.r0
	if o.t0 < ep.endT {
		tref, lat, lon = o.t, o.lat, o.lon
		r = cov{o.p[0][0], (o.p[0][1] + o.p[1][0]) / 2, o.p[1][1]}
	}
	dt := max(float64(tref-ep.endT)/1000, 0)
	x, y := enu(ep.lat, ep.lon, lat, lon)
	ovc := cov{o.p[2][2], (o.p[2][3] + o.p[3][2]) / 2, o.p[3][3]}

	// Straight on.
	ps := math.Exp(-dt / linkLegS)
	course := math.Atan2(ep.vx, ep.vy) / toRad
	c := ep.pc.add(r).add(cov{ep.vc.xx * dt * dt, ep.vc.xy * dt * dt, ep.vc.yy * dt * dt})
	c = c.add(axes(course, linkSpeedErr*dt, sp*dt*math.Sin(linkCourseErr*toRad)))
	vcv := ep.vc.add(ovc).add(iso(linkSpeedErr))
	ls := ps * gauss(c, x-ep.vx*dt, y-ep.vy*dt) * gauss(vcv, o.vx-ep.vx, o.vy-ep.vy)

	// Turned: anywhere in reach, likelier where it has been working.
	reach := 300 + (1.5*sp+2)*dt
	cx, cy, sigma := 0.0, 0.0, reach/2
	if ep.n > 0 {
		if sa := math.Sqrt(ep.m2/(2*ep.n) + 250*250); sa < sigma {
			ax, ay := enu(ep.lat0, ep.lon0, ep.lat, ep.lon)
			cx, cy, sigma = ep.mx-ax, ep.my-ay, sa
		}
	}
	vmax := max(linkMaxSpeed, 1.5*sp+2)
	lw := (1 - ps) * gauss(iso(sigma).add(r), x-cx, y-cy) / (math.Pi * vmax * vmax)

	l := ls + lw
	if !(l > 1e-300) {
		return 1400 // in reach, but as unlikely as can be told
	}
	return -2 * math.Log(l)
}

// gauss returns the density of the 2-D normal with covariance c at (x, y).
func gauss(c cov, x, y float64) float64 {
	det := c.xx*c.yy - c.xy*c.xy
	if !(det > 0) {
		return 0
	}
	return math.Exp(-c.d2(x, y)/2) / (2 * math.Pi * math.Sqrt(det))
}

// reachable returns the index in a.ended of the episode whose craft could
// have got to (lat, lon) by t since its track ended (at one and a half
// times its speed plus 2 m/s, plus 300 m), -1 when none. Of several, the
// nearest relative to that reach wins; once the reach is larger than the
// area the episode's tracks have covered (twice their spread plus 500 m),
// the distance from the middle of that area relative to its radius
// counts instead: two dark craft working in one area, each about its own
// spot, keep their own alerts when they are seen again.
func (a *Associator) reachable(lat, lon float64, t vessel.Time) int {
	best, bestRatio := -1, 1.0
	for i, ep := range a.ended {
		if t < ep.endT {
			continue
		}
		dt := float64(t-ep.endT) / 1000
		if dt > a.cfg.LinkWindow.Seconds() {
			continue
		}
		x, y := enu(ep.lat, ep.lon, lat, lon)
		reach := 300 + (1.5*math.Hypot(ep.vx, ep.vy)+2)*dt
		r := math.Hypot(x, y) / reach
		if r > 1 {
			continue
		}
		if ad, ar := ep.area(lat, lon); reach > ar {
			// Long unseen: the craft could be anywhere in reach, but
			// it is likelier about where it has been working.
			r = ad / ar
		}
		if best < 0 || r < bestRatio {
			best, bestRatio = i, r
		}
	}
	return best
}

// close marks ep closed and emits its final version.
func (a *Associator) close(ep *episode) {
	ep.Closed = true
	a.push(ep)
}

// Flush ends what time has ended by now: radar tracks not updated for
// TrackTimeout, dark radar episodes whose track ended more than LinkWindow
// ago, satellite episodes with no detection for ClusterWindow. A live
// feed calls it from a ticker; a replay calls it at the end.
func (a *Associator) Flush(now vessel.Time) {
	for _, src := range a.srcList {
		a.expireTracks(src, now)
	}
	a.expireEnded(now)
	a.expireSat(now)
}

func (a *Associator) expireEnded(now vessel.Time) {
	limit := vessel.Time(a.cfg.LinkWindow.Milliseconds())
	a.ended = a.closeWhere(a.ended, func(ep *episode) bool { return now-ep.endT > limit })
	a.mismatches = a.closeWhere(a.mismatches, func(ep *episode) bool { return ep.live == 0 && now-ep.endT > limit })
	a.heldEnded = slices.DeleteFunc(a.heldEnded, func(h heldEnd) bool { return now-h.t > limit })
}

func (a *Associator) expireSat(now vessel.Time) {
	limit := vessel.Time(a.cfg.ClusterWindow.Milliseconds())
	a.sat = a.closeWhere(a.sat, func(ep *episode) bool { return now-ep.End > limit })
	a.doubtful = slices.DeleteFunc(a.doubtful, func(p pending) bool { return now-p.d.Time > limit })
}

// closeWhere closes the episodes for which done is true and returns the
// others, in order, in eps's backing array.
func (a *Associator) closeWhere(eps []*episode, done func(*episode) bool) []*episode {
	return slices.DeleteFunc(eps, func(ep *episode) bool {
		if done(ep) {
			a.close(ep)
			return true
		}
		return false
	})
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
