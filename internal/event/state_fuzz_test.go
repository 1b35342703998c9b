package event_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/record"
)

// FuzzLoadState: any bytes given to LoadState, as a whole state or as the
// body of a state framed with the fixture engine's configuration and schema
// (valid checksums, so that the body decoder itself is fuzzed), load or
// are refused with a *StateError; never a panic. A state that loads can
// be saved again.
func FuzzLoadState(f *testing.F) {
	frozen, err := os.ReadFile(stateFixtureV1)
	if err != nil {
		f.Fatal(err)
	}
	// a small state of the fixture's engine without ports (cheaper to
	// make: small seeds and a fast target keep the fuzzer's minimizing
	// short), and its three records
	newEngine := func() *event.Engine {
		return event.New(event.Config{Preset: event.PresetSkylight, Zones: []event.Zone{fixtureZone()}, Reorder: time.Minute})
	}
	e := newEngine()
	for _, p := range fixturePositions()[:12] {
		e.Observe(p)
	}
	small, err := e.AppendState(nil)
	if err != nil {
		f.Fatal(err)
	}
	version, err := record.ParseFileHeader(small, "TWEVST")
	if err != nil {
		f.Fatal(err)
	}
	var recs [3][]byte
	off := record.FileHeaderLen
	for i := range recs {
		_, payload, n, ok := record.Current.Check(small[off:], 1<<30)
		if !ok {
			f.Fatalf("record %d does not frame", i+1)
		}
		recs[i], off = payload, off+n
	}
	f.Add(append([]byte{0}, small...))
	f.Add(append([]byte{0}, frozen[:200]...))
	v2, err := os.ReadFile(stateFixture(2))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte{0}, v2[:200]...))
	f.Add(append([]byte{1}, recs[2]...))
	f.Add(append([]byte{1}, recs[2][:len(recs[2])/2]...))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		st := data[1:]
		if data[0]&1 == 1 {
			st = record.AppendFileHeader(nil, "TWEVST", version)
			st = record.Append(st, 1, recs[0])
			st = record.Append(st, 2, recs[1])
			st = record.Append(st, 3, data[1:])
		}
		e := newEngine()
		err := e.LoadState(st)
		if err != nil {
			var se *event.StateError
			if !errors.As(err, &se) {
				t.Fatalf("LoadState = %T %v; want a *StateError", err, err)
			}
			return
		}
		if _, err := e.AppendState(nil); err != nil {
			t.Fatalf("a loaded state does not save: %v", err)
		}
	})
}
