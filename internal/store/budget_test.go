package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// budgetStore writes a synthetic store of 8 vessels, 40,000 positions
// each, one every 10 s, over 10 blocks and a head: many chunks per vessel.
func budgetStore(t *testing.T) (*DB, vessel.Time, vessel.Time) {
	t.Helper()
	db, err := Open("/data", Options{FS: record.NewMemFS(), HeadPoints: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const vessels, per = 8, 40_000
	start := vessel.Time(1_700_000_000_000)
	var b Batch
	for k := range per {
		for m := range vessels {
			p := vessel.Position{MMSI: vessel.MMSI(235000000 + m), Time: start + vessel.Time(k)*10_000,
				Lat: 50 + float64(m)*0.01 + float64(k)*1e-5, Lon: -1 + float64(k)*1e-5,
				SOG: 100, COG: 900, Heading: vessel.NoHeading, Status: vessel.NoStatus}
			b.AddPosition(&p)
		}
		if (k+1)%4000 == 0 {
			if err := db.Write(&b); err != nil {
				t.Fatal(err)
			}
			b.Reset()
			if k+1 < per {
				if err := db.Flush(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	return db, start, start + vessel.Time(per)*10_000
}

// countdownCtx is a context whose Err is nil for its first n calls and
// DeadlineExceeded after: a time budget that runs out part way through a
// query, at an exact point rather than after a duration.
type countdownCtx struct {
	context.Context
	n     int64
	calls atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.calls.Add(1) > c.n {
		return context.DeadlineExceeded
	}
	return nil
}

// TestQueryBudget: Track, At and Near stop with the context's error when
// it is done (already cancelled, a budget of 1 ns, or one that runs out
// part way, after a few chunks), and answer in full with a generous one.
// Nothing here depends on how fast the machine is.
func TestQueryBudget(t *testing.T) {
	db, from, to := budgetStore(t)
	m := vessel.MMSI(235000003)
	full, err := db.Track(m, from, to, false)
	if err != nil || len(full) != 40_000 {
		t.Fatalf("Track = %d positions, %v; want 40000", len(full), err)
	}
	mid := from + (to-from)/2
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tiny, cancelTiny := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancelTiny()
	generous, cancelGenerous := context.WithTimeout(context.Background(), time.Hour)
	defer cancelGenerous()
	queries := []struct {
		name string
		run  func(ctx context.Context) (int, error)
	}{
		{"track", func(ctx context.Context) (int, error) {
			pts, err := db.TrackContext(ctx, m, from, to, false)
			return len(pts), err
		}},
		{"at", func(ctx context.Context) (int, error) {
			// A window that covers no block whole, so chunks are read.
			vs, err := db.AtContext(ctx, mid, 3*3600*1000, false)
			return len(vs), err
		}},
		{"near", func(ctx context.Context) (int, error) {
			res, err := db.NearContext(ctx, geo.Point{Lat: 50.2, Lon: -0.8}, 50_000, from, to, NearOptions{})
			return len(res), err
		}},
	}
	for _, q := range queries {
		n, err := q.run(generous)
		if err != nil || n == 0 {
			t.Errorf("%s with an hour's budget: %d results, %v; want an answer", q.name, n, err)
		}
		if _, err := q.run(cancelled); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v; want context.Canceled", q.name, err)
		}
		if _, err := q.run(tiny); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with a budget of 1 ns: %v; want context.DeadlineExceeded", q.name, err)
		}
		// Runs out after a few checks: the query stops part way.
		c := &countdownCtx{Context: context.Background(), n: 3}
		if _, err := q.run(c); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with a budget that runs out after 3 checks: %v; want context.DeadlineExceeded", q.name, err)
		}
		if got := c.calls.Load(); got != 4 {
			t.Errorf("%s checked its budget %d times after it ran out at the 4th; want it to stop at once", q.name, got)
		}
		// A budget that never runs out is checked often enough to stop
		// a long query: between chunks, not once per query.
		c = &countdownCtx{Context: context.Background(), n: 1 << 40}
		if _, err := q.run(c); err != nil {
			t.Fatal(err)
		}
		if got := c.calls.Load(); got < 10 {
			t.Errorf("%s checked its budget %d times over many chunks; want it checked between chunks", q.name, got)
		}
	}
}
