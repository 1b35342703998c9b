package incident_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

func TestGeoJSON(t *testing.T) {
	b, err := incident.GeoJSON(samples())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "features.golden.geojson", b)
	var fc struct {
		Type     string
		Features []struct {
			Type     string
			ID       string
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("type %q, %d features", fc.Type, len(fc.Features))
	}
	wantGeom := []string{"Point", "Polygon", "MultiPolygon"}
	for i, f := range fc.Features {
		in := samples()[i]
		if f.Type != "Feature" || f.ID != in.ID || f.Geometry.Type != wantGeom[i] {
			t.Errorf("feature %d: %s %s %s", i, f.Type, f.ID, f.Geometry.Type)
		}
		p := f.Properties
		if p["tlp"] != in.TLP.String() || p["title"] != in.Title || p["category"] != string(in.Category) ||
			p["category_label"] != in.Category.Label() || p["kind"] != string(in.Kind) || p["id"] != in.ID ||
			p["origin"] != in.Origin || p["start"] != in.Start.String() || p["version"] != float64(in.Version) {
			t.Errorf("feature %d properties %v", i, p)
		}
		if _, ok := p["area"]; ok {
			t.Errorf("feature %d: area in the properties", i)
		}
		if _, ok := p["lat"]; ok != in.HasPoint {
			t.Errorf("feature %d: lat present %v; has point %v", i, ok, in.HasPoint)
		}
		// The properties are the record's JSON form but the area: they
		// decode back to the record.
		props, _ := json.Marshal(p)
		var back incident.Incident
		m := map[string]any{}
		json.Unmarshal(props, &m)
		delete(m, "category_label")
		if len(in.Area) > 0 {
			var g any
			json.Unmarshal([]byte(`{"type":"`+f.Geometry.Type+`","coordinates":`+string(f.Geometry.Coordinates)+`}`), &g)
			m["area"] = g
		}
		rec, _ := json.Marshal(m)
		if err := json.Unmarshal(rec, &back); err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Errorf("feature %d decodes to\n%+v\nwant\n%+v", i, back, in)
		}
	}
	// The point: [lon, lat].
	var pt []float64
	json.Unmarshal(fc.Features[0].Geometry.Coordinates, &pt)
	if !reflect.DeepEqual(pt, []float64{45.34, 12.61}) {
		t.Errorf("point coordinates %v", pt)
	}
	// The polygon: one closed ring of the box.
	var poly [][][]float64
	json.Unmarshal(fc.Features[1].Geometry.Coordinates, &poly)
	if len(poly) != 1 || len(poly[0]) != 5 || !reflect.DeepEqual(poly[0][0], []float64{43, 11}) || !reflect.DeepEqual(poly[0][2], []float64{51, 15}) {
		t.Errorf("polygon coordinates %v", poly)
	}
	// The multipolygon: two polygons, the second with a hole.
	var multi [][][][]float64
	json.Unmarshal(fc.Features[2].Geometry.Coordinates, &multi)
	if len(multi) != 2 || len(multi[1]) != 2 {
		t.Errorf("multipolygon coordinates %v", multi)
	}

	bad := piracy()
	bad.Title = ""
	if _, err := incident.GeoJSON([]incident.Incident{bad}); err == nil {
		t.Error("GeoJSON of an invalid record succeeded")
	}
	empty, err := incident.GeoJSON(nil)
	if err != nil || string(empty) != `{"type":"FeatureCollection","features":[]}` {
		t.Errorf("GeoJSON(nil) = %s, %v", empty, err)
	}
}
