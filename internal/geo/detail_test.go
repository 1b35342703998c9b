package geo_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestLandMaskWithDetail: inside a detail box the detailed land answers
// (a basin the coarse land fills is sea; its margin keeps a quay's edge
// at sea), outside it the coarse land does, and the coarse mask is left
// as it was.
func TestLandMaskWithDetail(t *testing.T) {
	coarse, err := geo.DefaultLand()
	if err != nil {
		t.Fatal(err)
	}
	box := geo.Rect{MinLat: 29.6, MinLon: -95.4, MaxLat: 29.9, MaxLon: -95.1}
	// An island over the box with a basin (hole) 0.02° square.
	island := geo.MultiPolygon{{
		Outer: geo.Ring{{Lat: 29.6, Lon: -95.4}, {Lat: 29.6, Lon: -95.1}, {Lat: 29.9, Lon: -95.1}, {Lat: 29.9, Lon: -95.4}, {Lat: 29.6, Lon: -95.4}},
		Holes: []geo.Ring{{{Lat: 29.74, Lon: -95.26}, {Lat: 29.74, Lon: -95.24}, {Lat: 29.76, Lon: -95.24}, {Lat: 29.76, Lon: -95.26}, {Lat: 29.74, Lon: -95.26}}},
	}}
	m, err := coarse.WithDetail(box, []geo.MultiPolygon{island}, 100, geo.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Detailed() || coarse.Detailed() {
		t.Errorf("Detailed: %v, coarse %v", m.Detailed(), coarse.Detailed())
	}
	for _, tc := range []struct {
		name         string
		p            geo.Point
		coarse, with bool
	}{
		{"in the basin", geo.Point{Lat: 29.75, Lon: -95.25}, true, false},
		{"on the quay, 50 m from the basin", geo.Point{Lat: 29.75, Lon: -95.2605}, true, false},
		{"on the island, 500 m from the basin", geo.Point{Lat: 29.75, Lon: -95.2655}, true, true},
		{"Dallas, outside the box", geo.Point{Lat: 32.78, Lon: -96.8}, true, true},
		{"the Gulf, outside the box", geo.Point{Lat: 27.5, Lon: -92}, false, false},
	} {
		if got := coarse.OnLand(tc.p); got != tc.coarse {
			t.Errorf("%s: coarse %v; want %v", tc.name, got, tc.coarse)
		}
		if got := m.OnLand(tc.p); got != tc.with {
			t.Errorf("%s: with detail %v; want %v", tc.name, got, tc.with)
		}
	}
	// A box with no land at all is all sea; bad boxes and margins are refused.
	sea, err := coarse.WithDetail(box, nil, 0, geo.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sea.OnLand(geo.Point{Lat: 29.75, Lon: -95.3}) {
		t.Error("an empty detailed land is land")
	}
	for _, bad := range []struct {
		box    geo.Rect
		margin float64
	}{{geo.Rect{MinLat: 30, MaxLat: 29}, 0}, {geo.Rect{MinLat: -91, MaxLat: 0}, 0}, {box, -1}} {
		if _, err := coarse.WithDetail(bad.box, nil, bad.margin, geo.IndexOptions{}); err == nil {
			t.Errorf("WithDetail(%+v, margin %v): no error", bad.box, bad.margin)
		}
	}
}
