package event

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestPassesAsArray: passes, grown as runs are recorded, reads as the
// [passRing] array it replaced, written at the run's number modulo
// passRing (a ring once full), over random runs of records and of
// restarts at run 0 (a vessel back after being forgotten), from empty
// and from a full array (a loaded state); the checkpoints that share its
// slots, and the states replays restore from them, keep theirs.
func TestPassesAsArray(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 17))
	for round := range 200 {
		var model [passRing]vessel.Time
		var ps passes
		if round%4 == 3 { // loaded from a state: the whole array
			for i := range model {
				model[i] = vessel.Time(rng.IntN(1000) + 1)
			}
			ps = passes(slices.Clone(model[:]))
		}
		// checkpoints share the slots (snapshot) and must not change
		type shared struct {
			ps    passes
			model [passRing]vessel.Time
			n     int
		}
		var cks []shared
		n := 0
		for range rng.IntN(3 * passRing) {
			if rng.IntN(5) == 0 {
				cks = append(cks, shared{ps.share(), model, n})
			}
			if rng.IntN(20) == 0 && len(cks) > 0 { // a replay restores one
				c := cks[rng.IntN(len(cks))]
				ps, model, n = c.ps.share(), c.model, c.n
			}
			at := vessel.Time(rng.IntN(1_000_000))
			if rng.IntN(40) == 0 {
				n = 0
			}
			model[n%passRing] = at
			ps.add(n, at)
			n++
			if len(ps) > passRing {
				t.Fatalf("round %d: %d passes held", round, len(ps))
			}
			for i := range passRing {
				if ps.at(i) != model[i] {
					t.Fatalf("round %d after run %d: slot %d holds %d, the array %d", round, n, i, ps.at(i), model[i])
				}
			}
		}
		for k, c := range cks {
			for i := range passRing {
				if c.ps.at(i) != c.model[i] {
					t.Fatalf("round %d: checkpoint %d's slot %d changed to %d from %d", round, k, i, c.ps.at(i), c.model[i])
				}
			}
		}
	}
}

// TestStatePassesFormat: a state holds a vessel's passes as the
// [passRing]vessel.Time array of earlier builds (the schema names that
// type, so their states load and this build's load in them), a vessel
// with more runs than the ring holds among them; loaded, the passes read
// the same and the state saves again to the same bytes.
func TestStatePassesFormat(t *testing.T) {
	cfg := Config{Reorder: 0, Replay: ReplayAlways}
	e := New(cfg)
	t0 := vessel.TimeOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for k := range passRing + 5 { // a report every 31 minutes: a run each
		for m, lat := range map[vessel.MMSI]float64{211000001: 30, 211000002: 31} {
			if m == 211000002 && k > 2 {
				continue
			}
			e.Observe(vessel.Position{MMSI: m, Time: t0 + vessel.Time(k)*31*minute, Lat: lat, Lon: -40,
				SOG: vessel.SpeedKnots(10), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus})
		}
	}
	long, short := e.tracks.tab().Get(211000001), e.tracks.tab().Get(211000002)
	if long.passN != passRing+5 || len(long.passT) != passRing || short.passN != 3 || len(short.passT) != 3 {
		t.Fatalf("runs: %d held %d, %d held %d", long.passN, len(long.passT), short.passN, len(short.passT))
	}
	st, err := e.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(st, []byte("\x05passT\x0f[48]vessel.Time")) {
		t.Error("the schema does not name passT a [48]vessel.Time")
	}
	l := New(cfg)
	if err := l.LoadState(st); err != nil {
		t.Fatal(err)
	}
	for _, m := range []vessel.MMSI{211000001, 211000002} {
		a, b := e.tracks.tab().Get(m), l.tracks.tab().Get(m)
		for i := range passRing {
			if a.passT.at(i) != b.passT.at(i) {
				t.Errorf("vessel %d slot %d: saved %d, loaded %d", m, i, a.passT.at(i), b.passT.at(i))
			}
		}
	}
	again, err := l.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st, again) {
		t.Error("the loaded state saves to other bytes")
	}
}
