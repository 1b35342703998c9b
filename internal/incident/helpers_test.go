package incident_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// ms returns the vessel.Time of an RFC 3339 time.
func ms(t *testing.T, s string) vessel.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return vessel.TimeOf(v)
}

func mustTime(s string) vessel.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return vessel.TimeOf(v)
}

// box returns a closed rectangular ring.
func box(minLon, minLat, maxLon, maxLat float64) geo.Ring {
	return geo.Ring{{Lat: minLat, Lon: minLon}, {Lat: minLat, Lon: maxLon}, {Lat: maxLat, Lon: maxLon}, {Lat: maxLat, Lon: minLon}, {Lat: minLat, Lon: minLon}}
}

// hostile is a narrative with markup, quotes, a newline and a tab.
const hostile = "Skiff approached <script>alert(\"x\")</script> & fled.\nSecond line\twith a tab; 'quoted' \u202e reversed"

// piracy is a stored incident at a point, TLP:AMBER.
func piracy() incident.Incident {
	return incident.Incident{
		ID: "incident--2f0b6c1e-8a4d-4c57-9d3e-6b1f2a3c4d5e", Version: 2,
		Kind: incident.KindIncident, Category: incident.Piracy,
		Title:     "Suspicious approach of MV <Example>",
		Narrative: hostile,
		Start:     mustTime("2025-09-03T04:10:00Z"), End: mustTime("2025-09-03T04:55:30.250Z"),
		Lat: 12.61, Lon: 45.34, HasPoint: true,
		Vessels:      []vessel.MMSI{636012345, 419000123},
		Events:       []string{"encounter-636012345-419000123-1756872600000"},
		Source:       "IN-IFC watch officer",
		Origin:       "IN-IFC-IOR",
		TLP:          incident.TLPAmber,
		ReleasableTo: []string{"JP-JCG", "FR-MICA"},
		Created:      mustTime("2025-09-03T05:00:00Z"), Updated: mustTime("2025-09-03T06:30:00.125Z"),
	}
}

// assessment is a stored risk assessment over an area, TLP:GREEN.
func assessment() incident.Incident {
	return incident.Incident{
		ID: "incident--9a7e3f10-5b2c-4d8e-8f60-1c2d3e4f5a6b", Version: 1,
		Kind: incident.KindAssessment, Category: incident.Piracy,
		Title:     "Elevated piracy risk, Gulf of Aden, September",
		Narrative: "Monsoon ending; skiff activity expected to rise.",
		Start:     mustTime("2025-09-01T00:00:00Z"), End: mustTime("2025-09-30T23:59:59Z"),
		Area:    geo.MultiPolygon{{Outer: box(43, 11, 51, 15)}},
		Source:  "IN-IFC analysis cell",
		Origin:  "IN-IFC-IOR",
		TLP:     incident.TLPGreen,
		Created: mustTime("2025-08-28T10:00:00Z"), Updated: mustTime("2025-08-28T10:00:00Z"),
	}
}

// fishing is a partner's incident with a point and a two-part area, one
// part across the antimeridian and one with a hole, TLP:CLEAR.
func fishing() incident.Incident {
	return incident.Incident{
		ID: "incident--0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", Version: 3,
		Kind: incident.KindIncident, Category: incident.IUUFishing,
		Title: "Dark fleet fishing",
		Start: mustTime("2025-07-01T00:00:00Z"),
		Lat:   -10.5, Lon: 179.5, HasPoint: true,
		Area: geo.MultiPolygon{
			{Outer: box(178, -12, -178, -9)},
			{Outer: box(160, -5, 165, 0), Holes: []geo.Ring{box(161, -4, 162, -3)}},
		},
		Vessels: []vessel.MMSI{412345678},
		Origin:  "JP-JCG",
		TLP:     incident.TLPClear,
		Created: mustTime("2025-07-02T00:00:00Z"), Updated: mustTime("2025-07-05T00:00:00Z"),
	}
}

func samples() []incident.Incident {
	return []incident.Incident{piracy(), assessment(), fishing()}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func nan() float64 { z := 0.0; return z / z }

func itoa(i int) string { return strconv.Itoa(i) }

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
