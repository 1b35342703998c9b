package event

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestZonesGeoJSONRoundTrip: zones written by ZonesGeoJSON read back by
// ZonesFromGeoJSON as they were, hostile names and holes included.
func TestZonesGeoJSONRoundTrip(t *testing.T) {
	sq := func(w, s, e, n float64) geo.Ring {
		return geo.Ring{{Lat: s, Lon: w}, {Lat: s, Lon: e}, {Lat: n, Lon: e}, {Lat: n, Lon: w}, {Lat: s, Lon: w}}
	}
	zones := []Zone{
		{Name: "<B>Mumbai approach</B>", Area: geo.MultiPolygon{{Outer: sq(72.4, 18.6, 72.8, 19.0), Holes: []geo.Ring{sq(72.5, 18.7, 72.6, 18.8)}}},
			Properties: map[string]any{"name": "<B>Mumbai approach</B>", "authority": "IFC-IOR"}},
		{Name: "Gulf of Aden IRTC", Area: geo.MultiPolygon{{Outer: sq(43, 11, 45, 12)}, {Outer: sq(46, 12, 48, 13)}},
			Properties: map[string]any{"name": "Gulf of Aden IRTC"}},
	}
	b, err := json.Marshal(ZonesGeoJSON(zones))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("<B>")) {
		t.Errorf("a hostile name is not escaped: %s", b)
	}
	feats, err := geo.ReadGeoJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := ZonesFromGeoJSON(feats); !reflect.DeepEqual(got, zones) {
		t.Errorf("read back %+v\nwant %+v", got, zones)
	}
}
