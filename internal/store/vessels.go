package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// VesselSpan is a vessel with positions stored in a window (Vessels).
type VesselSpan struct {
	MMSI vessel.MMSI
	// Max is at least the number of its positions in the window: the
	// positions of its chunks whose time spans overlap the window, and
	// of those not yet in a block that are in it. A reader sizes its
	// buffer by it.
	Max int
}

// Vessels returns, in increasing order of MMSI, the vessels that may have
// positions stored with times in [from, to]: those with a chunk whose
// time span overlaps the window, or with a position in the window not yet
// in a block. It reads the chunk index only, decoding nothing, so it
// costs a fraction of At over the same window; a vessel listed may have
// no position in the window (its chunk spans the window without a
// position in it), for which Track returns none. Reading every listed
// vessel's track gives every position of the window.
//
// It is safe for concurrent use, as Track is: a reprocessing of history
// lists the vessels once and reads their tracks on several goroutines
// (TrackReader).
func (db *DB) Vessels(from, to vessel.Time) ([]VesselSpan, error) {
	v, done, err := db.view()
	if err != nil {
		return nil, err
	}
	defer done()
	lo, hi := int64(from), int64(to)
	var out []VesselSpan
	for _, b := range v.blocks {
		if !overlaps(b.meta.minT, b.meta.maxT, lo, hi) {
			continue
		}
		for i := range b.index {
			e := &b.index[i]
			if overlaps(e.minT, e.maxT, lo, hi) {
				out = append(out, VesselSpan{MMSI: e.mmsi, Max: int(e.count)})
			}
		}
	}
	for _, h := range v.heads {
		for m, s := range h.series {
			n := 0
			for k := range s.pts {
				if t := s.pts[k].t; t >= lo && t <= hi {
					n++
				}
			}
			if n > 0 {
				out = append(out, VesselSpan{MMSI: m, Max: n})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b VesselSpan) int { return cmp.Compare(a.MMSI, b.MMSI) })
	// one entry per vessel, its counts summed
	w := 0
	for i := range out {
		if w > 0 && out[w-1].MMSI == out[i].MMSI {
			out[w-1].Max += out[i].Max
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w], nil
}

// TrackReader reads tracks as Track does, appending to the caller's
// buffer and reusing its own between reads, so that reading thousands of
// tracks allocates nothing but what the caller gives. A TrackReader is not
// safe for concurrent use: each goroutine has its own.
type TrackReader struct {
	db  *DB
	pts []point
}

// NewTrackReader returns a TrackReader of the store.
func (db *DB) NewTrackReader() *TrackReader { return &TrackReader{db: db} }

// Append appends to dst the positions of vessel m with times in [from,
// to], in time order, as Track returns them (flagged positions, vessel.Bad,
// only if flagged is true), and returns the extended buffer. It stops with
// ctx.Err() when ctx is done (checked before each chunk it reads).
func (r *TrackReader) Append(ctx context.Context, dst []vessel.Position, m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	v, done, err := r.db.view()
	if err != nil {
		return dst, err
	}
	defer done()
	pts, err := v.pointsInto(ctx, r.pts[:0], m, int64(from), int64(to))
	r.pts = pts[:0]
	if err != nil {
		return dst, err
	}
	for i := range pts {
		if flagged || pts[i].good() {
			dst = append(dst, pts[i].position(m, r.db.sourceName(pts[i].src)))
		}
	}
	return dst, nil
}
