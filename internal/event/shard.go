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
// them; that part is repeated by each engine. The rest is done once: only
// the engine that publishes gaps keeps the coverage and receiver grids
// and judges silences, only the engine that follows pairs keeps the
// slow-vessel grid, and the local detectors of a vessel run only in the
// engine whose share holds its MMSI.
type split struct {
	gaps  bool  // it judges silences and publishes gaps, teleports and identity conflicts
	pairs bool  // it follows every pair (encounters)
	local share // whose zones, port visits and loitering it runs
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

// plan returns the work of each of n workers (n ≥ 2). With two, the
// first runs the cross-vessel detectors (gaps and encounters) and the
// second the local ones (on the simulated day of BenchmarkReprocess
// each is about two thirds of one engine's work, shared part included);
// with more, gaps and encounters get a worker each and the rest share
// the vessels' local detectors by MMSI. Every group of detectors and
// every vessel's local detectors are in exactly one worker's share, so
// every event comes from exactly one.
func plan(n int) []split {
	if n == 2 {
		return []split{{gaps: true, pairs: true}, {local: share{0, hashSpace}}}
	}
	sp := make([]split, n)
	sp[0].pairs, sp[1].gaps = true, true
	for i := 2; i < n; i++ {
		sp[i].local = share{uint64(i-2) * hashSpace / uint64(n-2), uint64(i-1) * hashSpace / uint64(n-2)}
	}
	return sp
}

// restrict makes e one engine of several, doing the work of sp. Without
// the gaps it keeps no coverage or receiver grid and judges no silence,
// unless allGaps: a vessel forgotten with an open gap is remembered,
// which changes how its next report is judged (Config.Forget), so when a
// vessel can come back after being forgotten every engine must judge its
// silences (returns). Without pairs it keeps no slow-vessel grid. It
// must be called before the engine sees a position.
func (e *Engine) restrict(sp split, allGaps bool) {
	sp.allGaps = allGaps
	e.split = &sp
	if !sp.gaps && !allGaps {
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
	return e.split.gaps // gaps, teleports, identity conflicts
}

// publishesEvent is publishes for an event.
func (e *Engine) publishesEvent(ev *Event) bool {
	var b vessel.MMSI
	if len(ev.Vessels) > 1 {
		b = ev.Vessels[1]
	}
	return e.publishes(ev.Type, ev.Vessels[0], b)
}
