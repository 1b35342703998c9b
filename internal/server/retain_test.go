package server

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestNodeRetentionFromWallClock: serve --retain counts back from the
// node's clock, not from the stored reports (issue 11). The store holds
// twelve days of hourly reports before the clock and one report dated
// 2100 (flagged future, kept as evidence); with retain 5d the node's
// maintenance drops the reports older than five days before the clock,
// keeps the rest and the one from 2100. Counted from the newest report
// it would keep only that one.
func TestNodeRetentionFromWallClock(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	const m vessel.MMSI = 219000001
	now := dmaClock()
	cutoff := vessel.TimeOf(now.Add(-5 * 24 * time.Hour))
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b store.Batch
	pos := func(at vessel.Time, flags vessel.Flags) {
		p := vessel.Position{MMSI: m, Time: at, Lat: 56, Lon: 11, SOG: vessel.NoSpeed, COG: vessel.NoCourse,
			Heading: vessel.NoHeading, Status: vessel.NoStatus, Flags: flags, Source: "rx"}
		b.AddPosition(&p)
	}
	kept := 0
	for at := vessel.TimeOf(now.Add(-12 * 24 * time.Hour)); at < vessel.TimeOf(now); at += 3600_000 {
		pos(at, 0)
		if at >= cutoff {
			kept++
		}
	}
	y2100 := vessel.TimeOf(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	pos(y2100, vessel.FlagFuture)
	total := b.Len()
	if err := db.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil { // into blocks, which retention trims
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Retain: "5d", Events: Events{Off: true}}
	node := startNode(t, Options{Config: cfg, Now: dmaClock, maintainEvery: 20 * time.Millisecond})
	stored := func() []vessel.Position {
		r, err := store.Open(data, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ps, err := r.Track(m, math.MinInt64, math.MaxInt64, true)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	var ps []vessel.Position
	waitFor(t, 30*time.Second, "retention to drop the old reports", func() bool {
		ps = stored()
		return len(ps) < total
	})
	node.stop(t)
	ps = stored()
	if len(ps) != kept+1 || ps[len(ps)-1].Time != y2100 {
		t.Fatalf("after retention: %d of %d reports, the last at %v; want the %d of the last five days before the clock and the one of 2100",
			len(ps), total, ps[len(ps)-1].Time, kept)
	}
	if ps[0].Time < cutoff {
		t.Errorf("a report of %v was kept; the cutoff is %v", ps[0].Time, cutoff)
	}
}
