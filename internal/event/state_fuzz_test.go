package event_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzLoadState: any bytes given to LoadState, as a whole state or as the
// body of a state framed with a base engine's configuration and schema
// (valid checksums, so that the body decoder itself is fuzzed), load or
// are refused with a *StateError; never a panic. A state that loads
// takes more reports near the base's and a flush without a panic, and
// can be saved again. The bases: the fixture's engine without ports
// (cheaper to make: small seeds and a fast target keep the fuzzer's
// minimizing short), and an engine that was given an anchorage and
// learned more (learned anchorages are state: their lookup grid and
// learning cells must hold together, or the next report near them
// would crash the engine).
func FuzzLoadState(f *testing.F) {
	frozen, err := os.ReadFile(stateFixtureV1)
	if err != nil {
		f.Fatal(err)
	}
	type base struct {
		new  func() *event.Engine
		more []vessel.Position // reports after the state
		recs [3][]byte
	}
	fix := fixturePositions()
	anch := fuzzAnchoragePositions()
	bases := [2]base{
		{new: func() *event.Engine {
			return event.New(event.Config{Preset: event.PresetSkylight, Zones: []event.Zone{fixtureZone()}, Reorder: time.Minute})
		}, more: fix[12:24]},
		{new: func() *event.Engine {
			p, _ := event.Preset(event.PresetGFW)
			p.Anchorages.MinStop = event.Duration(2 * time.Minute)
			return event.New(event.Config{Params: &p, Reorder: time.Minute, Anchorages: []event.Anchorage{{Lat: 10.2, Lon: 10.2, Vessels: 3}}})
		}, more: anch[len(anch)-6:]},
	}
	var version uint16
	for i, in := range [][]vessel.Position{fix[:12], anch[:len(anch)-6]} {
		e := bases[i].new()
		for _, p := range in {
			e.Observe(p)
		}
		if i == 1 && e.Stats().Anchorages < 2 {
			f.Fatalf("the anchorage base learned no anchorage (%d known)", e.Stats().Anchorages)
		}
		st, err := e.AppendState(nil)
		if err != nil {
			f.Fatal(err)
		}
		if version, err = record.ParseFileHeader(st, "TWEVST"); err != nil {
			f.Fatal(err)
		}
		off := record.FileHeaderLen
		for j := range bases[i].recs {
			_, payload, n, ok := record.Current.Check(st[off:], 1<<30)
			if !ok {
				f.Fatalf("record %d does not frame", j+1)
			}
			bases[i].recs[j], off = payload, off+n
		}
		b := byte(i << 1)
		f.Add(append([]byte{b}, st...))
		f.Add(append([]byte{b | 1}, bases[i].recs[2]...))
		f.Add(append([]byte{b | 1}, bases[i].recs[2][:len(bases[i].recs[2])/2]...))
	}
	f.Add(append([]byte{0}, frozen[:200]...))
	v2, err := os.ReadFile(stateFixture(2))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte{0}, v2[:200]...))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		b := &bases[data[0]>>1&1]
		st := data[1:]
		if data[0]&1 == 1 {
			st = record.AppendFileHeader(nil, "TWEVST", version)
			st = record.Append(st, 1, b.recs[0])
			st = record.Append(st, 2, b.recs[1])
			st = record.Append(st, 3, data[1:])
		}
		e := b.new()
		err := e.LoadState(st)
		if err != nil {
			var se *event.StateError
			if !errors.As(err, &se) {
				t.Fatalf("LoadState = %T %v; want a *StateError", err, err)
			}
			return
		}
		for _, p := range b.more {
			e.Observe(p)
		}
		e.Flush(b.more[len(b.more)-1].Time + 3600_000)
		if _, err := e.AppendState(nil); err != nil {
			t.Fatalf("a loaded state does not save: %v", err)
		}
	})
}

// fuzzAnchoragePositions: three vessels stopped a few hundred metres
// apart round an anchorage, a report a minute for 8 minutes, then
// leaving: small, and enough for FuzzLoadState's anchorage base (stops
// of 2 minutes) to learn anchorages.
func fuzzAnchoragePositions() []vessel.Position {
	var ps []vessel.Position
	t0 := vessel.Time(1_700_000_000_000)
	for i := range 8 {
		at := t0 + vessel.Time(i)*60_000
		for v := range 3 {
			sog, lon := 0.1, 10.2+float64(v%2)*0.004
			if i >= 6 {
				sog, lon = 8, lon+float64(i-5)*0.01
			}
			ps = append(ps, vessel.Position{MMSI: vessel.MMSI(211000001 + v), Time: at + vessel.Time(v)*1000,
				Lat: 10.2 + float64(v)*0.004, Lon: lon, SOG: vessel.SpeedKnots(sog),
				COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"})
		}
	}
	return ps
}
