package contact

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Pass describes the satellite pass of a scene.
type Pass struct {
	// SAR says the scene is synthetic aperture radar, whose moving targets
	// appear shifted along the satellite's track (azimuth) by about
	// Config.ShiftMPerMS metres per m/s of radial speed.
	SAR bool
	// HeadingDeg is the satellite's ground-track heading, degrees true,
	// when HasHeading; else Config.SatHeadingDeg (an ascending
	// sun-synchronous pass: 348°; a descending one is about 192°).
	HeadingDeg float64
	HasHeading bool
	// LookLeft says the SAR looks left of its track; Sentinel-1 and most
	// SARs look right.
	LookLeft bool
}

// Satellite associates the detections of one satellite scene globally
// with AIS vessels and appends a Contact per detection to dst, in order.
// AIS vessels are dead-reckoned to the detection time and, for SAR,
// shifted along track as their radial speed makes them appear; lengths are
// compared when both are known. Unexplained credible detections open or
// join a dark-target episode (a cluster within ClusterRadiusM and
// ClusterWindow); doubtful ones (presence score below DoubtfulScore) only
// join one, or open one with a second doubtful detection from another
// scene.
func (a *Associator) Satellite(scene []vessel.Detection, pass Pass, dst []Contact) []Contact {
	base := len(dst)
	a.rows = a.rows[:0]
	var last vessel.Time
	for i := range scene {
		d := &scene[i]
		a.stats.Reports++
		c := Contact{Detection: *d}
		if err := a.validate(i, d, vessel.SensorSatellite); err != nil {
			a.stats.Rejected++
			c.Err = err
		}
		dst = append(dst, c)
		r := a.newRow(a.cfg.GateD2)
		if c.Err == nil {
			last = max(last, d.Time)
			if d.Has&vessel.HasLength != 0 && d.LengthM > 0 {
				r.miss += a.cfg.LengthGateD2 / 3
			}
			r.edges = a.satCandidates(d, pass, r.edges)
		}
	}
	a.expireSat(last)
	g := a.geometry(pass)
	out := dst[base:]
	nones := growFloat(nil, len(a.rows))
	for k := range a.rows {
		nones[k] = a.score(&a.rows[k])
	}
	a.assign()
	for i := range out {
		c := &out[i]
		if c.Err != nil {
			continue
		}
		r := &a.rows[i]
		c.Candidates = a.candidates(r)
		if j := a.choice[i]; j >= 0 {
			c.MMSI, c.Score = r.edges[j].MMSI, r.edges[j].Score
			a.stats.Associated++
			continue
		}
		c.Score = nones[i]
		if tr, ep, d2 := a.byRadar(&c.Detection, &g); tr != nil && tr.mmsi != 0 {
			// A radar track carries the identity (its AIS may be silent).
			c.MMSI, c.Held, c.Track = tr.mmsi, tr.held, tr.id
			w := math.Exp(-d2 / 2)
			c.Score = w / (w + math.Exp(-a.cfg.GateD2/2))
			a.stats.Associated++
			continue
		} else if ep != nil {
			// The dark radar target seen from space: evidence for its episode.
			if tr != nil {
				c.Track = tr.id
			}
			ep.Evidence.Reports++
			ep.Evidence.Scenes = appendBounded(ep.Evidence.Scenes, c.Scene)
			a.evidence(&ep.Evidence, &c.Detection, 0, 0)
			c.Episode = ep.ID
			continue
		} else if tr != nil {
			// A radar track without identity or episode yet sees it:
			// the one object, whose alert (if it turns out dark) is the
			// track's to raise, not a satellite alert of its own.
			c.Track = tr.id
			continue
		}
		var nearest vessel.MMSI
		var nd2 float64
		if len(r.edges) > 0 {
			nearest, nd2 = r.edges[0].MMSI, r.edges[0].Cost
		}
		a.satDark(c, nearest, nd2)
	}
	return dst
}

func (a *Associator) satCandidates(d *vessel.Detection, pass Pass, edges []Candidate) []Candidate {
	r := a.noise(d)
	maxAge := a.cfg.MaxAISAgeSatellite.Seconds()
	g := a.geometry(pass)
	cos0 := cosLat(d.Lat)
	a.vessels.Near(d.Lat, d.Lon, a.cfg.SearchRadiusSatM, d.Time, func(v VesselState) bool {
		age := float64(d.Time-v.Time) / 1000
		if age > maxAge || age < -maxAge {
			return true
		}
		p := a.predict(&v, d.Time, d.Lat, d.Lon, cos0)
		x, y, s := g.shift(p.x, p.y, p.vx, p.vy, p.c.add(r))
		d2 := s.d2(x, y)
		if !(d2 <= 2*a.cfg.GateD2) { // also NaN from a picture's bad numbers
			return true
		}
		cand := Candidate{MMSI: v.MMSI, AgeS: age, DistM: math.Hypot(x, y), D2: d2}
		if d.Has&vessel.HasLength != 0 && d.LengthM > 0 && v.LengthM > 0 && !math.IsInf(v.LengthM, 1) {
			sl := 0.2*v.LengthM + 10
			dl := (d.LengthM - v.LengthM) / sl
			cand.LengthD2 = dl * dl
		}
		// Every candidate within twice the gate is listed; only those
		// within the gate, position and length, can be chosen.
		cand.Cost = cand.D2 + cand.LengthD2
		if d2 > a.cfg.GateD2 || cand.LengthD2 > a.cfg.LengthGateD2 {
			cand.Cost = math.Max(cand.Cost, 2*a.cfg.GateD2+a.cfg.LengthGateD2)
		}
		edges = append(edges, cand)
		return true
	})
	return edges
}

// satDark files an unexplained satellite detection under a dark-target
// episode.
func (a *Associator) satDark(c *Contact, nearest vessel.MMSI, nd2 float64) {
	d := &c.Detection
	doubtful := d.Has&vessel.HasScore != 0 && d.Score < a.cfg.DoubtfulScore
	if doubtful {
		c.Doubtful = true
		a.stats.Doubtful++
	}
	if a.cfg.Harbours != nil && a.cfg.Harbours.InHarbour(d.Lat, d.Lon, d.Time) {
		a.stats.InHarbour++
		return // at a berth or an anchorage: no alert
	}
	radius := a.cfg.ClusterRadiusM
	if doubtful {
		radius = a.cfg.CorroborateM
	}
	ep := a.cluster(d, radius)
	if ep == nil && doubtful {
		k := -1
		for i := range a.doubtful {
			p := &a.doubtful[i].d
			if p.Scene != d.Scene && a.near(p, d) {
				k = i
				break
			}
		}
		if k < 0 {
			if len(a.doubtful) >= a.cfg.MaxDoubtful {
				a.doubtful = append(a.doubtful[:0], a.doubtful[1:]...)
				a.stats.DoubtfulDropped++
			}
			a.doubtful = append(a.doubtful, pending{d: *d})
			return
		}
		first := a.doubtful[k].d
		a.doubtful = append(a.doubtful[:k], a.doubtful[k+1:]...)
		ep = a.openSat(&first)
		a.joinSat(ep, &first, true, 0, 0)
	} else if ep == nil {
		ep = a.openSat(d)
	}
	a.joinSat(ep, d, doubtful, nearest, nd2)
	c.Episode = ep.ID
	if ep.Version == 0 || d.Time-ep.lastEmit >= vessel.Time(a.cfg.EpisodeEvery.Milliseconds()) {
		a.push(ep)
	}
}

func (a *Associator) openSat(d *vessel.Detection) *episode {
	a.stats.Episodes++
	ep := &episode{Episode: Episode{Kind: KindDarkTarget,
		ID:     "dark/satellite/" + d.Source + "/" + msString(d.Time) + "/" + coord(d.Lat) + "," + coord(d.Lon),
		Sensor: vessel.SensorSatellite, Source: d.Source, Start: d.Time,
	}}
	a.sat = append(a.sat, ep)
	return ep
}

func (a *Associator) joinSat(ep *episode, d *vessel.Detection, doubtful bool, nearest vessel.MMSI, nd2 float64) {
	ep.End, ep.Lat, ep.Lon = max(ep.End, d.Time), d.Lat, d.Lon
	ev := &ep.Evidence
	ev.Reports++
	if doubtful {
		ev.Doubtful++
	}
	ev.Scenes = appendBounded(ev.Scenes, d.Scene)
	a.evidence(ev, d, nearest, nd2)
}

// cluster returns the open satellite episode nearest to d within radius
// metres and ClusterWindow, nil when none.
func (a *Associator) cluster(d *vessel.Detection, radius float64) *episode {
	var best *episode
	bd := radius
	for _, ep := range a.sat {
		dt := d.Time - ep.End
		if dt < 0 {
			dt = -dt
		}
		if dt > vessel.Time(a.cfg.ClusterWindow.Milliseconds()) {
			continue
		}
		x, y := enu(ep.Lat, ep.Lon, d.Lat, d.Lon)
		if dist := math.Hypot(x, y); dist <= bd {
			best, bd = ep, dist
		}
	}
	return best
}

func (a *Associator) near(p, d *vessel.Detection) bool {
	dt := d.Time - p.Time
	if dt < 0 {
		dt = -dt
	}
	if dt > vessel.Time(a.cfg.ClusterWindow.Milliseconds()) {
		return false
	}
	x, y := enu(p.Lat, p.Lon, d.Lat, d.Lon)
	return math.Hypot(x, y) <= a.cfg.CorroborateM
}

// sarGeometry is the azimuth shift model of one pass.
type sarGeometry struct {
	on             bool
	heading        float64
	hs, hc, ls, lc float64 // unit vectors along track and along the look direction
	perMS          float64
}

func (a *Associator) geometry(pass Pass) sarGeometry {
	g := sarGeometry{on: pass.SAR, heading: a.cfg.SatHeadingDeg, perMS: a.cfg.ShiftMPerMS}
	if pass.HasHeading && finite(pass.HeadingDeg) {
		g.heading = pass.HeadingDeg
	}
	g.hs, g.hc = math.Sincos(g.heading * toRad)
	look := g.heading + 90
	if pass.LookLeft {
		look = g.heading - 90
	}
	g.ls, g.lc = math.Sincos(look * toRad)
	return g
}

// shift returns where a SAR image shows an object at (x, y) on the local
// plane moving with (vx, vy) m/s, and its covariance c widened along track
// for the uncertainty of the shift. A target moving away from the
// satellite (along the look direction) appears displaced backwards along
// track, one moving towards it forwards.
func (g *sarGeometry) shift(x, y, vx, vy float64, c cov) (float64, float64, cov) {
	if !g.on {
		return x, y, c
	}
	sh := -g.perMS * (vx*g.ls + vy*g.lc)
	return x + sh*g.hs, y + sh*g.hc, c.add(axes(g.heading, 0.2*math.Abs(sh)+10, 0))
}

// byRadar looks for a radar track that explains a satellite detection no
// AIS vessel explains: a confirmed track seen within a minute of it (or a
// dark track ended within LinkWindow), dead-reckoned to its time and, for
// SAR, shifted as its velocity makes it appear, within the gate; failing
// that, for a credible detection, a dark track ended within LinkWindow
// whose craft could have got there (as for linking dark tracks). It
// returns the track (nil for an ended one), the track's dark episode, and
// the squared distance.
func (a *Associator) byRadar(d *vessel.Detection, g *sarGeometry) (*track, *episode, float64) {
	r := a.noise(d)
	var bt *track
	var be *episode
	best := a.cfg.GateD2
	for _, src := range a.srcList {
		for _, tr := range src.tracks {
			dt := d.Time - tr.t
			if !tr.confirmed || dt > 60000 || dt < -60000 {
				continue
			}
			p := *tr
			p.predict(d.Time, a.cfg.TrackAccelMS2)
			x, y := enu(d.Lat, d.Lon, p.lat, p.lon)
			x, y, s := g.shift(x, y, p.vx, p.vy, p.innovation(r))
			if d2 := s.d2(x, y); d2 < best {
				bt, be, best = tr, tr.ep, d2
			}
		}
	}
	for _, ep := range a.ended {
		dt := float64(d.Time-ep.endT) / 1000
		if dt < 0 || dt > a.cfg.LinkWindow.Seconds() {
			continue
		}
		lat, lon := move(ep.lat, ep.lon, ep.vx*dt, ep.vy*dt)
		sg := 300 + 2*dt
		x, y := enu(d.Lat, d.Lon, lat, lon)
		x, y, s := g.shift(x, y, ep.vx, ep.vy, iso(sg).add(r))
		if d2 := s.d2(x, y); d2 < best {
			bt, be, best = nil, ep, d2
		}
	}
	if bt == nil && be == nil && !(d.Has&vessel.HasScore != 0 && d.Score < a.cfg.DoubtfulScore) {
		// A credible detection where a dark craft that left radar cover
		// could be by now: evidence for its episode, not a new alert.
		if k := a.reachable(d.Lat, d.Lon, d.Time); k >= 0 {
			be = a.ended[k]
		}
	}
	return bt, be, best
}
