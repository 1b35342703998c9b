package contact

import (
	"math"
	"slices"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Associator associates radar and satellite detections with AIS vessels,
// keeps radar tracks and finds dark targets. It is synchronous and not
// safe for concurrent use: one goroutine (the pipeline's owner of the
// sensor inputs) calls it. Time comes only from the detections and from
// the now passed to Flush.
type Associator struct {
	cfg     Config
	vessels Vessels
	stats   Stats

	sources map[string]*radarSource
	srcList []*radarSource // the same, by name
	nextID  uint64

	ended     []*episode // episodes of dark radar tracks that ended, awaiting a continuation
	heldEnded []heldEnd  // identities of tracks that ended while held by radar
	sat       []*episode // open satellite episodes
	// AIS position mismatch episodes, open or awaiting a continuation
	mismatches []*episode
	doubtful   []pending // unexplained doubtful satellite detections
	queue      []Episode

	// scratch reused between calls
	arena    []Candidate // storage handed out to contacts, never reused
	rows     []row
	cands    []Candidate
	choice   []int
	uf       unionFind
	solver   solver
	comp     []int
	cols     []vessel.MMSI
	taken    map[vessel.MMSI]struct{}
	colIndex map[vessel.MMSI]int
	first    map[vessel.MMSI]int
	updated  []*track
	visit    visitState
	visitFn  func(VesselState) bool // a.visitRadar, made once
}

type radarSource struct {
	maxRangeM float64 // the longest range reported: the radar's cover
	name      string
	byTarget  map[string]*track
	tracks    []*track
}

// row is one assignment problem row: a radar track or a satellite
// detection, with its gated candidate edges.
type row struct {
	edges []Candidate
	miss  float64
}

// heldEnd is the last state of a radar track that ended while it held an
// identity through AIS silence.
type heldEnd struct {
	mmsi             vessel.MMSI
	source           string
	t, aisT          vessel.Time
	lat, lon, vx, vy float64
}

type pending struct {
	d vessel.Detection
}

// New returns an Associator reading AIS vessels from v.
func New(cfg Config, v Vessels) *Associator {
	a := &Associator{
		cfg:      cfg.withDefaults(),
		vessels:  v,
		sources:  make(map[string]*radarSource),
		taken:    make(map[vessel.MMSI]struct{}),
		colIndex: make(map[vessel.MMSI]int),
		first:    make(map[vessel.MMSI]int),
	}
	a.visitFn = a.visitRadar
	return a
}

// Stats returns the counters so far.
func (a *Associator) Stats() Stats { return a.stats }

// Episodes appends the dark-target episode updates produced since the last
// call to dst and returns it; the queue holds at most Config.MaxQueued
// updates (more are dropped and counted in Stats.QueueDropped).
func (a *Associator) Episodes(dst []Episode) []Episode {
	dst = append(dst, a.queue...)
	clear(a.queue)
	a.queue = a.queue[:0]
	return dst
}

func (a *Associator) validate(i int, d *vessel.Detection, want vessel.Sensor) error {
	reason := ""
	switch {
	case d.Sensor != want:
		reason = "sensor " + d.Sensor.String() + ", want " + want.String()
	case d.Time == 0:
		reason = "no time"
	case !finite(d.Lat, d.Lon, d.PosErrM, d.SpeedKn, d.CourseDeg, d.LengthM, d.Score, d.RangeM, d.BearingDeg):
		reason = "non-finite number"
	case d.Lat < -90 || d.Lat > 90 || d.Lon < -180 || d.Lon > 180:
		reason = "position outside WGS-84"
	case d.PosErrM < 0 || d.RangeM < 0 || d.SpeedKn < 0 || d.LengthM < 0:
		reason = "negative error, range, speed or length"
	case d.PosErrM > 1e6 || d.RangeM > 1e7 || d.SpeedKn > 1e4 || d.LengthM > 1e4:
		reason = "implausible error, range, speed or length"
	default:
		return nil
	}
	return &DetectionError{Index: i, Reason: reason}
}

// noise returns the measurement covariance of d: from range and bearing
// when the sensor gave them, else from its PosErrM, else the sensor's
// default.
func (a *Associator) noise(d *vessel.Detection) cov {
	n := a.cfg.Radar
	if d.Sensor == vessel.SensorSatellite {
		n = a.cfg.Satellite
	}
	switch {
	case d.Has&vessel.HasPolar != 0 && d.RangeM > 0:
		sr := n.RangeErrM + n.RangeErrFrac*d.RangeM
		sb := max(d.RangeM*n.BearingErrDeg*toRad, 1)
		return axes(d.BearingDeg, sr, sb)
	case d.PosErrM > 0:
		return iso(d.PosErrM)
	}
	return iso(n.PosErrM)
}

// prediction is an AIS vessel dead-reckoned to a detection's time, on the
// local plane centred on the detection.
type prediction struct {
	x, y   float64 // metres east and north of the detection
	vx, vy float64 // m/s east, north
	c      cov
}

// predict dead-reckons v to t from its last report, on the plane centred
// on (lat0, lon0) whose cosine of latitude is cos0. The uncertainty grows
// with the time since the report: along the course with the speed error,
// across it with the course error times the distance run.
func (a *Associator) predict(v *VesselState, t vessel.Time, lat0, lon0, cos0 float64) prediction {
	dlon := v.Lon - lon0
	if dlon > 180 {
		dlon -= 360
	} else if dlon < -180 {
		dlon += 360
	}
	p := prediction{x: dlon * mPerDeg * cos0, y: (v.Lat - lat0) * mPerDeg}
	dt := float64(t-v.Time) / 1000
	adt := math.Abs(dt)
	p0 := a.cfg.AISPosErrM
	if !v.HasMotion || !finite(v.SOGKn, v.COGDeg) || v.SOGKn < 0 {
		s := a.cfg.DriftMS * adt
		p.c = iso(math.Sqrt(p0*p0 + s*s))
		return p
	}
	sp := v.SOGKn * knot
	sn, cs := math.Sincos(v.COGDeg * toRad)
	p.vx, p.vy = sp*sn, sp*cs
	p.x += p.vx * dt
	p.y += p.vy * dt
	sv := (a.cfg.SpeedErrMS + a.cfg.SpeedErrFrac*sp) * adt
	sc := sp * adt * a.cfg.CourseErrDeg * toRad
	a2, c2 := p0*p0+sv*sv, p0*p0+sv*sv+sc*sc
	// along (sn, cs), across (cs, -sn)
	p.c = cov{xx: a2*sn*sn + c2*cs*cs, xy: (a2 - c2) * sn * cs, yy: a2*cs*cs + c2*sn*sn}
	return p
}

// assign solves the rows of a.rows globally: rows that share a candidate
// vessel form one component, solved exactly; a.choice gets for each row
// the index of its chosen edge or -1.
func (a *Associator) assign() {
	rows := a.rows
	a.choice = growInt(a.choice, len(rows))
	a.uf.reset(len(rows))
	clear(a.first)
	for i := range rows {
		for _, e := range rows[i].edges {
			if e.Cost > rows[i].miss {
				continue // listed for the analyst, never chosen
			}
			if j, ok := a.first[e.MMSI]; ok {
				a.uf.union(j, i)
			} else {
				a.first[e.MMSI] = i
			}
		}
	}
	// Singletons (the usual case) are decided directly; rows of larger
	// components are gathered by their root and solved together.
	a.comp = growInt(a.comp, 2*len(rows))
	root, size := a.comp[:len(rows)], a.comp[len(rows):]
	clear(size)
	for i := range rows {
		root[i] = a.uf.find(i)
		size[root[i]]++
		a.choice[i] = -1
	}
	var groups map[int][]int
	for i := range rows {
		if size[root[i]] == 1 {
			best, bc := -1, rows[i].miss
			for j, e := range rows[i].edges {
				if e.Cost < bc {
					best, bc = j, e.Cost
				}
			}
			a.choice[i] = best
			continue
		}
		if groups == nil {
			groups = make(map[int][]int)
		}
		groups[root[i]] = append(groups[root[i]], i)
	}
	for _, r := range sortedKeys(groups) {
		a.solveComponent(groups[r])
	}
}

func sortedKeys(m map[int][]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (a *Associator) solveComponent(members []int) {
	rows := a.rows
	a.cols = a.cols[:0]
	clear(a.colIndex)
	for _, r := range members {
		for _, e := range rows[r].edges {
			if e.Cost > rows[r].miss {
				continue
			}
			if _, ok := a.colIndex[e.MMSI]; !ok {
				a.colIndex[e.MMSI] = len(a.cols)
				a.cols = append(a.cols, e.MMSI)
			}
		}
	}
	n, m := len(members), len(a.cols)
	costs := make([]float64, n*m)
	for i := range costs {
		costs[i] = forbidden
	}
	miss := make([]float64, n)
	for i, r := range members {
		miss[i] = rows[r].miss
		for _, e := range rows[r].edges {
			if e.Cost <= rows[r].miss {
				costs[i*m+a.colIndex[e.MMSI]] = e.Cost
			}
		}
	}
	out := a.solver.solve(n, m, func(i, j int) float64 { return costs[i*m+j] }, miss, nil)
	for i, r := range members {
		a.choice[r] = -1
		if out[i] < 0 {
			continue
		}
		mm := a.cols[out[i]]
		for j, e := range rows[r].edges {
			if e.MMSI == mm {
				a.choice[r] = j
			}
		}
	}
}

// score fills the posterior Score of each edge of r and sorts them best
// first; it returns the posterior of "none".
func (a *Associator) score(r *row) float64 {
	slices.SortFunc(r.edges, func(x, y Candidate) int {
		switch {
		case x.Cost < y.Cost:
			return -1
		case x.Cost > y.Cost:
			return 1
		}
		return int(x.MMSI) - int(y.MMSI)
	})
	sum := math.Exp(-r.miss / 2)
	none := sum
	for _, e := range r.edges {
		sum += math.Exp(-e.Cost / 2)
	}
	for j := range r.edges {
		r.edges[j].Score = math.Exp(-r.edges[j].Cost/2) / sum
	}
	return none / sum
}

// candidates returns the first MaxCandidates edges of r in storage of its
// own, carved from one block per call so that a scan allocates once.
func (a *Associator) candidates(r *row) []Candidate {
	n := min(len(r.edges), a.cfg.MaxCandidates)
	if n == 0 {
		return nil
	}
	if cap(a.arena)-len(a.arena) < n {
		a.arena = make([]Candidate, 0, max(256, 4*n))
	}
	k := len(a.arena)
	a.arena = append(a.arena, r.edges[:n]...)
	return a.arena[k : k+n : k+n]
}

// newRow appends a row with no edges to a.rows, reusing the storage of
// earlier scans.
func (a *Associator) newRow(miss float64) *row {
	k := len(a.rows)
	if k < cap(a.rows) {
		a.rows = a.rows[:k+1]
		a.rows[k].edges = a.rows[k].edges[:0]
	} else {
		a.rows = append(a.rows, row{})
	}
	a.rows[k].miss = miss
	return &a.rows[k]
}

func (a *Associator) push(ep *episode) {
	ep.Version++
	ep.lastEmit = ep.End
	e := ep.Episode
	e.Evidence.Targets = slices.Clone(e.Evidence.Targets)
	e.Evidence.Scenes = slices.Clone(e.Evidence.Scenes)
	if len(a.queue) >= a.cfg.MaxQueued {
		a.stats.QueueDropped++
		return
	}
	a.queue = append(a.queue, e)
}

func appendBounded(s []string, v string) []string {
	if v == "" || len(s) >= 8 || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func msString(t vessel.Time) string { return strconv.FormatInt(int64(t), 10) }
