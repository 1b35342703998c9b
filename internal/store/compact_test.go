package store

import (
	"math"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestCompactAndRetention(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "auckland_hauraki_20170907_09.csv.gz"))
	dir := t.TempDir()
	db, err := Open(dir, Options{HeadPoints: 5000, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, db, rows, 1000)
	var b Batch
	b.AddStatic(&vessel.Static{MMSI: rows[0].MMSI, Time: rows[0].Time, Has: vessel.HasName, Name: "EARLY NAME"})
	db.Write(&b)
	db.Flush()
	before := db.Stats()
	st, err := db.Compact(CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := db.Stats()
	t.Logf("compaction: %d blocks → %d, %d → %d bytes", st.BlocksIn, st.BlocksOut, st.BytesBefore, st.BytesAfter)
	if before.Blocks < 10 || after.Blocks != 1 || st.BytesAfter >= st.BytesBefore || after.Positions != int64(len(rows)) {
		t.Fatalf("before %+v, after %+v, %+v", before, after, st)
	}
	checkTracks(t, db, wantTracks(rows))

	// Retention: keep the last day.
	cutoff := rows[len(rows)-1].Time - 24*3600_000
	st, err = db.Compact(CompactOptions{Cutoff: cutoff})
	if err != nil {
		t.Fatal(err)
	}
	var kept []vessel.Position
	for _, r := range rows {
		if r.Time >= cutoff {
			kept = append(kept, r)
		}
	}
	if st.Dropped != int64(len(rows)-len(kept)) || db.Stats().Positions != int64(len(kept)) {
		t.Fatalf("retention dropped %d, kept %d; want %d dropped", st.Dropped, db.Stats().Positions, len(rows)-len(kept))
	}
	want := wantTracks(kept)
	checkTracks(t, db, want)
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkTracks(t, db, want)
	// The old name survives retention, merged into one report.
	at, _ := db.At(math.MaxInt64/2, math.MaxInt64/2, true)
	found := false
	for _, v := range at {
		if v.MMSI == rows[0].MMSI && v.Static.Name == "EARLY NAME" {
			found = true
		}
	}
	if !found {
		t.Error("the static data older than the cutoff was lost")
	}
}

// TestCompactWhileWriting compacts repeatedly while another goroutine
// writes and a third queries (run with -race).
func TestCompactWhileWriting(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "suez_evergiven_20210320_24.csv.gz"))
	db, err := Open(t.TempDir(), Options{HeadPoints: 2000, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		writeAll(t, db, rows, 500)
		close(done)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := db.Compact(CompactOptions{TargetPoints: 8000}); err != nil {
				t.Error(err)
				return
			}
			if _, err := db.Track(rows[0].MMSI, 0, math.MaxInt64/2, true); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if _, err := db.Compact(CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTracks(t, db, wantTracks(rows))
}
