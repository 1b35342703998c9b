package event

import "github.com/tidewatch/tidewatch/internal/vessel"

// split is the work of one engine of several reprocessing history
// (Reprocess): the detectors it runs and publishes, and for which
// vessels. The detectors fall into two groups by the state they read
// besides the vessel's own:
//
//   - encounters (the slow-vessel grid and every vessel's last reports,
//     and the anchorages);
//   - the vessel's own: gaps, teleports and identity conflicts (gaps read
//     the coverage and receiver grids of every vessel's reports, and the
//     anchorages), zones, port visits and loitering (the zones, ports and
//     land, and the anchorages).
//
// Every engine follows every vessel's plausibility (teleport and identity
// state: which reports are its track), speed, stops (the anchorages it
// learns) and silence long enough to forget it, and keeps the coverage
// and receiver grids, because every group reads them; that part is
// repeated by each engine. The rest is done once: only the engine that
// follows pairs keeps the slow-vessel grid, and a vessel's silences,
// zones, port visits and loitering are judged only by the engine whose
// share holds its MMSI.
type split struct {
	pairs   bool  // it follows every pair (encounters)
	vessels share // whose gaps, teleports, identity conflicts, zones, port visits and loitering it runs
	// every vessel's silences are judged, whether its gaps are published
	// or not (restrict)
	allGaps bool
}

// share is a share of the vessels: those whose MMSI hashes into [lo, hi)
// of [0, 2³²).
type share struct{ lo, hi uint64 }

const hashSpace = 1 << 32

func (s share) has(m vessel.MMSI) bool {
	h := mmsiHash(m)
	return h >= s.lo && h < s.hi
}

// mmsiHash spreads MMSIs (which cluster by country and kind) over
// [0, 2³²).
func mmsiHash(m vessel.MMSI) uint64 {
	return uint64(m) * 0x9E3779B97F4A7C15 >> 32
}

// pairWeight is the share of the vessels the engine that follows pairs
// takes, against 1 for each of the others: following pairs costs about
// as much as judging the silences and zones of two thirds of a share
// (BenchmarkReprocess reports each worker's thread CPU: on the simulated
// day of 2,000 vessels and 1,000 zones encounters are a large part of
// the work, on the NOAA day of 10,631 vessels judging silences is nearly
// all of it).
const pairWeight = 0.6

// plan returns the work of each of n workers (n ≥ 2): the first follows
// the pairs (encounters) and every worker runs the vessel detectors
// (gaps, teleports, identity conflicts, zones, port visits, loitering)
// of its share of the vessels by MMSI, the first a smaller share
// (pairWeight). Every pair and every vessel is in exactly one worker's
// share, so every event comes from exactly one.
func plan(n int) []split {
	sp := make([]split, n)
	sp[0].pairs = true
	total := pairWeight + float64(n-1)
	at := func(i int) uint64 { // where worker i's share begins
		if i == 0 {
			return 0
		}
		return uint64((pairWeight + float64(i-1)) / total * hashSpace)
	}
	for i := range n {
		sp[i].vessels = share{at(i), hashSpace}
		if i+1 < n {
			sp[i].vessels.hi = at(i + 1)
		}
	}
	return sp
}

// restrict makes e one engine of several, doing the work of sp. It
// judges the silences of its share of the vessels only, unless allGaps:
// a vessel forgotten with an open gap is remembered, which changes how
// its next report is judged (Config.Forget), so when a vessel can come
// back after being forgotten every engine must judge every vessel's
// silences (returns). Without pairs it keeps no slow-vessel grid. It
// must be called before the engine sees a position.
func (e *Engine) restrict(sp split, allGaps bool) {
	sp.allGaps = allGaps
	e.split = &sp
	if sp.vessels.lo >= sp.vessels.hi && !allGaps {
		e.p.Gap.Enabled = false // no gap timer, no receiver grid (rxAdd)
		e.cov.cell = 0          // no coverage grid (coverage.add)
	}
	if !sp.pairs {
		e.p.Encounter.Enabled = false // no slow-vessel grid, no pair
	}
}

// ownsVessel reports whether the engine runs the vessel's gaps, zones,
// port visits and loitering.
func (e *Engine) ownsVessel(m vessel.MMSI) bool {
	return !e.learnOnly && (e.split == nil || e.split.vessels.has(m))
}

// judgesGaps reports whether the engine judges the vessel's silences:
// every engine that is not one of several, or that must judge them all
// (restrict).
func (e *Engine) judgesGaps(m vessel.MMSI) bool {
	return e.split == nil || e.split.allGaps || e.split.vessels.has(m)
}

// ownsPair reports whether the engine follows the encounters of a pair.
func (e *Engine) ownsPair(a, b vessel.MMSI) bool {
	return !e.learnOnly && (e.split == nil || e.split.pairs)
}

// publishes reports whether an event of type typ of vessel a (and b, for
// an encounter) is this engine's to publish and count.
func (e *Engine) publishes(typ string, a, b vessel.MMSI) bool {
	switch {
	case e.learnOnly:
		return false
	case e.split == nil:
		return true
	case b != 0:
		return e.split.pairs
	}
	return e.split.vessels.has(a) // gaps, teleports, identity conflicts, zones, port visits, loitering
}

// publishesEvent is publishes for an event.
func (e *Engine) publishesEvent(ev *Event) bool {
	var b vessel.MMSI
	if len(ev.Vessels) > 1 {
		b = ev.Vessels[1]
	}
	return e.publishes(ev.Type, ev.Vessels[0], b)
}
