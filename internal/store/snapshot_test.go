package store

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// snapshotRows is real traffic through fusion (flags and track ids as a
// node stores them) with static reports, in time order: a day of NOAA
// and a day of the Danish stream.
func snapshotRows(t testing.TB) ([]vessel.Position, []vessel.Static) {
	rows := fusedRows(t, "noaa_us_coast_20220103.csv.gz")
	rows = append(rows, fusedRows(t, "dma_stream_20100611_from_nmea.csv.gz")...)
	var statics []vessel.Static
	for i := 0; i < len(rows); i += 97 {
		statics = append(statics, vessel.Static{MMSI: rows[i].MMSI, Time: rows[i].Time, Has: vessel.HasName | vessel.HasShipType,
			Name: "VESSEL " + rows[i].MMSI.String(), ShipType: uint8(60 + i%30), Source: "rx-static"})
	}
	return rows, statics
}

// writeSnapshotStore writes rows and statics in batches of 5,000 to a new
// store with blocks of 15,000 positions, committing after each batch;
// after is called after each batch with its index.
func writeSnapshotStore(t *testing.T, dir string, opt Options, rows []vessel.Position, statics []vessel.Static, after func(i int, db *DB)) *DB {
	t.Helper()
	opt.HeadPoints = 15000
	db, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	si := 0
	for i := 0; i < len(rows); i += 5000 {
		for j := i; j < min(i+5000, len(rows)); j++ {
			b.AddPosition(&rows[j])
			for si < len(statics) && statics[si].Time <= rows[j].Time {
				b.AddStatic(&statics[si])
				si++
			}
		}
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		b.Reset()
		if after != nil {
			after(i/5000, db)
		}
	}
	return db
}

// answers is what a node asks of the store, computed for comparison.
type answers struct {
	Restore []VesselAt // At(end, end+1, true): what recorder.Restore seeds the picture with
	At      [][]VesselAt
	Tracks  map[vessel.MMSI][]vessel.Position
	Near    [][]Approach
	From    vessel.Time
	To      vessel.Time
}

func askAll(t *testing.T, db *DB, rows []vessel.Position) answers {
	t.Helper()
	var a answers
	var ok bool
	a.From, a.To, ok = db.Bounds()
	if !ok {
		t.Fatal("empty store")
	}
	var err error
	if a.Restore, err = db.At(a.To, a.To+1, true); err != nil {
		t.Fatal(err)
	}
	for _, w := range [][2]vessel.Time{{a.To, 3600_000}, {a.From + (a.To-a.From)/2, 1800_000}, {a.To, a.To - a.From}, {a.To + 1, a.To - a.From + 2}, {a.From + 1000, 1000_000_000}} {
		at, err := db.At(w[0], w[1], false)
		if err != nil {
			t.Fatal(err)
		}
		a.At = append(a.At, at)
	}
	a.Tracks = map[vessel.MMSI][]vessel.Position{}
	for i := range rows {
		m := rows[i].MMSI
		if _, done := a.Tracks[m]; !done {
			if a.Tracks[m], err = db.Track(m, math.MinInt64/2, math.MaxInt64/2, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < len(rows); i += len(rows) / 40 {
		r := rows[i]
		if !r.HasPosition() {
			continue
		}
		near, err := db.Near(geo.Point{Lat: r.Lat, Lon: r.Lon}, 5000, r.Time-1800_000, r.Time+1800_000, NearOptions{})
		if err != nil {
			t.Fatal(err)
		}
		a.Near = append(a.Near, near)
	}
	return a
}

// rebuilt answers from a copy of dir opened read-only without snapshot
// and without any summary: every block decoded, as Open and At worked
// before the snapshot existed.
func rebuilt(t *testing.T, dir string, rows []vessel.Position) answers {
	t.Helper()
	cp := t.TempDir()
	copyDir(t, dir, cp)
	os.Remove(filepath.Join(cp, snapshotName))
	db, err := Open(cp, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, b := range db.blocks {
		if b.sum != nil {
			t.Fatal("a read-only open without snapshot summarised a block")
		}
	}
	return askAll(t, db, rows)
}

func sameAnswers(t *testing.T, what string, got, want answers) {
	t.Helper()
	if len(want.Restore) == 0 || len(want.Tracks) == 0 {
		t.Fatal("nothing to compare")
	}
	if !reflect.DeepEqual(got.Restore, want.Restore) {
		t.Errorf("%s: the restored picture differs from the rebuilt one (%d vs %d vessels)", what, len(got.Restore), len(want.Restore))
	}
	for i := range want.At {
		if !reflect.DeepEqual(got.At[i], want.At[i]) {
			t.Errorf("%s: At window %d differs (%d vs %d vessels)", what, i, len(got.At[i]), len(want.At[i]))
		}
	}
	if !reflect.DeepEqual(got.Tracks, want.Tracks) {
		t.Errorf("%s: tracks differ", what)
	}
	if !reflect.DeepEqual(got.Near, want.Near) {
		t.Errorf("%s: near answers differ", what)
	}
	if got.From != want.From || got.To != want.To {
		t.Errorf("%s: bounds %v-%v, want %v-%v", what, got.From, got.To, want.From, want.To)
	}
}

// TestSnapshotSameAnswers: a store opened with its snapshot answers the
// restore, At, Track, Near and Bounds exactly as one rebuilt by reading
// every block, on real data; and so does each fallback: no snapshot, a
// damaged one, one of an unknown version, a stale one, and read-only
// opens of each. Every fallback is counted in Snapshot.
func TestSnapshotSameAnswers(t *testing.T) {
	rows, statics := snapshotRows(t)
	src := t.TempDir()
	var early []byte // the snapshot after the first block
	db := writeSnapshotStore(t, src, Options{}, rows, statics, func(i int, db *DB) {
		if early == nil && db.Stats().Blocks == 1 {
			early, _ = os.ReadFile(filepath.Join(src, snapshotName))
		}
	})
	live := askAll(t, db, rows)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	want := rebuilt(t, src, rows)
	sameAnswers(t, "live store", live, want)
	nblocks := len(want.Tracks) // replaced below
	{
		db, err := Open(src, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		nblocks = len(db.blocks)
		db.Close()
	}
	if nblocks < 4 || early == nil {
		t.Fatalf("%d blocks, early snapshot %v: the test wants several", nblocks, early != nil)
	}
	t.Logf("%d positions of %d vessels in %d blocks", len(rows), len(want.Tracks), nblocks)

	cases := []struct {
		name    string
		damage  func(dir string)
		err     error // wanted in Snapshot().Err
		fromSnp int   // blocks summarised from the snapshot
	}{
		{"snapshot", func(string) {}, nil, nblocks},
		{"missing", func(dir string) { os.Remove(filepath.Join(dir, snapshotName)) }, ErrNoSnapshot, 0},
		{"damaged", func(dir string) {
			p := filepath.Join(dir, snapshotName)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0x10
			os.WriteFile(p, b, 0o600)
		}, ErrCorrupt, 0},
		{"cut short", func(dir string) {
			p := filepath.Join(dir, snapshotName)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-3], 0o600)
		}, ErrCorrupt, 0},
		{"unknown version", func(dir string) {
			p := filepath.Join(dir, snapshotName)
			b, _ := os.ReadFile(p)
			b[6] = 9
			os.WriteFile(p, b, 0o600)
		}, ErrVersion, 0},
		{"stale", func(dir string) { os.WriteFile(filepath.Join(dir, snapshotName), early, 0o600) }, errStaleSnapshot, 1},
		{"block rewritten", func(dir string) {
			// A summary of another block under the same number and
			// size: the CRC from the manifest tells them apart.
			ents, err := readSnapshot(OSFS{}, dir)
			if err != nil {
				t.Fatal(err)
			}
			ents[1].crc ^= 1
			os.WriteFile(filepath.Join(dir, snapshotName), encodeSnapshot(ents), 0o600)
		}, errStaleSnapshot, nblocks - 1},
	}
	for _, c := range cases {
		for _, ro := range []bool{false, true} {
			name := c.name
			if ro {
				name += " read-only"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				copyDir(t, src, dir)
				c.damage(dir)
				db, err := Open(dir, Options{ReadOnly: ro})
				if err != nil {
					t.Fatal(err)
				}
				st := db.Snapshot()
				rebuiltWant := nblocks - c.fromSnp
				if ro {
					rebuiltWant = 0
				}
				if st.Blocks != c.fromSnp || st.Rebuilt != rebuiltWant || !errors.Is(st.Err, c.err) || (c.err == nil) != (st.Err == nil) {
					t.Errorf("Snapshot() = %+v; want %d blocks from it, %d rebuilt, error %v", st, c.fromSnp, rebuiltWant, c.err)
				}
				if len(db.Recovery()) != 0 || len(db.Damage()) != 0 {
					t.Errorf("a snapshot problem made recovery notes %q or damage %v", db.Recovery(), db.Damage())
				}
				sameAnswers(t, name, askAll(t, db, rows), want)
				db.Close()
				if ro {
					return
				}
				// The writer wrote a whole snapshot: the next open
				// uses it for every block.
				db, err = Open(dir, Options{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if st := db.Snapshot(); st.Blocks != nblocks || st.Err != nil {
					t.Errorf("after a writer's open: %+v", st)
				}
				sameAnswers(t, name+", reopened", askAll(t, db, rows), want)
			})
		}
	}

	t.Run("compacted", func(t *testing.T) {
		dir := t.TempDir()
		copyDir(t, src, dir)
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := db.Compact(CompactOptions{TargetPoints: 50000}); err != nil || st.BlocksOut == 0 {
			t.Fatalf("compact: %+v, %v", st, err)
		}
		n := len(db.blocks)
		live := askAll(t, db, rows)
		db.Close()
		// Compaction itself may change near answers (longer chunks see
		// the segments between the old blocks): compare with the
		// compacted store rebuilt.
		want := rebuilt(t, dir, rows)
		sameAnswers(t, "compacted, live", live, want)
		if db, err = Open(dir, Options{ReadOnly: true}); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if st := db.Snapshot(); st.Blocks != n || st.Err != nil {
			t.Errorf("after compaction: %+v, want all %d blocks from the snapshot", st, n)
		}
		sameAnswers(t, "compacted, reopened", askAll(t, db, rows), want)
	})
}

// snapFailFS fails creating the snapshot's temporary file while fail is
// set, as a crash right after a block write would leave it unwritten.
type snapFailFS struct{ fail bool }

func (f *snapFailFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if f.fail && record.IsTemp(filepath.Base(name), snapshotName) {
		return nil, errors.New("injected: no snapshot")
	}
	return OSFS{}.OpenFile(name, flag, perm)
}

// TestSnapshotCrashAfterBlock: a crash between a block write and the
// snapshot write (the snapshot write never happens) leaves a snapshot
// that lacks the newest block. Open summarises that block alone by
// reading it, uses the snapshot for the others, and answers exactly as a
// full rebuild.
func TestSnapshotCrashAfterBlock(t *testing.T) {
	rows, statics := snapshotRows(t)
	dir := t.TempDir()
	fsys := &snapFailFS{}
	var blocksBefore int
	db := writeSnapshotStore(t, dir, Options{FS: fsys}, rows, statics, func(i int, db *DB) {
		// From the middle on, snapshot writes fail.
		if 5000*(i+1) >= len(rows)/2 && !fsys.fail {
			fsys.fail, blocksBefore = true, db.Stats().Blocks
		}
	})
	blocks := db.Stats().Blocks
	if blocks-blocksBefore < 2 || db.Snapshot().WriteFailures != blocks-blocksBefore {
		t.Fatalf("%d blocks, %d before the failures, %+v", blocks, blocksBefore, db.Snapshot())
	}
	// The crash: no Close.
	db.wal.close()
	db.unlock()
	want := rebuilt(t, dir, rows)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.Snapshot()
	if st.Blocks != blocksBefore || st.Rebuilt != blocks-blocksBefore || !errors.Is(st.Err, errStaleSnapshot) {
		t.Errorf("Snapshot() = %+v; want %d blocks from it, %d rebuilt, stale", st, blocksBefore, blocks-blocksBefore)
	}
	sameAnswers(t, "after the crash", askAll(t, db, rows), want)
}
