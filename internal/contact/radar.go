package contact

import (
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// track is one radar track: the radar's own target followed by a constant
// velocity Kalman filter, its confirmation history, and its ledger of AIS
// candidates.
type track struct {
	id     uint64
	src    *radarSource
	target string

	lat, lon float64 // position estimate
	vx, vy   float64 // velocity estimate, m/s east and north
	// Its first report: where and when it was first seen, with the
	// report's noise, for linking it to an ended dark track by motion.
	t0         vessel.Time
	lat0, lon0 float64
	r0         cov
	p          [4][4]float64 // covariance of (x, y, vx, vy) on the local plane
	t          vessel.Time

	hist      uint32 // one bit per scan of its source, newest lowest: seen
	hit       bool   // seen in the current scan
	confirmed bool

	mmsi      vessel.MMSI
	held      bool
	ledger    []entry
	w         float64     // faded number of scans in the ledger
	unassoc   int         // consecutive updates without an identity
	darkSince vessel.Time // first of those updates
	aisT      vessel.Time // time of the AIS report that last matched the track
	mmCheck   vessel.Time // last look for an AIS position mismatch
	suspects  []suspect   // vessels whose AIS runs parallel to the track
	ep        *episode

	row      int // index in a.rows during a scan
	det      int // index of its last report in the scan
	nearest  vessel.MMSI
	nearD2   float64
	scanNone float64
}

// entry is a track's running cost against one AIS vessel.
type entry struct {
	mmsi vessel.MMSI
	c    float64 // faded sum of squared distances
	seen bool    // candidate in the current scan
	cand Candidate
	// The mean offset of the track's reports from the vessel, with a
	// longer memory (BiasFade): faded sums of the offsets, of their
	// covariances, of the weights and of the squared weights.
	bx, by float64
	bc     cov
	bw     float64
	bw2    float64
	bias   float64 // squared Mahalanobis distance of the mean offset, this scan
}

// fold adds one report's offset (x, y) metres from the vessel, with
// covariance c, to the entry's mean offset, fading the older ones by f.
func (e *entry) fold(x, y float64, c cov, f float64) {
	e.bx, e.by = f*e.bx+x, f*e.by+y
	e.bc = cov{f*e.bc.xx + c.xx, f*e.bc.xy + c.xy, f*e.bc.yy + c.yy}
	e.bw = f*e.bw + 1
	e.bw2 = f*f*e.bw2 + 1
}

// meanD2 returns the squared Mahalanobis distance of the entry's mean
// offset under the covariance of that mean: how sure it is that the
// reports are not centred on the vessel. The mean of n reports shrinks
// their noise by √n, so a vessel a fraction of the radar's noise away
// from the track stands out after some scans where a single report's
// distance cannot tell it from the right one.
func (e *entry) meanD2() float64 {
	if !(e.bw > 0) {
		return 0
	}
	k := e.bw2 / (e.bw * e.bw * e.bw) // covariance of the mean: (Σw²/(Σw)²)·(Σw·C)/Σw
	return cov{e.bc.xx * k, e.bc.xy * k, e.bc.yy * k}.d2(e.bx/e.bw, e.by/e.bw)
}

// Radar associates one radar scan (the reports of one or more sources at
// about one time) and appends a Contact per detection to dst, in order.
// Each call counts as one scan of each source present, for M-of-N
// confirmation. Reports carry the radar's target number: a report
// continues the track of its source and number unless it jumps (a recycled
// number), which ends the track and starts another. Reports without a
// number are assigned globally to the source's tracks without one.
func (a *Associator) Radar(scan []vessel.Detection, dst []Contact) []Contact {
	base := len(dst)
	for i := range scan {
		d := &scan[i]
		a.stats.Reports++
		c := Contact{Detection: *d}
		if err := a.validate(i, d, vessel.SensorRadar); err != nil {
			a.stats.Rejected++
			c.Err = err
		}
		dst = append(dst, c)
	}
	out := dst[base:]
	// Sources in order of first appearance, so results never depend on
	// map iteration.
	var names []string
	for i := range out {
		if out[i].Err == nil && !slices.Contains(names, out[i].Source) {
			names = append(names, out[i].Source)
		}
	}
	for _, name := range names {
		a.radarScan(name, out)
	}
	return dst
}

func (a *Associator) source(name string) *radarSource {
	s := a.sources[name]
	if s == nil {
		s = &radarSource{name: name, byTarget: make(map[string]*track)}
		a.sources[name] = s
		a.srcList = append(a.srcList, s)
		slices.SortFunc(a.srcList, func(x, y *radarSource) int { return strings.Compare(x.name, y.name) })
	}
	return s
}

func (a *Associator) radarScan(name string, out []Contact) {
	src := a.source(name)
	var t vessel.Time
	for i := range out {
		if out[i].Err == nil && out[i].Source == name {
			t = max(t, out[i].Time)
		}
	}
	a.expireTracks(src, t)
	a.expireEnded(t)

	// 1. Reports to tracks.
	a.updated = a.updated[:0]
	trackOf := make([]*track, len(out))
	var loose []int
	for i := range out {
		c := &out[i]
		if c.Err != nil || c.Source != name {
			continue
		}
		if c.Has&vessel.HasPolar != 0 {
			src.maxRangeM = max(src.maxRangeM, c.RangeM)
		}
		if c.Target == "" {
			loose = append(loose, i)
			continue
		}
		tr := src.byTarget[c.Target]
		if tr != nil {
			tr.predict(c.Time, a.cfg.TrackAccelMS2)
			r := a.noise(&c.Detection)
			x, y := enu(tr.lat, tr.lon, c.Lat, c.Lon)
			if tr.innovation(r).d2(x, y) > a.cfg.JumpD2 {
				a.stats.Breaks++
				a.endTrack(tr)
				tr = nil
			} else {
				tr.update(x, y, r)
			}
		}
		if tr == nil {
			tr = a.newTrack(src, &c.Detection)
		}
		a.touch(tr)
		trackOf[i], tr.det = tr, i
	}
	if len(loose) > 0 {
		a.assignLoose(src, out, loose, trackOf)
	}

	// 2. Confirmation: every track of the source ages by one scan.
	mask := uint32(1)<<a.cfg.ConfirmN - 1
	if a.cfg.ConfirmN == 32 {
		mask = ^uint32(0)
	}
	for _, tr := range src.tracks {
		tr.hist <<= 1
		if tr.hit {
			tr.hist |= 1
		}
		tr.hit = false
		if !tr.confirmed && bits.OnesCount32(tr.hist&mask) >= a.cfg.ConfirmM {
			tr.confirmed = true
			a.stats.Confirmed++
		}
	}

	// 3. Candidates of each updated track, and their ledgers.
	a.rows = a.rows[:0]
	for k, tr := range a.updated {
		tr.row = k
		a.newRow(a.cfg.TrackGateD2)
		a.trackCandidates(tr, out)
	}

	// 4. Global assignment of identities to the scan's tracks, then
	// stickiness through AIS silence, then dark targets.
	nones := growFloat(nil, len(a.rows))
	for k := range a.rows {
		nones[k] = a.score(&a.rows[k])
	}
	a.assign()
	clear(a.taken)
	for k := range a.updated {
		if j := a.choice[k]; j >= 0 {
			a.taken[a.rows[k].edges[j].MMSI] = struct{}{}
		}
	}
	for k, tr := range a.updated {
		a.identify(tr, &a.rows[k], a.choice[k], nones[k])
	}
	for i := range out {
		tr := trackOf[i]
		if tr == nil {
			continue
		}
		c := &out[i]
		r := &a.rows[tr.row]
		c.Track = tr.id
		c.Confirmed = tr.confirmed
		c.MMSI = tr.mmsi
		c.Held = tr.held
		c.Score = tr.scanNone
		if j := a.choice[tr.row]; j >= 0 {
			c.Score = r.edges[j].Score
		} else if tr.held {
			c.Score = 0
		}
		c.Candidates = a.candidates(r)
		if c.MMSI != 0 {
			a.stats.Associated++
			if c.Held {
				a.stats.Held++
			}
		}
		a.dark(tr, c)
	}
}

func growFloat(s []float64, n int) []float64 { return grow(s, n) }

// touch marks tr as seen in this scan.
func (a *Associator) touch(tr *track) {
	if !tr.hit {
		tr.hit = true
		a.updated = append(a.updated, tr)
	}
}

func (a *Associator) newTrack(src *radarSource, d *vessel.Detection) *track {
	a.nextID++
	a.stats.Tracks++
	r := a.noise(d)
	tr := &track{id: a.nextID, src: src, target: d.Target, lat: d.Lat, lon: d.Lon, t: d.Time,
		t0: d.Time, lat0: d.Lat, lon0: d.Lon, r0: r}
	tr.p[0][0], tr.p[0][1], tr.p[1][0], tr.p[1][1] = r.xx, r.xy, r.xy, r.yy
	sv := 8.0 // m/s: unknown velocity, enough for a fast craft
	if d.Has&vessel.HasMotion != 0 {
		s, c := math.Sincos(d.CourseDeg * toRad)
		tr.vx, tr.vy = d.SpeedKn*knot*s, d.SpeedKn*knot*c
		sv = 1.5
	}
	tr.p[2][2], tr.p[3][3] = sv*sv, sv*sv
	if d.Target != "" {
		src.byTarget[d.Target] = tr
	}
	src.tracks = append(src.tracks, tr)
	return tr
}

// predict moves the track to time t with constant velocity and grows its
// covariance with white acceleration noise of q m/s².
func (tr *track) predict(t vessel.Time, q float64) {
	dt := float64(t-tr.t) / 1000
	if dt <= 0 {
		return
	}
	tr.t = t
	tr.lat, tr.lon = move(tr.lat, tr.lon, tr.vx*dt, tr.vy*dt)
	p := &tr.p
	// P = F P Fᵀ with F = [I dt·I; 0 I].
	var fp [4][4]float64
	for c := 0; c < 4; c++ {
		fp[0][c] = p[0][c] + dt*p[2][c]
		fp[1][c] = p[1][c] + dt*p[3][c]
		fp[2][c] = p[2][c]
		fp[3][c] = p[3][c]
	}
	for r := 0; r < 4; r++ {
		p[r][0] = fp[r][0] + dt*fp[r][2]
		p[r][1] = fp[r][1] + dt*fp[r][3]
		p[r][2] = fp[r][2]
		p[r][3] = fp[r][3]
	}
	q2 := q * q
	pp, pv, vv := dt*dt*dt*dt/4*q2, dt*dt*dt/2*q2, dt*dt*q2
	for i := 0; i < 2; i++ {
		p[i][i] += pp
		p[i][i+2] += pv
		p[i+2][i] += pv
		p[i+2][i+2] += vv
	}
}

// innovation returns the covariance of a report with noise r about the
// track's predicted position.
func (tr *track) innovation(r cov) cov {
	return cov{tr.p[0][0] + r.xx, (tr.p[0][1]+tr.p[1][0])/2 + r.xy, tr.p[1][1] + r.yy}
}

// update corrects the track with a report at (x, y) metres from its
// predicted position, with noise r.
func (tr *track) update(x, y float64, r cov) {
	s := tr.innovation(r)
	det := s.xx*s.yy - s.xy*s.xy
	if !(det > 0) {
		return
	}
	i00, i01, i11 := s.yy/det, -s.xy/det, s.xx/det
	p := &tr.p
	var k [4][2]float64
	for i := 0; i < 4; i++ {
		k[i][0] = p[i][0]*i00 + p[i][1]*i01
		k[i][1] = p[i][0]*i01 + p[i][1]*i11
	}
	var dx [4]float64
	for i := 0; i < 4; i++ {
		dx[i] = k[i][0]*x + k[i][1]*y
	}
	tr.lat, tr.lon = move(tr.lat, tr.lon, dx[0], dx[1])
	tr.vx += dx[2]
	tr.vy += dx[3]
	r0, r1 := p[0], p[1]
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			p[i][j] -= k[i][0]*r0[j] + k[i][1]*r1[j]
		}
	}
	for i := 0; i < 4; i++ {
		for j := i + 1; j < 4; j++ {
			m := (p[i][j] + p[j][i]) / 2
			p[i][j], p[j][i] = m, m
		}
	}
}

// assignLoose assigns the reports without a target number to the source's
// tracks without one, globally, and starts tracks for the rest.
func (a *Associator) assignLoose(src *radarSource, out []Contact, loose []int, trackOf []*track) {
	var cands []*track
	for _, tr := range src.tracks {
		if tr.target == "" && !tr.hit {
			cands = append(cands, tr)
		}
	}
	n, m := len(loose), len(cands)
	costs := make([]float64, n*m)
	miss := make([]float64, n)
	xs := make([][2]float64, n*m)
	for i, di := range loose {
		c := &out[di]
		r := a.noise(&c.Detection)
		miss[i] = a.cfg.GateD2
		for j, tr := range cands {
			pt := *tr
			pt.predict(c.Time, a.cfg.TrackAccelMS2)
			x, y := enu(pt.lat, pt.lon, c.Lat, c.Lon)
			d2 := pt.innovation(r).d2(x, y)
			if d2 > a.cfg.GateD2 {
				d2 = forbidden
			}
			costs[i*m+j] = d2
			xs[i*m+j] = [2]float64{x, y}
		}
	}
	got := a.solver.solve(n, m, func(i, j int) float64 { return costs[i*m+j] }, miss, nil)
	for i, di := range loose {
		c := &out[di]
		var tr *track
		if j := got[i]; j >= 0 {
			tr = cands[j]
			tr.predict(c.Time, a.cfg.TrackAccelMS2)
			x, y := enu(tr.lat, tr.lon, c.Lat, c.Lon)
			tr.update(x, y, a.noise(&c.Detection))
		} else {
			tr = a.newTrack(src, &c.Detection)
		}
		a.touch(tr)
		trackOf[di], tr.det = tr, di
	}
}

// trackCandidates finds the AIS vessels that could be the object of the
// track's report in this scan, folds them into the track's ledger and
// fills the track's row with the gated ones.
func (a *Associator) trackCandidates(tr *track, out []Contact) {
	d := &out[tr.det].Detection // the track's (last) report of this scan
	r := a.noise(d)
	maxAge := float64(a.cfg.MaxAISAgeRadar.Milliseconds()) / 1000
	for k := range tr.ledger {
		tr.ledger[k].seen = false
	}
	tr.nearest, tr.nearD2 = 0, 0
	w := tr.w
	capD2 := 2 * a.cfg.UnknownD2
	cos0 := cosLat(d.Lat)
	a.visit = visitState{tr: tr, d: d, r: r, maxAge: maxAge, w: w, capD2: capD2, cos0: cos0}
	a.vessels.Near(d.Lat, d.Lon, a.cfg.SearchRadiusRadarM, d.Time, a.visitFn)
	a.visit = visitState{}
	a.radarHeld(tr, d, r, w, capD2)
	tr.w = a.cfg.Fade*w + 1
	row := &a.rows[tr.row]
	// The candidate whose mean offset is least sure to be wrong sets the
	// zero of the bias penalty: the others pay how much less likely
	// their mean offset is, so a track inside a group follows the vessel
	// its reports centre on.
	minBias := math.Inf(1)
	for k := range tr.ledger {
		e := &tr.ledger[k]
		if e.seen {
			e.bias = e.meanD2()
			minBias = min(minBias, e.bias)
		}
	}
	keep := tr.ledger[:0]
	for _, e := range tr.ledger {
		if !e.seen {
			e.c = a.cfg.Fade*e.c + capD2
			f := a.cfg.BiasFade
			e.bx, e.by, e.bw, e.bw2 = f*e.bx, f*e.by, f*e.bw, f*f*e.bw2
			e.bc = cov{f * e.bc.xx, f * e.bc.xy, f * e.bc.yy}
		}
		avg := e.c / tr.w
		if avg > capD2 && e.mmsi != tr.mmsi {
			continue // forgotten
		}
		keep = append(keep, e)
		if e.seen {
			// Every candidate seen is listed; only those within
			// TrackGateD2 (the row's miss cost) can be chosen.
			cand := e.cand
			cand.Cost = avg + a.cfg.BiasWeight*min(e.bias-minBias, a.cfg.UnknownD2)
			if e.mmsi == tr.mmsi {
				cand.Cost -= a.cfg.Sticky
			}
			row.edges = append(row.edges, cand)
		}
	}
	tr.ledger = keep
	if len(tr.ledger) > 8 {
		slices.SortFunc(tr.ledger, func(x, y entry) int {
			if x.mmsi == tr.mmsi {
				return -1
			}
			if y.mmsi == tr.mmsi {
				return 1
			}
			switch {
			case x.c < y.c:
				return -1
			case x.c > y.c:
				return 1
			}
			return 0
		})
		tr.ledger = tr.ledger[:8]
	}
}

// radarHeld adds to the track's ledger the identities other radars hold
// through AIS silence: a live held track of another source seeing the same
// object, or a held track of any source that ended within LinkWindow
// where this one could be now; not when the vessel's AIS has reported
// since the identity was held. So an identity survives the end of the
// track that carried it (the vessel left one radar's cover, or the radar
// dropped and renumbered it).
func (a *Associator) radarHeld(tr *track, d *vessel.Detection, r cov, w, capD2 float64) {
	add := func(m vessel.MMSI, aisT vessel.Time, x, y float64, c cov) {
		d2 := c.d2(x, y)
		if !(d2 <= capD2) {
			return
		}
		if v, ok := a.vessels.Vessel(m); ok && v.Time > aisT {
			// Its AIS has spoken since the identity was held: it is
			// not silent, and its reports, not another track, say
			// where it is. (Else two radars' tracks of a dark craft
			// that once took a fast boat's identity between its AIS
			// reports would hold it for each other for ever.)
			return
		}
		k := slices.IndexFunc(tr.ledger, func(e entry) bool { return e.mmsi == m })
		if k >= 0 && tr.ledger[k].seen {
			return // its AIS is a candidate already
		}
		if k < 0 {
			tr.ledger = append(tr.ledger, entry{mmsi: m, c: w * a.cfg.UnknownD2})
			k = len(tr.ledger) - 1
		}
		e := &tr.ledger[k]
		e.seen = true
		e.c = a.cfg.Fade*e.c + d2
		e.fold(x, y, c, a.cfg.BiasFade)
		e.cand = Candidate{MMSI: m, AgeS: float64(d.Time-aisT) / 1000, DistM: math.Hypot(x, y), D2: d2,
			reportT: aisT, viaRadar: true}
	}
	for _, src := range a.srcList {
		if src == tr.src {
			continue
		}
		for _, o := range src.tracks {
			if !o.held || o.mmsi == 0 || o.t-d.Time > 60000 || d.Time-o.t > 60000 {
				continue
			}
			p := *o
			p.predict(d.Time, a.cfg.TrackAccelMS2)
			x, y := enu(p.lat, p.lon, d.Lat, d.Lon)
			add(o.mmsi, o.aisT, x, y, p.innovation(r))
		}
	}
	for _, h := range a.heldEnded {
		dt := float64(d.Time-h.t) / 1000
		if dt < 0 {
			continue
		}
		lat, lon := move(h.lat, h.lon, h.vx*dt, h.vy*dt)
		x, y := enu(lat, lon, d.Lat, d.Lon)
		add(h.mmsi, h.aisT, x, y, iso(300+2*dt).add(r))
	}
}

// identify sets the track's identity from the assignment: the chosen
// vessel; else the identity it had, held by radar, as long as no other
// track took that vessel and no AIS report of it arrived since it last
// matched the track (its AIS is silent, or the vessel has run out of the
// candidate query); else none.
func (a *Associator) identify(tr *track, r *row, choice int, none float64) {
	tr.scanNone = none
	if choice >= 0 {
		e := &r.edges[choice]
		tr.mmsi, tr.aisT, tr.held = e.MMSI, e.reportT, e.viaRadar
		if e.viaRadar {
			a.heldEnded = slices.DeleteFunc(a.heldEnded, func(h heldEnd) bool { return h.mmsi == e.MMSI })
		}
		return
	}
	if tr.mmsi != 0 {
		if _, taken := a.taken[tr.mmsi]; !taken {
			if v, ok := a.vessels.Vessel(tr.mmsi); ok && v.Time <= tr.aisT {
				tr.held = true
				return
			}
		}
	}
	tr.mmsi = 0
	tr.held = false
}

// expireTracks ends the source's tracks not updated for TrackTimeout.
func (a *Associator) expireTracks(src *radarSource, now vessel.Time) {
	limit := vessel.Time(a.cfg.TrackTimeout.Milliseconds())
	var old []*track
	for _, tr := range src.tracks {
		if now-tr.t > limit {
			old = append(old, tr)
		}
	}
	for _, tr := range old {
		a.endTrack(tr)
	}
}

// endTrack removes tr from its source; a dark episode it carried waits
// LinkWindow for a continuation.
func (a *Associator) endTrack(tr *track) {
	src := tr.src
	if tr.target != "" && src.byTarget[tr.target] == tr {
		delete(src.byTarget, tr.target)
	}
	src.tracks = slices.DeleteFunc(src.tracks, func(x *track) bool { return x == tr })
	if tr.ep != nil {
		ep := tr.ep
		ep.ended(tr)
		if ep.live--; ep.live == 0 {
			a.ended = append(a.ended, ep)
		}
		tr.ep = nil
	}
	for _, s := range tr.suspects {
		if s.ep != nil {
			a.releaseMismatch(s.ep, tr.t)
		}
	}
	tr.suspects = nil
	if tr.mmsi != 0 && tr.held {
		// The identity the track carried through AIS silence waits
		// LinkWindow for a track to take it over.
		a.heldEnded = append(a.heldEnded, heldEnd{mmsi: tr.mmsi, source: tr.src.name, t: tr.t,
			lat: tr.lat, lon: tr.lon, vx: tr.vx, vy: tr.vy, aisT: tr.aisT})
	}
}

// visitState is the state of one candidate query of a radar track; the
// callback is a method value made once, so a query allocates nothing.
type visitState struct {
	tr                     *track
	d                      *vessel.Detection
	r                      cov
	maxAge, w, capD2, cos0 float64
}

// visitRadar folds one AIS vessel found near a radar report into the
// report's track's ledger.
func (a *Associator) visitRadar(v VesselState) bool {
	s := &a.visit
	tr, d := s.tr, s.d
	age := float64(d.Time-v.Time) / 1000
	if age > s.maxAge || age < -s.maxAge {
		return true
	}
	p := a.predict(&v, d.Time, d.Lat, d.Lon, s.cos0)
	x, y := p.x, p.y
	d2 := p.c.add(s.r).d2(x, y)
	if tr.nearest == 0 || d2 < tr.nearD2 {
		tr.nearest, tr.nearD2 = v.MMSI, d2
	}
	if !(d2 <= s.capD2) { // also NaN from a picture's bad numbers
		return true
	}
	k := -1
	for i := range tr.ledger {
		if tr.ledger[i].mmsi == v.MMSI {
			k = i
			break
		}
	}
	if k < 0 {
		tr.ledger = append(tr.ledger, entry{mmsi: v.MMSI, c: s.w * a.cfg.UnknownD2})
		k = len(tr.ledger) - 1
	}
	e := &tr.ledger[k]
	e.seen = true
	e.c = a.cfg.Fade*e.c + d2
	e.fold(-x, -y, p.c.add(s.r), a.cfg.BiasFade)
	e.cand = Candidate{MMSI: v.MMSI, AgeS: age, DistM: math.Hypot(x, y), D2: d2, reportT: v.Time}
	return true
}
