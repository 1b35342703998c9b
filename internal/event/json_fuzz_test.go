package event_test

import (
	"encoding/json"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
)

// FuzzEventJSON: events from partner nodes are untrusted; decoding any
// input never panics, and what decodes encodes and decodes again.
func FuzzEventJSON(f *testing.F) {
	f.Add([]byte(`{"id":"gap-1-0","type":"gap","start":"2024-05-01T00:00:00Z","end":null,"vessels":[1],"lat":1,"lon":2,"zone":"","origin":"node-b","version":1}`))
	f.Add([]byte(`{"id":"x","type":"loitering","start":"2024-05-01T00:00:00Z","end":"2024-05-01T02:00:00Z","vessels":[],"evidence":[{"mmsi":1,"time":"2024-05-01T00:00:00Z","lat":0,"lon":0,"sog":1.5,"cog":null,"flags":["teleport"]}],"measures":{"a":1}}`))
	f.Add([]byte(`{"start":"nope"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev event.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", b, err)
		}
		var back event.Event
		if err := json.Unmarshal(out, &back); err != nil {
			if y0, y1 := ev.Start.Std().Year(), ev.End.Std().Year(); y0 >= 0 && y0 < 10000 && y1 >= 0 && y1 < 10000 {
				t.Fatalf("encoded %s does not decode: %v", out, err)
			}
			return // RFC 3339 has four-digit years
		}
		if back.Origin != ev.Origin || back.ID != ev.ID {
			t.Fatalf("round trip changed origin or ID: %q %q, %q %q", ev.Origin, back.Origin, ev.ID, back.ID)
		}
	})
}
