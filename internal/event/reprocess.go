package event

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"sort"

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
	// Order, if not nil, gives the history as ps[Order[0]],
	// ps[Order[1]], …, which must be in time order (MergeOrder gives
	// it); ps itself need not be, and positions of ps not in Order are
	// not part of it.
	Order []uint32
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
	return learnAnchorages(ctx, cfg, inTimeOrder(ps), nil, statics)
}

// learnAnchorages is LearnAnchorages over the positions in time order:
// ps, or ps in the order of order if it is not nil.
func learnAnchorages(ctx context.Context, cfg Config, ps []vessel.Position, order []uint32, statics []vessel.Static) ([]Anchorage, error) {
	e, err := NewChecked(cfg)
	if err != nil {
		return nil, err
	}
	e.learnOnly = true
	for _, s := range statics {
		e.ObserveStatic(s)
	}
	last, err := feed(ctx, ps, order, func(p *vessel.Position) { e.Observe(*p) })
	if err != nil {
		return nil, err
	}
	if last != nil {
		e.Flush(last.Time)
	}
	return e.Anchorages(), nil
}

// feed calls fn with each position in time order — ps, or ps in the
// order of order if it is not nil — checking ctx every 65,536, and
// returns the last.
//
// In the order of order the positions are scattered over ps (it holds
// the vessels' tracks one after the other), and each is a cache miss.
// Taken one at a time between an engine's steps, the misses come one
// after the other; feed gathers feedChunk positions at a time into a
// buffer in a loop of nothing else, where the processor has many misses
// under way at once, and then hands them out of the buffer (which stays
// in the cache).
func feed(ctx context.Context, ps []vessel.Position, order []uint32, fn func(p *vessel.Position)) (*vessel.Position, error) {
	if order == nil {
		for k := range ps {
			if k&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			fn(&ps[k])
		}
		if len(ps) == 0 {
			return nil, nil
		}
		return &ps[len(ps)-1], nil
	}
	var buf [feedChunk]vessel.Position
	for lo := 0; lo < len(order); lo += feedChunk {
		if lo&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		chunk := order[lo:min(lo+feedChunk, len(order))]
		for j, i := range chunk {
			buf[j] = ps[i]
		}
		for j := range chunk {
			fn(&buf[j])
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	return &ps[order[len(order)-1]], nil
}

// feedChunk is how many positions feed gathers at once: 72 KiB, which
// stays in a core's cache while the engine works through them.
const feedChunk = 1024

// Reprocess runs the detectors over history — positions and the ship
// types of statics — as one engine fed ps in time order and flushed at
// end would, and returns the final version of every event (retracted ones
// included, Retracted set) in order of Start, then ID, and the engine's
// counts. ps is sorted by time (stably) if it is not already (unless
// ReprocessOptions.Order gives the order); it is not modified.
//
// With several workers, each engine reads every position and keeps what
// every detector reads of every vessel (which of its reports are
// plausible, its speed, its stops and the anchorages they teach, its
// silence long enough to forget it, the coverage and receiver grids),
// and the rest runs once, spread over the workers (see split and plan in
// shard.go): the first follows pairs (encounters, with the slow-vessel
// grid), and the vessels are shared between all of them by MMSI, the
// first taking a smaller share: each runs the gaps, teleports, identity
// conflicts, zones, port visits and loitering of its vessels. A pair is
// decided by the one engine that follows pairs, wherever it meets: no
// pair straddles a border. When the history
// spans Config.Forget or more, a vessel could be forgotten with an open
// gap and come back, judged against what was remembered: then every
// engine judges every silence (and one publishes them). Each event comes
// from exactly one engine, with the versions and content one engine
// gives (TestReprocessEquivalence on real data and simulate.Messy with 1
// to 4 workers, TestReprocessPairAcrossBorders). The part every engine
// repeats bounds the speed-up (see the package documentation,
// "Reprocessing").
//
// ctx is checked every 65,536 positions; on cancellation Reprocess returns
// ctx.Err() and no events.
func Reprocess(ctx context.Context, cfg Config, ps []vessel.Position, statics []vessel.Static, end vessel.Time, opt ReprocessOptions) ([]Event, Stats, error) {
	order := opt.Order
	if order == nil {
		ps = inTimeOrder(ps)
	}
	// The history comes in time order: the engines need not hold it
	// back to sort it (Config.Reorder). Each position is processed as
	// the queue would have released it, the same timers fired before it,
	// so the events are the same (TestReprocessEquivalence: the reference
	// engine holds them back 10 minutes on real data), without the
	// queue's cost.
	cfg.Reorder = 0
	if opt.LearnFirst && len(ps) > 0 {
		anch, err := learnAnchorages(ctx, cfg, ps, order, statics)
		if err != nil {
			return nil, Stats{}, err
		}
		cfg.Anchorages = anch
	}
	n := max(opt.Workers, 1)
	engines := make([]*Engine, n)
	var splits []split
	if n > 1 {
		splits = plan(n)
	}
	for i := range engines {
		e, err := NewChecked(cfg)
		if err != nil {
			return nil, Stats{}, err
		}
		if n > 1 {
			e.restrict(splits[i], returns(ps, order, e.forget))
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
		if _, err := feed(ctx, ps, order, func(p *vessel.Position) { keep(e.Observe(*p)) }); err != nil {
			errs[i] = err
			return
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
	// engine that published them
	st := engines[0].Stats()
	if n > 1 && !engines[0].split.allGaps {
		// a vessel forgotten with an open gap is remembered by the
		// engine that judges its silences (when every engine judges
		// every silence, each remembers them all)
		st.Dormant = 0
		for _, e := range engines {
			st.Dormant += len(e.gone)
		}
	}
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

// MergeTracks merges vessels' tracks into one stream in time order, as a
// live feed would have delivered them: the order of a stable sort by time
// of the tracks one after the other (equal times keep the order of the
// tracks, then of each track's reports). A track not in time order is
// sorted first. It copies the tracks into one slice and puts it in the
// order MergeOrder gives.
func MergeTracks(tracks [][]vessel.Position) []vessel.Position {
	var flat []vessel.Position
	runs := make([][2]int, 0, len(tracks))
	for _, t := range tracks {
		runs = append(runs, [2]int{len(flat), len(flat) + len(t)})
		flat = append(flat, t...)
	}
	order := MergeOrder(flat, runs, 1, nil)
	out := make([]vessel.Position, len(order))
	for k, i := range order {
		out[k] = flat[i]
	}
	return out
}

// MergeOrder returns the order in which the positions of tracks come in
// time order, as indices into ps: the tracks are runs of ps, ps[r[0]:r[1]]
// for each r of runs, and the order is that of a stable sort by time of
// the runs one after the other (equal times keep the order of the runs,
// then of each run's positions). Positions of ps in no run are left out,
// so a caller may read tracks into one buffer with room to spare. A run
// not in time order is sorted in place (stably). Reprocess takes the
// order (ReprocessOptions.Order) and reads the positions where they are:
// 4 bytes a position instead of a copy of every position.
//
// It is done in parts parts that run(parts, work) runs at the same time
// (nil runs them one after the other; this package starts no
// goroutines). It is a two-level bucket sort, not a k-way merge: the time
// span is cut into slabs of about 16,384 positions, each part counts the
// positions of its share of the runs per slab, the counts give every part
// its place in every slab (so a slab holds its positions in the order of
// the runs), and each part writes the time and index of its positions
// there, one stream per slab. Then each slab is sorted within the cache:
// spread into buckets of about four positions by time (keeping their
// order), and those sorted by insertion. Every pass reads or writes
// memory in order, where a heap of thousands of track heads missed the
// cache at every position. ps must hold fewer than 2³² positions.
func MergeOrder(ps []vessel.Position, runs [][2]int, parts int, run func(n int, work func(i int))) []uint32 {
	if run == nil {
		run = func(n int, work func(i int)) {
			for i := range n {
				work(i)
			}
		}
	}
	parts = max(parts, 1)
	// the parts' shares of the runs: contiguous, about as many
	// positions each
	total := 0
	for _, r := range runs {
		total += r[1] - r[0]
	}
	bounds := make([]int, parts+1)
	bounds[parts] = len(runs)
	acc, k := 0, 1
	for i, r := range runs {
		for k < parts && acc >= total*k/parts {
			bounds[k] = i
			k++
		}
		acc += r[1] - r[0]
	}
	for ; k < parts; k++ {
		bounds[k] = len(runs)
	}
	byTime := func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) }
	run(parts, func(w int) {
		for _, r := range runs[bounds[w]:bounds[w+1]] {
			if t := ps[r[0]:r[1]]; !slices.IsSortedFunc(t, byTime) {
				slices.SortStableFunc(t, byTime)
			}
		}
	})
	if total == 0 {
		return []uint32{}
	}
	tmin, tmax := vessel.Time(math.MaxInt64), vessel.Time(math.MinInt64)
	for _, r := range runs {
		if r[1] > r[0] {
			tmin, tmax = min(tmin, ps[r[0]].Time), max(tmax, ps[r[1]-1].Time)
		}
	}
	ns := uint64(max(total/slabSize, 1))
	width := (uint64(tmax)-uint64(tmin))/ns + 1
	slab := func(t vessel.Time) uint64 { return (uint64(t) - uint64(tmin)) / width }
	ns = slab(tmax) + 1
	// count per part and slab, then turn the counts into each part's
	// next place in each slab
	next := make([][]int, parts)
	run(parts, func(w int) {
		c := make([]int, ns)
		for _, r := range runs[bounds[w]:bounds[w+1]] {
			for i := r[0]; i < r[1]; i++ {
				c[slab(ps[i].Time)]++
			}
		}
		next[w] = c
	})
	starts := make([]int, ns+1) // where each slab begins
	at := 0
	for b := range ns {
		starts[b] = at
		for w := range parts {
			c := next[w][b]
			next[w][b] = at
			at += c
		}
	}
	starts[ns] = at
	keys := make([]timeKey, total)
	run(parts, func(w int) {
		c := next[w]
		for _, r := range runs[bounds[w]:bounds[w+1]] {
			for i := r[0]; i < r[1]; i++ {
				b := slab(ps[i].Time)
				keys[c[b]] = timeKey{ps[i].Time, uint32(i)}
				c[b]++
			}
		}
	})
	// sort the slabs, the parts taking runs of slabs of about as many
	// positions
	order := make([]uint32, total)
	run(parts, func(w int) {
		lo := sort.Search(int(ns), func(b int) bool { return starts[b] >= total*w/parts })
		hi := sort.Search(int(ns), func(b int) bool { return starts[b] >= total*(w+1)/parts })
		if w == parts-1 {
			hi = int(ns)
		}
		var tmp []timeKey
		var cnt []int
		for b := lo; b < hi; b++ {
			s := keys[starts[b]:starts[b+1]]
			tmp, cnt = sortSlab(s, tmp, cnt)
			for j := range s {
				order[starts[b]+j] = s[j].i
			}
		}
	})
	return order
}

// timeKey is a position's time and index, sorted by MergeOrder.
type timeKey struct {
	t vessel.Time
	i uint32
}

// slabSize is about how many positions MergeOrder sorts at once.
const slabSize = 1 << 14

// sortSlab sorts a slab's keys stably by time: spread into buckets of
// about four keys by time in tmp (in their order), then sorted by
// insertion, which costs little when every key is at most a bucket from
// its place, and copied back. It returns tmp and cnt for reuse.
func sortSlab(ks, tmp []timeKey, cnt []int) ([]timeKey, []int) {
	if len(ks) <= 32 {
		insertionSort(ks)
		return tmp, cnt
	}
	lo, hi := ks[0].t, ks[0].t
	for i := range ks {
		lo, hi = min(lo, ks[i].t), max(hi, ks[i].t)
	}
	nb := uint64(len(ks)/4 + 1)
	width := (uint64(hi)-uint64(lo))/nb + 1
	nb = (uint64(hi)-uint64(lo))/width + 1
	cnt = slices.Grow(cnt[:0], int(nb)+1)[:nb+1]
	clear(cnt)
	for i := range ks {
		cnt[(uint64(ks[i].t)-uint64(lo))/width+1]++
	}
	for b := 1; b < len(cnt); b++ {
		cnt[b] += cnt[b-1]
	}
	tmp = slices.Grow(tmp[:0], len(ks))[:len(ks)]
	for i := range ks {
		b := (uint64(ks[i].t) - uint64(lo)) / width
		tmp[cnt[b]] = ks[i]
		cnt[b]++
	}
	insertionSort(tmp)
	copy(ks, tmp)
	return tmp, cnt
}

// insertionSort sorts keys stably by time.
func insertionSort(ks []timeKey) {
	for i := 1; i < len(ks); i++ {
		if ks[i].t >= ks[i-1].t {
			continue
		}
		k := ks[i]
		j := i
		for j > 0 && ks[j-1].t > k.t {
			ks[j] = ks[j-1]
			j--
		}
		ks[j] = k
	}
}

// returns reports whether a vessel of the history, in time order (ps,
// or ps in the order of order), might be forgotten after forget of
// silence (Config.Forget; 0 never) and then report again: only then do
// its gaps change how its later reports are judged, and every engine
// must judge them (Engine.restrict). It cannot when the history spans
// less than forget.
func returns(ps []vessel.Position, order []uint32, forget vessel.Time) bool {
	n := len(ps)
	if order != nil {
		n = len(order)
	}
	if n == 0 || forget <= 0 {
		return false
	}
	first, last := &ps[0], &ps[n-1]
	if order != nil {
		first, last = &ps[order[0]], &ps[order[n-1]]
	}
	return last.Time-first.Time >= forget
}
