package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// anchorageStops: four vessels stopped for two hours a few hundred
// metres apart round (10.2, 10.2), reporting every minute: they stop
// at an anchorage given at the start and teach the engine new ones.
func anchorageStops() []vessel.Position {
	var ps []vessel.Position
	t0 := vessel.Time(1_700_000_000_000)
	for i := range 120 {
		at := t0 + vessel.Time(i)*60_000
		for v := range 4 {
			ps = append(ps, vessel.Position{MMSI: vessel.MMSI(211000001 + v), Time: at + vessel.Time(v)*1000,
				Lat: 10.2 + float64(v)*0.004, Lon: 10.2 + float64(v%2)*0.004, SOG: vessel.SpeedKnots(0.1),
				COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"})
		}
	}
	return ps
}

// TestStateAnchoragesChecked: a state whose anchorages do not hold
// together (its lookup grid or a learning cell naming an anchorage the
// state does not hold, a cell's stop times not one per vessel, more
// anchorages given at the start than it knows, one off the globe) is
// refused with a *StateError wrapping ErrState and leaves the engine
// new. Learned anchorages are state that a peer's snapshot brings: such
// a state used to load, and the engine panicked at the next report near
// the anchorage ("index out of range" in learnedNearest, for the grid).
// The state as saved loads, knows the anchorages (given and learned,
// with when each was learned) and goes on exactly as the engine that
// saved it.
func TestStateAnchoragesChecked(t *testing.T) {
	cfg := Config{Anchorages: []Anchorage{{Lat: 10.2, Lon: 10.2, Vessels: 3}}}
	ps := anchorageStops()
	half := len(ps) / 2
	saved := func(t *testing.T, mut func(e *Engine)) ([]byte, *Engine) {
		t.Helper()
		e := New(cfg)
		for _, p := range ps[:half] {
			e.Observe(p)
		}
		if mut != nil {
			mut(e)
		}
		st, err := e.AppendState(nil)
		if err != nil {
			t.Fatal(err)
		}
		return st, e
	}

	// the learning cell of the first vessel's stop (its anchorage learned)
	firstCell := func(e *Engine) *learnCell {
		row, col := e.learnKey(posPoint(&ps[0]))
		return e.learnCells[cellKey(row, col)]
	}
	st, ref := saved(t, nil)
	if c := firstCell(ref); len(ref.learned) <= len(cfg.Anchorages) || ref.startAnch != len(cfg.Anchorages) || c == nil || c.idx < 0 || len(c.vessels) == 0 {
		t.Fatalf("the first half: %d anchorages known, %d given, %d learning cells; want some learned beyond the one given",
			len(ref.learned), ref.startAnch, len(ref.learnCells))
	}
	l := New(Config{}) // given none: the state's anchorages replace them
	if err := l.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.KnownAnchorages(), ref.KnownAnchorages()) || l.startAnch != ref.startAnch {
		t.Fatalf("loaded: anchorages %v, %d given; want %v, %d", l.KnownAnchorages(), l.startAnch, ref.KnownAnchorages(), ref.startAnch)
	}
	var got, want []string
	for _, p := range ps[half:] {
		for _, ev := range l.Observe(p) {
			got = append(got, fmt.Sprintf("%+v", ev))
		}
		for _, ev := range ref.Observe(p) {
			want = append(want, fmt.Sprintf("%+v", ev))
		}
	}
	if !slices.Equal(got, want) || !slices.Equal(l.KnownAnchorages(), ref.KnownAnchorages()) {
		t.Fatalf("the loaded engine goes on otherwise:\n%v\n%v\nwant\n%v\n%v", got, l.KnownAnchorages(), want, ref.KnownAnchorages())
	}

	firstGrid := func(e *Engine) int64 {
		keys := make([]int64, 0, len(e.learnGrid))
		for k := range e.learnGrid {
			keys = append(keys, k)
		}
		return slices.Min(keys)
	}
	tests := []struct {
		name string
		mut  func(e *Engine)
	}{
		{"grid names an anchorage beyond those known", func(e *Engine) {
			k := firstGrid(e)
			e.learnGrid[k] = append(e.learnGrid[k], int32(len(e.learned)+5))
		}},
		{"grid names a negative anchorage", func(e *Engine) {
			k := firstGrid(e)
			e.learnGrid[k] = append(e.learnGrid[k], -1)
		}},
		{"grid lacks an anchorage", func(e *Engine) { delete(e.learnGrid, firstGrid(e)) }},
		{"grid holds an anchorage twice", func(e *Engine) {
			k := firstGrid(e)
			e.learnGrid[k] = append(e.learnGrid[k], e.learnGrid[k][0])
		}},
		{"grid holds an anchorage in another cell", func(e *Engine) {
			k := firstGrid(e)
			e.learnGrid[k+1] = e.learnGrid[k]
			delete(e.learnGrid, k)
		}},
		{"cell names an anchorage beyond those known", func(e *Engine) { firstCell(e).idx = len(e.learned) }},
		{"cell index below -1", func(e *Engine) { firstCell(e).idx = -2 }},
		{"cell stop times fewer than its vessels", func(e *Engine) {
			c := firstCell(e)
			c.at = c.at[:len(c.at)-1]
		}},
		{"more anchorages given than known", func(e *Engine) { e.startAnch = len(e.learned) + 1 }},
		{"anchorages given negative", func(e *Engine) { e.startAnch = -1 }},
		{"anchorage off the globe", func(e *Engine) { e.learned[len(e.learned)-1].Lat = 91 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad, _ := saved(t, tc.mut)
			l := New(cfg)
			err := l.LoadState(bad)
			var se *StateError
			if !errors.Is(err, ErrState) || !errors.As(err, &se) {
				t.Fatalf("LoadState = %v; want a *StateError wrapping ErrState", err)
			}
			if l.stats.Positions != 0 || l.tracks.tab().Len() != 0 || len(l.learned) != 1 || l.startAnch != 1 {
				t.Errorf("after the error the engine holds %d vessels, %d anchorages (%d given); want a new engine's",
					l.tracks.tab().Len(), len(l.learned), l.startAnch)
			}
		})
	}

	// A version 1 state gives the number of anchorages given in its
	// fingerprint: more than its body holds is damaged too.
	t.Run("version 1 gives more anchorages than it holds", func(t *testing.T) {
		conf, err := ref.stateConfig()
		if err != nil {
			t.Fatal(err)
		}
		var recs [3][]byte
		off := record.FileHeaderLen
		for i := range recs {
			_, payload, n, ok := record.Current.Check(st[off:], stateMaxPayload)
			if !ok {
				t.Fatalf("record %d", i+1)
			}
			recs[i], off = payload, off+n
		}
		for _, given := range []int{1, 99} {
			v1conf := v1Fingerprint(t, conf, given)
			if c, got, ok := stateConfigV1(v1conf); !ok || string(c) != string(conf) || got != given {
				t.Fatalf("the version 1 fingerprint %s does not read back", v1conf)
			}
			v1 := record.AppendFileHeader(nil, stateMagic, stateVersion1)
			v1 = record.Append(v1, stateRecConfig, v1conf)
			v1 = record.Append(v1, stateRecSchema, recs[1])
			v1 = record.Append(v1, stateRecBody, recs[2])
			err := New(cfg).LoadState(v1)
			if given <= len(ref.learned) {
				if err != nil {
					t.Fatalf("given %d: %v", given, err)
				}
				continue
			}
			if !errors.Is(err, ErrState) {
				t.Fatalf("given %d: LoadState = %v; want ErrState", given, err)
			}
		}
	})
}

// v1Fingerprint writes conf (a version 2 fingerprint) with the number of
// anchorages given, as version 1 did.
func v1Fingerprint(t *testing.T, conf []byte, given int) []byte {
	t.Helper()
	var c stateConfig
	if err := json.Unmarshal(conf, &c); err != nil {
		t.Fatal(err)
	}
	c.StartAnch = &given
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStateEncounterIndexesChecked: a state whose slow-vessel grid or
// encounter pairs do not hold together is refused with a *StateError
// wrapping ErrState: such states loaded and crashed the engine at the
// next report (index out of range in slowGrid.remove and pair.smoothed;
// found by FuzzLoadState, whose inputs are kept in testdata/fuzz). Two
// vessels drift together 100 m apart, a third stops 5 km away.
func TestStateEncounterIndexesChecked(t *testing.T) {
	var ps []vessel.Position
	t0 := vessel.Time(1_700_000_000_000)
	for i := range 60 {
		at := t0 + vessel.Time(i)*60_000
		for v, pt := range [][2]float64{{10.2, 10.2}, {10.2009, 10.2}, {10.25, 10.2}} {
			ps = append(ps, vessel.Position{MMSI: vessel.MMSI(211000001 + v), Time: at + vessel.Time(v)*1000,
				Lat: pt[0], Lon: pt[1] + float64(i)*1e-5, SOG: vessel.SpeedKnots(0.5),
				COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"})
		}
	}
	saved := func(t *testing.T, mut func(e *Engine, a, c *track)) []byte {
		t.Helper()
		e := New(Config{Preset: PresetSkylight})
		for _, p := range ps {
			e.Observe(p)
		}
		a, c := e.tracks.tab().Get(211000001), e.tracks.tab().Get(211000003)
		if a == nil || c == nil || len(a.pairs) != 1 || !a.slowIn || !c.slowIn || a.slowKey == c.slowKey {
			t.Fatal("the scenario makes no pair, or no vessels in two cells of the slow-vessel grid: the test shows nothing")
		}
		if mut != nil {
			mut(e, a, c)
		}
		st, err := e.AppendState(nil)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if err := New(Config{Preset: PresetSkylight}).LoadState(saved(t, nil)); err != nil {
		t.Fatalf("the state as saved: %v", err)
	}
	tests := []struct {
		name string
		mut  func(e *Engine, a, c *track)
	}{
		{"grid place of a vessel", func(e *Engine, a, c *track) { c.slowIdx = 5 }},
		{"vessel in another cell", func(e *Engine, a, c *track) { c.slowKey = a.slowKey }},
		{"vessel out of the grid", func(e *Engine, a, c *track) { c.slowIn = false }},
		{"pair's distance ring", func(e *Engine, a, c *track) { a.pairs[0].nd = -9 }},
		{"pair held by one vessel", func(e *Engine, a, c *track) { a.pairs[0].other(a).pairs = nil }},
		{"pair of another vessel", func(e *Engine, a, c *track) { c.pairs = append(c.pairs, a.pairs[0]) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := New(Config{Preset: PresetSkylight}).LoadState(saved(t, tc.mut))
			var se *StateError
			if !errors.Is(err, ErrState) || !errors.As(err, &se) {
				t.Fatalf("LoadState = %v; want a *StateError wrapping ErrState", err)
			}
		})
	}
}
