package store

import (
	"context"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestVessels: on the real NOAA day stored in blocks of 30,000 positions
// with the rest in the head, Vessels lists, sorted and once each, every
// vessel with a position in the window (the whole day, an hour, a minute,
// a window before and after the data) with a bound of its positions
// there, and reading their tracks (Track, and TrackReader.Append after
// what its buffer holds) gives every position of the window; the last minute lists few vessels and
// windows outside the data none, so the index's time spans are used.
func TestVessels(t *testing.T) {
	rows := fusedRows(t, "noaa_us_coast_20220103.csv.gz")
	dir := t.TempDir()
	db, err := Open(dir, Options{HeadPoints: 30000})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writeAll(t, db, rows, 4096)
	if db.head.points == 0 || len(db.blocks) < 2 {
		t.Fatalf("%d blocks, %d positions in the head: want both", len(db.blocks), db.head.points)
	}
	times := make([]vessel.Time, len(rows))
	for i, r := range rows {
		times[i] = r.Time
	}
	slices.Sort(times)
	first, mid, last := times[0], times[len(times)/2], times[len(times)-1]
	all := map[vessel.MMSI]bool{}
	for _, r := range rows {
		all[r.MMSI] = true
	}
	for _, w := range []struct {
		name     string
		from, to vessel.Time
	}{
		{"all", first, last},
		{"ten minutes", mid, mid + 600_000},
		{"minute", mid, mid + 60_000},
		{"last minute", last - 60_000, last},
		{"before", first - 7200_000, first - 1},
		{"after", last + 1, last + 7200_000},
	} {
		want := map[vessel.MMSI]int{}
		n := 0
		for _, r := range rows {
			if r.Time >= w.from && r.Time <= w.to {
				want[r.MMSI]++
				n++
			}
		}
		got, err := db.Vessels(w.from, w.to)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(got, func(a, b VesselSpan) int { return int(a.MMSI) - int(b.MMSI) }) ||
			len(slices.CompactFunc(slices.Clone(got), func(a, b VesselSpan) bool { return a.MMSI == b.MMSI })) != len(got) {
			t.Errorf("%s: Vessels not sorted or with duplicates", w.name)
		}
		read := 0
		r := db.NewTrackReader()
		var buf []vessel.Position
		for _, v := range got {
			m := v.MMSI
			if !all[m] {
				t.Errorf("%s: vessel %v listed, never stored", w.name, m)
			}
			tr, err := db.Track(m, w.from, w.to, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr) != want[m] || len(tr) > v.Max {
				t.Errorf("%s: vessel %v: %d positions read, %d stored in the window, at most %d said", w.name, m, len(tr), want[m], v.Max)
			}
			// the reader appends what Track returns, flagged or not
			for _, flagged := range []bool{true, false} {
				buf = append(buf[:0], vessel.Position{MMSI: 1})
				if buf, err = r.Append(context.Background(), buf, m, w.from, w.to, flagged); err != nil {
					t.Fatal(err)
				}
				tr2, _ := db.Track(m, w.from, w.to, flagged)
				if buf[0].MMSI != 1 || !slices.Equal(buf[1:], tr2) {
					t.Fatalf("%s: vessel %v: TrackReader.Append (flagged %v) differs from Track", w.name, m, flagged)
				}
			}
			read += len(tr)
			delete(want, m)
		}
		if len(want) > 0 {
			t.Errorf("%s: %d vessels with positions in the window not listed", w.name, len(want))
		}
		if read != n {
			t.Errorf("%s: %d positions read through Vessels, %d stored in the window", w.name, read, n)
		}
		if w.name == "last minute" && len(got) > len(all)/2 {
			t.Errorf("last minute: %d of %d vessels listed; the chunk time spans are not used", len(got), len(all))
		}
		if (w.name == "before" || w.name == "after") && len(got) != 0 {
			t.Errorf("%s: %d vessels listed outside the data", w.name, len(got))
		}
		t.Logf("%s: %d vessels, %d positions", w.name, len(got), read)
	}
}
