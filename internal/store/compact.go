package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// CompactOptions tune Compact.
type CompactOptions struct {
	// Cutoff drops positions, provenance and superseded static reports
	// older than it (retention); 0 keeps everything. The newest static
	// data of each vessel older than the cutoff is kept, merged into one
	// report, so a vessel does not lose its name.
	Cutoff vessel.Time
	// TargetPoints is the size a merged block aims for (default 8,388,608
	// positions). Blocks already that large are left alone unless they
	// hold data older than the cutoff.
	TargetPoints uint64
}

// CompactStats say what a compaction did.
type CompactStats struct {
	BlocksIn, BlocksOut int
	Dropped             int64 // positions removed by retention
	BytesBefore         int64
	BytesAfter          int64
}

// Compact merges small blocks into larger ones (fewer files, longer
// chunks, smaller index) and applies retention. It runs alongside writes
// and queries: blocks are immutable, the merged block is written on the
// side, and the swap is atomic (a crash leaves either the old blocks or
// the new one, never both: see blockMeta.replaces).
func (db *DB) Compact(opt CompactOptions) (CompactStats, error) {
	if opt.TargetPoints == 0 {
		opt.TargetPoints = 8 << 20
	}
	db.compactMu.Lock()
	defer db.compactMu.Unlock()
	db.mu.RLock()
	if db.closed || db.opt.ReadOnly {
		db.mu.RUnlock()
		return CompactStats{}, ErrClosed
	}
	blocks := slices.Clone(db.blocks)
	db.mu.RUnlock()

	var st CompactStats
	// Whole blocks before the cutoff go at once.
	var keep []*block
	var drop []*block
	for _, b := range blocks {
		if db.damaged(b.path) {
			continue // left as it is, for Repair
		}
		if opt.Cutoff != 0 && b.meta.maxT < int64(opt.Cutoff) && len(b.statics) == 0 {
			drop = append(drop, b)
			st.Dropped += int64(b.meta.positions)
			continue
		}
		keep = append(keep, b)
	}
	// Groups of consecutive blocks to merge.
	var groups [][]*block
	var cur []*block
	var curN uint64
	flush := func() {
		if len(cur) > 1 || len(cur) == 1 && opt.Cutoff != 0 && cur[0].meta.minT < int64(opt.Cutoff) {
			groups = append(groups, cur)
		}
		cur, curN = nil, 0
	}
	for _, b := range keep {
		if b.meta.positions >= opt.TargetPoints && !(opt.Cutoff != 0 && b.meta.minT < int64(opt.Cutoff)) {
			flush()
			continue
		}
		if curN+b.meta.positions > opt.TargetPoints && len(cur) > 0 {
			flush()
		}
		cur = append(cur, b)
		curN += b.meta.positions
	}
	flush()

	if len(drop) > 0 {
		db.swap(drop, nil)
		st.BlocksIn += len(drop)
		for _, b := range drop {
			st.BytesBefore += b.size
		}
	}
	for _, g := range groups {
		nb, dropped, err := db.merge(g, opt.Cutoff)
		if err != nil {
			return st, err
		}
		for _, b := range g {
			st.BytesBefore += b.size
		}
		st.BlocksIn += len(g)
		st.BlocksOut++
		st.BytesAfter += nb.size
		st.Dropped += dropped
		db.swap(g, nb)
	}
	return st, nil
}

// swap replaces the blocks old by nb (nil: just removes them), in memory,
// in the manifest, then on disk: a crash before the files go leaves them
// unlisted, and Open drops them (replaced) or takes them in.
func (db *DB) swap(old []*block, nb *block) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	db.mu.Lock()
	gone := map[*block]bool{}
	for _, b := range old {
		gone[b] = true
	}
	var out []*block
	placed := nb == nil
	for _, b := range db.blocks {
		if gone[b] {
			if !placed {
				out = append(out, nb)
				placed = true
			}
			continue
		}
		out = append(out, b)
	}
	// In the order Open gives them (by sequence number): queries that
	// meet equal times in two blocks answer the same before and after a
	// restart, and the snapshot's summaries fold in that order.
	slices.SortStableFunc(out, func(a, b *block) int { return cmpU(a.meta.seq, b.meta.seq) })
	db.blocks = out
	closed := db.closed
	db.mu.Unlock()
	if !closed && db.wal != nil {
		if err := db.saveManifest(true); err != nil {
			db.note("%v", err)
		}
		db.saveSnapshot()
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, b := range old {
		b.f.Close()
		db.fsys.Remove(b.path)
	}
	syncDir(db.fsys, filepath.Join(db.dir, "blocks"))
}

// merge writes one block holding the contents of g, minus what is older
// than cutoff.
func (db *DB) merge(g []*block, cutoff vessel.Time) (*block, int64, error) {
	db.mu.Lock()
	db.nextBlk++
	seq := db.nextBlk
	db.mu.Unlock()
	d := &blockData{meta: blockMeta{seq: seq}}
	var dropped int64
	seenSrc := map[uint32]bool{}
	mmsis := map[vessel.MMSI]bool{}
	for _, b := range g {
		d.meta.walUpTo = max(d.meta.walUpTo, b.meta.walUpTo)
		d.meta.replaces = append(d.meta.replaces, b.meta.seq)
		d.meta.replaces = append(d.meta.replaces, b.meta.replaces...)
		for i := range b.index {
			mmsis[b.index[i].mmsi] = true
		}
		for _, s := range b.sources {
			if !seenSrc[s.id] {
				seenSrc[s.id] = true
				d.sources = append(d.sources, s)
			}
		}
		for _, p := range b.prov {
			if p.t >= int64(cutoff) {
				d.prov = append(d.prov, p)
			}
		}
		d.statics = append(d.statics, b.statics...)
	}
	// The replaced list only needs the direct inputs and what they
	// replaced; keep it bounded.
	d.meta.replaces = d.meta.replaces[:min(len(d.meta.replaces), 4096)]
	sort.Slice(d.sources, func(i, j int) bool { return d.sources[i].id < d.sources[j].id })
	d.statics = retainStatics(d.statics, cutoff)
	order := make([]vessel.MMSI, 0, len(mmsis))
	for m := range mmsis {
		order = append(order, m)
	}
	slices.Sort(order)
	var buf []byte
	for _, m := range order {
		var pts []point
		for _, b := range g {
			for _, e := range b.vesselChunks(m) {
				var err error
				if pts, err = b.readChunk(pts, &e, &buf); err != nil {
					db.badChunk(b, &e, err) // the next compaction leaves the block out
					return nil, 0, err
				}
			}
		}
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
		if cutoff != 0 {
			n := len(pts)
			pts = slices.DeleteFunc(pts, func(p point) bool { return p.t < int64(cutoff) })
			dropped += int64(n - len(pts))
		}
		if len(pts) > 0 {
			d.series = append(d.series, series{mmsi: m, pts: pts})
		}
	}
	nb, err := writeBlock(db.fsys, filepath.Join(db.dir, "blocks"), d)
	if err != nil {
		return nil, 0, fmt.Errorf("store: compact: %w", err)
	}
	return nb, dropped, nil
}

// retainStatics keeps the static reports at or after cutoff and, per
// vessel, one report merging everything older.
func retainStatics(in []staticRec, cutoff vessel.Time) []staticRec {
	sort.SliceStable(in, func(i, j int) bool { return in[i].s.Time < in[j].s.Time })
	if cutoff == 0 {
		return in
	}
	old := map[vessel.MMSI]*staticRec{}
	var times vessel.FieldTimes
	var out []staticRec
	for i := range in {
		s := &in[i]
		if s.s.Time >= cutoff {
			out = append(out, *s)
			continue
		}
		o := old[s.s.MMSI]
		if o == nil {
			o = &staticRec{}
			old[s.s.MMSI] = o
		}
		times = vessel.FieldTimes{}
		o.s.Merge(&s.s, &times)
		o.src = s.src
	}
	for _, o := range old {
		out = append(out, *o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].s.Time < out[j].s.Time })
	return out
}
