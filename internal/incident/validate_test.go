package incident_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestValidateSamples(t *testing.T) {
	for _, in := range samples() {
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", in.Title, err)
		}
	}
}

func TestValidate(t *testing.T) {
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name  string
		edit  func(in *incident.Incident)
		field string // "" for valid
	}{
		{"new record without ID", func(in *incident.Incident) { in.ID, in.Version = "", 0 }, ""},
		{"bad ID prefix", func(in *incident.Incident) { in.ID = "report--2f0b6c1e-8a4d-4c57-9d3e-6b1f2a3c4d5e" }, "id"},
		{"upper-case ID", func(in *incident.Incident) { in.ID = "incident--2F0B6C1E-8A4D-4C57-9D3E-6B1F2A3C4D5E" }, "id"},
		{"braced ID", func(in *incident.Incident) { in.ID = "incident--{2f0b6c1e-8a4d-4c57-9d3e-6b1f2a3c4d5e}" }, "id"},
		{"negative version", func(in *incident.Incident) { in.Version = -1 }, "version"},
		{"unknown kind", func(in *incident.Incident) { in.Kind = "rumour" }, "kind"},
		{"no kind", func(in *incident.Incident) { in.Kind = "" }, "kind"},
		{"unknown category", func(in *incident.Incident) { in.Category = "piracy" }, "category"},
		{"empty title", func(in *incident.Incident) { in.Title = "" }, "title"},
		{"blank title", func(in *incident.Incident) { in.Title = " \u00a0 " }, "title"},
		{"title of 200", func(in *incident.Incident) { in.Title = strings.Repeat("é", 200) }, ""},
		{"title of 201", func(in *incident.Incident) { in.Title = strings.Repeat("é", 201) }, "title"},
		{"newline in title", func(in *incident.Incident) { in.Title = "a\nb" }, "title"},
		{"NUL in narrative", func(in *incident.Incident) { in.Narrative = "a\x00b" }, "narrative"},
		{"escape in narrative", func(in *incident.Incident) { in.Narrative = "a\x1b[31mb" }, "narrative"},
		{"DEL in narrative", func(in *incident.Incident) { in.Narrative = "a\x7f" }, "narrative"},
		{"C1 in narrative", func(in *incident.Incident) { in.Narrative = "a\u0085" }, "narrative"},
		{"CRLF and tab in narrative", func(in *incident.Incident) { in.Narrative = "a\r\n\tb" }, ""},
		{"bad UTF-8", func(in *incident.Incident) { in.Narrative = "a\xffb" }, "narrative"},
		{"U+FFFD itself", func(in *incident.Incident) { in.Narrative = "a\ufffdb" }, ""},
		{"narrative of 20000", func(in *incident.Incident) { in.Narrative = strings.Repeat("ж", 20000) }, ""},
		{"narrative of 20001", func(in *incident.Incident) { in.Narrative = strings.Repeat("a", 20001) }, "narrative"},
		{"long source", func(in *incident.Incident) { in.Source = strings.Repeat("s", 201) }, "source"},
		{"no start", func(in *incident.Incident) { in.Start = 0 }, "start"},
		{"end before start", func(in *incident.Incident) { in.End = in.Start - 1 }, "end"},
		{"end equals start", func(in *incident.Incident) { in.End = in.Start }, ""},
		{"no end", func(in *incident.Incident) { in.End = 0 }, ""},
		{"year 10000", func(in *incident.Incident) { in.End = mustTime("9999-12-31T23:59:59Z") + 1000 }, "end"},
		{"updated before created", func(in *incident.Incident) { in.Updated = in.Created - 1 }, "updated"},
		{"lat 91", func(in *incident.Incident) { in.Lat = 91 }, "lat"},
		{"lon -180.5", func(in *incident.Incident) { in.Lon = -180.5 }, "lon"},
		{"lat NaN", func(in *incident.Incident) { in.Lat = nan() }, "lat"},
		{"coordinates without HasPoint", func(in *incident.Incident) { in.HasPoint = false }, "lat"},
		{"no point, no area", func(in *incident.Incident) { in.HasPoint, in.Lat, in.Lon = false, 0, 0 }, "lat"},
		{"area instead of point", func(in *incident.Incident) {
			in.HasPoint, in.Lat, in.Lon = false, 0, 0
			in.Area = geo.MultiPolygon{{Outer: box(1, 1, 2, 2)}}
		}, ""},
		{"assessment without area", func(in *incident.Incident) { in.Kind = incident.KindAssessment }, "area"},
		{"open ring", func(in *incident.Incident) { in.Area = geo.MultiPolygon{{Outer: box(1, 1, 2, 2)[:4]}} }, "area[0].outer"},
		{"ring of 3", func(in *incident.Incident) {
			in.Area = geo.MultiPolygon{{Outer: geo.Ring{{Lat: 1, Lon: 1}, {Lat: 2, Lon: 1}, {Lat: 1, Lon: 1}}}}
		}, "area[0].outer"},
		{"no outer ring", func(in *incident.Incident) { in.Area = geo.MultiPolygon{{}} }, "area[0]"},
		{"bad hole", func(in *incident.Incident) {
			in.Area = geo.MultiPolygon{{Outer: box(1, 1, 5, 5)}, {Outer: box(1, 1, 2, 2), Holes: []geo.Ring{box(1, 1, 2, 2)[:3]}}}
		}, "area[1].holes[0]"},
		{"vertex out of range", func(in *incident.Incident) {
			r := box(1, 1, 2, 2)
			r[2].Lat = 95
			in.Area = geo.MultiPolygon{{Outer: r}}
		}, "area[0].outer[2]"},
		{"vertex beyond the antimeridian", func(in *incident.Incident) { in.Area = geo.MultiPolygon{{Outer: box(179, 1, 181, 2)}} }, ""},
		{"too many polygons", func(in *incident.Incident) {
			in.Area = make(geo.MultiPolygon, incident.MaxPolygons+1)
			for i := range in.Area {
				in.Area[i].Outer = box(1, 1, 2, 2)
			}
		}, "area"},
		{"too many vertices", func(in *incident.Incident) {
			r := make(geo.Ring, incident.MaxVertices+1)
			for i := range r {
				r[i] = geo.Point{Lat: float64(i%80) / 10, Lon: float64(i%70) / 10}
			}
			r[len(r)-1] = r[0]
			in.Area = geo.MultiPolygon{{Outer: r}}
		}, "area"},
		{"invalid MMSI", func(in *incident.Incident) { in.Vessels = []vessel.MMSI{636012345, 123} }, "vessels[1]"},
		{"repeated MMSI", func(in *incident.Incident) { in.Vessels = []vessel.MMSI{636012345, 636012345} }, "vessels[1]"},
		{"too many vessels", func(in *incident.Incident) {
			in.Vessels = nil
			for i := range incident.MaxVessels + 1 {
				in.Vessels = append(in.Vessels, vessel.MMSI(636000000+i))
			}
		}, "vessels"},
		{"1000 vessels", func(in *incident.Incident) {
			in.Vessels = nil
			for i := range incident.MaxVessels {
				in.Vessels = append(in.Vessels, vessel.MMSI(636000000+i))
			}
		}, ""},
		{"event with space", func(in *incident.Incident) { in.Events = []string{"gap 1"} }, "events[0]"},
		{"empty event", func(in *incident.Incident) { in.Events = []string{""} }, "events[0]"},
		{"repeated event", func(in *incident.Incident) { in.Events = []string{"a", "a"} }, "events[1]"},
		{"too many events", func(in *incident.Incident) { in.Events = many(1001, func(i int) string { return "e" + itoa(i) }) }, "events"},
		{"lower-case origin", func(in *incident.Incident) { in.Origin = "in-ifc" }, "origin"},
		{"no origin", func(in *incident.Incident) { in.Origin = "" }, ""},
		{"releasable to a bad name", func(in *incident.Incident) { in.ReleasableTo = []string{"JP-JCG", "-X"} }, "releasable_to[1]"},
		{"releasable to a long name", func(in *incident.Incident) { in.ReleasableTo = []string{strings.Repeat("A", 65)} }, "releasable_to[0]"},
		{"releasable twice", func(in *incident.Incident) { in.ReleasableTo = []string{"JP-JCG", "JP-JCG"} }, "releasable_to[1]"},
		{"too many releasable", func(in *incident.Incident) { in.ReleasableTo = many(257, func(i int) string { return "N" + itoa(i) }) }, "releasable_to"},
		{"bad TLP", func(in *incident.Incident) { in.TLP = incident.TLPRed + 1 }, "tlp"},
		{"TLP red", func(in *incident.Incident) { in.TLP = incident.TLPRed }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := piracy()
			tt.edit(&in)
			err := in.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			var fe *incident.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v; want a *FieldError for %s", err, tt.field)
			}
			if fe.Field != tt.field {
				t.Errorf("Validate() = %v; want the field %s", err, tt.field)
			}
			if !errors.Is(err, incident.ErrInvalid) {
				t.Errorf("Validate() = %v; does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestValidNode(t *testing.T) {
	for s, want := range map[string]bool{
		"IN-IFC-IOR": true, "JP-JCG": true, "A": true, "9": true, "N.1_X-2": true,
		"": false, "-A": false, ".A": false, "in-ifc": false, "A B": false, "É": false,
		strings.Repeat("A", 64): true, strings.Repeat("A", 65): false,
	} {
		if got := incident.ValidNode(s); got != want {
			t.Errorf("ValidNode(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := incident.NewID()
		in := piracy()
		in.ID = id
		if err := in.Validate(); err != nil {
			t.Fatalf("NewID() = %q: %v", id, err)
		}
		// Version 4, RFC 4122 variant.
		if id[len("incident--")+14] != '4' || !strings.ContainsRune("89ab", rune(id[len("incident--")+19])) {
			t.Fatalf("NewID() = %q: not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
