package server

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// markerZones reads the repository's example area as zones.
func markerZones(t testing.TB) []event.Zone {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "areas", "galveston-bay-north.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	feats, err := geo.ReadGeoJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	zs := event.ZonesFromGeoJSON(feats)
	if len(zs) == 0 {
		t.Fatal("no zones in the example area")
	}
	return zs
}

// TestZonesMarkerRoundTrip: a zones marker goes through the ingest log's
// batch encoding and back with its control entry, time and zones (the
// same zones file), and damaged markers are refused with errMarker.
func TestZonesMarkerRoundTrip(t *testing.T) {
	zs := markerZones(t)
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	b, err := markerBatch(zonesMarker{seq: 42, zones: zs, at: at})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := cluster.DecodeBatch(cluster.AppendBatch(nil, b))
	if err != nil {
		t.Fatal(err)
	}
	if dec.Input != zonesMarkerInput {
		t.Fatalf("input %q; want the marker's", dec.Input)
	}
	mk, err := decodeMarker(dec)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := event.MarshalZonesFile(zs)
	got, _ := event.MarshalZonesFile(mk.zones)
	if mk.seq != 42 || !mk.at.Equal(at) || string(got) != string(want) {
		t.Errorf("decoded marker: entry %d, time %v, zones %d bytes; want 42, %v, %d bytes the same", mk.seq, mk.at, len(got), at, len(want))
	}
	for name, bad := range map[string]cluster.Batch{
		"one line":    {Input: zonesMarkerInput, Lines: b.Lines[:1]},
		"no entry":    {Input: zonesMarkerInput, Lines: [][]byte{[]byte("x"), b.Lines[1]}},
		"not GeoJSON": {Input: zonesMarkerInput, Lines: [][]byte{[]byte("7"), []byte("{")}},
	} {
		if _, err := decodeMarker(bad); !errors.Is(err, errMarker) {
			t.Errorf("%s: %v; want errMarker", name, err)
		}
	}
}

// FuzzDecodeMarker: a marker entry is input from the cluster's log: any
// bytes give a marker or errMarker, never a panic, and a marker decoded
// encodes again to one that decodes the same.
func FuzzDecodeMarker(f *testing.F) {
	zs := markerZones(f)
	b, err := markerBatch(zonesMarker{seq: 3, zones: zs, at: time.Unix(1796612519, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b.Lines[0], b.Lines[1])
	f.Add([]byte("18446744073709551615"), []byte(`{"type":"FeatureCollection","features":[]}`))
	f.Fuzz(func(t *testing.T, seq, zones []byte) {
		mk, err := decodeMarker(cluster.Batch{Input: zonesMarkerInput, Lines: [][]byte{seq, zones}})
		if err != nil {
			if !errors.Is(err, errMarker) {
				t.Fatalf("error %v is not errMarker", err)
			}
			return
		}
		again, err := markerBatch(mk)
		if err != nil {
			return // zones that do not encode (e.g. NaN coordinates) are published by no member
		}
		mk2, err := decodeMarker(again)
		if err != nil || mk2.seq != mk.seq || len(mk2.zones) != len(mk.zones) {
			t.Fatalf("re-encoded marker: %v, %d zones; want %d zones", err, len(mk2.zones), len(mk.zones))
		}
	})
}

// TestClusterRefusesMarkerInputName: an input may not take the zones
// markers' name in cluster mode (its lines would be read as markers).
func TestClusterRefusesMarkerInputName(t *testing.T) {
	cfg := Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222"},
		Inputs: []Input{{Type: "tcp-server", Name: zonesMarkerInput, Listen: ":10110"}}}
	if err := cfg.Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("an input named %q: %v; want ErrConfig", zonesMarkerInput, err)
	}
	cfg.Inputs[0].Name = "zones"
	if err := cfg.Validate(); err != nil {
		t.Errorf("an input named zones: %v", err)
	}
}
