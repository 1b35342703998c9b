package vessel_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestTime(t *testing.T) {
	tests := []struct {
		t    vessel.Time
		want string
	}{
		{0, "1970-01-01T00:00:00Z"},
		{1641168000000, "2022-01-03T00:00:00Z"},
		{1641168000300, "2022-01-03T00:00:00.300Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("Time(%d).String() = %q; want %q", int64(tt.t), got, tt.want)
		}
		if got := vessel.TimeOf(tt.t.Std()); got != tt.t {
			t.Errorf("TimeOf(Time(%d).Std()) = %d", int64(tt.t), int64(got))
		}
	}
	zoned := time.Date(2022, 1, 3, 1, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := vessel.TimeOf(zoned); got != 1641168000000 {
		t.Errorf("TimeOf(%v) = %d; want 1641168000000", zoned, int64(got))
	}
	if loc := vessel.Time(0).Std().Location(); loc != time.UTC {
		t.Errorf("Std() location = %v; want UTC", loc)
	}
}

func TestSpeedKnots(t *testing.T) {
	tests := []struct {
		kn   float64
		want vessel.Speed
	}{
		{0, 0},
		{math.Copysign(0, -1), 0},
		{0.04, 0},
		{0.05, 1},
		{12.34, 123},
		{102.1, 1021},
		{102.14, 1021},
		{102.2, 1022},
		{102.3, 1022},
		{500, 1022},
		{math.MaxFloat64, 1022},
		{-0.1, vessel.NoSpeed},
		{-100, vessel.NoSpeed},
		{math.NaN(), vessel.NoSpeed},
		{math.Inf(1), vessel.NoSpeed},
		{math.Inf(-1), vessel.NoSpeed},
	}
	for _, tt := range tests {
		if got := vessel.SpeedKnots(tt.kn); got != tt.want {
			t.Errorf("SpeedKnots(%v) = %d; want %d", tt.kn, got, tt.want)
		}
	}
}

func TestSpeedKnotsAccessor(t *testing.T) {
	tests := []struct {
		s    vessel.Speed
		kn   float64
		want bool
	}{
		{0, 0, true},
		{123, 12.3, true},
		{1022, 102.2, true},
		{vessel.NoSpeed, 0, false},
		{65535, 0, false},
	}
	for _, tt := range tests {
		if kn, ok := tt.s.Knots(); kn != tt.kn || ok != tt.want {
			t.Errorf("Speed(%d).Knots() = %v, %v; want %v, %v", tt.s, kn, ok, tt.kn, tt.want)
		}
	}
}

func TestCourseDegrees(t *testing.T) {
	tests := []struct {
		deg  float64
		want vessel.Course
	}{
		{0, 0},
		{math.Copysign(0, -1), 0},
		{0.04, 0},
		{90, 900},
		{123.45, 1235}, // 1234.5 rounds away from zero
		{359.9, 3599},
		{359.94, 3599},
		{359.96, 0}, // rounds to 360.0, which is 0
		{360, 0},
		{720.5, 5},
		{-0.04, 0},
		{-0.1, 3599},
		{-90, 2700},
		{-360, 0},
		{-725, 3550},
		{1e300, vessel.CourseDegrees(math.Mod(1e300, 360))},
		{math.MaxFloat64, vessel.CourseDegrees(math.Mod(math.MaxFloat64, 360))},
		{-math.MaxFloat64, vessel.CourseDegrees(math.Mod(-math.MaxFloat64, 360))},
		{math.NaN(), vessel.NoCourse},
		{math.Inf(1), vessel.NoCourse},
		{math.Inf(-1), vessel.NoCourse},
	}
	for _, tt := range tests {
		got := vessel.CourseDegrees(tt.deg)
		if got != tt.want {
			t.Errorf("CourseDegrees(%v) = %d; want %d", tt.deg, got, tt.want)
		}
		if !math.IsNaN(tt.deg) && !math.IsInf(tt.deg, 0) && got >= vessel.NoCourse {
			t.Errorf("CourseDegrees(%v) = %d; want a course in [0, 3600)", tt.deg, got)
		}
	}
}

func TestCourseHeadingStatusAccessors(t *testing.T) {
	courses := []struct {
		c   vessel.Course
		deg float64
		ok  bool
	}{
		{0, 0, true},
		{3599, 359.9, true},
		{vessel.NoCourse, 0, false},
		{4000, 0, false},
	}
	for _, tt := range courses {
		if deg, ok := tt.c.Degrees(); deg != tt.deg || ok != tt.ok {
			t.Errorf("Course(%d).Degrees() = %v, %v; want %v, %v", tt.c, deg, ok, tt.deg, tt.ok)
		}
	}
	headings := []struct {
		h   vessel.Heading
		deg int
		ok  bool
	}{
		{0, 0, true},
		{359, 359, true},
		{360, 0, false},
		{vessel.NoHeading, 0, false},
	}
	for _, tt := range headings {
		if deg, ok := tt.h.Degrees(); deg != tt.deg || ok != tt.ok {
			t.Errorf("Heading(%d).Degrees() = %v, %v; want %v, %v", tt.h, deg, ok, tt.deg, tt.ok)
		}
	}
	statuses := []struct {
		s  vessel.NavStatus
		v  int
		ok bool
	}{
		{0, 0, true},
		{14, 14, true},
		{vessel.NoStatus, 15, false},
	}
	for _, tt := range statuses {
		if v, ok := tt.s.Value(); v != tt.v || ok != tt.ok {
			t.Errorf("NavStatus(%d).Value() = %v, %v; want %v, %v", tt.s, v, ok, tt.v, tt.ok)
		}
	}
}

func TestFlags(t *testing.T) {
	all := []string{"invalid_mmsi", "no_position", "teleport", "on_land", "identity_conflict", "late", "future", "clock"}
	tests := []struct {
		f    vessel.Flags
		want []string
	}{
		{0, nil},
		{vessel.FlagInvalidMMSI, []string{"invalid_mmsi"}},
		{vessel.FlagLate | vessel.FlagTeleport, []string{"teleport", "late"}},
		{vessel.Bad, []string{"no_position", "teleport", "identity_conflict", "future", "clock"}},
		{vessel.Bad | vessel.FlagInvalidMMSI | vessel.FlagOnLand | vessel.FlagLate, all},
		{vessel.FlagFuture | vessel.FlagClock, []string{"future", "clock"}},
		{1 << 15, nil}, // unnamed bits are not listed
	}
	for _, tt := range tests {
		if got := tt.f.Names(); !slices.Equal(got, tt.want) {
			t.Errorf("Flags(%#x).Names() = %q; want %q", uint16(tt.f), got, tt.want)
		}
	}
	// Round trip: every name parses to a single flag that names itself.
	var union vessel.Flags
	for _, name := range all {
		f, ok := vessel.ParseFlag(name)
		if !ok || f == 0 || f&(f-1) != 0 {
			t.Errorf("ParseFlag(%q) = %#x, %v; want one flag", name, uint16(f), ok)
			continue
		}
		if got := f.Names(); !slices.Equal(got, []string{name}) {
			t.Errorf("ParseFlag(%q).Names() = %q", name, got)
		}
		union |= f
	}
	if want := vessel.Bad | vessel.FlagInvalidMMSI | vessel.FlagOnLand | vessel.FlagLate; union != want {
		t.Errorf("union of parsed flags = %#x; want %#x", uint16(union), uint16(want))
	}
	if vessel.Bad&vessel.FlagLate != 0 {
		t.Error("FlagLate is in Bad; a late report is not a bad one")
	}
	if vessel.Bad&vessel.FlagOnLand != 0 {
		t.Error("FlagOnLand is in Bad; it is advisory (canals, rivers and lakes are land in coarse masks)")
	}
	for _, name := range []string{"", "Late", "bad", "invalid-mmsi"} {
		if f, ok := vessel.ParseFlag(name); ok {
			t.Errorf("ParseFlag(%q) = %#x, true; want false", name, uint16(f))
		}
	}
}

func TestHasPosition(t *testing.T) {
	tests := []struct {
		lat, lon float64
		want     bool
	}{
		{0, 0, true},
		{90, 180, true},
		{-90, -180, true},
		{91, 0, false},
		{0, 181, false},
		{91, 181, false},
		{-90.0001, 0, false},
		{math.NaN(), 0, false},
		{0, math.NaN(), false},
	}
	for _, tt := range tests {
		p := vessel.Position{Lat: tt.lat, Lon: tt.lon}
		if got := p.HasPosition(); got != tt.want {
			t.Errorf("Position{Lat: %v, Lon: %v}.HasPosition() = %v; want %v", tt.lat, tt.lon, got, tt.want)
		}
	}
}

func TestStaticLength(t *testing.T) {
	tests := []struct {
		s    vessel.Static
		n    int
		want bool
	}{
		{vessel.Static{}, 0, false},
		{vessel.Static{ToBow: 100, ToStern: 20}, 0, false}, // Has not set
		{vessel.Static{Has: vessel.HasDimensions}, 0, false},
		{vessel.Static{Has: vessel.HasDimensions, ToBow: 100, ToStern: 20}, 120, true},
		{vessel.Static{Has: vessel.HasDimensions, ToBow: 511, ToStern: 511}, 1022, true},
		{vessel.Static{Has: vessel.HasDimensions, ToBow: 65535, ToStern: 1}, 65536, true}, // no uint16 wrap
	}
	for _, tt := range tests {
		if n, ok := tt.s.Length(); n != tt.n || ok != tt.want {
			t.Errorf("%+v.Length() = %d, %v; want %d, %v", tt.s, n, ok, tt.n, tt.want)
		}
	}
}

func TestStaticMerge(t *testing.T) {
	const t0 = vessel.Time(1641168000000)
	type5 := func(at vessel.Time, name, dest string) vessel.Static {
		return vessel.Static{
			MMSI: 366999999, Time: at, Source: "rx5",
			Has:  vessel.HasName | vessel.HasCallSign | vessel.HasIMO | vessel.HasShipType | vessel.HasDestination | vessel.HasETA | vessel.HasDimensions | vessel.HasDraught,
			Name: name, CallSign: "WDC1234", IMO: 9123456, ShipType: 70, Destination: dest, ETA: "01-04T12:00",
			ToBow: 150, ToStern: 30, ToPort: 10, ToStarboard: 12, Draught: 95,
		}
	}
	allFields := type5(0, "", "").Has

	steps := []struct {
		name        string
		u           vessel.Static
		wantChanged vessel.StaticFields
		check       func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes)
	}{
		{
			name:        "first type 5 sets everything",
			u:           type5(t0, "EVER GIVEN", "SEATTLE"),
			wantChanged: allFields,
			check: func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes) {
				if s.Name != "EVER GIVEN" || s.Has != allFields || s.Time != t0 || s.Source != "rx5" {
					t.Errorf("after first merge: %+v", *s)
				}
				if got := ft.Of(vessel.HasDraught); got != t0 {
					t.Errorf("FieldTimes.Of(HasDraught) = %v; want %v", got, t0)
				}
			},
		},
		{
			name:        "same report again changes nothing",
			u:           type5(t0, "EVER GIVEN", "SEATTLE"),
			wantChanged: 0,
		},
		{
			name: "24A name only touches the name",
			u: vessel.Static{MMSI: 366999999, Time: t0 + 60000, Has: vessel.HasName, Name: "EVER GIVEN II",
				Source: "rx24"},
			wantChanged: vessel.HasName,
			check: func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes) {
				if s.Name != "EVER GIVEN II" || s.CallSign != "WDC1234" || s.Destination != "SEATTLE" || s.IMO != 9123456 || s.Draught != 95 {
					t.Errorf("after 24A: %+v", *s)
				}
				if ft.Of(vessel.HasName) != t0+60000 || ft.Of(vessel.HasCallSign) != t0 {
					t.Errorf("field times after 24A: name %v, call sign %v", ft.Of(vessel.HasName), ft.Of(vessel.HasCallSign))
				}
				if s.Time != t0+60000 || s.Source != "rx24" {
					t.Errorf("after 24A: Time %v, Source %q; want %v, rx24", s.Time, s.Source, t0+60000)
				}
			},
		},
		{
			name:        "older type 5 fills only fields not newer than it",
			u:           type5(t0+30000, "OLD NAME", "TACOMA"),
			wantChanged: vessel.HasDestination,
			check: func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes) {
				if s.Name != "EVER GIVEN II" {
					t.Errorf("an older report overwrote the newer name: %q", s.Name)
				}
				if s.Destination != "TACOMA" || ft.Of(vessel.HasDestination) != t0+30000 {
					t.Errorf("destination %q at %v; want TACOMA at %v", s.Destination, ft.Of(vessel.HasDestination), t0+30000)
				}
				if s.Time != t0+60000 || s.Source != "rx24" {
					t.Errorf("an older report moved Time or Source: %v, %q", s.Time, s.Source)
				}
			},
		},
		{
			name:        "much older report changes nothing",
			u:           type5(t0-3600000, "ANCIENT", "NOWHERE"),
			wantChanged: 0,
			check: func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes) {
				if s.Name != "EVER GIVEN II" || s.Destination != "TACOMA" {
					t.Errorf("an old report changed values: %+v", *s)
				}
				if ft.Of(vessel.HasIMO) != t0+30000 {
					t.Errorf("FieldTimes.Of(HasIMO) = %v; want %v", ft.Of(vessel.HasIMO), t0+30000)
				}
			},
		},
		{
			name: "24B changes type and dimensions",
			u: vessel.Static{MMSI: 366999999, Time: t0 + 120000,
				Has:      vessel.HasCallSign | vessel.HasShipType | vessel.HasDimensions,
				CallSign: "WDC1234", ShipType: 52, ToBow: 150, ToStern: 30, ToPort: 10, ToStarboard: 13},
			wantChanged: vessel.HasShipType | vessel.HasDimensions,
			check: func(t *testing.T, s *vessel.Static, ft *vessel.FieldTimes) {
				if s.ShipType != 52 || s.ToStarboard != 13 || ft.Of(vessel.HasCallSign) != t0+120000 {
					t.Errorf("after 24B: %+v, call sign time %v", *s, ft.Of(vessel.HasCallSign))
				}
			},
		},
	}
	var s vessel.Static
	var ft vessel.FieldTimes
	for _, st := range steps {
		if got := s.Merge(&st.u, &ft); got != st.wantChanged {
			t.Errorf("%s: Merge changed %#x; want %#x", st.name, uint16(got), uint16(st.wantChanged))
		}
		if st.check != nil {
			st.check(t, &s, &ft)
		}
	}
}

func TestStaticMergeNewlyKnown(t *testing.T) {
	// A field that becomes known counts as changed even when its value is
	// the zero one (a 24A with an all-padding name).
	var s vessel.Static
	var ft vessel.FieldTimes
	u := vessel.Static{MMSI: 1, Time: 1000, Has: vessel.HasName}
	if got := s.Merge(&u, &ft); got != vessel.HasName || s.Has != vessel.HasName {
		t.Errorf("Merge of an empty name = %#x, Has %#x; want HasName for both", uint16(got), uint16(s.Has))
	}
	if got := s.Merge(&u, &ft); got != 0 {
		t.Errorf("second Merge = %#x; want 0", uint16(got))
	}
}

func TestObservation(t *testing.T) {
	pos := vessel.Position{MMSI: 1, Time: 10}
	st := vessel.Static{MMSI: 2, Time: 20}
	tests := []struct {
		kind vessel.Kind
		mmsi vessel.MMSI
		time vessel.Time
	}{
		{vessel.KindPosition, 1, 10},
		{vessel.KindStatic, 2, 20},
		{vessel.KindBaseStation, 1, 10},
		{vessel.KindAidToNav, 1, 10},
	}
	for _, tt := range tests {
		o := vessel.Observation{Kind: tt.kind, Position: pos, Static: st}
		if o.MMSI() != tt.mmsi || o.Time() != tt.time {
			t.Errorf("Observation{Kind: %d}: MMSI %v, Time %v; want %v, %v", tt.kind, o.MMSI(), o.Time(), tt.mmsi, tt.time)
		}
	}
}

// at returns 2022-01-03 hh:mm:ss.ms UTC as a Time.
func at(hh, mm, ss, ms int) vessel.Time {
	return vessel.TimeOf(time.Date(2022, 1, 3, hh, mm, ss, ms*1e6, time.UTC))
}

func TestResolveTime(t *testing.T) {
	tests := []struct {
		name string
		in   vessel.Times
		want vessel.Time
		src  vessel.TimeSource
	}{
		{"nothing", vessel.Times{Second: 5}, 0, vessel.TimeUnknown},
		{"tag block beats receiver and arrival",
			vessel.Times{TagBlock: at(12, 0, 0, 0), Receiver: at(12, 0, 10, 0), Arrival: at(12, 0, 20, 0), Second: -1},
			at(12, 0, 0, 0), vessel.TimeTagBlock},
		{"receiver beats arrival",
			vessel.Times{Receiver: at(12, 0, 10, 0), Arrival: at(12, 0, 20, 0), Second: 60},
			at(12, 0, 10, 0), vessel.TimeReceiver},
		{"arrival last",
			vessel.Times{Arrival: at(12, 0, 20, 0), Second: 63},
			at(12, 0, 20, 0), vessel.TimeArrival},
		{"second moves into the next minute",
			vessel.Times{Receiver: at(12, 0, 58, 0), Second: 2},
			at(12, 1, 2, 0), vessel.TimeReceiver},
		{"second moves into the previous minute",
			vessel.Times{Receiver: at(12, 1, 3, 0), Second: 58},
			at(12, 0, 58, 0), vessel.TimeReceiver},
		{"second moves back within the minute",
			vessel.Times{TagBlock: at(12, 0, 20, 0), Second: 17},
			at(12, 0, 17, 0), vessel.TimeTagBlock},
		{"same second keeps the milliseconds",
			vessel.Times{Receiver: at(12, 0, 5, 300), Second: 5},
			at(12, 0, 5, 300), vessel.TimeReceiver},
		{"other second drops the milliseconds",
			vessel.Times{Arrival: at(12, 0, 6, 300), Second: 5},
			at(12, 0, 5, 0), vessel.TimeArrival},
		{"second 60 (not available) leaves the time",
			vessel.Times{Receiver: at(12, 0, 58, 0), Second: 60},
			at(12, 0, 58, 0), vessel.TimeReceiver},
		{"second 61-63 leave the time",
			vessel.Times{Receiver: at(12, 0, 58, 0), Second: 62},
			at(12, 0, 58, 0), vessel.TimeReceiver},
		{"negative second leaves the time",
			vessel.Times{Receiver: at(12, 0, 58, 0), Second: -1},
			at(12, 0, 58, 0), vessel.TimeReceiver},
		{"29.999 s back applies",
			vessel.Times{Receiver: at(12, 0, 59, 999), Second: 30},
			at(12, 0, 30, 0), vessel.TimeReceiver},
		{"29.5 s forward applies",
			vessel.Times{Receiver: at(12, 0, 0, 500), Second: 30},
			at(12, 0, 30, 0), vessel.TimeReceiver},
		{"exactly 30 s either way is ambiguous and does not apply",
			vessel.Times{Receiver: at(12, 0, 0, 0), Second: 30},
			at(12, 0, 0, 0), vessel.TimeReceiver},
		{"exactly 30 s either way, second 0",
			vessel.Times{Receiver: at(12, 0, 30, 0), Second: 0},
			at(12, 0, 30, 0), vessel.TimeReceiver},
		{"before 1970",
			vessel.Times{Receiver: -2000, Second: 59},
			-1000, vessel.TimeReceiver},
	}
	for _, tt := range tests {
		got, src := vessel.ResolveTime(tt.in)
		if got != tt.want || src != tt.src {
			t.Errorf("%s: ResolveTime(%+v) = %v, %d; want %v, %d", tt.name, tt.in, got, src, tt.want, tt.src)
		}
	}
}

// TestResolveTimeBound checks, over every second and a sweep of base
// times, that a refined time has the requested second and never moves
// more than MaxSecondRefinement.
func TestResolveTimeBound(t *testing.T) {
	base0 := at(12, 0, 0, 0)
	for sec := range 60 {
		for off := vessel.Time(0); off < 120000; off += 250 {
			base := base0 + off
			got, _ := vessel.ResolveTime(vessel.Times{Receiver: base, Second: sec})
			d := got - base
			if d < 0 {
				d = -d
			}
			if d > vessel.MaxSecondRefinement {
				t.Fatalf("ResolveTime(%v, second %d) = %v: moved %d ms, more than %d", base, sec, got, d, vessel.MaxSecondRefinement)
			}
			if got == base {
				continue
			}
			if s := got.Std().Second(); s != sec || got%1000 != 0 {
				t.Fatalf("ResolveTime(%v, second %d) = %v; want a whole second %d", base, sec, got, sec)
			}
		}
	}
}
