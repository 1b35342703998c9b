package vessel

import (
	"math"
	"strconv"
	"time"
)

// MMSI is a Maritime Mobile Service Identity: nine decimal digits in the
// ITU-R M.585 scheme. Values of ten digits or more are invalid; a value
// with fewer digits is a nine-digit identity with leading zeros (group and
// coast station identities start with 0).
type MMSI uint32

// String formats m as nine digits with leading zeros.
func (m MMSI) String() string {
	var b [10]byte
	return string(m.Append(b[:0]))
}

// Append appends the nine-digit form of m to dst.
func (m MMSI) Append(dst []byte) []byte {
	var buf [20]byte
	s := strconv.AppendUint(buf[:0], uint64(m), 10)
	for i := len(s); i < 9; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// Time is an instant as Unix milliseconds, UTC. The picture and the store
// work in Time to keep records small and arithmetic cheap; convert with
// TimeOf and Time.Std at the edges.
type Time int64

// TimeOf converts t to milliseconds.
func TimeOf(t time.Time) Time { return Time(t.UnixMilli()) }

// Std returns t as a time.Time in UTC.
func (t Time) Std() time.Time { return time.UnixMilli(int64(t)).UTC() }

// String formats t as RFC 3339 with milliseconds when they are not zero.
func (t Time) String() string {
	if t%1000 == 0 {
		return t.Std().Format(time.RFC3339)
	}
	return t.Std().Format("2006-01-02T15:04:05.000Z07:00")
}

// Speed over ground in tenths of a knot. NoSpeed is "not available"; 1022
// means 102.2 knots or more.
type Speed uint16

// NoSpeed is the "not available" Speed.
const NoSpeed Speed = 1023

// SpeedKnots returns the Speed nearest to kn knots, NoSpeed when kn is not
// a finite non-negative number, and 102.2 knots for anything faster.
func SpeedKnots(kn float64) Speed {
	if !(kn >= 0) || math.IsInf(kn, 0) {
		return NoSpeed
	}
	if kn >= 102.2 {
		return 1022
	}
	return Speed(math.Round(kn * 10))
}

// Knots returns the speed in knots and whether it is available.
func (s Speed) Knots() (float64, bool) {
	if s >= NoSpeed {
		return 0, false
	}
	return float64(s) / 10, true
}

// Course over ground in tenths of a degree, 0-3599. NoCourse is "not
// available".
type Course uint16

// NoCourse is the "not available" Course.
const NoCourse Course = 3600

// CourseDegrees returns the Course nearest to deg degrees, reduced to
// [0, 360); NoCourse when deg is not finite.
func CourseDegrees(deg float64) Course {
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return NoCourse
	}
	// Reduce first: deg*10 overflows to +Inf for huge finite deg, and the
	// float to integer conversion of NaN or Inf is undefined.
	c := math.Mod(math.Round(math.Mod(deg, 360)*10), 3600)
	if c < 0 {
		c += 3600
	}
	return Course(c)
}

// Degrees returns the course in degrees and whether it is available.
func (c Course) Degrees() (float64, bool) {
	if c >= NoCourse {
		return 0, false
	}
	return float64(c) / 10, true
}

// Heading is the true heading in whole degrees, 0-359. NoHeading is "not
// available".
type Heading uint16

// NoHeading is the "not available" Heading.
const NoHeading Heading = 511

// Degrees returns the heading in degrees and whether it is available.
func (h Heading) Degrees() (int, bool) {
	if h >= 360 {
		return 0, false
	}
	return int(h), true
}

// NavStatus is the AIS navigational status, 0-14. NoStatus (15) is "not
// defined", the default.
type NavStatus uint8

// NoStatus is the "not defined" NavStatus.
const NoStatus NavStatus = 15

// Value returns the status code and whether it is defined.
func (s NavStatus) Value() (int, bool) { return int(s), s < NoStatus }

// Flags are data-quality findings on a report. A flagged position is kept
// and queryable, but it never becomes the vessel's latest state and is left
// out of its track unless asked for.
type Flags uint16

const (
	// FlagInvalidMMSI: the identity is not a valid nine-digit MMSI or its
	// MID is not allocated by the ITU.
	FlagInvalidMMSI Flags = 1 << iota
	// FlagNoPosition: the report's position is "not available" or out of
	// range. Such reports update nothing but the last-heard time.
	FlagNoPosition
	// FlagTeleport: reaching this position from the vessel's previous
	// good one needs a speed no vessel of its kind can make.
	FlagTeleport
	// FlagOnLand: the position is on land by the land mask, further
	// inland than the coastal margin. It is advisory, not Bad: coarse
	// land data (Natural Earth) covers canals, rivers, lakes and harbours
	// where ships really sail — the Suez Canal, the Great Lakes, the
	// Mississippi — and hiding those tracks would corrupt the picture
	// more than showing them. A bad fix that puts a ship on land is
	// almost always also an impossible jump, and FlagTeleport keeps it
	// out. Queries can ask for or exclude on-land positions by flag.
	FlagOnLand
	// FlagIdentityConflict: the same MMSI is transmitting from two places
	// at once (two transmitters sharing one identity); the report belongs
	// to the track that is not the vessel's main one.
	FlagIdentityConflict
	// FlagLate: the report arrived after a later report of the same
	// vessel and was inserted into the track, not applied as latest.
	// Informational: a late report is not a bad one.
	FlagLate
	// FlagFuture: the report is dated after the time it arrived plus a
	// tolerance (a receiver clock or a forged tag block in the future).
	// It is kept as evidence but never drives the latest state, events
	// or retention.
	FlagFuture
	// FlagClock: the report came from a receiver whose clock was judged
	// off (its time disagrees by minutes with its other traffic and with
	// other receivers' reports of the same vessels). Its position may be
	// right but its time is not, so it is kept out of tracks.
	FlagClock
)

// Bad is the set of flags that keep a report out of tracks and the latest
// state. FlagOnLand, FlagLate and FlagInvalidMMSI are advisory: shown,
// counted and queryable, but the report stays in the track. An invalid
// MMSI is still one transmitter's identity (often a placeholder shared by
// several), and hiding it would hide the vessels using it.
const Bad = FlagNoPosition | FlagTeleport | FlagIdentityConflict | FlagFuture | FlagClock

var flagNames = [...]string{"invalid_mmsi", "no_position", "teleport", "on_land", "identity_conflict", "late", "future", "clock"}

// Names returns the names of the flags set, in a fixed order
// ("invalid_mmsi", "no_position", "teleport", "on_land",
// "identity_conflict", "late", "future", "clock").
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// ParseFlag returns the flag with the given name.
func ParseFlag(name string) (Flags, bool) {
	for i, n := range flagNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// Position is one position fix: the kinematic part of a report (AIS types
// 1-3, 9, 18, 19, 27, or a row of a decoded CSV).
type Position struct {
	MMSI    MMSI
	Time    Time
	Lat     float64 // degrees north, WGS84
	Lon     float64 // degrees east, WGS84
	SOG     Speed
	COG     Course
	Heading Heading
	Status  NavStatus
	Flags   Flags
	// Track tells apart the transmitters that share one MMSI: fusion's
	// number of the track (hypothesis) the report belongs to, 1 or more,
	// unique within the MMSI while the picture runs; 0 when not assigned
	// (no position, a report flagged future or clock, or not fused).
	Track uint8
	// Episode is fusion's identity episode the report's track is in (see
	// the Episode type), 0 when none or not known (a position read back
	// from a store, which keeps Track but not Episode).
	Episode Episode
	// Source names the receiver (or partner feed) the report came from,
	// "" when unknown. The store keeps one source per stored position and
	// the other receivers that heard the same report as provenance.
	Source string
}

// Episode numbers an MMSI's identity episodes, from 1 (0: none): the
// periods in which fusion judged that two or more transmitters really
// share the MMSI (two or more confirmed tracks heard at once, such as a
// placeholder identity like 412000000 used by several ships). Fusion
// gives every report of a track in an open episode the episode's number
// (Position.Episode), so that the event layer raises one identity event
// per episode, listing its tracks, and closes it when reports of its
// tracks no longer carry it, instead of judging transmitters again.
// Numbers are unique per MMSI while one picture runs.
type Episode uint16

// HasPosition reports whether Lat and Lon are a usable position (in range,
// not the AIS "not available" 91/181).
func (p *Position) HasPosition() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// Static is static and voyage data (AIS types 5, 19, 24 and 21, or the
// static columns of a CSV row). A report carries only some fields: Has says
// which.
type Static struct {
	MMSI        MMSI
	Time        Time
	Has         StaticFields
	Name        string
	CallSign    string
	IMO         uint32 // 0 when not available
	ShipType    uint8  // AIS ship and cargo type, 0 when not available
	Destination string
	ETA         string // "MM-DDTHH:MM" as sent, "" when not available
	// Dimensions to the reference point, metres (0 when not available).
	ToBow, ToStern, ToPort, ToStarboard uint16
	Draught                             uint16 // tenths of a metre, 0 n/a
	Source                              string
}

// StaticFields is a set of Static fields.
type StaticFields uint16

const (
	HasName StaticFields = 1 << iota
	HasCallSign
	HasIMO
	HasShipType
	HasDestination
	HasETA
	HasDimensions
	HasDraught
)

// Length returns the overall length in metres and whether it is known.
func (s *Static) Length() (int, bool) {
	n := int(s.ToBow) + int(s.ToStern) // in int: the uint16 sum can wrap to 0
	if s.Has&HasDimensions == 0 || n == 0 {
		return 0, false
	}
	return n, true
}

// Merge copies into s the fields that u carries and that are not older
// than what s holds; times is updated with u.Time for each field taken.
// It returns the fields that changed value, counting a field s did not
// have as changed. s.Time becomes the later of the two times, and
// s.Source becomes u.Source when u is not older than s and gave a field.
func (s *Static) Merge(u *Static, times *FieldTimes) StaticFields {
	var changed, taken StaticFields
	take := func(f StaticFields) bool {
		if u.Has&f == 0 || times.get(f) > u.Time {
			return false
		}
		times.set(f, u.Time)
		taken |= f
		if s.Has&f == 0 {
			s.Has |= f
			changed |= f // newly known, even if the value is the zero one
		}
		return true
	}
	if take(HasName) && s.Name != u.Name {
		s.Name, changed = u.Name, changed|HasName
	}
	if take(HasCallSign) && s.CallSign != u.CallSign {
		s.CallSign, changed = u.CallSign, changed|HasCallSign
	}
	if take(HasIMO) && s.IMO != u.IMO {
		s.IMO, changed = u.IMO, changed|HasIMO
	}
	if take(HasShipType) && s.ShipType != u.ShipType {
		s.ShipType, changed = u.ShipType, changed|HasShipType
	}
	if take(HasDestination) && s.Destination != u.Destination {
		s.Destination, changed = u.Destination, changed|HasDestination
	}
	if take(HasETA) && s.ETA != u.ETA {
		s.ETA, changed = u.ETA, changed|HasETA
	}
	if take(HasDimensions) && (s.ToBow != u.ToBow || s.ToStern != u.ToStern || s.ToPort != u.ToPort || s.ToStarboard != u.ToStarboard) {
		s.ToBow, s.ToStern, s.ToPort, s.ToStarboard = u.ToBow, u.ToStern, u.ToPort, u.ToStarboard
		changed |= HasDimensions
	}
	if take(HasDraught) && s.Draught != u.Draught {
		s.Draught, changed = u.Draught, changed|HasDraught
	}
	if taken != 0 && u.Time >= s.Time {
		s.Source = u.Source
	}
	if u.Time > s.Time {
		s.Time = u.Time
	}
	s.MMSI = u.MMSI
	return changed
}

// FieldTimes holds the time each Static field was last updated.
type FieldTimes [8]Time

func (t *FieldTimes) get(f StaticFields) Time {
	for i := range t {
		if f == 1<<i {
			return t[i]
		}
	}
	return 0
}

func (t *FieldTimes) set(f StaticFields, v Time) {
	for i := range t {
		if f == 1<<i {
			t[i] = v
		}
	}
}

// Of returns the time field f was last updated, 0 if never.
func (t *FieldTimes) Of(f StaticFields) Time { return t.get(f) }

// Kind says what an observation is.
type Kind uint8

const (
	KindPosition    Kind = iota + 1 // a vessel (or SAR aircraft) position
	KindStatic                      // vessel static and voyage data
	KindBaseStation                 // a base station's report (type 4/11): Position only
	KindAidToNav                    // an aid to navigation (type 21): Position and Static
)

// Observation is one report as ingest hands it to the picture: a position,
// static data or both, with the time resolved (see ResolveTime).
type Observation struct {
	Kind     Kind
	Position Position // for KindPosition, KindBaseStation, KindAidToNav
	Static   Static   // for KindStatic, KindAidToNav
	// TimeSource says where the time came from.
	TimeSource TimeSource
}

// MMSI returns the identity the observation is about.
func (o *Observation) MMSI() MMSI {
	if o.Kind == KindStatic {
		return o.Static.MMSI
	}
	return o.Position.MMSI
}

// Time returns the time of the observation.
func (o *Observation) Time() Time {
	if o.Kind == KindStatic {
		return o.Static.Time
	}
	return o.Position.Time
}

// TimeSource is where a report's time came from, best first.
type TimeSource uint8

const (
	TimeUnknown  TimeSource = iota
	TimeArrival             // when this process read it
	TimeReceiver            // a receiver or archive timestamp on the line
	TimeTagBlock            // the NMEA 4.10 tag block c: field
	TimeRow                 // a decoded CSV row's own timestamp
)

// Times are the candidate times of one AIS report; zero means absent.
type Times struct {
	TagBlock Time // NMEA 4.10 c: field
	Receiver Time // receiver/archive timestamp
	Arrival  Time // when it was read
	// Second is the AIS "second" field (0-59 when valid, -1 or anything
	// else when not available).
	Second int
}

// MaxSecondRefinement bounds how far the "second" field may move a time:
// a receiver clock that disagrees with the transponder by more than this is
// not corrected (the second then is more likely stale than the clock). At
// 30 s, half the minute over which the second repeats, it only refuses the
// ambiguous tie; lower it to distrust larger disagreements.
const MaxSecondRefinement = 30 * 1000

// ResolveTime picks a report's time: the tag-block time when present, else
// the receiver/archive timestamp, else the arrival time. When the AIS
// second field is valid (0-59) and the base time is not already within
// that second, the time is moved to the nearest whole second with that
// value (forward or back, into the neighbouring minute if nearer),
// provided the move is at most MaxSecondRefinement and the nearest is
// unambiguous: a receiver that batches reports or stamps them late keeps
// its clock but gains the second the transponder gave. A base already in
// the right second keeps its milliseconds.
//
// The second repeats every minute, so the nearest instant with it is never
// more than 30 s away; with MaxSecondRefinement at 30 s the bound only
// excludes the exact half-minute tie, where both directions are equally
// near and the base is kept.
func ResolveTime(t Times) (Time, TimeSource) {
	base, src := t.TagBlock, TimeTagBlock
	if base == 0 {
		base, src = t.Receiver, TimeReceiver
	}
	if base == 0 {
		base, src = t.Arrival, TimeArrival
	}
	if base == 0 {
		return 0, TimeUnknown
	}
	if t.Second < 0 || t.Second > 59 {
		return base, src
	}
	return refine(base, t.Second), src
}

// refine moves base to the nearest whole second whose second of the
// minute is sec, when that is unambiguous and within MaxSecondRefinement.
func refine(base Time, sec int) Time {
	const minute = 60 * 1000
	cand := base - mod(base, minute) + Time(sec)*1000
	if base-mod(base, 1000) == cand {
		return base // already in that second: keep the milliseconds
	}
	// The nearest of cand-1min, cand, cand+1min; tie when two are equally
	// near (only possible at exactly half a minute).
	best, tie := cand, false
	for _, c := range [...]Time{cand - minute, cand + minute} {
		switch d, b := abs(c-base), abs(best-base); {
		case d < b:
			best, tie = c, false
		case d == b:
			tie = true
		}
	}
	if tie || abs(best-base) > MaxSecondRefinement {
		return base
	}
	return best
}

func mod(a, m Time) Time {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func abs(t Time) Time {
	if t < 0 {
		return -t
	}
	return t
}
