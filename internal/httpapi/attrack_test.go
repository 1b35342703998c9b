package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestVesselsAtTrack: the picture at a past moment (vessels?at=) shows,
// for each vessel, the track hypothesis of the position it shows, as
// the track API does: for the MMSIs of the real fixture with several
// hypotheses, at the time of each one's last good point of every
// hypothesis, the answer's track is the stored one (a hypothesis other
// than the first for some of them). The responses are valid against
// openapi.json, and the live picture shows no track.
func TestVesselsAtTrack(t *testing.T) {
	srv := newServer(t, nil)
	doc := loadAPIDoc(t, srv.URL)
	type summary struct {
		MMSI  uint32 `json:"mmsi"`
		Time  string `json:"time"`
		Track *int   `json:"track"`
	}
	get := func(q string) []summary {
		t.Helper()
		code, _, body := do(t, "GET", srv.URL+"/api/v1/vessels?"+q, fx.read, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		doc.checkResponse(t, "GET", "/api/v1/vessels", "application/json", body)
		var list struct {
			Vessels []summary `json:"vessels"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		return list.Vessels
	}
	checked, other := 0, 0
	for _, m := range multiTrackVessels(t) {
		pts, err := fx.db.Track(m, -1<<50, 1<<50, false)
		if err != nil {
			t.Fatal(err)
		}
		last := map[uint8]vessel.Position{} // the last good point of each hypothesis
		for _, p := range pts {
			if p.Track != 0 {
				last[p.Track] = p
			}
		}
		for id, p := range last {
			q := fmt.Sprintf("at=%s&max_age=1m&bbox=%.5f,%.5f,%.5f,%.5f&limit=1000", p.Time, p.Lon-0.01, p.Lat-0.01, p.Lon+0.01, p.Lat+0.01)
			var got *summary
			for _, s := range get(q) {
				if s.MMSI == uint32(m) {
					got = &s
				}
			}
			at, err := fx.db.At(p.Time, 60_000, false)
			if err != nil {
				t.Fatal(err)
			}
			var want vessel.Position
			for _, v := range at {
				if v.MMSI == m {
					want = v.Position
				}
			}
			if want.Time != p.Time {
				continue // another report at the same time was shown
			}
			if got == nil || got.Track == nil || *got.Track != int(want.Track) {
				t.Fatalf("%v at %v: %+v; want track %d", m, p.Time, got, want.Track)
			}
			checked++
			if id != 1 {
				other++
			}
		}
	}
	if checked < 5 || other == 0 {
		t.Fatalf("%d answers checked, %d of a hypothesis other than 1; want several of both", checked, other)
	}
	for _, s := range get("limit=100") {
		if s.Track != nil {
			t.Fatalf("live picture shows track %d for %d", *s.Track, s.MMSI)
		}
	}
	t.Logf("%d vessels at past moments with their hypothesis, %d of a hypothesis other than the first", checked, other)
}
