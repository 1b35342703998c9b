package incident_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

// FuzzIncidentJSON feeds arbitrary bytes to UnmarshalJSON: it must never
// panic, and a record that decodes and validates must encode, decode to
// the same value and encode to the same bytes again.
func FuzzIncidentJSON(f *testing.F) {
	if data, err := os.ReadFile("testdata/records.golden.jsonl"); err == nil {
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) > 0 {
				f.Add(line)
			}
		}
	}
	f.Add([]byte(`{"kind":"incident","category":"other","title":"t","start":"2025-01-01T00:00:00Z","lat":1,"lon":2,"tlp":"clear"}`))
	f.Add([]byte(`{"kind":"assessment","category":"iuu_fishing","title":"x","start":"2025-01-01T00:00:00.5+01:00","tlp":"amber+strict","area":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[]]}}`))
	f.Add([]byte(`{"tlp":"TLP:RED","vessels":[],"events":[],"releasable_to":[],"area":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in incident.Incident
		if err := json.Unmarshal(data, &in); err != nil {
			return
		}
		if err := in.Validate(); err != nil {
			return
		}
		b, err := json.Marshal(&in)
		if err != nil {
			t.Fatalf("Marshal of a valid record: %v", err)
		}
		var back incident.Incident
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("re-decoded record invalid: %v", err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Fatalf("round trip differs:\n%+v\n%+v", in, back)
		}
		b2, err := json.Marshal(&back)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("second encoding differs:\n%s\n%s", b, b2)
		}
	})
}
