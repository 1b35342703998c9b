package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// hypTrack is the JSON track with the hypothesis fields.
type hypTrack struct {
	MMSI      uint32 `json:"mmsi"`
	Count     int    `json:"count"`
	MainTrack int    `json:"main_track"`
	Selected  string `json:"selected"`
	Tracks    []struct {
		Track int    `json:"track"`
		Main  bool   `json:"main"`
		Count int    `json:"count"`
		Good  int    `json:"good"`
		First string `json:"first"`
		Last  string `json:"last"`
	} `json:"tracks"`
	Points []struct {
		Time  string   `json:"time"`
		Lat   float64  `json:"lat"`
		Lon   float64  `json:"lon"`
		Flags []string `json:"flags"`
		Track int      `json:"track"`
	} `json:"points"`
}

// multiTrackVessels returns the MMSIs of the fixture whose stored reports
// (flagged ones too) fusion gave more than one track hypothesis, by MMSI.
func multiTrackVessels(t *testing.T) []vessel.MMSI {
	t.Helper()
	var ms []vessel.MMSI
	fx.pic.Range(func(s *fusion.State) bool {
		ms = append(ms, s.MMSI)
		return true
	})
	slices.Sort(ms)
	var out []vessel.MMSI
	for _, m := range ms {
		pts, err := fx.db.Track(m, -1<<50, 1<<50, true)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[uint8]bool{}
		for _, p := range pts {
			if p.Track != 0 {
				ids[p.Track] = true
			}
		}
		if len(ids) > 1 {
			out = append(out, m)
		}
	}
	return out
}

// maxImpliedSpeed is the highest speed, in knots, that consecutive points
// of a line imply beyond fusion's default slack (1000 m that any two
// reports may be apart whatever the time between them): the measure the
// picture keeps a hypothesis within (60 knots by default). Two points at
// one time farther apart than the slack imply +Inf.
func maxImpliedSpeed(pts []geo.Point, ts []time.Time) float64 {
	const slack = 1000.0
	top := 0.0
	for i := 1; i < len(pts); i++ {
		excess := geo.Distance(pts[i-1], pts[i]) - slack
		if excess <= 0 {
			continue
		}
		dt := ts[i].Sub(ts[i-1]).Seconds()
		if dt <= 0 {
			return math.Inf(1)
		}
		top = max(top, excess/dt*3600/1852)
	}
	return top
}

// TestTrackHypotheses: on a real day (NOAA, with MMSIs that fusion splits
// into several hypotheses: shared MMSIs and runs of bad fixes), the track
// API returns each point's hypothesis, sums them up, selects the main one
// or one by id, and draws no line between two hypotheses: along the main
// line the implied speed stays within fusion's 60 knots, where the line
// of all reports mixed exceeds it.
func TestTrackHypotheses(t *testing.T) {
	srv := newServer(t, nil)
	doc := loadAPIDoc(t, srv.URL)
	const trackPath = "/api/v1/vessels/{mmsi}/track"
	multi := multiTrackVessels(t)
	t.Logf("%d MMSIs with more than one hypothesis", len(multi))
	if len(multi) < 5 {
		t.Fatalf("%d MMSIs with several hypotheses in the fixture; the data no longer exercises them", len(multi))
	}
	mixedFast := 0
	for _, m := range multi {
		base := fmt.Sprintf("%s/api/v1/vessels/%d/track?flagged=true", srv.URL, m)
		get := func(q string) (hypTrack, []byte) {
			t.Helper()
			code, _, body := do(t, "GET", base+q, fx.read, nil)
			if code != 200 {
				t.Fatalf("%v%s: %d %s", m, q, code, body)
			}
			doc.checkResponse(t, "GET", trackPath, "application/json", body)
			var tr hypTrack
			if err := json.Unmarshal(body, &tr); err != nil {
				t.Fatal(err)
			}
			return tr, body
		}
		all, _ := get("")
		want, err := fx.db.Track(m, -1<<50, 1<<50, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Points) != len(want) || all.Selected != "all" {
			t.Fatalf("%v: %d points, selected %q; want %d, all", m, len(all.Points), all.Selected, len(want))
		}
		// Every point carries its stored hypothesis; the summary counts them.
		count, good := map[int]int{}, map[int]int{}
		for i, p := range all.Points {
			if p.Track != int(want[i].Track) || p.Time != want[i].Time.String() {
				t.Fatalf("%v point %d: track %d at %s; want %d at %v", m, i, p.Track, p.Time, want[i].Track, want[i].Time)
			}
			count[p.Track]++
			if want[i].Flags&vessel.Bad == 0 {
				good[p.Track]++
			}
		}
		if len(all.Tracks) != len(count) || !all.Tracks[0].Main || all.Tracks[0].Track != all.MainTrack {
			t.Fatalf("%v: tracks %+v (main %d); want %d hypotheses, the main first", m, all.Tracks, all.MainTrack, len(count))
		}
		for i, ti := range all.Tracks {
			if ti.Count != count[ti.Track] || ti.Good != good[ti.Track] || ti.Main != (i == 0) {
				t.Errorf("%v: hypothesis %+v; want %d points, %d good", m, ti, count[ti.Track], good[ti.Track])
			}
			// The main one has the most good points.
			if ti.Good > all.Tracks[0].Good {
				t.Errorf("%v: hypothesis %d has %d good points, more than the main %d's %d", m, ti.Track, ti.Good, all.MainTrack, all.Tracks[0].Good)
			}
		}
		if all.MainTrack == 0 {
			t.Errorf("%v: main hypothesis 0 though points have ids", m)
		}

		// track=main and track=<id> keep exactly that hypothesis's points.
		for _, sel := range []string{"main", fmt.Sprint(all.MainTrack), fmt.Sprint(all.Tracks[len(all.Tracks)-1].Track)} {
			tr, _ := get("&track=" + sel)
			id := all.MainTrack
			if sel != "main" {
				fmt.Sscan(sel, &id)
			}
			if tr.Count != count[id] || len(tr.Points) != count[id] || tr.Selected != sel || tr.MainTrack != all.MainTrack || len(tr.Tracks) != len(all.Tracks) {
				t.Errorf("%v track=%s: %d points (count %d), selected %q, main %d; want %d of %d", m, sel, len(tr.Points), tr.Count, tr.Selected, tr.MainTrack, count[id], id)
			}
			for _, p := range tr.Points {
				if p.Track != id {
					t.Fatalf("%v track=%s: a point of hypothesis %d", m, sel, p.Track)
				}
			}
		}

		// GeoJSON: one line per hypothesis, the main first, each line the
		// points of its hypothesis in order.
		code, hdr, body := do(t, "GET", base+"&format=geojson", fx.read, nil)
		if code != 200 || hdr.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%v geojson: %d %s", m, code, body)
		}
		doc.checkResponse(t, "GET", trackPath, "application/geo+json", body)
		var fc struct {
			Features []struct {
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
				Properties struct {
					Track int    `json:"track"`
					Main  bool   `json:"main"`
					Count int    `json:"count"`
					Time  string `json:"time"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		lines := map[int][][2]float64{}
		var order []int
		var mainTimes []time.Time
		var mixed []geo.Point
		var mixedTimes []time.Time
		for i, f := range fc.Features {
			switch f.Geometry.Type {
			case "LineString":
				var l [][2]float64
				json.Unmarshal(f.Geometry.Coordinates, &l)
				if _, dup := lines[f.Properties.Track]; dup || f.Properties.Main != (i == 0) || f.Properties.Count != len(l) {
					t.Errorf("%v geojson line %d: %+v", m, i, f.Properties)
				}
				lines[f.Properties.Track] = l
				order = append(order, f.Properties.Track)
			case "Point":
				var c [2]float64
				json.Unmarshal(f.Geometry.Coordinates, &c)
				ts, err := time.Parse(time.RFC3339Nano, f.Properties.Time)
				if err != nil {
					t.Fatalf("%v geojson point time %q: %v", m, f.Properties.Time, err)
				}
				mixed = append(mixed, geo.Point{Lat: c[1], Lon: c[0]})
				mixedTimes = append(mixedTimes, ts)
				if f.Properties.Track == all.MainTrack {
					mainTimes = append(mainTimes, ts)
				}
			}
		}
		if len(order) == 0 || order[0] != all.MainTrack || !slices.IsSorted(order[1:]) {
			t.Errorf("%v geojson lines %v; want the main %d first, then by id", m, order, all.MainTrack)
		}
		for id, n := range count {
			if l, ok := lines[id]; (ok || n >= 2 && id != 0) && len(l) != n {
				t.Errorf("%v geojson: line of hypothesis %d has %d points; want %d", m, id, len(l), n)
			}
		}
		mainLine := make([]geo.Point, len(lines[all.MainTrack]))
		for i, c := range lines[all.MainTrack] {
			mainLine[i] = geo.Point{Lat: c[1], Lon: c[0]}
		}
		if len(mainLine) != len(mainTimes) {
			t.Fatalf("%v: main line of %d points, %d point features", m, len(mainLine), len(mainTimes))
		}
		vMain, vMixed := maxImpliedSpeed(mainLine, mainTimes), maxImpliedSpeed(mixed, mixedTimes)
		if vMain > 60 {
			t.Errorf("%v: the main line implies %.0f kn; want at most fusion's 60", m, vMain)
		}
		if vMixed > 60 {
			mixedFast++
		}
	}
	t.Logf("the line of all hypotheses mixed exceeds 60 kn for %d of %d MMSIs; no main line does", mixedFast, len(multi))
	if mixedFast == 0 {
		t.Error("no mixed line exceeds 60 kn: the data no longer shows what splitting hypotheses is for")
	}
}

// TestTrackSelectErrors: a bad track parameter is a clear 400 naming it.
func TestTrackSelectErrors(t *testing.T) {
	srv := newServer(t, nil)
	for _, q := range []string{"first", "256", "-1", "1.5", "mainly"} {
		code, _, body := do(t, "GET", fmt.Sprintf("%s/api/v1/vessels/366999999/track?track=%s", srv.URL, url.QueryEscape(q)), fx.read, nil)
		wantError(t, "track="+q, code, body, 400, "bad_parameter", "track")
	}
}

// TestNearTrack: near answers the hypothesis of the report it found
// closest, as the store does, in a body that matches openapi.json.
func TestNearTrack(t *testing.T) {
	srv := newServer(t, nil)
	doc := loadAPIDoc(t, srv.URL)
	from, to := vessel.TimeOf(clock)-30*60000, vessel.TimeOf(clock)-6*60000
	tracked := 0
	for _, s := range someVessels(5) {
		c := geo.Point{Lat: s.Position.Lat, Lon: s.Position.Lon}
		u := fmt.Sprintf("%s/api/v1/near?lat=%v&lon=%v&radius=20km&from=%s&to=%s&flagged=true", srv.URL, c.Lat, c.Lon,
			url.QueryEscape(from.String()), url.QueryEscape(to.String()))
		code, _, body := do(t, "GET", u, fx.read, nil)
		if code != 200 {
			t.Fatalf("near: %d %s", code, body)
		}
		doc.checkResponse(t, "GET", "/api/v1/near", "application/json", body)
		var got struct {
			Results []struct {
				MMSI  uint32 `json:"mmsi"`
				Track int    `json:"track"`
			} `json:"results"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		want, err := fx.db.Near(c, 20e3, from, to, store.NearOptions{Flagged: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Results) != min(len(want), httpapi.MaxResults) {
			t.Fatalf("near %v: %d results; want %d", c, len(got.Results), len(want))
		}
		for i, r := range got.Results {
			if r.MMSI != uint32(want[i].MMSI) || r.Track != int(want[i].Track) {
				t.Errorf("near %v result %d: %d track %d; want %d track %d", c, i, r.MMSI, r.Track, want[i].MMSI, want[i].Track)
			}
			if r.Track != 0 {
				tracked++
			}
		}
	}
	if tracked == 0 {
		t.Error("no near result has a hypothesis: the test checks nothing")
	}
}
