// Package recorder keeps the picture and its history together: each
// observation goes through the fusion picture, and what the picture says
// must be kept — positions with their quality flags, static data that
// changed, the provenance of duplicates — is written to the store in
// batches and committed. It is the one write path shared by the ingest
// command and the server. Only what the store acknowledged counts as
// committed (Stats.Committed); a failed commit keeps the written items for
// the next one, and a batch the store refuses (store.ErrBacklog, while its
// writes fail) is counted in Stats.Refused. A recorder that applies a
// replicated log (a cluster node) marks each entry (Mark): the store keeps
// the entry's sequence in the same commit as its items.
package recorder

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Options tune a Recorder.
type Options struct {
	// CommitEvery is how many items (positions, statics, provenance) are
	// batched before they are written and committed (default 65,536). A
	// crash loses at most the uncommitted batch; Commit forces it.
	CommitEvery int
	// SkipStations leaves base station and aid-to-navigation reports out
	// of the store (they are still in the picture).
	SkipStations bool
	// OnResult, when set, is called after each observation is applied,
	// with what the picture decided (for live updates and event
	// detection). It runs on the recording goroutine and must not block.
	OnResult func(o *vessel.Observation, r *fusion.Result)
}

// Stats count what the recorder did.
type Stats struct {
	Observations int64
	// By fusion outcome.
	Stored, Duplicates, StaticChanges, StaticSame, Stations, Ignored int64
	// Flagged counts stored positions with a quality flag, by flag name.
	Flagged map[string]int64
	// Committed is the number of items the store has acknowledged as
	// durable.
	Committed int64
	// Refused is the number of items the store refused because its
	// writes were failing and its backlog was full (store.ErrBacklog):
	// they are in the picture but not stored.
	Refused int64
}

// Recorder applies observations to a picture and records them in a store.
// It is not safe for concurrent use: one goroutine records.
type Recorder struct {
	pic     *fusion.Picture
	db      *store.DB
	opt     Options
	batch   store.Batch
	stats   Stats
	written int64 // items written to the store, not yet committed
	// flagged counts stored positions by flag bit (Stats.Flagged by
	// name), res is the result of the observation being recorded: kept
	// here so that recording allocates nothing per observation.
	flagged [16]int64
	res     fusion.Result

	// The applied mark (Mark): the latest, the one written with the
	// batch to the store, and the one committed.
	mark, markWritten, markCommitted uint64
}

// New returns a Recorder writing to db.
func New(pic *fusion.Picture, db *store.DB, opt Options) *Recorder {
	if opt.CommitEvery <= 0 {
		opt.CommitEvery = 1 << 16
	}
	return &Recorder{pic: pic, db: db, opt: opt}
}

// Record applies one observation and queues what must be stored.
func (r *Recorder) Record(o *vessel.Observation) error {
	r.stats.Observations++
	r.res = r.pic.Apply(o)
	res := &r.res
	if r.opt.OnResult != nil {
		r.opt.OnResult(o, res)
	}
	switch res.Outcome {
	case fusion.Stored:
		r.stats.Stored++
		for f := res.Position.Flags; f != 0; f &= f - 1 {
			r.flagged[bits.TrailingZeros16(uint16(f))]++
		}
		r.batch.AddPosition(&res.Position)
	case fusion.Duplicate:
		r.stats.Duplicates++
		r.batch.AddProvenance(res.MMSI, res.Time, res.Source)
	case fusion.Static:
		r.stats.StaticChanges++
		r.batch.AddStatic(&o.Static)
	case fusion.StaticSame:
		r.stats.StaticSame++
		return nil
	case fusion.Station:
		r.stats.Stations++
		if r.opt.SkipStations {
			return nil
		}
		if res.Position.HasPosition() {
			r.batch.AddPosition(&res.Position)
		}
		if res.Changed != 0 {
			r.batch.AddStatic(&o.Static)
		}
	default:
		r.stats.Ignored++
		return nil
	}
	if r.batch.Len() >= r.opt.CommitEvery && r.mark == 0 {
		return r.Commit()
	}
	return nil
}

// Mark says that everything recorded so far takes the store up to entry
// seq of a replicated log (a cluster node's ingest log): the next commit
// writes the mark with the items, in the same commit
// (store.Batch.SetApplied), so that after a crash the store says exactly
// which entries it holds. A recorder that marks commits only when told
// (Commit), never in the middle of an entry. Marks must grow.
func (r *Recorder) Mark(seq uint64) {
	r.mark = seq
	r.batch.SetApplied(seq)
}

// Marked returns the last mark the store acknowledged as committed, and
// whether everything marked is committed (no later mark waits for a
// commit).
func (r *Recorder) Marked() (seq uint64, settled bool) {
	return r.markCommitted, r.mark == r.markCommitted
}

// Commit writes the queued items and makes them durable. When it returns
// nil, everything recorded so far survives a crash.
func (r *Recorder) Commit() error {
	if n := int64(r.batch.Len()); n > 0 || r.mark != r.markWritten {
		if err := r.db.Write(&r.batch); err != nil {
			if errors.Is(err, store.ErrBacklog) {
				// The store keeps no more while its writes fail:
				// holding the batch here would only move the problem.
				r.stats.Refused += n
				r.batch.Reset()
			}
			return fmt.Errorf("recorder: %w", err)
		}
		r.written += n
		r.batch.Reset()
		r.markWritten = r.mark
	}
	// A failed commit keeps what was written; a later one that works
	// makes it durable, and only then is it counted.
	if err := r.db.Commit(); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	r.stats.Committed += r.written
	r.written = 0
	r.markCommitted = r.markWritten
	return nil
}

// Uncommitted returns the number of items recorded but not yet
// acknowledged by the store as durable.
func (r *Recorder) Uncommitted() int64 { return r.written + int64(r.batch.Len()) }

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	s := r.stats
	s.Flagged = make(map[string]int64)
	for i, n := range r.flagged {
		if n == 0 {
			continue
		}
		for _, name := range vessel.Flags(1 << i).Names() {
			s.Flagged[name] += n
		}
	}
	return s
}

// Restore seeds an empty picture from the store: the last good position
// and the static data of every vessel, as of the end of the stored data.
// It returns the number of vessels seeded.
func Restore(pic *fusion.Picture, db *store.DB) (int, error) {
	_, end, ok := db.Bounds()
	if !ok {
		return 0, nil
	}
	list, err := db.At(end, end+1, true) // everything up to the end
	if err != nil {
		return 0, fmt.Errorf("recorder: restore: %w", err)
	}
	for i := range list {
		v := &list[i]
		pos := v.Position
		if !v.HasPosition {
			pos = vessel.Position{MMSI: v.MMSI, Lat: 91, Lon: 181}
		}
		st := v.Static
		st.MMSI = v.MMSI
		pic.Seed(pos, st, v.Times)
	}
	return len(list), nil
}
