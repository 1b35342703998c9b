package store

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// view is a consistent set of what to read: taken under the read lock,
// used while it is held.
type view struct {
	db      *DB
	heads   []*head
	blocks  []*block
	buf     []byte
	scratch []point
}

func (db *DB) view() (*view, func(), error) {
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	v := &view{db: db, blocks: db.blocks, heads: []*head{db.head}}
	if db.frozen != nil {
		v.heads = append(v.heads, db.frozen)
	}
	return v, db.mu.RUnlock, nil
}

func overlaps(aMin, aMax, bMin, bMax int64) bool { return aMin <= bMax && bMin <= aMax }

// points returns the positions of one vessel with times in [from, to],
// sorted by time (stable: equal times keep storage order).
func (v *view) points(ctx context.Context, m vessel.MMSI, from, to int64) ([]point, error) {
	return v.pointsInto(ctx, nil, m, from, to)
}

// pointsInto is points appending to out. It stops with ctx.Err() when ctx
// is done, checked before each chunk it reads.
func (v *view) pointsInto(ctx context.Context, out []point, m vessel.MMSI, from, to int64) ([]point, error) {
	var err error
	need := 0
	for _, b := range v.blocks {
		if overlaps(b.meta.minT, b.meta.maxT, from, to) {
			for _, e := range b.vesselChunks(m) {
				if overlaps(e.minT, e.maxT, from, to) {
					need += int(e.count)
				}
			}
		}
	}
	out = slices.Grow(out, need)
	for _, b := range v.blocks {
		if !overlaps(b.meta.minT, b.meta.maxT, from, to) {
			continue
		}
		for _, e := range b.vesselChunks(m) {
			if !overlaps(e.minT, e.maxT, from, to) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			n := len(out)
			if out, err = b.readChunkUntil(out, &e, &v.buf, to); err != nil {
				if v.db.badChunk(b, &e, err) {
					out = out[:n]
					continue
				}
				return nil, err
			}
			out = append(out[:n], filterTime(out[n:], from, to)...)
		}
	}
	for _, h := range v.heads {
		if s := h.series[m]; s != nil {
			for _, p := range s.pts {
				if p.t >= from && p.t <= to {
					out = append(out, p)
				}
			}
		}
	}
	if !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].t < out[j].t }) {
		sort.SliceStable(out, func(i, j int) bool { return out[i].t < out[j].t })
	}
	return out, nil
}

func filterTime(pts []point, from, to int64) []point {
	out := pts[:0]
	for _, p := range pts {
		if p.t >= from && p.t <= to {
			out = append(out, p)
		}
	}
	return out
}

func (db *DB) sourceName(id uint32) string {
	if int(id) < len(db.sources) {
		return db.sources[id]
	}
	return ""
}

// Track returns the positions of a vessel with times in [from, to], in
// time order. Flagged positions (vessel.Bad) are left out unless flagged
// is true.
func (db *DB) Track(m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error) {
	return db.TrackContext(context.Background(), m, from, to, flagged)
}

// TrackContext is Track that stops when ctx is done (checked before each
// chunk it reads), returning ctx.Err(): a time budget for the API.
func (db *DB) TrackContext(ctx context.Context, m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	pts, err := v.points(ctx, m, int64(from), int64(to))
	if err != nil {
		return nil, err
	}
	out := make([]vessel.Position, 0, len(pts))
	for i := range pts {
		if flagged || pts[i].good() {
			out = append(out, pts[i].position(m, db.sourceName(pts[i].src)))
		}
	}
	return out, nil
}

// Approach is a vessel's closest approach to a point in a time window.
type Approach struct {
	MMSI     vessel.MMSI
	Time     vessel.Time // when it was closest
	Distance float64     // metres
	Lat, Lon float64     // where it was then
	// Interpolated is true when the closest point lies between two
	// reports rather than on one.
	Interpolated bool
	// Reports is the number of the vessel's reports in the window.
	Reports int
	// Track is the track hypothesis (vessel.Position.Track) of the report
	// found closest, or when interpolated of the report the closest point
	// follows; 0 when unassigned.
	Track uint8
}

// NearOptions tune Near.
type NearOptions struct {
	// Flagged includes flagged positions (normally left out).
	Flagged bool
}

func rectOfEntry(minLat, maxLat, minLon, maxLon int32) geo.Rect {
	return geo.Rect{MinLat: toDeg(minLat), MaxLat: toDeg(maxLat), MinLon: toDeg(minLon), MaxLon: toDeg(maxLon)}
}

// Near returns every vessel that was within radius metres of c at some
// time in [from, to], with its closest approach, nearest first. Positions
// are interpolated along the great circle between consecutive reports at
// most 30 minutes apart, so a vessel passing between two reports is
// found.
func (db *DB) Near(c geo.Point, radius float64, from, to vessel.Time, opt NearOptions) ([]Approach, error) {
	return db.NearContext(context.Background(), c, radius, from, to, opt)
}

// NearContext is Near that stops when ctx is done, returning its error.
func (db *DB) NearContext(ctx context.Context, c geo.Point, radius float64, from, to vessel.Time, opt NearOptions) ([]Approach, error) {
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	lo, hi := int64(from)-maxInterpGap, int64(to)+maxInterpGap
	cand := map[vessel.MMSI]bool{}
	v.nearCandidates(c, radius, lo, hi, cand)
	var out []Approach
	for m := range cand {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pts, err := v.pointsInto(ctx, v.scratch[:0], m, lo, hi)
		if err != nil {
			return nil, err
		}
		v.scratch = pts
		if a, ok := closest(m, pts, c, radius, int64(from), int64(to), opt.Flagged); ok {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Approach) int {
		switch {
		case a.Distance < b.Distance:
			return -1
		case a.Distance > b.Distance:
			return 1
		}
		return int(a.MMSI) - int(b.MMSI)
	})
	return out, nil
}

// nearCandidates adds to cand every vessel with a chunk or head series
// in [lo, hi] that may come within radius of c, and returns how many
// block index entries it examined (the grid's cost: none over an empty
// sea).
func (v *view) nearCandidates(c geo.Point, radius float64, lo, hi int64, cand map[vessel.MMSI]bool) (examined int) {
	boxes := nearBoxes{c: c, radius: radius}
	// The cells of every chunk that may pass the exact test below: those
	// in cells widen the query box by at most gridMaxWiden.
	cells := unitBoxOf(geo.RectAround(c, radius+gridMaxWiden))
	for _, b := range v.blocks {
		if !overlaps(b.meta.minT, b.meta.maxT, lo, hi) {
			continue
		}
		b.eachIn(lo, hi, &cells, func(i uint32) {
			examined++
			e := &b.index[i]
			if overlaps(e.minT, e.maxT, lo, hi) && boxes.around(e.ext).meets(e) && !cand[e.mmsi] {
				cand[e.mmsi] = true
			}
		})
	}
	// The head is small and in memory: its series are checked against a
	// box that allows for the longest segment a fast vessel makes in the
	// interpolation gap.
	headBox := geo.RectAround(c, radius+maxHeadExt)
	for _, h := range v.heads {
		for m, s := range h.series {
			if !cand[m] && headBox.Intersects(rectOfEntry(s.minLat, s.maxLat, s.minLon, s.maxLon)) {
				cand[m] = true
			}
		}
	}
	return examined
}

// nearBoxes caches the query boxes widened by a chunk's ext, rounded up
// to a power of two metres so that a few boxes serve every chunk. The boxes
// are in stored units, so that the test against a chunk's box is integer
// comparisons.
type nearBoxes struct {
	c      geo.Point
	radius float64
	boxes  [33]unitBox
	have   [33]bool
}

// unitBox is a geo.Rect in stored units; when it crosses the antimeridian
// (west > east) it is the two ranges [west, 180°] and [-180°, east].
type unitBox struct {
	minLat, maxLat, west, east int32
}

func unitBoxOf(r geo.Rect) unitBox {
	return unitBox{toUnitsFloor(r.MinLat), toUnitsCeil(r.MaxLat), toUnitsFloor(r.MinLon), toUnitsCeil(r.MaxLon)}
}

func toUnitsFloor(deg float64) int32 { return int32(math.Floor(deg * coordScale)) }
func toUnitsCeil(deg float64) int32  { return int32(math.Ceil(deg * coordScale)) }

// meets reports whether the box and the chunk's box overlap.
func (u *unitBox) meets(e *chunkEntry) bool {
	if e.maxLat < u.minLat || e.minLat > u.maxLat {
		return false
	}
	if u.west <= u.east {
		return e.maxLon >= u.west && e.minLon <= u.east
	}
	return e.maxLon >= u.west || e.minLon <= u.east
}

func (n *nearBoxes) around(ext uint32) *unitBox {
	k := bits.Len32(ext) // ext <= 1<<k - 1
	if !n.have[k] {
		n.boxes[k] = unitBoxOf(geo.RectAround(n.c, n.radius+float64(uint64(1)<<k)))
		n.have[k] = true
	}
	return &n.boxes[k]
}

// maxHeadExt is the box margin for head series: 70 knots for 30 minutes.
const maxHeadExt = 70 * 1852.0 / 2

func gp(p *point) geo.Point { return geo.Point{Lat: toDeg(p.lat), Lon: toDeg(p.lon)} }

// at returns the position at time t on the segment a→b (a.t <= t <= b.t).
func at(a, b *point, t int64) geo.Point {
	if b.t == a.t {
		return gp(a)
	}
	return geo.Interpolate(gp(a), gp(b), float64(t-a.t)/float64(b.t-a.t))
}

// closest finds the closest approach of the track pts to c within [from,
// to]; ok is false if it never came within radius.
//
// A flat-earth distance around c, cheap and accurate to well under 2% for
// the short distances that matter, screens points and segments: only those
// that may beat the best so far (or the radius) get the exact spherical
// computation.
func closest(m vessel.MMSI, pts []point, c geo.Point, radius float64, from, to int64, flagged bool) (Approach, bool) {
	best := Approach{MMSI: m, Distance: math.Inf(1)}
	fl := newFlat(c)
	var prev *point
	var px, py float64
	for i := range pts {
		p := &pts[i]
		if !flagged && !p.good() {
			continue
		}
		x, y := fl.xy(p)
		limit := max(best.Distance, radius)
		if math.IsInf(limit, 1) {
			limit = radius
		}
		if p.t >= from && p.t <= to {
			best.Reports++
			if fl.mayBeWithin(math.Hypot(x, y), limit) {
				if d := geo.Distance(gp(p), c); d < best.Distance {
					best.Distance, best.Time, best.Lat, best.Lon, best.Interpolated = d, vessel.Time(p.t), toDeg(p.lat), toDeg(p.lon), false
					best.Track = p.track
				}
			}
		}
		if prev != nil && p.t-prev.t <= maxInterpGap && p.t > prev.t && prev.t <= to && p.t >= from &&
			fl.mayBeWithin(segDist(px, py, x, y), max(best.Distance, radius)) {
			// The segment clipped to the window.
			t0, t1 := max(prev.t, from), min(p.t, to)
			a, b := at(prev, p, t0), at(prev, p, t1)
			f, d := geo.ClosestApproach(a, b, c)
			if d < best.Distance {
				q := geo.Interpolate(a, b, f)
				best.Distance, best.Lat, best.Lon = d, q.Lat, q.Lon
				best.Time = vessel.Time(t0 + int64(math.Round(f*float64(t1-t0))))
				best.Interpolated = best.Time != vessel.Time(prev.t) && best.Time != vessel.Time(p.t)
				best.Track = prev.track
				if best.Time == vessel.Time(p.t) {
					best.Track = p.track
				}
			}
		}
		prev, px, py = p, x, y
	}
	return best, best.Distance <= radius
}

// flat is an equirectangular projection around a point, in metres.
type flat struct {
	lat, lon, kx float64
}

const metresPerDegree = geo.EarthRadius * math.Pi / 180

func newFlat(c geo.Point) flat {
	return flat{lat: c.Lat, lon: c.Lon, kx: math.Cos(c.Lat*math.Pi/180) * metresPerDegree}
}

func (f *flat) xy(p *point) (x, y float64) {
	dlon := toDeg(p.lon) - f.lon
	switch {
	case dlon > 180:
		dlon -= 360
	case dlon < -180:
		dlon += 360
	}
	return dlon * f.kx, (toDeg(p.lat) - f.lat) * metresPerDegree
}

// mayBeWithin says whether a flat distance d may be an exact distance of
// at most limit. The projection is trusted only near the point: beyond
// 200 km, or near the poles, everything goes to the exact computation.
func (f *flat) mayBeWithin(d, limit float64) bool {
	if d > 200e3 || math.Abs(f.lat) > 70 {
		return true
	}
	return d*0.98-50 <= limit
}

// segDist is the distance from the origin to the segment (ax,ay)-(bx,by).
func segDist(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = max(0, min(1, -(ax*dx+ay*dy)/l2))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// AreaHit is a vessel seen inside an area during a window.
type AreaHit struct {
	MMSI        vessel.MMSI
	First, Last vessel.Time // its first and last report inside
	Reports     int         // reports inside the area in the window
	// FirstLat/FirstLon and LastLat/LastLon are the positions of those
	// reports.
	FirstLat, FirstLon, LastLat, LastLon float64
}

// Area returns the vessels that reported from inside area (a polygon
// set) with times in [from, to], ordered by MMSI. Flagged positions are
// left out unless flagged is true.
func (db *DB) Area(area geo.MultiPolygon, from, to vessel.Time, flagged bool) ([]AreaHit, error) {
	return db.AreaContext(context.Background(), area, from, to, flagged)
}

// AreaContext is Area that stops when ctx is done, returning its error.
func (db *DB) AreaContext(ctx context.Context, area geo.MultiPolygon, from, to vessel.Time, flagged bool) ([]AreaHit, error) {
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	bounds := area.Bounds()
	lo, hi := int64(from), int64(to)
	cand := map[vessel.MMSI]bool{}
	cells := unitBoxOf(bounds)
	for _, b := range v.blocks {
		if !overlaps(b.meta.minT, b.meta.maxT, lo, hi) {
			continue
		}
		b.eachIn(lo, hi, &cells, func(i uint32) {
			e := &b.index[i]
			if !cand[e.mmsi] && overlaps(e.minT, e.maxT, lo, hi) && bounds.Intersects(rectOfEntry(e.minLat, e.maxLat, e.minLon, e.maxLon)) {
				cand[e.mmsi] = true
			}
		})
	}
	for _, h := range v.heads {
		for m, s := range h.series {
			if !cand[m] && bounds.Intersects(rectOfEntry(s.minLat, s.maxLat, s.minLon, s.maxLon)) {
				cand[m] = true
			}
		}
	}
	var out []AreaHit
	for m := range cand {
		pts, err := v.points(ctx, m, lo, hi)
		if err != nil {
			return nil, err
		}
		hit := AreaHit{MMSI: m}
		for i := range pts {
			if i&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			p := &pts[i]
			if !flagged && !p.good() {
				continue
			}
			q := gp(p)
			if !bounds.Contains(q) || !area.Contains(q) {
				continue
			}
			if hit.Reports == 0 {
				hit.First, hit.FirstLat, hit.FirstLon = vessel.Time(p.t), q.Lat, q.Lon
			}
			hit.Last, hit.LastLat, hit.LastLon = vessel.Time(p.t), q.Lat, q.Lon
			hit.Reports++
		}
		if hit.Reports > 0 {
			out = append(out, hit)
		}
	}
	slices.SortFunc(out, func(a, b AreaHit) int { return int(a.MMSI) - int(b.MMSI) })
	return out, nil
}

// VesselAt is a vessel in the picture at a moment.
type VesselAt struct {
	MMSI vessel.MMSI
	// Position is the last good position at or before the moment, within
	// the maximum age; HasPosition is false if there is none.
	Position    vessel.Position
	HasPosition bool
	// Static is the static data merged from every report up to the moment;
	// Times holds when each field was last updated.
	Static vessel.Static
	Times  vessel.FieldTimes
	// Reports is the number of stored positions in the age window.
	Reports int
}

// At returns the picture at time t: every vessel with a good position in
// (t-maxAge, t] and its static data as of t, ordered by MMSI. Vessels with
// static data but no position in the window are included only if
// withStaticOnly.
func (db *DB) At(t vessel.Time, maxAge vessel.Time, withStaticOnly bool) ([]VesselAt, error) {
	return db.AtContext(context.Background(), t, maxAge, withStaticOnly)
}

// AtContext is At that stops when ctx is done (checked before each block
// and each chunk it reads, and before the head), returning ctx.Err(): a
// time budget for the API.
func (db *DB) AtContext(ctx context.Context, t vessel.Time, maxAge vessel.Time, withStaticOnly bool) ([]VesselAt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	lo, hi := int64(t-maxAge), int64(t)
	type acc struct {
		last    point
		ok      bool
		reports int
	}
	found := map[vessel.MMSI]*acc{}
	take := func(m vessel.MMSI, p *point) {
		if p.t <= lo || p.t > hi {
			return
		}
		a := found[m]
		if a == nil {
			a = &acc{}
			found[m] = a
		}
		a.reports++
		if p.good() && (!a.ok || p.t >= a.last.t) {
			a.last, a.ok = *p, true
		}
	}
	var pts []point
	for _, b := range v.blocks {
		if !overlaps(b.meta.minT, b.meta.maxT, lo, hi) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if b.sum != nil && lo < b.meta.minT && b.meta.maxT <= hi && !db.damaged(b.path) {
			// The whole block is in the window: its summary says what
			// reading every position would (snapshot.go).
			for i := range b.sum.vessels {
				s := &b.sum.vessels[i]
				a := found[s.mmsi]
				if a == nil {
					a = &acc{}
					found[s.mmsi] = a
				}
				a.reports += int(s.count)
				if s.ok && (!a.ok || s.last.t >= a.last.t) {
					a.last, a.ok = s.last, true
				}
			}
			continue
		}
		for i := range b.index {
			e := &b.index[i]
			if !overlaps(e.minT, e.maxT, lo, hi) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if pts, err = b.readChunk(pts[:0], e, &v.buf); err != nil {
				if v.db.badChunk(b, e, err) {
					continue
				}
				return nil, err
			}
			for j := range pts {
				take(e.mmsi, &pts[j])
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, h := range v.heads {
		for m, s := range h.series {
			for j := range s.pts {
				take(m, &s.pts[j])
			}
		}
	}
	out := make([]VesselAt, 0, len(found))
	add := func(m vessel.MMSI, a *acc) {
		va := VesselAt{MMSI: m}
		if a != nil {
			va.Reports = a.reports
			if a.ok {
				va.Position, va.HasPosition = a.last.position(m, db.sourceName(a.last.src)), true
			}
		}
		for _, s := range db.statics[m] {
			if s.s.Time > t {
				break
			}
			st := s.s
			st.Source = db.sourceName(s.src)
			va.Static.Merge(&st, &va.Times)
		}
		out = append(out, va)
	}
	for m, a := range found {
		if a.ok || withStaticOnly {
			add(m, a)
		}
	}
	if withStaticOnly {
		for m := range db.statics {
			if found[m] == nil {
				add(m, nil)
			}
		}
	}
	slices.SortFunc(out, func(a, b VesselAt) int { return int(a.MMSI) - int(b.MMSI) })
	return out, nil
}

// Provenance returns the sources that reported the position of m stored
// at time t: the one stored with it first, then those whose copies were
// removed as duplicates.
func (db *DB) Provenance(m vessel.MMSI, t vessel.Time) ([]string, error) {
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	pts, err := v.points(context.Background(), m, int64(t), int64(t))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pts {
		out = append(out, db.sourceName(p.src))
	}
	scan := func(prov []provRec) {
		for _, p := range prov {
			if p.mmsi == m && p.t == int64(t) {
				out = append(out, db.sourceName(p.src))
			}
		}
	}
	for _, b := range v.blocks {
		if overlaps(b.provMinT, b.provMaxT, int64(t), int64(t)) {
			scan(b.prov)
		}
	}
	for _, h := range v.heads {
		scan(h.prov)
	}
	return out, nil
}

// Bounds returns the time span of everything stored, and false when the
// store is empty.
func (db *DB) Bounds() (from, to vessel.Time, ok bool) {
	v, done, err := db.view()
	if err != nil {
		return 0, 0, false
	}
	defer done()
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, b := range v.blocks {
		if b.meta.positions > 0 || len(b.statics) > 0 {
			lo, hi = min(lo, b.meta.minT), max(hi, b.meta.maxT)
		}
	}
	for _, h := range v.heads {
		for _, s := range h.series {
			for _, p := range s.pts {
				lo, hi = min(lo, p.t), max(hi, p.t)
			}
		}
		for _, s := range h.statics {
			lo, hi = min(lo, int64(s.s.Time)), max(hi, int64(s.s.Time))
		}
	}
	if lo > hi {
		return 0, 0, false
	}
	return vessel.Time(lo), vessel.Time(hi), true
}

// Static returns the static data of m merged from every report up to time
// t, with the time each field was last updated; ok is false when there is
// none.
func (db *DB) Static(m vessel.MMSI, t vessel.Time) (s vessel.Static, times vessel.FieldTimes, ok bool) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	for _, r := range db.statics[m] {
		if r.s.Time > t {
			break
		}
		st := r.s
		st.Source = db.sourceName(r.src)
		s.Merge(&st, &times)
		ok = true
	}
	return s, times, ok
}

// HeardBy returns, for the positions of m with times in [from, to], the
// other sources that heard them (the duplicates the picture removed), by
// time. The source stored with each position is in its Source field.
func (db *DB) HeardBy(m vessel.MMSI, from, to vessel.Time) (map[vessel.Time][]string, error) {
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	out := map[vessel.Time][]string{}
	scan := func(prov []provRec) {
		for _, p := range prov {
			if p.mmsi == m && p.t >= int64(from) && p.t <= int64(to) {
				out[vessel.Time(p.t)] = append(out[vessel.Time(p.t)], db.sourceName(p.src))
			}
		}
	}
	for _, b := range v.blocks {
		if overlaps(b.provMinT, b.provMaxT, int64(from), int64(to)) {
			scan(b.prov)
		}
	}
	for _, h := range v.heads {
		scan(h.prov)
	}
	return out, nil
}

// Newest returns the time of the newest stored position at or before
// notAfter, and false when there is none. Retention counts back from it
// with notAfter set to the wall clock plus a tolerance, so that one report
// dated in the future (a wrong receiver clock, a forged tag block) does not
// make everything else look old.
func (db *DB) Newest(notAfter vessel.Time) (vessel.Time, bool, error) {
	v, done, err := db.view()
	if err != nil {
		return 0, false, err
	}
	defer done()
	best, ok := int64(math.MinInt64), false
	lim := int64(notAfter)
	for _, b := range v.blocks {
		if b.meta.positions == 0 || b.meta.minT > lim || b.meta.maxT <= best {
			continue
		}
		for i := range b.index {
			e := &b.index[i]
			switch {
			case e.minT > lim || e.maxT <= best:
			case e.maxT <= lim:
				best, ok = e.maxT, true
			default: // the chunk straddles the limit: read it
				pts, err := b.readChunkUntil(v.scratch[:0], e, &v.buf, lim)
				if err != nil {
					if db.badChunk(b, e, err) {
						continue
					}
					return 0, false, err
				}
				for _, p := range pts {
					if p.t <= lim && p.t > best {
						best, ok = p.t, true
					}
				}
				v.scratch = pts
			}
		}
	}
	for _, h := range v.heads {
		for _, s := range h.series {
			for _, p := range s.pts {
				if p.t <= lim && p.t > best {
					best, ok = p.t, true
				}
			}
		}
	}
	if !ok {
		return 0, false, nil
	}
	return vessel.Time(best), true, nil
}
