package httpapi_test

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// simContacts is a contact source holding the simulator's radar and SAR
// scenario as contacts: the MMSI of the ship seen when it transmits AIS,
// none (dark) otherwise.
type simContacts struct{ cs []httpapi.Contact }

func newSimContacts(t *testing.T) *simContacts {
	t.Helper()
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 30 * time.Minute}, rand.New(rand.NewPCG(1, 2)))
	var s simContacts
	add := func(d vessel.Detection, ship int) {
		c := httpapi.Contact{Time: d.Time, Lat: d.Lat, Lon: d.Lon, Sensor: d.Sensor.String(), Source: d.Source, Target: d.Target, Scene: d.Scene, Score: 0.9}
		if ship >= 0 && sc.Ships[ship].HasAIS(d.Time) {
			c.MMSI = sc.Ships[ship].MMSI
		}
		s.cs = append(s.cs, c)
	}
	for _, r := range sc.Radar {
		add(r.Det, r.Ship)
	}
	for _, r := range sc.SAR {
		add(r.Det, r.Ship)
	}
	if len(s.cs) > httpapi.MaxContacts {
		s.cs = s.cs[len(s.cs)-httpapi.MaxContacts:]
	}
	return &s
}

func (s *simContacts) Contacts(q httpapi.ContactQuery) []httpapi.Contact {
	var out []httpapi.Contact
	for i := range s.cs {
		if q.Match(&s.cs[i]) {
			out = append(out, s.cs[i])
		}
	}
	slices.SortStableFunc(out, func(a, b httpapi.Contact) int { return int(b.Time - a.Time) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

// TestOGCContacts pages through the contacts collection with a box and a
// window, 100 a page: the features are exactly the source's contacts in
// the box and window, newest first, none twice, each with its MMSI (null
// when dark) and readable by its id.
func TestOGCContacts(t *testing.T) {
	src := newSimContacts(t)
	srv := newServer(t, func(c *httpapi.Config) { c.Contacts = src })
	lo, hi := src.cs[0].Time, src.cs[0].Time
	var box geo.Rect
	for i, c := range src.cs {
		lo, hi = min(lo, c.Time), max(hi, c.Time)
		if i == 0 {
			box = geo.Rect{MinLon: c.Lon, MinLat: c.Lat, MaxLon: c.Lon, MaxLat: c.Lat}
		}
		box.MinLon, box.MaxLon = min(box.MinLon, c.Lon), max(box.MaxLon, c.Lon)
		box.MinLat, box.MaxLat = min(box.MinLat, c.Lat), max(box.MaxLat, c.Lat)
	}
	// The western half of the area, the middle third of the time.
	box.MaxLon = (box.MinLon + box.MaxLon) / 2
	from, to := lo+(hi-lo)/3, lo+2*(hi-lo)/3
	want := map[[3]float64]bool{}
	dark := 0
	for _, c := range src.cs {
		if c.Time >= from && c.Time <= to && box.Contains(geo.Point{Lat: c.Lat, Lon: c.Lon}) {
			want[[3]float64{float64(c.Time), c.Lat, c.Lon}] = true
			if c.MMSI == 0 {
				dark++
			}
		}
	}
	if len(want) < 300 || dark == 0 {
		t.Fatalf("%d contacts (%d dark) in the box and window: choose another", len(want), dark)
	}
	next := srv.URL + "/ogc/collections/contacts/items?limit=100&bbox=" + url.QueryEscape(fmtBox(box)) +
		"&datetime=" + url.QueryEscape(from.Std().Format(time.RFC3339Nano)+"/"+to.Std().Format(time.RFC3339Nano))
	got := map[[3]float64]bool{}
	pages, gotDark := 0, 0
	var last time.Time
	var firstID string
	for next != "" {
		var p ogcPage
		getJSON(t, next, &p)
		pages++
		if p.NumberMatched != len(want) || p.NumberReturned != len(p.Features) || len(p.Features) > 100 {
			t.Fatalf("page %d: matched %d, returned %d of %d; want %d matched", pages, p.NumberMatched, p.NumberReturned, len(p.Features), len(want))
		}
		for _, f := range p.Features {
			tm, err := time.Parse(time.RFC3339Nano, f.Properties["time"].(string))
			if err != nil {
				t.Fatal(err)
			}
			lat, lon := f.Properties["lat"].(float64), f.Properties["lon"].(float64)
			k := [3]float64{float64(vessel.TimeOf(tm)), lat, lon}
			if got[k] || !want[k] || f.Geometry.Type != "Point" {
				t.Fatalf("page %d: feature %v repeated (%v) or not in the box and window", pages, f.ID, got[k])
			}
			if !last.IsZero() && tm.After(last) {
				t.Fatalf("page %d: %v after %v: not newest first", pages, tm, last)
			}
			if f.Properties["mmsi"] == nil {
				gotDark++
			}
			if firstID == "" {
				firstID, _ = f.ID.(string)
			}
			got[k], last = true, tm
		}
		next = linkOf(p.Links, "next")
	}
	if len(got) != len(want) || gotDark != dark || pages < 3 {
		t.Errorf("paged %d contacts (%d dark) in %d pages; want %d (%d dark)", len(got), gotDark, pages, len(want), dark)
	}
	var f struct{ ID, Type string }
	getJSON(t, srv.URL+"/ogc/collections/contacts/items/"+url.PathEscape(firstID), &f)
	if f.ID != firstID || f.Type != "Feature" {
		t.Errorf("contacts/items/%s = %+v", firstID, f)
	}
	t.Logf("%d contacts (%d dark) in %d pages", len(got), gotDark, pages)
}

func fmtBox(r geo.Rect) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return f(r.MinLon) + "," + f(r.MinLat) + "," + f(r.MaxLon) + "," + f(r.MaxLat)
}
