package policy_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestUnknownTypeLeak replays three minutes of real AIS (AISHub, the
// decoded messages of testdata/ais/expected/aishub-3min.jsonl.gz, in the
// order they were received) through the policy of a partner that excludes
// fishing vessels, with the ship type the picture knows at each moment
// (none until the vessel's first static report). Sharing vessels of
// unknown type, as the policy did before unknown_type, lets most fishing
// vessels through before their first static report; the default
// (withhold) lets none through, and still shares the other vessels once
// their type is known.
func TestUnknownTypeLeak(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "ais", "expected", "aishub-3min.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		Type   int         `json:"type"`
		MMSI   vessel.MMSI `json:"mmsi"`
		Lat    *float64    `json:"lat"`
		Lon    *float64    `json:"lon"`
		Ship   *int        `json:"shiptype"`
		PartNo *int        `json:"partno"`
	}
	var msgs []msg
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Scaled msg `json:"scaled"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, line.Scaled)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	const file = `{"version":1,"node":"IN-IFC","partners":{"JP-JCG":{"share":{"positions":true,"static":true},
		"exclude_vessels":{"ship_types":["fishing","military"]}%s}}}`
	for _, tt := range []struct {
		name, extra string
		leak        bool
	}{
		{"default (withhold)", "", false},
		{"unknown_type withhold", `,"unknown_type":"withhold"`, false},
		{"unknown_type share", `,"unknown_type":"share"`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(fmt.Sprintf(file, tt.extra)))
			if err != nil {
				t.Fatal(err)
			}
			jp := p.Partner("JP-JCG")
			known := map[vessel.MMSI]int{}       // the type the picture knows
			sent := map[vessel.MMSI]bool{}       // a position or static report of the vessel reached the partner
			staticSent := map[vessel.MMSI]bool{} // a static report reached the partner
			for _, m := range msgs {
				v := policy.Vessel{MMSI: m.MMSI, ShipType: known[m.MMSI]}
				switch {
				case m.Lat != nil && m.Lon != nil && (m.Type <= 3 || m.Type == 18 || m.Type == 19 || m.Type == 27):
					pos := vessel.Position{MMSI: m.MMSI, Time: 1, Lat: *m.Lat, Lon: *m.Lon}
					if _, _, d := jp.Position(pos, v, "", 0); d.Allow {
						sent[m.MMSI] = true
					}
				}
				if m.Ship != nil && (m.Type == 5 || m.Type == 19 || m.Type == 24) {
					st := vessel.Static{MMSI: m.MMSI, Has: vessel.HasShipType, ShipType: uint8(*m.Ship)}
					if _, d := jp.Static(st, v, "", 0); d.Allow {
						sent[m.MMSI] = true
						staticSent[m.MMSI] = true
					}
					known[m.MMSI] = *m.Ship
				}
			}
			var fishing, fishingSent, typed, typedSent int
			for m, st := range known {
				switch c := vessel.ShipCategory(uint8(st)); c {
				case vessel.CategoryFishing:
					fishing++
					if sent[m] {
						fishingSent++
					}
				default:
					if st != 0 && c != vessel.CategoryMilitary {
						typed++
						if sent[m] && staticSent[m] {
							typedSent++
						}
					}
				}
			}
			t.Logf("%d of %d fishing vessels reached the partner; %d of %d other typed vessels", fishingSent, fishing, typedSent, typed)
			if fishing < 10 {
				t.Fatalf("only %d fishing vessels in the capture: the test proves nothing", fishing)
			}
			if tt.leak && fishingSent == 0 {
				t.Errorf("sharing unknown types: no fishing vessel reached the partner; the capture should reproduce the leak")
			}
			if !tt.leak && fishingSent != 0 {
				t.Errorf("%d of %d fishing vessels reached a partner that excludes fishing", fishingSent, fishing)
			}
			if typedSent != typed {
				t.Errorf("%d of %d other vessels with a known type reached the partner; want all", typedSent, typed)
			}
		})
	}
}
