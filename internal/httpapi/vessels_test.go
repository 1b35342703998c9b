package httpapi_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

type summary struct {
	Seq      uint64   `json:"seq"`
	MMSI     uint32   `json:"mmsi"`
	Name     *string  `json:"name"`
	CallSign *string  `json:"callsign"`
	IMO      *uint32  `json:"imo"`
	ShipType *int     `json:"ship_type"`
	Category string   `json:"category"`
	Flag     *string  `json:"flag"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
	SOG      *float64 `json:"sog"`
	COG      *float64 `json:"cog"`
	Heading  *int     `json:"heading"`
	Status   *int     `json:"status"`
	Time     *string  `json:"time"`
	AgeS     *int64   `json:"age_s"`
	Flags    []string `json:"flags"`
}

type vesselList struct {
	Time      string    `json:"time"`
	Count     int       `json:"count"`
	Truncated bool      `json:"truncated"`
	Vessels   []summary `json:"vessels"`
}

func mmsis(l vesselList) []uint32 {
	var out []uint32
	for _, v := range l.Vessels {
		out = append(out, v.MMSI)
	}
	return out
}

// liveWant computes the live picture's answer from the fusion picture
// directly: located vessels newer than maxAge before the clock that pass
// keep, by MMSI.
func liveWant(maxAge time.Duration, keep func(*fusion.State) bool) []uint32 {
	ref := vessel.TimeOf(fx.now)
	var out []uint32
	fx.pic.Range(func(s *fusion.State) bool {
		if s.Located && s.Position.Time > ref-vessel.Time(maxAge.Milliseconds()) && keep(s) {
			out = append(out, uint32(s.MMSI))
		}
		return true
	})
	slices.Sort(out)
	return out
}

func TestVesselsLive(t *testing.T) {
	srv := newServer(t, nil)
	box := geo.Rect{MinLon: -96, MinLat: 28, MaxLon: -88, MaxLat: 31}
	flagOf := func(s *fusion.State, code string) bool { c, ok := s.MMSI.Flag(); return ok && c.Code == code }
	tests := []struct {
		query  string
		maxAge time.Duration
		keep   func(*fusion.State) bool
	}{
		{"", time.Hour, func(*fusion.State) bool { return true }},
		{"max_age=10m", 10 * time.Minute, func(*fusion.State) bool { return true }},
		{"max_age=2d", 48 * time.Hour, func(*fusion.State) bool { return true }},
		{"bbox=-96,28,-88,31", time.Hour, func(s *fusion.State) bool {
			return box.Contains(geo.Point{Lat: s.Position.Lat, Lon: s.Position.Lon})
		}},
		{"type=tanker", time.Hour, func(s *fusion.State) bool { return vessel.ShipCategory(s.Static.ShipType) == vessel.CategoryTanker }},
		{"type=70,cargo", time.Hour, func(s *fusion.State) bool {
			return s.Static.ShipType == 70 || vessel.ShipCategory(s.Static.ShipType) == vessel.CategoryCargo
		}},
		{"flag=us", time.Hour, func(s *fusion.State) bool { return flagOf(s, "US") }},
		{"flag=PA,LR&max_age=20m", 20 * time.Minute, func(s *fusion.State) bool { return flagOf(s, "PA") || flagOf(s, "LR") }},
		{"min_speed=12.5", time.Hour, func(s *fusion.State) bool { kn, ok := s.Position.SOG.Knots(); return ok && kn >= 12.5 }},
		{"bbox=-96,28,-88,31&type=tug&min_speed=1", time.Hour, func(s *fusion.State) bool {
			kn, ok := s.Position.SOG.Knots()
			return box.Contains(geo.Point{Lat: s.Position.Lat, Lon: s.Position.Lon}) &&
				vessel.ShipCategory(s.Static.ShipType) == vessel.CategoryTug && ok && kn >= 1
		}},
	}
	for _, tt := range tests {
		var got vesselList
		getJSON(t, srv.URL+"/api/v1/vessels?limit=100000&"+tt.query, &got)
		want := liveWant(tt.maxAge, tt.keep)
		if len(want) == 0 {
			t.Errorf("%q: the library finds no vessel: a useless case", tt.query)
		}
		if g := mmsis(got); !slices.Equal(g, want) {
			t.Errorf("%q: %d vessels; want %d (from the picture)", tt.query, len(g), len(want))
		}
		if got.Count != len(want) || got.Truncated {
			t.Errorf("%q: count %d truncated %v; want %d false", tt.query, got.Count, got.Truncated, len(want))
		}
		if got.Time != vessel.TimeOf(fx.now).String() {
			t.Errorf("%q: time %q; want the clock %v", tt.query, got.Time, fx.now)
		}
	}

	// Every field of every vessel against the picture's state.
	var all vesselList
	getJSON(t, srv.URL+"/api/v1/vessels?max_age=2d&limit=100000", &all)
	for _, v := range all.Vessels {
		s, ok := fx.pic.Vessel(vessel.MMSI(v.MMSI))
		if !ok {
			t.Fatalf("vessel %d not in the picture", v.MMSI)
		}
		checkSummary(t, v, &s.Position, &s.Static, vessel.TimeOf(fx.now))
	}

	// The limit truncates and says so.
	var few vesselList
	getJSON(t, srv.URL+"/api/v1/vessels?limit=5", &few)
	if len(few.Vessels) != 5 || !few.Truncated || few.Count <= 5 {
		t.Errorf("limit=5: %d vessels, count %d, truncated %v", len(few.Vessels), few.Count, few.Truncated)
	}
}

// checkSummary compares a summary with the position and static data it
// was made from.
func checkSummary(t *testing.T, v summary, p *vessel.Position, st *vessel.Static, ref vessel.Time) {
	t.Helper()
	fail := func(field string, got, want any) {
		t.Errorf("vessel %d: %s = %v; want %v", v.MMSI, field, got, want)
	}
	if v.Lat == nil || math.Abs(*v.Lat-p.Lat) > 1e-6 || v.Lon == nil || math.Abs(*v.Lon-p.Lon) > 1e-6 {
		fail("lat/lon", fmt.Sprint(v.Lat, v.Lon), fmt.Sprint(p.Lat, p.Lon))
	}
	if kn, ok := p.SOG.Knots(); ok != (v.SOG != nil) || ok && *v.SOG != kn {
		fail("sog", v.SOG, p.SOG)
	}
	if c, ok := p.COG.Degrees(); ok != (v.COG != nil) || ok && *v.COG != c {
		fail("cog", v.COG, p.COG)
	}
	if h, ok := p.Heading.Degrees(); ok != (v.Heading != nil) || ok && *v.Heading != h {
		fail("heading", v.Heading, p.Heading)
	}
	if s, ok := p.Status.Value(); ok != (v.Status != nil) || ok && *v.Status != s {
		fail("status", v.Status, p.Status)
	}
	if v.Time == nil || *v.Time != p.Time.String() {
		fail("time", v.Time, p.Time)
	}
	if v.AgeS == nil || *v.AgeS != int64(ref-p.Time)/1000 {
		fail("age_s", v.AgeS, int64(ref-p.Time)/1000)
	}
	name := ""
	if v.Name != nil {
		name = *v.Name
	}
	if name != st.Name {
		fail("name", name, st.Name)
	}
	if (st.ShipType != 0) != (v.ShipType != nil) || v.ShipType != nil && *v.ShipType != int(st.ShipType) {
		fail("ship_type", v.ShipType, st.ShipType)
	}
	if v.Category != vessel.ShipCategory(st.ShipType).String() {
		fail("category", v.Category, vessel.ShipCategory(st.ShipType))
	}
	if c, ok := vessel.MMSI(v.MMSI).Flag(); ok != (v.Flag != nil) || ok && *v.Flag != c.Code {
		fail("flag", v.Flag, c.Code)
	}
	if v.Flags == nil {
		fail("flags", "null", "[]")
	}
}

func TestVesselsAt(t *testing.T) {
	srv := newServer(t, nil)
	for _, tt := range []struct {
		at     string
		maxAge time.Duration
	}{
		{"2022-01-03T00:10:00Z", 5 * time.Minute},
		{"2022-01-03T00:20:00Z", time.Hour},
		{"@1641169800", time.Hour}, // 2022-01-03T00:30:00Z
		{"2022-01-03T23:59:59Z", time.Hour},
	} {
		var got vesselList
		getJSON(t, srv.URL+"/api/v1/vessels?limit=100000&at="+url.QueryEscape(tt.at)+"&max_age="+tt.maxAge.String(), &got)
		at, _ := time.Parse(time.RFC3339, got.Time)
		list, err := fx.db.At(vessel.TimeOf(at), vessel.Time(tt.maxAge.Milliseconds()), false)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint32
		for _, v := range list {
			if c := v.MMSI.Class(); c != vessel.ClassCoast && c != vessel.ClassAidToNav {
				want = append(want, uint32(v.MMSI))
			}
		}
		if len(want) == 0 {
			t.Fatalf("at %s: the store has nothing", tt.at)
		}
		if g := mmsis(got); !slices.Equal(g, want) {
			t.Errorf("at %s: %d vessels; want %d (store.At)", tt.at, len(g), len(want))
		}
		byMMSI := map[uint32]summary{}
		for _, v := range got.Vessels {
			byMMSI[v.MMSI] = v
		}
		for _, v := range list {
			if s, ok := byMMSI[uint32(v.MMSI)]; ok {
				checkSummary(t, s, &v.Position, &v.Static, vessel.TimeOf(at))
			}
		}
	}
	// The time slider: an hour ago by a relative time.
	var rel vesselList
	getJSON(t, srv.URL+"/api/v1/vessels?at=-1h", &rel)
	if want := vessel.TimeOf(fx.now.Add(-time.Hour)).String(); rel.Time != want {
		t.Errorf("at=-1h: time %s; want %s", rel.Time, want)
	}
}

type detail struct {
	summary
	ShipTypeText *string  `json:"ship_type_text"`
	FlagName     *string  `json:"flag_name"`
	Class        string   `json:"class"`
	Destination  *string  `json:"destination"`
	LengthM      *int     `json:"length_m"`
	StatusText   *string  `json:"status_text"`
	LastHeard    *string  `json:"last_heard"`
	Conflict     bool     `json:"conflict"`
	Positions    int      `json:"positions"`
	Flagged      int      `json:"flagged"`
	Duplicates   int      `json:"duplicates"`
	DraughtM     *float64 `json:"draught_m"`
}

// someVessels returns up to n located vessels of the picture with a name,
// the ones with most positions first.
func someVessels(n int) []fusion.State {
	var out []fusion.State
	fx.pic.Range(func(s *fusion.State) bool {
		if s.Located && s.Static.Name != "" && s.Static.ShipType != 0 {
			out = append(out, *s)
		}
		return true
	})
	slices.SortFunc(out, func(a, b fusion.State) int { return b.Positions - a.Positions })
	return out[:min(n, len(out))]
}

func TestVesselDetail(t *testing.T) {
	srv := newServer(t, nil)
	for _, s := range someVessels(20) {
		var d detail
		getJSON(t, fmt.Sprintf("%s/api/v1/vessels/%d", srv.URL, s.MMSI), &d)
		checkSummary(t, d.summary, &s.Position, &s.Static, vessel.TimeOf(fx.now))
		if d.Positions != s.Positions || d.Flagged != s.Flagged || d.Duplicates != s.Duplicates {
			t.Errorf("%v: counters %d/%d/%d; want %d/%d/%d", s.MMSI, d.Positions, d.Flagged, d.Duplicates, s.Positions, s.Flagged, s.Duplicates)
		}
		if d.ShipTypeText == nil || *d.ShipTypeText != vessel.ShipTypeName(s.Static.ShipType) {
			t.Errorf("%v: ship_type_text %v; want %q", s.MMSI, d.ShipTypeText, vessel.ShipTypeName(s.Static.ShipType))
		}
		if d.Class != s.MMSI.Class().String() || d.LastHeard == nil || *d.LastHeard != s.LastHeard.String() || d.Conflict != s.Conflict {
			t.Errorf("%v: class %q last_heard %v conflict %v", s.MMSI, d.Class, d.LastHeard, d.Conflict)
		}
		if c, ok := s.MMSI.Flag(); ok && (d.FlagName == nil || *d.FlagName != c.Name) {
			t.Errorf("%v: flag_name %v; want %q", s.MMSI, d.FlagName, c.Name)
		}
		if _, ok := s.Position.Status.Value(); ok && (d.StatusText == nil || *d.StatusText != s.Position.Status.Text()) {
			t.Errorf("%v: status_text %v; want %q", s.MMSI, d.StatusText, s.Position.Status.Text())
		}
	}

	// At a past moment, from the store.
	s := someVessels(1)[0]
	var past detail
	getJSON(t, fmt.Sprintf("%s/api/v1/vessels/%d?at=2022-01-03T00:15:00Z&max_age=1h", srv.URL, s.MMSI), &past)
	at := vessel.TimeOf(time.Date(2022, 1, 3, 0, 15, 0, 0, time.UTC))
	track, err := fx.db.Track(s.MMSI, at-3600000+1, at, false)
	if err != nil || len(track) == 0 {
		t.Fatalf("track of %v: %v, %d points", s.MMSI, err, len(track))
	}
	st, _, _ := fx.db.Static(s.MMSI, at)
	checkSummary(t, past.summary, &track[len(track)-1], &st, at)

	code, _, body := do(t, "GET", srv.URL+"/api/v1/vessels/123456789", fx.read, nil)
	wantError(t, "unknown vessel", code, body, http.StatusNotFound, "not_found", "123456789")
	code, _, body = do(t, "GET", srv.URL+"/api/v1/vessels/123456789?at=2022-01-03T12:00:00Z", fx.read, nil)
	wantError(t, "unknown vessel at", code, body, http.StatusNotFound, "not_found", "123456789")
}

func TestSearch(t *testing.T) {
	srv := newServer(t, nil)
	for _, s := range someVessels(10) {
		name := s.Static.Name
		part := strings.TrimSpace(strings.ToLower(name[len(name)/3 : max(len(name)/3+3, len(name)*2/3)]))
		var got vesselList
		getJSON(t, srv.URL+"/api/v1/search?limit=10000&q="+url.QueryEscape(part), &got)
		// The library answer: every vessel of the picture whose name
		// or call sign contains part, any case.
		var want []uint32
		fx.pic.Range(func(v *fusion.State) bool {
			if strings.Contains(strings.ToLower(v.Static.Name), part) || strings.Contains(strings.ToLower(v.Static.CallSign), part) {
				want = append(want, uint32(v.MMSI))
			}
			return true
		})
		g := mmsis(got)
		slices.Sort(g)
		slices.Sort(want)
		if !slices.Equal(g, want) {
			t.Errorf("q=%q: %d vessels; want %d", part, len(g), len(want))
		}
		var byMMSI vesselList
		getJSON(t, fmt.Sprintf("%s/api/v1/search?q=%d", srv.URL, s.MMSI), &byMMSI)
		if len(byMMSI.Vessels) == 0 || byMMSI.Vessels[0].MMSI != uint32(s.MMSI) {
			t.Errorf("q=%d: got %v first", s.MMSI, mmsis(byMMSI))
		}
	}
}
