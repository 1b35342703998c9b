package httpapi_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// vesselColumns is the compact picture (format=compact).
type vesselColumns struct {
	Time      string     `json:"time"`
	Count     int        `json:"count"`
	Truncated bool       `json:"truncated"`
	MMSI      []uint32   `json:"mmsi"`
	Lat       []*float64 `json:"lat"`
	Lon       []*float64 `json:"lon"`
	SOG       []*float64 `json:"sog"`
	COG       []*float64 `json:"cog"`
	Heading   []*int     `json:"heading"`
	Category  []string   `json:"category"`
	Flag      []*string  `json:"flag"`
	AgeS      []*int64   `json:"age_s"`
	Name      []*string  `json:"name"`
	CallSign  []*string  `json:"callsign"`
	IMO       []*uint32  `json:"imo"`
}

// compareCompact checks that the compact answer holds the vessels of the
// full one, in its order, with its values, column by column.
func compareCompact(t *testing.T, what string, full vesselList, c vesselColumns) {
	t.Helper()
	if c.Time != full.Time || c.Count != full.Count || c.Truncated != full.Truncated {
		t.Errorf("%s: compact time %s count %d truncated %v; full %s %d %v", what, c.Time, c.Count, c.Truncated, full.Time, full.Count, full.Truncated)
	}
	n := len(full.Vessels)
	for name, l := range map[string]int{"mmsi": len(c.MMSI), "lat": len(c.Lat), "lon": len(c.Lon), "sog": len(c.SOG), "cog": len(c.COG),
		"heading": len(c.Heading), "category": len(c.Category), "flag": len(c.Flag), "age_s": len(c.AgeS), "name": len(c.Name),
		"callsign": len(c.CallSign), "imo": len(c.IMO)} {
		if l != n {
			t.Fatalf("%s: compact column %s holds %d values; the full answer %d vessels", what, name, l, n)
		}
	}
	bad := 0
	for i, v := range full.Vessels {
		got := summary{MMSI: c.MMSI[i], Lat: c.Lat[i], Lon: c.Lon[i], SOG: c.SOG[i], COG: c.COG[i], Heading: c.Heading[i],
			Category: c.Category[i], Flag: c.Flag[i], AgeS: c.AgeS[i], Name: c.Name[i], CallSign: c.CallSign[i], IMO: c.IMO[i]}
		want := summary{MMSI: v.MMSI, Lat: v.Lat, Lon: v.Lon, SOG: v.SOG, COG: v.COG, Heading: v.Heading,
			Category: v.Category, Flag: v.Flag, AgeS: v.AgeS, Name: v.Name, CallSign: v.CallSign, IMO: v.IMO}
		if !reflect.DeepEqual(got, want) {
			if bad++; bad <= 3 {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(want)
				t.Errorf("%s: vessel %d compact %s; full %s", what, i, gj, wj)
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d vessels differ", what, bad)
	}
}

// getCompact GETs a compact picture, checks its media type and decodes it.
func getCompact(t *testing.T, url string) vesselColumns {
	t.Helper()
	code, h, body := do(t, "GET", url, fx.read, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, code, body)
	}
	if ct := h.Get("Content-Type"); ct != httpapi.CompactMediaType {
		t.Fatalf("GET %s: Content-Type %q; want %q", url, ct, httpapi.CompactMediaType)
	}
	var c vesselColumns
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return c
}

// TestCompactMatchesFull: on the NOAA day, the compact picture holds the
// vessels and values of the full one, live (whole, in a box, filtered,
// truncated) and at a past moment from the store.
func TestCompactMatchesFull(t *testing.T) {
	srv := newServer(t, nil)
	for _, q := range []string{
		"",
		"bbox=-96,28,-88,31",
		"type=cargo,tanker",
		"limit=100",
		"max_age=10m",
		"at=2022-01-03T00:20:00Z",
		"at=2022-01-03T00:10:00Z&bbox=-125,30,-115,40",
	} {
		var full vesselList
		getJSON(t, srv.URL+"/api/v1/vessels?"+q, &full)
		if len(full.Vessels) < 10 {
			t.Fatalf("%s: %d vessels; the test wants a real picture", q, len(full.Vessels))
		}
		c := getCompact(t, srv.URL+"/api/v1/vessels?format=compact&"+q)
		compareCompact(t, q, full, c)
	}
	code, _, body := do(t, "GET", srv.URL+"/api/v1/vessels?format=csv", fx.read, nil)
	wantError(t, "format=csv", code, body, http.StatusBadRequest, "bad_parameter", "format")
}

// TestCompactMatchesFullSimulated: the same on the demo's simulated
// fleet, whose ships all carry names, courses and types, with the compact
// and the full answer read in the same second.
func TestCompactMatchesFullSimulated(t *testing.T) {
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Minute)
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(1 << 12)}
	sim := simulate.New(simulate.Config{Vessels: 2000}, rand.New(rand.NewPCG(3, 4)))
	err := sim.Run(vessel.TimeOf(start), vessel.TimeOf(end), func(o *vessel.Observation) error {
		r := tp.pic.Apply(o)
		if (r.Outcome == fusion.Stored && r.Position.Flags&(vessel.Bad|vessel.FlagLate) == 0) || r.Outcome == fusion.Static {
			if s, ok := tp.pic.Vessel(r.MMSI); ok {
				tp.hub.Publish(bind.Update(&s))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, func(c *httpapi.Config) {
		c.Picture, c.Hub, c.Now = bind.Picture(tp.pic), tp.hub, func() time.Time { return end }
	})
	var full vesselList
	getJSON(t, srv.URL+"/api/v1/vessels?limit=100000", &full)
	if len(full.Vessels) < 1900 {
		t.Fatalf("%d vessels of 2000 simulated", len(full.Vessels))
	}
	named, moving, called, imo := 0, 0, 0, 0
	for _, v := range full.Vessels {
		if v.Name != nil {
			named++
		}
		if v.COG != nil {
			moving++
		}
		if v.CallSign != nil {
			called++
		}
		if v.IMO != nil {
			imo++
		}
	}
	if named < len(full.Vessels)/2 || moving < len(full.Vessels)/2 || called < len(full.Vessels)/4 || imo == 0 || imo == len(full.Vessels) {
		t.Fatalf("%d named, %d with a course, %d with a call sign and %d with an IMO number of %d: the fleet does not test the columns",
			named, moving, called, imo, len(full.Vessels))
	}
	compareCompact(t, "simulated", full, getCompact(t, srv.URL+"/api/v1/vessels?limit=100000&format=compact"))
}

// TestCompactETag: the compact picture has an ETag of its own, answers
// 304 to it, and a new one after a report.
func TestCompactETag(t *testing.T) {
	tp := &testPicture{pic: fusion.NewPicture(fusion.Config{}), hub: httpapi.NewHub(64)}
	for i := range 40 {
		tp.report(vessel.MMSI(366000001+i), clock.Add(-time.Duration(i)*time.Second), 29+float64(i)/100, -94.9)
	}
	srv := newServer(t, func(c *httpapi.Config) {
		c.Picture, c.Hub, c.Now = bind.Picture(tp.pic), tp.hub, func() time.Time { return clock }
	})
	const path = "/api/v1/vessels?format=compact"
	code, h, _ := do(t, "GET", srv.URL+path, fx.read, nil)
	etag := h.Get("ETag")
	if code != 200 || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("GET %s = %d, ETag %q; want 200 and a weak ETag", path, code, etag)
	}
	if _, hf, _ := do(t, "GET", srv.URL+"/api/v1/vessels", fx.read, nil); hf.Get("ETag") == etag {
		t.Errorf("the full picture has the compact picture's ETag %s", etag)
	}
	if code, _, data := do(t, "GET", srv.URL+path, fx.read, nil, "If-None-Match", etag, "Accept-Encoding", "gzip"); code != http.StatusNotModified || len(data) != 0 {
		t.Errorf("If-None-Match %s = %d, %d bytes; want 304 and no body", etag, code, len(data))
	}
	tp.report(366000001, clock.Add(500*time.Millisecond), 29.001, -94.9)
	code, h, data := do(t, "GET", srv.URL+path, fx.read, nil, "If-None-Match", etag)
	if code != 200 || h.Get("ETag") == etag {
		t.Fatalf("after a report: %d, ETag %q; want 200 and a new ETag", code, h.Get("ETag"))
	}
	var c vesselColumns
	if err := json.Unmarshal(data, &c); err != nil || c.Count != 40 || c.Lat[0] == nil || *c.Lat[0] != 29.001 {
		t.Errorf("after a report: %d vessels (%v); want 40, the first at 29.001", c.Count, err)
	}
}
