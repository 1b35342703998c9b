package server

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestEventConfig: the settings of a node's configuration and of
// tidewatch events turn into the engine's configuration the same way,
// and mistakes are ErrEventSpec or the file's error.
func TestEventConfig(t *testing.T) {
	area := "../../testdata/areas/galveston-bay-north.geojson"
	ports := filepath.Join(t.TempDir(), "ports.csv")
	os.WriteFile(ports, []byte("lat,lon,label\n29.68,-94.99,MORGANS POINT\n"), 0o644)
	for _, tc := range []struct {
		name    string
		spec    EventSpec
		preset  string
		ports   int // -1: the bundled ones (many)
		zones   int
		wantErr error
	}{
		{"defaults", EventSpec{}, event.PresetGFW, -1, 0, nil},
		{"skylight, no ports, a zone", EventSpec{Preset: "skylight", Ports: "none", Zones: area}, "skylight", 0, 1, nil},
		{"ports file", EventSpec{Ports: ports, Reorder: time.Minute}, event.PresetGFW, 1, 0, nil},
		{"params", EventSpec{Preset: "skylight", Params: []byte(`{"gap": {"min_duration": "12h"}}`)}, "skylight", -1, 0, nil},
		{"unknown preset", EventSpec{Preset: "nope"}, "", 0, 0, ErrEventSpec},
		{"bad params", EventSpec{Params: []byte(`{"gap": {"min_duration": "soon"}}`)}, "", 0, 0, ErrEventSpec},
		{"missing zones", EventSpec{Zones: "/nonexistent.geojson"}, "", 0, 0, os.ErrNotExist},
		{"missing ports", EventSpec{Ports: "/nonexistent.csv"}, "", 0, 0, os.ErrNotExist},
	} {
		cfg, err := EventConfig(tc.spec, nil)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s: err %v; want %v", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cfg.Preset != tc.preset || len(cfg.Zones) != tc.zones || cfg.Reorder != tc.spec.Reorder ||
			(tc.ports < 0 && len(cfg.Ports) < 1000) || (tc.ports >= 0 && len(cfg.Ports) != tc.ports) {
			t.Errorf("%s: preset %q, %d ports, %d zones, reorder %v", tc.name, cfg.Preset, len(cfg.Ports), len(cfg.Zones), cfg.Reorder)
		}
		if _, err := event.NewChecked(cfg); err != nil {
			t.Errorf("%s: the engine refuses the configuration: %v", tc.name, err)
		}
	}
}

// TestLoadLand: the three forms of the land setting.
func TestLoadLand(t *testing.T) {
	if m, err := LoadLand("none"); m != nil || err != nil {
		t.Errorf("none: %v, %v", m, err)
	}
	for _, spec := range []string{"", "default"} {
		m, err := LoadLand(spec)
		if err != nil || m == nil {
			t.Fatalf("%q: %v, %v", spec, m, err)
		}
		// Houston is on land, the Gulf of Mexico is not.
		if !m.OnLand(geo.Point{Lat: 29.76, Lon: -95.37}) || m.OnLand(geo.Point{Lat: 27.5, Lon: -92}) {
			t.Errorf("%q: the bundled land mask is wrong about Houston or the Gulf", spec)
		}
	}
	if _, err := LoadLand("/nonexistent.geojson"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCoreWithoutStore: a core without a store applies to the picture
// and hands each result to its subscribers; Commit has nothing to do.
func TestCoreWithoutStore(t *testing.T) {
	core, n, err := NewCore(CoreConfig{})
	if err != nil || n != 0 || core.Recorder() != nil {
		t.Fatalf("NewCore: %v, %d, %v", err, n, core.Recorder())
	}
	counts := map[fusion.Outcome]int{}
	core.Fanout.Subscribe("count", countSub(counts), SubscribeOptions{})
	obs := realObservations(t, 2000)
	for i := range obs {
		if err := core.Observe(&obs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := core.Commit(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total != len(obs) || counts[fusion.Stored] == 0 || core.Picture.Stats().Vessels == 0 {
		t.Errorf("results %v for %d observations, %d vessels", counts, len(obs), core.Picture.Stats().Vessels)
	}
}

type countSub map[fusion.Outcome]int

func (c countSub) Result(_ *vessel.Observation, r *fusion.Result) { c[r.Outcome]++ }
func (c countSub) Events([]event.Event)                           {}
func (c countSub) Commit()                                        {}
