package event

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ReprocessOptions says how Reprocess spreads its work.
type ReprocessOptions struct {
	// Workers is the number of engines that share the work; 1 or less is
	// one engine, the sequential path.
	Workers int
	// Run runs work(0), …, work(n-1) and returns when all have returned,
	// at the same time if it can: the event package starts no goroutines,
	// its caller does (cmd/tidewatch with a sync.WaitGroup). Nil runs
	// them one after the other (same result, no speed-up).
	Run func(n int, work func(i int))
	// LearnFirst learns anchorages from all of the history first
	// (LearnAnchorages) and detects with them known from the start, as
	// Global Fishing Watch derives its anchorages before its events: a
	// harbour in no port list is a harbour from the first report, not
	// from when the third vessel stopped there.
	LearnFirst bool
}

// LearnAnchorages runs the history through an engine that only learns
// anchorages (every vessel's reports are judged for plausibility and
// followed for stops, as in a full engine, but no event is detected) and
// returns the anchorages of Config.Anchorages and those learned, as
// Engine.Anchorages does: the same as a full engine's over the same
// positions (TestLearnAnchorages). ps is sorted by time (stably) if it
// is not already; it is not modified.
func LearnAnchorages(ctx context.Context, cfg Config, ps []vessel.Position, statics []vessel.Static) ([]Anchorage, error) {
	ps = inTimeOrder(ps)
	e, err := NewChecked(cfg)
	if err != nil {
		return nil, err
	}
	e.learnOnly = true
	for _, s := range statics {
		e.ObserveStatic(s)
	}
	for k := range ps {
		if k&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		e.Observe(ps[k])
	}
	if len(ps) > 0 {
		e.Flush(ps[len(ps)-1].Time)
	}
	return e.Anchorages(), nil
}

// Reprocess runs the detectors over history — positions and the ship
// types of statics — as one engine fed ps in time order and flushed at
// end would, and returns the final version of every event (retracted ones
// included, Retracted set) in order of Start, then ID, and the engine's
// counts. ps is sorted by time (stably) if it is not already; it is not
// modified.
//
// With several workers, each engine reads every position and keeps every
// vessel's state that detection in one place can depend on (the
// teleport, identity, gap, coverage and receiver state, the learned
// anchorages, the slow-vessel grid that finds encounter candidates), but
// runs the costly detectors only for its share: zones, port visits and
// loitering for the vessels whose MMSI hashes to it, encounters for the
// pairs whose two MMSIs hash to it, and it publishes only its vessels'
// gaps, teleports and identity conflicts. A pair is decided once, by the
// engine it hashes to, wherever the two vessels are: a split by area
// would need the pair's state on both sides of a cell border. Each event
// comes from exactly one engine, with the versions and content one
// engine gives (TestReprocessEquivalence on real data and simulate.Messy).
// The shared part is repeated by every worker, which bounds the speed-up
// (see the package documentation, "Reprocessing").
//
// ctx is checked every 65,536 positions; on cancellation Reprocess returns
// ctx.Err() and no events.
func Reprocess(ctx context.Context, cfg Config, ps []vessel.Position, statics []vessel.Static, end vessel.Time, opt ReprocessOptions) ([]Event, Stats, error) {
	ps = inTimeOrder(ps)
	if opt.LearnFirst && len(ps) > 0 {
		anch, err := LearnAnchorages(ctx, cfg, ps, statics)
		if err != nil {
			return nil, Stats{}, err
		}
		cfg.Anchorages = anch
	}
	n := max(opt.Workers, 1)
	engines := make([]*Engine, n)
	for i := range engines {
		e, err := NewChecked(cfg)
		if err != nil {
			return nil, Stats{}, err
		}
		if n > 1 {
			e.shard, e.shards = i, n
		}
		engines[i] = e
	}
	finals := make([]map[string]Event, n)
	errs := make([]error, n)
	work := func(i int) {
		e := engines[i]
		final := make(map[string]Event)
		keep := func(evs []Event) {
			for _, ev := range evs {
				final[ev.ID] = ev
			}
		}
		for _, s := range statics {
			e.ObserveStatic(s)
		}
		for k := range ps {
			if k&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					return
				}
			}
			keep(e.Observe(ps[k]))
		}
		keep(e.Flush(end))
		finals[i] = final
	}
	if opt.Run == nil {
		for i := range n {
			work(i)
		}
	} else {
		opt.Run(n, work)
	}
	for _, err := range errs {
		if err != nil {
			return nil, Stats{}, err
		}
	}
	// every worker saw every position: the counts of positions, vessels
	// and anchorages are the same in each; events are counted by the
	// engine that detected them
	st := engines[0].Stats()
	st.Events = make(map[string]int64)
	size := 0
	for i, e := range engines {
		for typ, c := range e.stats.Events {
			st.Events[typ] += c
		}
		size += len(finals[i])
	}
	evs := make([]Event, 0, size)
	for _, f := range finals {
		evs = slices.AppendSeq(evs, maps.Values(f))
	}
	slices.SortFunc(evs, func(a, b Event) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID)) })
	return evs, st, nil
}

// inTimeOrder returns ps, or a copy sorted stably by time if it is not
// in time order.
func inTimeOrder(ps []vessel.Position) []vessel.Position {
	byTime := func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) }
	if slices.IsSortedFunc(ps, byTime) {
		return ps
	}
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, byTime)
	return ps
}

// ownsVessel reports whether the vessel's single-vessel events are this
// engine's share.
func (e *Engine) ownsVessel(m vessel.MMSI) bool {
	return !e.learnOnly && (e.shards <= 1 || shardOf(uint64(m), e.shards) == e.shard)
}

// ownsPair reports whether the encounter of two vessels is this engine's
// share: the same answer whichever of the two reports.
func (e *Engine) ownsPair(a, b vessel.MMSI) bool {
	if e.learnOnly || e.shards <= 1 {
		return !e.learnOnly
	}
	lo, hi := min(a, b), max(a, b)
	return shardOf(uint64(lo)<<32|uint64(hi), e.shards) == e.shard
}

func shardOf(k uint64, n int) int {
	k *= 0x9E3779B97F4A7C15
	return int((k >> 32) % uint64(n))
}

// MergeTracks merges vessels' tracks into one stream in time order, as a
// live feed would have delivered them: the order of a stable sort by time
// of the tracks one after the other (equal times keep the order of the
// tracks, then of each track's reports), at the cost of a k-way merge
// instead of a sort, into one allocation. A track not in time order is
// sorted first (its element of tracks is replaced by a sorted copy).
func MergeTracks(tracks [][]vessel.Position) []vessel.Position {
	n := 0
	for _, t := range tracks {
		n += len(t)
	}
	out := make([]vessel.Position, 0, n)
	// a min-heap of the tracks' heads by (time, track)
	type head struct {
		t    vessel.Time
		tr   int
		next int
	}
	h := make([]head, 0, len(tracks))
	less := func(a, b *head) bool { return a.t < b.t || a.t == b.t && a.tr < b.tr }
	down := func(i int) {
		for {
			l, r, m := 2*i+1, 2*i+2, i
			if l < len(h) && less(&h[l], &h[m]) {
				m = l
			}
			if r < len(h) && less(&h[r], &h[m]) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i, t := range tracks {
		if len(t) > 0 {
			t = inTimeOrder(t) // a copy, if it was not
			tracks[i] = t
			h = append(h, head{t: t[0].Time, tr: i})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		top := &h[0]
		t := tracks[top.tr]
		out = append(out, t[top.next])
		top.next++
		if top.next < len(t) {
			top.t = t[top.next].Time
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return out
}
