package event

import "github.com/tidewatch/tidewatch/internal/vessel"

// split is the work of one engine of several reprocessing history
// (Reprocess): the detectors it runs and publishes, and for which
// vessels. The detectors fall into three groups by the state they read
// besides the vessel's own:
//
//   - gaps, teleports and identity conflicts (gaps read the coverage and
//     receiver grids of every vessel's reports, and the anchorages);
//   - encounters (the slow-vessel grid and every vessel's last reports,
//     and the anchorages);
//   - zones, port visits and loitering ("local": the vessel's own
//     reports, the zones, ports and land, and the anchorages).
//
// Every engine follows every vessel's plausibility (teleport and identity
// state: which reports are its track), speed, stops (the anchorages it
// learns) and silence long enough to forget it, because every group reads
// them; that part is repeated by each engine. The rest is done once: an
// engine keeps the coverage and receiver grids only if it judges gaps,
// the slow-vessel grid only if it follows pairs, and judges the silences
// (the costly part of gaps) and runs the local detectors only of the
// vessels in its shares.
type split struct {
	gaps  share // whose gaps, teleports and identity conflicts it publishes (and whose silences it judges)
	local share // whose zones, port visits and loitering it runs
	pairs bool  // it follows every pair (encounters)
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

func (s share) empty() bool { return s.hi <= s.lo }

// mmsiHash spreads MMSIs (which cluster by country and kind) over
// [0, 2³²).
func mmsiHash(m vessel.MMSI) uint64 {
	return uint64(m) * 0x9E3779B97F4A7C15 >> 32
}

// localFirst is the share of the local detectors the first worker takes,
// as a function of the number of workers n: it also follows every pair,
// which costs about 0.4 times the local detectors on the simulated day,
// so it takes less of them (1 − 0.4 (n − 1)) / n; none from 4 workers on.
func localFirst(n int) float64 {
	return max(0, (1-0.4*float64(n-1))/float64(n))
}

// plan returns the work of each of n workers (n ≥ 2): the first follows
// every pair; the gaps are shared out evenly (their cost is the
// judgment of each silence, in proportion to the vessels); the local
// detectors are shared out so that the first, which also follows the
// pairs, takes less (localFirst). Every group of detectors and every
// vessel is in exactly one worker's share, so every event comes from
// exactly one.
func plan(n int) []split {
	sp := make([]split, n)
	cut := func(i int) uint64 { return uint64(i) * hashSpace / uint64(n) }
	first := uint64(localFirst(n) * hashSpace)
	localCut := func(i int) uint64 { // 1 ≤ i < n: the rest evenly
		return first + uint64(i-1)*(hashSpace-first)/uint64(n-1)
	}
	for i := range sp {
		sp[i].gaps = share{cut(i), cut(i + 1)}
		switch i {
		case 0:
			sp[i].local = share{0, first}
			sp[i].pairs = true
		default:
			sp[i].local = share{localCut(i), localCut(i + 1)}
		}
	}
	sp[n-1].gaps.hi, sp[n-1].local.hi = hashSpace, hashSpace
	return sp
}

// restrict makes e one engine of several, doing the work of sp. Without
// a share of the gaps it keeps no coverage or receiver grid and judges
// no silence, unless allGaps; with allGaps it judges every vessel's
// silences: a vessel forgotten with an open gap is remembered, which
// changes how its next report is judged (Config.Forget), so when a
// vessel can come back after being forgotten every engine must know its
// gaps (returns). Without pairs it keeps no slow-vessel grid. It must be
// called before the engine sees a position.
func (e *Engine) restrict(sp split, allGaps bool) {
	sp.allGaps = allGaps
	e.split = &sp
	if sp.gaps.empty() && !allGaps {
		e.p.Gap.Enabled = false // no gap timer, no receiver grid (rxAdd)
		e.cov.cell = 0          // no coverage grid (coverage.add)
	}
	if !sp.pairs {
		e.p.Encounter.Enabled = false // no slow-vessel grid, no pair
	}
}

// ownsVessel reports whether the engine runs the vessel's zones, port
// visits and loitering.
func (e *Engine) ownsVessel(m vessel.MMSI) bool {
	return !e.learnOnly && (e.split == nil || e.split.local.has(m))
}

// ownsPair reports whether the engine follows the encounters of a pair.
func (e *Engine) ownsPair(a, b vessel.MMSI) bool {
	return !e.learnOnly && (e.split == nil || e.split.pairs)
}

// judgesGaps reports whether the engine judges the vessel's silences.
func (e *Engine) judgesGaps(m vessel.MMSI) bool {
	return e.split == nil || e.split.allGaps || e.split.gaps.has(m)
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
	switch typ {
	case ZoneEntry, ZoneExit, PortVisit, Loitering:
		return e.split.local.has(a)
	}
	return e.split.gaps.has(a) // gaps, teleports, identity conflicts
}

// publishesEvent is publishes for an event.
func (e *Engine) publishesEvent(ev *Event) bool {
	var b vessel.MMSI
	if len(ev.Vessels) > 1 {
		b = ev.Vessels[1]
	}
	return e.publishes(ev.Type, ev.Vessels[0], b)
}
