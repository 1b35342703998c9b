package cluster

import (
	"bytes"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
	"time"
)

// asterixBlock reads one of the real raw ASTERIX data blocks of
// ../shared/testdata/radar/asterix (GPL: read there, never copied), or
// nil when the shared test data is absent.
func asterixBlock(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("../../../shared/testdata/radar/asterix/" + name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// asterixRecord frames an ASTERIX payload as a SensorASTERIX record.
func asterixRecord(capture time.Time, payload []byte) []byte {
	var ns int64
	if !capture.IsZero() {
		ns = capture.UnixNano()
	}
	r := []byte{byte(ns >> 56), byte(ns >> 48), byte(ns >> 40), byte(ns >> 32), byte(ns >> 24), byte(ns >> 16), byte(ns >> 8), byte(ns)}
	return append(r, payload...)
}

func sameBatch(a, b Batch) bool {
	if a.Input != b.Input || !a.Received.Equal(b.Received) || a.Received.IsZero() != b.Received.IsZero() ||
		a.Sensor != b.Sensor || (a.Site == nil) != (b.Site == nil) || !slices.EqualFunc(a.Lines, b.Lines, bytes.Equal) {
		return false
	}
	if a.Site != nil {
		bits := math.Float64bits
		return bits(a.Site.Lat) == bits(b.Site.Lat) && bits(a.Site.Lon) == bits(b.Site.Lon) &&
			bits(a.Site.HeightM) == bits(b.Site.HeightM) && a.Site.SAC == b.Site.SAC && a.Site.SIC == b.Site.SIC
	}
	return true
}

// TestSensorBatchRoundTrip: sensor batches (version 2) of every kind,
// with and without a site, survive encoding; an AIS batch stays
// version 1 byte for byte whatever Site says.
func TestSensorBatchRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 5, time.UTC)
	cat048 := asterixBlock(t, "cat048.raw")
	if cat048 == nil {
		cat048 = []byte{48, 0, 3}
	}
	site := &Site{Lat: 45.81, Lon: 15.97, HeightM: 120.5, SAC: 25, SIC: 201}
	tests := []struct {
		name string
		b    Batch
	}{
		{"asterix with site", Batch{Input: "radar-site", Received: at, Sensor: SensorASTERIX, Site: site,
			Lines: [][]byte{asterixRecord(at, cat048), asterixRecord(time.Time{}, cat048)}}},
		{"asterix no site", Batch{Input: "udp", Received: at, Sensor: SensorASTERIX, Lines: [][]byte{asterixRecord(at, cat048)}}},
		{"nmea radar", Batch{Input: "ship-radar", Received: at, Sensor: SensorRadarNMEA, Site: &Site{Lat: -33.9, Lon: 18.4},
			Lines: [][]byte{[]byte(`\s:radar-1,c:1700000000*5B\$RATLL,01,3354.000,S,01824.000,E,,120000.00,T,*00`)}}},
		{"sar csv", Batch{Input: "sar", Received: at, Sensor: SensorSAR,
			Lines: [][]byte{[]byte("timestamp,lat,lon,length_m"), []byte("2026-12-07T03:00:00Z,1.5,103.8,120")}}},
		{"empty", Batch{Input: "x", Sensor: SensorSAR}},
	}
	for _, tt := range tests {
		p := AppendBatch(nil, tt.b)
		if p[0] != sensorVersion {
			t.Errorf("%s: version %d; want %d", tt.name, p[0], sensorVersion)
		}
		got, err := DecodeBatch(p)
		if err != nil {
			t.Errorf("%s: DecodeBatch: %v", tt.name, err)
			continue
		}
		if !sameBatch(got, tt.b) {
			t.Errorf("%s: DecodeBatch(AppendBatch(b)) = %+v; want %+v", tt.name, got, tt.b)
		}
	}
	ais := Batch{Input: "tcp", Received: at, Lines: [][]byte{[]byte("!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C")}}
	withSite := ais
	withSite.Site = site
	if p, q := AppendBatch(nil, ais), AppendBatch(nil, withSite); p[0] != entryVersion || !bytes.Equal(p, q) {
		t.Errorf("an AIS batch is not version 1 regardless of Site: %x, %x", p, q)
	}
}

// TestSensorBatchCorrupt: an unknown sensor kind, a bad site flag, a
// site cut short and a version 2 control record are refused with
// ErrCorrupt.
func TestSensorBatchCorrupt(t *testing.T) {
	good := AppendBatch(nil, Batch{Input: "r", Received: time.Unix(5, 0), Sensor: SensorRadarNMEA,
		Site: &Site{Lat: 1, Lon: 2}, Lines: [][]byte{[]byte("$RATLL")}})
	// The body starts after the version: input (2 bytes), time (8): the
	// kind is at 11, the site flag at 12.
	resum := func(p []byte) []byte {
		q := append([]byte(nil), p[:len(p)-entryFooter]...)
		return appendSum(q, 0)
	}
	mut := func(i int, v byte) []byte {
		p := append([]byte(nil), good...)
		p[i] = v
		return resum(p)
	}
	cases := map[string][]byte{
		"kind 0":        mut(11, 0),
		"kind 4":        mut(11, 4),
		"site flag 2":   mut(12, 2),
		"site cut":      resum(append(good[:20:20], 0, 0, 0, 0)),
		"version 3":     mut(0, 3),
		"control as v2": resum(append([]byte{sensorVersion}, AppendControl(nil, ControlRecord{Kind: KindZone, Op: OpPut, ID: "z"})[1:]...)),
	}
	for name, p := range cases {
		if _, err := DecodeBatch(p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: DecodeBatch = %v; want ErrCorrupt", name, err)
		}
	}
	if _, err := DecodeControl(AppendBatch(nil, Batch{Input: "r", Sensor: SensorSAR})); !errors.Is(err, ErrCorrupt) {
		t.Errorf("DecodeControl of a sensor batch = %v; want ErrCorrupt", err)
	}
}

// FuzzDecodeSensorBatch: DecodeBatch never panics and either refuses
// with ErrCorrupt or returns a batch that survives a round trip,
// seeded with real ASTERIX data blocks and radar lines.
func FuzzDecodeSensorBatch(f *testing.F) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	for _, name := range []string{"cat048.raw", "cat062cat065.raw"} {
		if blk := asterixBlock(f, name); blk != nil {
			f.Add(AppendBatch(nil, Batch{Input: "radar", Received: at, Sensor: SensorASTERIX,
				Site: &Site{Lat: 45, Lon: 16, SAC: 25, SIC: 201}, Lines: [][]byte{asterixRecord(at, blk)}}))
		}
	}
	f.Add(AppendBatch(nil, Batch{Input: "nmea", Received: at, Sensor: SensorRadarNMEA, Lines: [][]byte{[]byte("$RATTM,01,1.5,045.0,T,10.0,090.0,T,0.5,10.0,N,,T,,120000.00,A*00")}}))
	f.Add(AppendBatch(nil, Batch{Input: "sar", Sensor: SensorSAR, Lines: [][]byte{[]byte("a,b"), []byte("1,2")}}))
	f.Add(AppendBatch(nil, Batch{Input: "ais", Received: at, Lines: [][]byte{[]byte("!AIVDM")}}))
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := DecodeBatch(p)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeBatch: %v, not ErrCorrupt", err)
			}
			return
		}
		q := AppendBatch(nil, b)
		again, err := DecodeBatch(q)
		if err != nil || !sameBatch(again, b) {
			t.Fatalf("batch %+v does not survive a round trip: %+v, %v", b, again, err)
		}
	})
}
