package store

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// quantize returns p as the store keeps it (coordinates to 1/600000°).
func quantize(p vessel.Position) vessel.Position {
	p.Lat, p.Lon = toDeg(toUnits(p.Lat)), toDeg(toUnits(p.Lon))
	return p
}

func writeAll(t testing.TB, db *DB, rows []vessel.Position, per int) {
	t.Helper()
	var b Batch
	for i := range rows {
		b.AddPosition(&rows[i])
		if b.Len() == per || i == len(rows)-1 {
			if err := db.Write(&b); err != nil {
				t.Fatal(err)
			}
			b.Reset()
		}
	}
	if err := db.Commit(); err != nil {
		t.Fatal(err)
	}
}

// wantTracks is the independent expectation: rows per vessel, stable-sorted
// by time, quantized.
func wantTracks(rows []vessel.Position) map[vessel.MMSI][]vessel.Position {
	m := map[vessel.MMSI][]vessel.Position{}
	for _, r := range rows {
		m[r.MMSI] = append(m[r.MMSI], quantize(r))
	}
	for _, tr := range m {
		slices.SortStableFunc(tr, func(a, b vessel.Position) int { return int(a.Time - b.Time) })
	}
	return m
}

func checkTracks(t *testing.T, db *DB, want map[vessel.MMSI][]vessel.Position) {
	t.Helper()
	for m, tr := range want {
		got, err := db.Track(m, math.MinInt64/2, math.MaxInt64/2, true)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tr) {
			t.Fatalf("vessel %v: track of %d positions differs from the %d rows (first: %+v vs %+v)", m, len(got), len(tr), first(got), first(tr))
		}
	}
}

func first(p []vessel.Position) vessel.Position {
	if len(p) == 0 {
		return vessel.Position{}
	}
	return p[0]
}

// TestTracksRealData stores real tracks across several blocks and the head,
// and reads every vessel's track back exactly, before and after reopening.
func TestTracksRealData(t *testing.T) {
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "auckland_hauraki_20170907_09.csv.gz", "suez_evergiven_20210320_24.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			rows := readTrackRows(t, trackFile(t, name))
			dir := t.TempDir()
			db, err := Open(dir, Options{HeadPoints: len(rows)/3 + 1})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, db, rows, 5000)
			want := wantTracks(rows)
			checkTracks(t, db, want)
			if len(db.blocks) < 2 || db.head.points == 0 {
				t.Fatalf("%d blocks, %d head points: the test should cover both", len(db.blocks), db.head.points)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checkTracks(t, db, want)
			st := db.Stats()
			if st.Positions != int64(len(rows)) || st.Vessels != len(want) {
				t.Errorf("stats: %d positions, %d vessels; want %d, %d", st.Positions, st.Vessels, len(rows), len(want))
			}
		})
	}
}

// TestBytesPerPosition measures the store's size on disk after compaction
// on real multi-day tracks: the target is at most 8 bytes per position.
func TestBytesPerPosition(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit float64
	}{
		{"auckland_hauraki_20170907_09.csv.gz", 8},
		{"suez_evergiven_20210320_24.csv.gz", 8},
		{"noaa_us_coast_20220103.csv.gz", 0}, // 7 reports per vessel: index-bound, logged only
	} {
		rows := readTrackRows(t, trackFile(t, tc.name))
		dir := t.TempDir()
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		writeAll(t, db, rows, 10000)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		size := dirSize(t, dir)
		per := float64(size) / float64(len(rows))
		t.Logf("%s: %d positions, %d bytes on disk, %.2f bytes/position", tc.name, len(rows), size, per)
		if tc.limit > 0 && per > tc.limit {
			t.Errorf("%s: %.2f bytes/position, want at most %.0f", tc.name, per, tc.limit)
		}
	}
}

func dirSize(t testing.TB, dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func TestStaticsAndProvenance(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const m = vessel.MMSI(419000001)
	var b Batch
	p := vessel.Position{MMSI: m, Time: 1000_000, Lat: 18.9, Lon: 72.8, SOG: 100, COG: 900, Heading: 90, Status: 0, Source: "rx-mumbai"}
	b.AddPosition(&p)
	b.AddProvenance(m, p.Time, "rx-goa")
	b.AddStatic(&vessel.Static{MMSI: m, Time: 900_000, Has: vessel.HasName, Name: "<img src=x onerror=alert(1)>", Source: "rx-mumbai"})
	b.AddStatic(&vessel.Static{MMSI: m, Time: 1100_000, Has: vessel.HasCallSign | vessel.HasShipType, CallSign: "VTAB", ShipType: 70})
	if err := db.Write(&b); err != nil {
		t.Fatal(err)
	}
	check := func(db *DB) {
		t.Helper()
		src, err := db.Provenance(m, p.Time)
		if err != nil || !slices.Equal(src, []string{"rx-mumbai", "rx-goa"}) {
			t.Errorf("provenance: %q, %v", src, err)
		}
		at, err := db.At(1050_000, 3600_000, false)
		if err != nil || len(at) != 1 || at[0].Static.Name != "<img src=x onerror=alert(1)>" || at[0].Static.CallSign != "" || !at[0].HasPosition {
			t.Errorf("at 1050 s: %+v, %v", at, err)
		}
		at, _ = db.At(1200_000, 3600_000, false)
		if len(at) != 1 || at[0].Static.CallSign != "VTAB" || at[0].Static.ShipType != 70 || at[0].Times.Of(vessel.HasName) != 900_000 {
			t.Errorf("at 1200 s: %+v", at)
		}
	}
	check(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(db)
}

// TestTornTail cuts the WAL at every byte of its last record and checks
// that Open repairs it, says so, keeps every committed batch and then
// accepts new writes.
func TestTornTail(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "dma_stream_20100611_from_nmea.csv.gz"))[:300]
	src := t.TempDir()
	db, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, db, rows[:200], 100) // two committed records
	committed := walFiles(t, src)
	fi, _ := os.Stat(committed[len(committed)-1])
	goodSize := fi.Size()
	writeAll(t, db, rows[200:], 100) // the record to tear
	seg := walFiles(t, src)[0]
	full, _ := os.ReadFile(seg)
	db.wal.close() // simulate the crash: no Close, no flush
	db.unlock()
	want := wantTracks(rows[:200])
	for cut := goodSize + 1; cut < int64(len(full)); cut += 97 {
		dir := t.TempDir()
		copyDir(t, src, dir)
		if err := os.WriteFile(filepath.Join(dir, "wal", filepath.Base(seg)), full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		rec := db.Recovery()
		if len(rec) != 1 || !strings.Contains(rec[0], "torn WAL tail") {
			t.Fatalf("cut at %d: recovery %q", cut, rec)
		}
		checkTracks(t, db, want)
		if got := db.Stats().Positions; got != 200 {
			t.Fatalf("cut at %d: %d positions, want 200", cut, got)
		}
		writeAll(t, db, rows[200:], 100)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkTracks(t, db, wantTracks(rows))
		db.Close()
	}
}

func TestOpenRefusals(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600)
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrNotStore) {
		t.Errorf("non-empty foreign directory: %v", err)
	}
	dir = t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second writer: %v", err)
	}
	db.Close()
	os.WriteFile(filepath.Join(dir, markerName), []byte("tidewatch data directory\nformat 9\n"), 0o600)
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrVersion) {
		t.Errorf("future format: %v", err)
	}
}

func walFiles(t testing.TB, dir string) []string {
	f, err := filepath.Glob(filepath.Join(dir, "wal", "*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

var _ = geo.Point{}

// TestTornSegmentHeader: a crash while creating a segment leaves a file
// shorter than its header; Open removes it and later opens are clean.
func TestTornSegmentHeader(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.wal.close()
	db.unlock()
	os.WriteFile(filepath.Join(dir, "wal", "00000009.wal"), []byte("TWW"), 0o600)
	for i := 0; i < 2; i++ {
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if rec := db.Recovery(); (i == 0) != (len(rec) == 1) {
			t.Errorf("open %d: recovery %q", i, rec)
		}
		db.Close()
	}
}
