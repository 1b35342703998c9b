package sensor

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/nmea"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Site is a fixed radar (coastal, VTS, platform): the sentences whose
// source is Name are measured from Lat, Lon when the source sends no
// own-ship position. A Site with an empty Name is the input's site: it
// serves every source that has no Site of its own name (a node input
// configured with one site position, whose radar names itself in the
// tag block). A moving radar on such an input must send an own-ship fix
// before its first TTM, else that TTM is placed from the site.
type Site struct {
	Name     string
	Lat, Lon float64
}

// Noise is a radar's one-sigma measurement error: RangeM + RangeFrac ×
// range in range, BearingDeg in bearing.
type Noise struct {
	RangeM     float64
	RangeFrac  float64
	BearingDeg float64
}

// DefaultNoise returns 20 m + 0.5% of range and 0.4° of bearing, a marine
// X-band radar with ARPA tracking (the simulator's radars too).
func DefaultNoise() Noise { return Noise{RangeM: 20, RangeFrac: 0.005, BearingDeg: 0.4} }

// PosErrM returns the one-sigma position error in metres of a plot at
// rangeM: the range and cross-range errors combined.
func (n Noise) PosErrM(rangeM float64) float64 {
	return math.Hypot(n.RangeM+n.RangeFrac*rangeM, rangeM*n.BearingDeg*math.Pi/180)
}

// RadarOptions configures a Radar. The zero value works for a stream with
// own-ship data and tag-block times.
type RadarOptions struct {
	// Source names the radar of sentences without a tag-block s: field:
	// the input's name. "" means "radar".
	Source string
	// Sites are the fixed radars, by source name.
	Sites []Site
	// Noise gives PosErrM; the zero value means DefaultNoise().
	Noise Noise
	// MaxGap is the longest gap between own-ship fixes interpolated
	// across, and the longest extrapolation past the last fix at the end
	// of the input; 0 means 30 s.
	MaxGap time.Duration
	// MaxPending bounds, per source, the reports held until an own-ship
	// fix at or after their time arrives; 0 means 4096. On overflow the
	// oldest half is resolved at once by extrapolation (as Flush does)
	// and counted in Stats.Overflows.
	MaxPending int
	// Date is the UTC date of sentences whose time has no date (no tag
	// block c:, no RMC before them); the zero value means none, and such
	// reports fail with ErrNoTime.
	Date time.Time
}

// RadarSystem is what a radar's RSD sentence says about its display.
type RadarSystem struct {
	Time        vessel.Time
	RangeScaleM float64 // range scale in metres, 0 when not given
	// Rotation is the display rotation: 'C' course up, 'H' head up, 'N'
	// north up; 0 when not given.
	Rotation byte
}

// Radar turns the NMEA 0183 output of radars (IEC 61162-1 TTM, TLL, OSD,
// RSD) and of the navigation sensors beside them (RMC, GGA, VTG, HDT,
// THS) into Detections.
//
// Sentences are grouped by source: the tag-block s: field, else
// RadarOptions.Source. A TTM (range and bearing) becomes a position with
// the own ship's position interpolated at the TTM's time from the
// source's RMC/GGA fixes, or from the source's configured Site. A report
// whose time is after the last fix waits (bounded) for the next fix;
// Flush resolves the rest by extrapolation up to MaxGap.
//
// A Radar is not safe for concurrent use.
type Radar struct {
	opt    RadarOptions
	src    map[string]*radarSource
	stats  Stats
	line   int
	out    []vessel.Detection
	fields nmea.Fields // reused for every line
}

// fix is an own-ship position.
type fix struct {
	t         vessel.Time
	p         geo.Point
	sog, cog  float64
	hasMotion bool
}

type pendingReport struct {
	line int
	d    vessel.Detection
	rel  bool // BearingDeg is relative to the heading
	relV bool // SpeedKn/CourseDeg are relative motion
}

type radarSource struct {
	name       string
	site       *Site
	fixes      []fix // time order, at most maxFixes
	heading    float64
	headingT   vessel.Time
	hasHeading bool
	sog, cog   float64 // from VTG/OSD
	motionT    vessel.Time
	hasMotion  bool
	day        vessel.Time // midnight of the latest date seen (RMC), 0 if none
	last       vessel.Time // time of the latest sentence with a time
	pending    []pendingReport
	sceneT     vessel.Time // the time of scene, which reports of one instant share
	scene      string
	system     RadarSystem
	hasSystem  bool
}

const maxFixes = 256

// sceneAt returns the Scene of the source's reports at t.
func (s *radarSource) sceneAt(t vessel.Time) string {
	if s.scene == "" || s.sceneT != t {
		s.sceneT, s.scene = t, s.name+" "+t.String()
	}
	return s.scene
}

// NewRadar returns a Radar.
func NewRadar(opt RadarOptions) *Radar {
	if opt.Source == "" {
		opt.Source = "radar"
	}
	if opt.Noise == (Noise{}) {
		opt.Noise = DefaultNoise()
	}
	if opt.MaxGap <= 0 {
		opt.MaxGap = 30 * time.Second
	}
	if opt.MaxPending <= 0 {
		opt.MaxPending = 4096
	}
	return &Radar{opt: opt, src: map[string]*radarSource{}}
}

// Stats returns the counters so far.
func (r *Radar) Stats() Stats { return r.stats }

// System returns the latest RSD data of a source.
func (r *Radar) System(source string) (RadarSystem, bool) {
	s := r.src[source]
	if s == nil {
		return RadarSystem{}, false
	}
	return s.system, s.hasSystem
}

func (r *Radar) source(name []byte) *radarSource {
	n := r.opt.Source
	if len(name) > 0 {
		n = string(name)
	}
	s := r.src[n]
	if s == nil {
		s = &radarSource{name: n}
		for i := range r.opt.Sites {
			switch r.opt.Sites[i].Name {
			case n:
				s.site = &r.opt.Sites[i]
			case "":
				if s.site == nil || s.site.Name != n {
					s.site = &r.opt.Sites[i]
				}
			}
		}
		r.src[n] = s
	}
	return s
}

// Parse handles the next line of the input and appends to dst the
// detections it completes (its own, or earlier reports that waited for
// own-ship data). The error, a *LineError, is this line's; it is counted
// in Stats, as are the errors of earlier reports resolved now.
func (r *Radar) Parse(dst []vessel.Detection, line []byte) ([]vessel.Detection, error) {
	r.line++
	r.stats.Lines++
	r.out = dst
	err := r.parse(line)
	if err != nil {
		r.stats.fail(err)
	}
	dst, r.out = r.out, nil
	return dst, err
}

// Flush resolves the reports still waiting for own-ship data, by
// extrapolating the last fix up to MaxGap, and appends them to dst. Call
// it at the end of the input.
func (r *Radar) Flush(dst []vessel.Detection) []vessel.Detection {
	r.out = dst
	for _, s := range r.src {
		for _, p := range s.pending {
			r.resolve(s, p, true)
		}
		s.pending = s.pending[:0]
	}
	dst, r.out = r.out, nil
	return dst
}

func (r *Radar) emit(d vessel.Detection) {
	r.stats.Detections++
	r.out = append(r.out, d)
}

func (r *Radar) parse(line []byte) error {
	f := &r.fields
	err := nmea.Parser{}.ParseFieldsTo(f, line)
	switch {
	case errors.Is(err, nmea.ErrNoSentence):
		r.stats.Skipped++
		return nil
	case err != nil && !isWarning(err):
		return &LineError{Line: r.line, Err: err}
	}
	if len(f.Formatter) != 3 {
		r.stats.Skipped++
		return nil
	}
	s := r.source(f.Tag.Source)
	ctx := vessel.Time(0)
	if !f.Tag.Time.IsZero() {
		ctx = vessel.TimeOf(f.Tag.Time)
	} else if !f.RecvTime.IsZero() {
		ctx = vessel.TimeOf(f.RecvTime)
	}
	switch string(f.Formatter) {
	case "TTM":
		return r.ttm(s, f, ctx)
	case "TLL":
		return r.tll(s, f, ctx)
	case "RMC":
		return r.rmc(s, f, ctx)
	case "GGA":
		return r.gga(s, f, ctx)
	case "VTG":
		return r.vtg(s, f, ctx)
	case "HDT", "THS":
		return r.hdt(s, f, ctx)
	case "OSD":
		return r.osd(s, f, ctx)
	case "RSD":
		return r.rsd(s, f, ctx)
	}
	r.stats.Skipped++
	return nil
}

// isWarning reports whether a ParseFields error leaves the sentence
// usable (a bad tag-block checksum: the tag block is dropped).
func isWarning(err error) bool { return errors.Is(err, nmea.ErrTagBlockChecksum) }

// fields is a cursor over the fields of one sentence that records the
// first error.
type fields struct {
	f    *nmea.Fields
	line int
	name string // sentence formatter, for errors
	err  error
}

func (c *fields) fail(i int, why string) {
	if c.err == nil {
		c.err = fieldError(c.line, c.name+" field "+strconv.Itoa(i), why)
	}
}

// float returns field i as a number; ok is false when it is empty.
func (c *fields) float(i int) (v float64, ok bool) {
	b := c.f.Field(i)
	if len(b) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		c.fail(i, "not a number")
		return 0, false
	}
	return v, true
}

// need returns field i as a number, failing when it is empty.
func (c *fields) need(i int) float64 {
	v, ok := c.float(i)
	if !ok && c.err == nil {
		c.fail(i, "missing")
	}
	return v
}

// angle returns field i as degrees in [0, 360].
func (c *fields) angle(i int) (float64, bool) {
	v, ok := c.float(i)
	if ok && (v < 0 || v > 360) {
		c.fail(i, "angle out of range")
		return 0, false
	}
	return math.Mod(v, 360), ok
}

func (c *fields) char(i int) byte {
	b := c.f.Field(i)
	if len(b) != 1 {
		return 0
	}
	return b[0]
}

// latLon reads ddmm.mmm,N,dddmm.mmm,E at fields i..i+3.
func (c *fields) latLon(i int) (geo.Point, bool) {
	lat, ok1 := c.float(i)
	lon, ok2 := c.float(i + 2)
	if !ok1 || !ok2 {
		if c.err == nil {
			c.fail(i, "missing position")
		}
		return geo.Point{}, false
	}
	conv := func(v float64, max float64, k int, pos, neg byte) float64 {
		if v < 0 {
			c.fail(k, "negative coordinate")
			return 0
		}
		deg := math.Floor(v / 100)
		min := v - deg*100
		d := deg + min/60
		if min >= 60 || d > max {
			c.fail(k, "coordinate out of range")
			return 0
		}
		switch c.char(k + 1) {
		case pos:
		case neg:
			d = -d
		default:
			c.fail(k+1, "hemisphere must be "+string(pos)+" or "+string(neg))
		}
		return d
	}
	p := geo.Point{Lat: conv(lat, 90, i, 'N', 'S'), Lon: conv(lon, 180, i+2, 'E', 'W')}
	return p, c.err == nil
}

// clock reads hhmmss.ss at field i as milliseconds since midnight; ok is
// false when the field is empty.
func (c *fields) clock(i int) (vessel.Time, bool) {
	b := c.f.Field(i)
	if len(b) == 0 {
		return 0, false
	}
	if len(b) < 6 {
		c.fail(i, "time is not hhmmss")
		return 0, false
	}
	for _, d := range b[:6] {
		if d < '0' || d > '9' {
			c.fail(i, "time is not hhmmss")
			return 0, false
		}
	}
	h := int(b[0]-'0')*10 + int(b[1]-'0')
	m := int(b[2]-'0')*10 + int(b[3]-'0')
	s := int(b[4]-'0')*10 + int(b[5]-'0')
	frac := 0.0
	if len(b) > 6 {
		if b[6] != '.' {
			c.fail(i, "time is not hhmmss")
			return 0, false
		}
		if len(b) > 7 {
			v, err := strconv.ParseFloat("0"+string(b[6:]), 64)
			if err != nil {
				c.fail(i, "time is not hhmmss")
				return 0, false
			}
			frac = v
		}
	}
	if h > 23 || m > 59 || s > 60 {
		c.fail(i, "time out of range")
		return 0, false
	}
	return vessel.Time(((h*60+m)*60+s)*1000) + vessel.Time(math.Round(frac*1000)), true
}

const day = 24 * 3600 * 1000

// at combines a time of day with the date nearest to ref (the day before,
// of, or after ref that puts it closest).
func at(clock, ref vessel.Time) vessel.Time {
	mid := ref - mod(ref, day)
	best := mid + clock
	for _, t := range []vessel.Time{mid - day + clock, mid + day + clock} {
		if abs(t-ref) < abs(best-ref) {
			best = t
		}
	}
	return best
}

func mod(a, m vessel.Time) vessel.Time {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func abs(t vessel.Time) vessel.Time {
	if t < 0 {
		return -t
	}
	return t
}

// when resolves the time of a sentence: its time-of-day field (if any)
// on the date of the context (tag block or receiver time), else of the
// source's latest time, else of RadarOptions.Date; without a time-of-day
// field, the context time or the source's latest time.
func (r *Radar) when(s *radarSource, c *fields, i int, ctx vessel.Time) (vessel.Time, bool) {
	clock, ok := c.clock(i)
	if c.err != nil {
		return 0, false
	}
	ref := ctx
	if ref == 0 {
		ref = s.last
	}
	if ref == 0 && s.day != 0 {
		ref = s.day + day/2
	}
	if !ok {
		return ref, ref != 0
	}
	if ref == 0 {
		if r.opt.Date.IsZero() {
			return 0, false
		}
		d := vessel.TimeOf(r.opt.Date)
		return d - mod(d, day) + clock, true
	}
	return at(clock, ref), true
}

// distance converts a distance in units u (N, K, S) to metres.
func distance(v float64, u byte) (float64, bool) {
	switch u {
	case 'N', 0:
		return v * 1852, true
	case 'K':
		return v * 1000, true
	case 'S':
		return v * 1609.344, true
	}
	return 0, false
}

// speed converts a speed in units u (N, K, S) to knots.
func speed(v float64, u byte) (float64, bool) {
	m, ok := distance(v, u)
	return m / 1852, ok
}

func (r *Radar) ttm(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "TTM"}
	num := bytes.TrimSpace(f.Field(1))
	if len(num) == 0 {
		c.fail(1, "missing target number")
	}
	units := c.char(10)
	rng := c.need(2)
	brg, _ := c.angle(3)
	if _, ok := c.float(3); !ok && c.err == nil {
		c.fail(3, "missing bearing")
	}
	spd, hasSpd := c.float(5)
	crs, hasCrs := c.angle(6)
	t, ok := r.when(s, c, 14, ctx)
	if c.err != nil {
		return c.err
	}
	if !ok {
		return &LineError{Line: r.line, Err: ErrNoTime}
	}
	rangeM, ok := distance(rng, units)
	if !ok {
		return fieldError(r.line, "TTM field 10", "units must be N, K or S")
	}
	if rangeM < 0 || rangeM > 500_000 {
		return fieldError(r.line, "TTM field 2", "range out of bounds")
	}
	p := pendingReport{line: r.line, d: vessel.Detection{
		Time: t, Sensor: vessel.SensorRadar, Source: s.name, Target: string(num),
		Scene: s.sceneAt(t), RangeM: rangeM, BearingDeg: brg, Has: vessel.HasPolar,
		PosErrM: r.opt.Noise.PosErrM(rangeM), Name: string(bytes.TrimSpace(f.Field(11))), Status: status(c.char(12)),
	}}
	switch c.char(4) {
	case 'T', 0:
	case 'R':
		p.rel = true
	default:
		return fieldError(r.line, "TTM field 4", "bearing reference must be T or R")
	}
	if hasSpd && hasCrs {
		kn, ok := speed(spd, units)
		if !ok || kn < 0 {
			return fieldError(r.line, "TTM field 5", "bad speed")
		}
		p.d.SpeedKn, p.d.CourseDeg = kn, crs
		p.d.Has |= vessel.HasMotion
		p.relV = c.char(7) == 'R'
	}
	s.last = max(s.last, t)
	r.place(s, p)
	return nil
}

func status(b byte) byte {
	switch b {
	case 'L', 'Q', 'T':
		return b
	}
	return 0
}

// place resolves a report now, or queues it until own-ship data after its
// time arrives.
func (r *Radar) place(s *radarSource, p pendingReport) {
	if len(s.fixes) == 0 && s.site != nil || len(s.fixes) > 0 && s.fixes[len(s.fixes)-1].t >= p.d.Time {
		r.resolve(s, p, false)
		return
	}
	if len(s.pending) >= r.opt.MaxPending {
		// Overflow: the oldest half is resolved now, by extrapolation
		// (half, so that a source that never sends a fix costs O(1) per
		// report).
		n := max(1, len(s.pending)/2)
		for _, q := range s.pending[:n] {
			r.stats.Overflows++
			r.resolve(s, q, true)
		}
		s.pending = append(s.pending[:0], s.pending[n:]...)
	}
	s.pending = append(s.pending, p)
}

// own returns the own ship's position and motion at t: interpolated
// between fixes at most MaxGap apart, or (extrapolate) dead-reckoned from
// the last fix at most MaxGap before t.
func (r *Radar) own(s *radarSource, t vessel.Time, extrapolate bool) (fix, bool) {
	gap := vessel.Time(r.opt.MaxGap.Milliseconds())
	n := len(s.fixes)
	if n == 0 || t < s.fixes[0].t {
		return fix{}, false
	}
	last := s.fixes[n-1]
	if t >= last.t {
		if t == last.t {
			return last, true
		}
		if !extrapolate || t-last.t > gap {
			return fix{}, false
		}
		f := last
		f.t = t
		if last.hasMotion {
			f.p = geo.Destination(last.p, last.cog, last.sog*1852/3600*float64(t-last.t)/1000)
		}
		return f, true
	}
	// The last fix at or before t.
	i := n - 1
	for i > 0 && s.fixes[i].t > t {
		i--
	}
	a, b := s.fixes[i], s.fixes[i+1]
	if a.t == t {
		return a, true
	}
	if b.t-a.t > gap {
		return fix{}, false
	}
	w := float64(t-a.t) / float64(b.t-a.t)
	f := a
	f.t = t
	f.p = geo.Interpolate(a.p, b.p, w)
	if a.hasMotion && b.hasMotion {
		f.sog = a.sog + (b.sog-a.sog)*w
		dc := math.Mod(b.cog-a.cog+540, 360) - 180
		f.cog = math.Mod(a.cog+dc*w+360, 360)
	}
	return f, true
}

// resolve completes a TTM report with the sensor's position and emits it,
// or counts its error.
func (r *Radar) resolve(s *radarSource, p pendingReport, extrapolate bool) {
	d := p.d
	var pos geo.Point
	f, ok := r.own(s, d.Time, extrapolate)
	switch {
	case ok:
		pos = f.p
		if s.hasMotion && abs(s.motionT-d.Time) <= vessel.Time(r.opt.MaxGap.Milliseconds()) && !f.hasMotion {
			f.sog, f.cog, f.hasMotion = s.sog, s.cog, true
		}
	case s.site != nil && len(s.fixes) == 0:
		pos = geo.Point{Lat: s.site.Lat, Lon: s.site.Lon}
	default:
		r.stats.fail(&LineError{Line: p.line, Err: ErrNoPosition})
		return
	}
	if p.rel {
		if !s.hasHeading || abs(s.headingT-d.Time) > vessel.Time(r.opt.MaxGap.Milliseconds()) {
			r.stats.fail(&LineError{Line: p.line, Err: ErrNoHeading})
			return
		}
		d.BearingDeg = math.Mod(d.BearingDeg+s.heading, 360)
	}
	if p.relV {
		if !f.hasMotion {
			d.Has &^= vessel.HasMotion
			d.SpeedKn, d.CourseDeg = 0, 0
		} else {
			rad := math.Pi / 180
			x := d.SpeedKn*math.Sin(d.CourseDeg*rad) + f.sog*math.Sin(f.cog*rad)
			y := d.SpeedKn*math.Cos(d.CourseDeg*rad) + f.sog*math.Cos(f.cog*rad)
			d.SpeedKn = math.Hypot(x, y)
			d.CourseDeg = math.Mod(math.Atan2(x, y)/rad+360, 360)
		}
	}
	d.SensorLat, d.SensorLon = pos.Lat, pos.Lon
	at := geo.Destination(pos, d.BearingDeg, d.RangeM)
	d.Lat, d.Lon = at.Lat, at.Lon
	r.emit(d)
}

// addFix records an own-ship fix and resolves the reports that waited for
// it.
func (r *Radar) addFix(s *radarSource, f fix) {
	r.stats.OwnShip++
	s.last = max(s.last, f.t)
	if n := len(s.fixes); n > 0 && f.t <= s.fixes[n-1].t {
		if f.t == s.fixes[n-1].t {
			s.fixes[n-1] = f // a second sentence of the same fix: the later wins
		}
		return // out of order: kept out of the interpolation
	}
	if len(s.fixes) == maxFixes {
		s.fixes = append(s.fixes[:0], s.fixes[maxFixes/2:]...)
	}
	s.fixes = append(s.fixes, f)
	k := 0
	for _, p := range s.pending {
		if p.d.Time <= f.t {
			r.resolve(s, p, false)
		} else {
			s.pending[k] = p
			k++
		}
	}
	s.pending = s.pending[:k]
}

func (r *Radar) rmc(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "RMC"}
	if c.char(2) != 'A' {
		r.stats.Skipped++ // a void fix: no position
		return nil
	}
	clock, okClock := c.clock(1)
	p, okPos := c.latLon(3)
	sog, okS := c.float(7)
	cog, okC := c.angle(8)
	date := f.Field(9)
	if c.err != nil {
		return c.err
	}
	if !okPos {
		return fieldError(r.line, "RMC field 3", "missing position")
	}
	var t vessel.Time
	switch {
	case okClock && len(date) == 6:
		dd, e1 := strconv.Atoi(string(date[0:2]))
		mm, e2 := strconv.Atoi(string(date[2:4]))
		yy, e3 := strconv.Atoi(string(date[4:6]))
		if e1 != nil || e2 != nil || e3 != nil || dd < 1 || dd > 31 || mm < 1 || mm > 12 {
			return fieldError(r.line, "RMC field 9", "date is not ddmmyy")
		}
		year := 2000 + yy
		if yy >= 80 {
			year = 1900 + yy
		}
		s.day = vessel.TimeOf(time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC))
		t = s.day + clock
	default:
		var ok bool
		if t, ok = r.when(s, c, 1, ctx); !ok {
			return &LineError{Line: r.line, Err: ErrNoTime}
		}
	}
	r.addFix(s, fix{t: t, p: p, sog: sog, cog: cog, hasMotion: okS && okC})
	return nil
}

func (r *Radar) gga(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "GGA"}
	if q := c.char(6); q == '0' || q == 0 {
		r.stats.Skipped++ // no fix
		return nil
	}
	t, ok := r.when(s, c, 1, ctx)
	p, _ := c.latLon(2)
	if c.err != nil {
		return c.err
	}
	if !ok {
		return &LineError{Line: r.line, Err: ErrNoTime}
	}
	fx := fix{t: t, p: p}
	if s.hasMotion && abs(s.motionT-t) <= vessel.Time(r.opt.MaxGap.Milliseconds()) {
		fx.sog, fx.cog, fx.hasMotion = s.sog, s.cog, true
	}
	r.addFix(s, fx)
	return nil
}

// motion records the own ship's speed and course from VTG or OSD.
func (r *Radar) motion(s *radarSource, t vessel.Time, sog, cog float64) {
	s.sog, s.cog, s.motionT, s.hasMotion = sog, cog, t, true
	if n := len(s.fixes); n > 0 && s.fixes[n-1].t == t && !s.fixes[n-1].hasMotion {
		s.fixes[n-1].sog, s.fixes[n-1].cog, s.fixes[n-1].hasMotion = sog, cog, true
	}
}

func (r *Radar) vtg(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "VTG"}
	cog, okC := c.angle(1)
	sog, okS := c.float(5)
	if c.err != nil {
		return c.err
	}
	t, ok := r.when(s, c, 0, ctx)
	if !okC || !okS || c.char(9) == 'N' || !ok {
		r.stats.Skipped++
		return nil
	}
	r.stats.OwnShip++
	r.motion(s, t, sog, cog)
	return nil
}

func (r *Radar) hdt(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: string(f.Formatter)}
	h, ok := c.angle(1)
	if c.err != nil {
		return c.err
	}
	t, okT := r.when(s, c, 0, ctx)
	if !ok || !okT || string(f.Formatter) == "THS" && c.char(2) == 'V' {
		r.stats.Skipped++
		return nil
	}
	r.stats.OwnShip++
	s.heading, s.headingT, s.hasHeading = h, t, true
	return nil
}

func (r *Radar) osd(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "OSD"}
	h, okH := c.angle(1)
	cog, okC := c.angle(3)
	spd, okS := c.float(5)
	if c.err != nil {
		return c.err
	}
	t, ok := r.when(s, c, 0, ctx)
	if !ok {
		r.stats.Skipped++
		return nil
	}
	r.stats.OwnShip++
	if okH && c.char(2) == 'A' {
		s.heading, s.headingT, s.hasHeading = h, t, true
	}
	if okC && okS {
		kn, ok := speed(spd, c.char(9))
		if !ok {
			return fieldError(r.line, "OSD field 9", "units must be N, K or S")
		}
		r.motion(s, t, kn, cog)
	}
	return nil
}

func (r *Radar) rsd(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "RSD"}
	scale, ok := c.float(11)
	if c.err != nil {
		return c.err
	}
	t, _ := r.when(s, c, 0, ctx)
	sys := RadarSystem{Time: t}
	if ok {
		m, okU := distance(scale, c.char(12))
		if !okU || m < 0 {
			return fieldError(r.line, "RSD field 12", "units must be N, K or S")
		}
		sys.RangeScaleM = m
	}
	switch b := c.char(13); b {
	case 'C', 'H', 'N':
		sys.Rotation = b
	}
	s.system, s.hasSystem = sys, true
	r.stats.OwnShip++
	return nil
}

func (r *Radar) tll(s *radarSource, f *nmea.Fields, ctx vessel.Time) error {
	c := &fields{f: f, line: r.line, name: "TLL"}
	num := bytes.TrimSpace(f.Field(1))
	if len(num) == 0 {
		c.fail(1, "missing target number")
	}
	p, _ := c.latLon(2)
	t, ok := r.when(s, c, 7, ctx)
	if c.err != nil {
		return c.err
	}
	if !ok {
		return &LineError{Line: r.line, Err: ErrNoTime}
	}
	s.last = max(s.last, t)
	d := vessel.Detection{Time: t, Sensor: vessel.SensorRadar, Source: s.name, Target: string(num),
		Scene: s.sceneAt(t), Lat: p.Lat, Lon: p.Lon,
		Name: string(bytes.TrimSpace(f.Field(6))), Status: status(c.char(8))}
	// The radar's own position, when known, gives range, bearing and the
	// position error.
	var pos geo.Point
	fx, okFix := r.own(s, t, true)
	switch {
	case okFix:
		pos = fx.p
	case s.site != nil:
		pos, okFix = geo.Point{Lat: s.site.Lat, Lon: s.site.Lon}, true
	}
	if okFix {
		d.Has |= vessel.HasPolar
		d.SensorLat, d.SensorLon = pos.Lat, pos.Lon
		d.RangeM = geo.Distance(pos, p)
		d.BearingDeg = geo.Bearing(pos, p)
		d.PosErrM = r.opt.Noise.PosErrM(d.RangeM)
	}
	r.emit(d)
	return nil
}
