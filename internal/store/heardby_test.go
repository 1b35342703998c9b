package store

import (
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestHeardByAcrossBlocks: the receivers that also heard a position are
// a function of what was written, not of when the head was flushed into
// blocks. Real positions (the NOAA day, in time order) are written in
// batches by one receiver; with each batch, a second receiver's copies of
// every tenth position of the batch before are recorded as provenance
// (what fusion decides for a report heard again a little later, as a
// cluster node does for the lines two inputs share). One store keeps
// everything in its head, one is flushed into a block after every batch
// (a node that served snapshots flushes at other entries than its
// peers). Both must list every copy, for every vessel, before and after
// reopening: a block's time span covered only its positions, so a copy
// recorded in a later block than its position was not found there
// (heard_by differed between cluster nodes).
func TestHeardByAcrossBlocks(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "noaa_us_coast_20220103.csv.gz"))
	slices.SortStableFunc(rows, func(a, b vessel.Position) int { return int(a.Time - b.Time) })
	for i := range rows {
		rows[i].Source = "rx-a"
	}
	const per = 2000
	want := map[vessel.MMSI]map[vessel.Time][]string{}
	// Each vessel is asked over its own track's span, as the API does.
	span := map[vessel.MMSI][2]vessel.Time{}
	for _, p := range rows {
		s, ok := span[p.MMSI]
		if !ok {
			s[0] = p.Time
		}
		s[1] = p.Time
		span[p.MMSI] = s
	}
	write := func(db *DB, flush bool) {
		t.Helper()
		var prev []vessel.Position
		for i := 0; i < len(rows); i += per {
			cur := rows[i:min(i+per, len(rows))]
			var b Batch
			for j := range cur {
				b.AddPosition(&cur[j])
			}
			for j := 0; j < len(prev); j += 10 {
				b.AddProvenance(prev[j].MMSI, prev[j].Time, "rx-b")
			}
			if err := db.Write(&b); err != nil {
				t.Fatal(err)
			}
			if err := db.Commit(); err != nil {
				t.Fatal(err)
			}
			if flush {
				if err := db.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			prev = cur
		}
	}
	// What was recorded: the second receiver for every tenth position
	// of each batch but the last.
	for i := 0; i+per < len(rows); i += per {
		for j := i; j < i+per; j += 10 {
			p := rows[j]
			if want[p.MMSI] == nil {
				want[p.MMSI] = map[vessel.Time][]string{}
			}
			want[p.MMSI][p.Time] = append(want[p.MMSI][p.Time], "rx-b")
		}
	}
	check := func(t *testing.T, name string, db *DB) {
		t.Helper()
		missing, extra, single := 0, 0, 0
		for m, w := range want {
			got, err := db.HeardBy(m, span[m][0], span[m][1])
			if err != nil {
				t.Fatal(err)
			}
			for tm, srcs := range w {
				if len(got[tm]) < len(srcs) {
					missing += len(srcs) - len(got[tm])
				} else if len(got[tm]) > len(srcs) {
					extra += len(got[tm]) - len(srcs)
				}
			}
			// And the single-position question agrees.
			for tm := range w {
				srcs, err := db.Provenance(m, tm)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(slices.DeleteFunc(srcs, func(s string) bool { return s != "rx-b" })); n != len(w[tm]) {
					single++
				}
			}
		}
		if missing != 0 || extra != 0 || single != 0 {
			t.Errorf("%s: HeardBy misses %d and adds %d of the second receiver's copies; Provenance is wrong for %d positions", name, missing, extra, single)
		}
	}
	for _, tc := range []struct {
		name  string
		flush bool
	}{{"head", false}, {"a block per batch", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			write(db, tc.flush)
			if tc.flush && len(db.blocks) < 10 {
				t.Fatalf("%d blocks; want one per batch", len(db.blocks))
			}
			check(t, "as written", db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if db, err = Open(dir, Options{}); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			check(t, "reopened", db)
		})
	}
}
