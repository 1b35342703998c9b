package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// tidewatchStore is the embedded store under measurement, in-process like
// the PostGIS client: positions are written in batches of 4,096 with a
// Commit (fsync) per batch, the default durability; with fuse set, every
// position first goes through the fusion picture (dedup, flags) the way
// "tidewatch ingest" does.
type tidewatchStore struct {
	dir  string
	db   *store.DB
	fuse bool
}

func openTidewatch(fuse bool) (*tidewatchStore, error) {
	dir, err := os.MkdirTemp("", "tidewatch-bench-")
	if err != nil {
		return nil, err
	}
	db, err := store.Open(filepath.Join(dir, "data"), store.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &tidewatchStore{dir: dir, db: db, fuse: fuse}, nil
}

func (s *tidewatchStore) Name() string {
	if s.fuse {
		return "tidewatch_fused"
	}
	return "tidewatch"
}

func position(r *row) vessel.Position {
	p := vessel.Position{MMSI: r.MMSI, Time: r.T, Lat: r.Lat, Lon: r.Lon, SOG: vessel.NoSpeed, COG: vessel.NoCourse,
		Heading: vessel.NoHeading, Status: vessel.NavStatus(r.Status)}
	if r.SOG == r.SOG {
		p.SOG = vessel.SpeedKnots(float64(r.SOG))
	}
	if r.COG == r.COG {
		p.COG = vessel.CourseDegrees(float64(r.COG))
	}
	if r.Heading >= 0 {
		p.Heading = vessel.Heading(r.Heading)
	}
	return p
}

func (s *tidewatchStore) Load(ctx context.Context, rows []row) error {
	if s.fuse {
		land, err := geo.DefaultLand()
		if err != nil {
			return err
		}
		rec := recorder.New(fusion.NewPicture(fusion.Config{Land: land}), s.db, recorder.Options{CommitEvery: 4096})
		var o vessel.Observation
		o.Kind = vessel.KindPosition
		for i := range rows {
			o.Position = position(&rows[i])
			if err := rec.Record(&o); err != nil {
				return err
			}
		}
		if err := rec.Commit(); err != nil {
			return err
		}
		return s.flushCompact()
	}
	var b store.Batch
	for i := range rows {
		p := position(&rows[i])
		b.AddPosition(&p)
		if b.Len() == 4096 || i == len(rows)-1 {
			if err := s.db.Write(&b); err != nil {
				return err
			}
			if err := s.db.Commit(); err != nil {
				return err
			}
			b.Reset()
		}
	}
	// Into blocks and compacted, as "tidewatch ingest" leaves them.
	return s.flushCompact()
}

func (s *tidewatchStore) flushCompact() error {
	if err := s.db.Flush(); err != nil {
		return err
	}
	_, err := s.db.Compact(store.CompactOptions{})
	return err
}

func (s *tidewatchStore) Near(ctx context.Context, q nearQuery) (int, error) {
	res, err := s.db.Near(geo.Point{Lat: q.Lat, Lon: q.Lon}, q.Radius, q.From, q.To-1, store.NearOptions{})
	return len(res), err
}

func (s *tidewatchStore) NearAnswers(ctx context.Context, q nearQuery) ([]nearAnswer, error) {
	res, err := s.db.Near(geo.Point{Lat: q.Lat, Lon: q.Lon}, q.Radius, q.From, q.To-1, store.NearOptions{})
	out := make([]nearAnswer, len(res))
	for i, a := range res {
		out[i] = nearAnswer{MMSI: a.MMSI, Distance: a.Distance, Time: a.Time, Interpolated: a.Interpolated}
	}
	return out, err
}

func (s *tidewatchStore) Track(ctx context.Context, q trackQuery) (int, error) {
	tr, err := s.db.Track(q.MMSI, q.From, q.To-1, false)
	return len(tr), err
}

func (s *tidewatchStore) Size(ctx context.Context) (int64, error) {
	var n int64
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

func (s *tidewatchStore) Close() error {
	err := s.db.Close()
	os.RemoveAll(s.dir)
	return err
}
