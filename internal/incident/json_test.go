package incident_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

func TestJSONGolden(t *testing.T) {
	var got []byte
	for _, in := range samples() {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		got = append(append(got, b...), '\n')
	}
	golden(t, "records.golden.jsonl", got)
}

func TestJSONRoundTrip(t *testing.T) {
	for _, in := range samples() {
		b, err := json.Marshal(&in)
		if err != nil {
			t.Fatal(err)
		}
		var back incident.Incident
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Errorf("round trip of %q:\ngot  %+v\nwant %+v", in.Title, back, in)
		}
	}
}

func TestJSONForm(t *testing.T) {
	b, err := json.Marshal(piracy())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tlp": "TLP:AMBER", "kind": "incident", "category": "piracy_armed_robbery",
		"start": "2025-09-03T04:10:00Z", "end": "2025-09-03T04:55:30.250Z",
		"updated": "2025-09-03T06:30:00.125Z", "lat": 12.61, "lon": 45.34,
		"releasable_to": []any{"JP-JCG", "FR-MICA"}, "vessels": []any{636012345.0, 419000123.0},
		"narrative": hostile,
	}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Errorf("%q = %#v; want %#v", k, m[k], v)
		}
	}
	for _, k := range []string{"area", "deleted"} {
		if _, ok := m[k]; ok {
			t.Errorf("key %q present", k)
		}
	}
	if s := string(b); strings.Contains(s, "<") || strings.Contains(s, "&") || !strings.Contains(s, `\u003cscript\u003e`) {
		t.Errorf("markup not escaped: %s", s)
	}
	b, err = json.Marshal(assessment())
	if err != nil {
		t.Fatal(err)
	}
	m = nil
	json.Unmarshal(b, &m)
	area, _ := m["area"].(map[string]any)
	if area["type"] != "Polygon" {
		t.Errorf("area = %v; want a Polygon", m["area"])
	}
	if _, ok := m["lat"]; ok {
		t.Error("lat present without a point")
	}
	b, _ = json.Marshal(fishing())
	m = nil
	json.Unmarshal(b, &m)
	if area, _ := m["area"].(map[string]any); area["type"] != "MultiPolygon" {
		t.Errorf("area = %v; want a MultiPolygon", m["area"])
	}
}

func TestUnmarshalStrict(t *testing.T) {
	base := `"kind":"incident","category":"other","title":"t","start":"2025-01-01T00:00:00Z","lat":1,"lon":2`
	tests := []struct {
		name, json string
		field      string // the FieldError's field, "" for another ErrInvalid, "ok" for success
	}{
		{"minimal", `{` + base + `,"tlp":"TLP:RED"}`, "ok"},
		{"offset time", `{"kind":"incident","category":"other","title":"t","start":"2025-01-01T05:30:00+05:30","lat":1,"lon":2,"tlp":"clear"}`, "ok"},
		{"missing tlp", `{` + base + `}`, "tlp"},
		{"null tlp", `{` + base + `,"tlp":null}`, "tlp"},
		{"unknown tlp", `{` + base + `,"tlp":"TLP:PURPLE"}`, "tlp"},
		{"numeric tlp", `{` + base + `,"tlp":2}`, ""},
		{"unknown kind", `{"kind":"rumour","category":"other","title":"t","start":"2025-01-01T00:00:00Z","tlp":"red"}`, "kind"},
		{"kind in capitals", `{"kind":"Incident","category":"other","title":"t","start":"2025-01-01T00:00:00Z","tlp":"red"}`, "kind"},
		{"unknown category", `{"kind":"incident","category":"piracy","title":"t","start":"2025-01-01T00:00:00Z","tlp":"red"}`, "category"},
		{"unknown key", `{` + base + `,"tlp":"red","severity":3}`, ""},
		{"lat without lon", `{"kind":"incident","category":"other","title":"t","start":"2025-01-01T00:00:00Z","lat":1,"tlp":"red"}`, "lon"},
		{"bad time", `{"kind":"incident","category":"other","title":"t","start":"2025-01-01 00:00","lat":1,"lon":2,"tlp":"red"}`, "start"},
		{"point as area", `{` + base + `,"tlp":"red","area":{"type":"Point","coordinates":[1,2]}}`, "area"},
		{"feature as area", `{` + base + `,"tlp":"red","area":{"type":"Feature","geometry":null}}`, "area"},
		{"open ring", `{` + base + `,"tlp":"red","area":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}`, "area"},
		{"MMSI too big", `{` + base + `,"tlp":"red","vessels":[4294967296]}`, ""},
		{"MMSI fraction", `{` + base + `,"tlp":"red","vessels":[1.5]}`, ""},
		{"trailing data", `{` + base + `,"tlp":"red"} {}`, ""},
		{"not an object", `[1]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in incident.Incident
			err := in.UnmarshalJSON([]byte(tt.json))
			if tt.field == "ok" {
				if err != nil {
					t.Fatalf("UnmarshalJSON = %v", err)
				}
				if err := in.Validate(); err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if !errors.Is(err, incident.ErrInvalid) {
				t.Fatalf("UnmarshalJSON = %v; want ErrInvalid", err)
			}
			var fe *incident.FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Errorf("UnmarshalJSON = %v; want a FieldError for %s", err, tt.field)
			}
		})
	}
	var in incident.Incident
	huge := `{"narrative":"` + strings.Repeat("a", incident.MaxJSON) + `"}`
	if err := in.UnmarshalJSON([]byte(huge)); !errors.Is(err, incident.ErrTooLarge) {
		t.Errorf("UnmarshalJSON of %d bytes = %v; want ErrTooLarge", len(huge), err)
	}
}

func TestUnmarshalOffsetToUTC(t *testing.T) {
	var in incident.Incident
	err := json.Unmarshal([]byte(`{"kind":"incident","category":"other","title":"t","start":"2025-01-01T05:30:00.0009+05:30","lat":1,"lon":2,"tlp":"clear"}`), &in)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Start.String(); got != "2025-01-01T00:00:00Z" {
		t.Errorf("start = %s; want 2025-01-01T00:00:00Z", got)
	}
}
