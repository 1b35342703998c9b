package store

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// damageStore writes three blocks and a WAL segment of real positions and
// leaves the store as a crash would (no Close), so that the WAL stays.
// It returns the rows per block and in the WAL.
func damageStore(t *testing.T, dir string) (blocks [3][]vessel.Position, wal []vessel.Position) {
	t.Helper()
	rows := readTrackRows(t, trackFile(t, "dma_stream_20100611_from_nmea.csv.gz"))[:1200]
	db, err := Open(dir, Options{ManifestEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		blocks[i] = rows[i*300 : (i+1)*300]
		writeAll(t, db, blocks[i], 100)
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	wal = rows[900:]
	writeAll(t, db, wal[:150], 50)
	writeAll(t, db, wal[150:], 50) // the last commit records the segment's size in the manifest
	db.wal.close()
	db.unlock()
	return blocks, wal
}

func vesselsOf(rows []vessel.Position) []vessel.MMSI {
	var out []vessel.MMSI
	for _, r := range rows {
		out = append(out, r.MMSI)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func timeSpan(rows []vessel.Position) (lo, hi vessel.Time) {
	lo, hi = math.MaxInt64, math.MinInt64
	for _, r := range rows {
		lo, hi = min(lo, r.Time), max(hi, r.Time)
	}
	return lo, hi
}

func onlyDamage(t *testing.T, db *DB) Damage {
	t.Helper()
	d := db.Damage()
	if len(d) != 1 {
		t.Fatalf("Damage() = %v; want one entry", d)
	}
	return d[0]
}

// TestDamageReported: each kind of damage lets the store open with the
// rest, names the file and what it held, and keeps the other data.
func TestDamageReported(t *testing.T) {
	src := t.TempDir()
	blocks, wal := damageStore(t, src)
	all := append(append(append(slices.Clone(blocks[0]), blocks[1]...), blocks[2]...), wal...)
	blk2 := "blocks/00000002.blk"
	seg := walFiles(t, src)[0]
	segRel := "wal/" + filepath.Base(seg)
	without := func(skip []vessel.Position) map[vessel.MMSI][]vessel.Position {
		var keep []vessel.Position
		for _, r := range all {
			if !slices.ContainsFunc(skip, func(s vessel.Position) bool { return s == r }) {
				keep = append(keep, r)
			}
		}
		return wantTracks(keep)
	}
	open := func(t *testing.T, damage func(dir string)) (*DB, string) {
		dir := t.TempDir()
		copyDir(t, src, dir)
		damage(dir)
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("Open of a damaged store: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db, dir
	}
	checkHeld := func(t *testing.T, d Damage, rows []vessel.Position) {
		t.Helper()
		lo, hi := timeSpan(rows)
		if !slices.Equal(d.Vessels, vesselsOf(rows)) || d.Positions != uint64(len(rows)) || d.From != lo || d.To != hi || !d.Lost {
			t.Errorf("damage %s: held %d positions of %d vessels %v-%v; want %d of %d, %v-%v", d.File, d.Positions, len(d.Vessels), d.From, d.To,
				len(rows), len(vesselsOf(rows)), lo, hi)
		}
	}

	t.Run("missing block", func(t *testing.T) {
		db, _ := open(t, func(dir string) { os.Remove(filepath.Join(dir, blk2)) })
		d := onlyDamage(t, db)
		if d.File != blk2 || d.Kind != Missing {
			t.Fatalf("damage %+v", d)
		}
		checkHeld(t, d, blocks[1])
		if !strings.Contains(d.String(), "blocks/00000002.blk is missing: it held 300 positions of") {
			t.Errorf("String() = %q", d.String())
		}
		checkTracks(t, db, without(blocks[1]))
	})
	t.Run("damaged block footer", func(t *testing.T) {
		db, _ := open(t, func(dir string) {
			p := filepath.Join(dir, blk2)
			b, _ := os.ReadFile(p)
			b[len(b)-20] ^= 1
			os.WriteFile(p, b, 0o600)
		})
		d := onlyDamage(t, db)
		var fe *FileError
		if d.File != blk2 || d.Kind != Damaged || !errors.Is(d.Err, ErrCorrupt) || !errors.As(d.Err, &fe) {
			t.Fatalf("damage %+v", d)
		}
		checkHeld(t, d, blocks[1])
		checkTracks(t, db, without(blocks[1]))
	})
	t.Run("damaged chunk", func(t *testing.T) {
		db, _ := open(t, func(dir string) {
			p := filepath.Join(dir, blk2)
			b, _ := os.ReadFile(p)
			b[20] ^= 1 // inside the first chunk
			os.WriteFile(p, b, 0o600)
		})
		if d := db.Damage(); len(d) != 0 {
			t.Fatalf("damage before reading the chunk: %v", d)
		}
		// Every query works; the damaged chunk is left out and named.
		b := db.blocks[1]
		bad := b.index[0]
		var lost []vessel.Position
		for _, r := range blocks[1] {
			if r.MMSI == bad.mmsi {
				lost = append(lost, r)
			}
		}
		if _, err := db.At(vessel.Time(math.MaxInt64/2), math.MaxInt64/2, true); err != nil {
			t.Fatal(err)
		}
		// At over whole blocks answers from the snapshot's summaries,
		// written while the block was whole; the track reads the chunk.
		if tr, err := db.Track(bad.mmsi, math.MinInt64/2, math.MaxInt64/2, true); err != nil || len(tr) != len(without(lost)[bad.mmsi]) {
			t.Fatalf("track of %v: %d positions, %v; want %d", bad.mmsi, len(tr), err, len(without(lost)[bad.mmsi]))
		}
		checkTracks(t, db, without(lost))
		d := onlyDamage(t, db)
		if d.File != blk2 || d.Kind != Damaged || !errors.Is(d.Err, ErrCorrupt) || !slices.Equal(d.Vessels, []vessel.MMSI{bad.mmsi}) || d.Positions != uint64(bad.count) {
			t.Fatalf("damage %+v", d)
		}
		if st, err := db.Compact(CompactOptions{}); err != nil || st.BlocksIn != 2 {
			t.Errorf("compaction beside a damaged block: %+v, %v; want the two others merged", st, err)
		}
	})
	t.Run("stray file", func(t *testing.T) {
		db, _ := open(t, func(dir string) {
			os.WriteFile(filepath.Join(dir, "blocks", "notes.txt"), []byte("hello"), 0o600)
		})
		d := onlyDamage(t, db)
		if d.File != "blocks/notes.txt" || d.Kind != Unknown || d.Lost {
			t.Fatalf("damage %+v", d)
		}
		checkTracks(t, db, wantTracks(all))
	})
	t.Run("missing WAL segment", func(t *testing.T) {
		db, _ := open(t, func(dir string) { os.Remove(filepath.Join(dir, segRel)) })
		d := onlyDamage(t, db)
		if d.File != segRel || d.Kind != Missing || !d.Lost || d.From == 0 {
			t.Fatalf("damage %+v", d)
		}
		checkTracks(t, db, without(wal))
	})
	t.Run("half-truncated WAL", func(t *testing.T) {
		var cut int64
		db, _ := open(t, func(dir string) {
			p := filepath.Join(dir, segRel)
			st, _ := os.Stat(p)
			cut = st.Size() / 2
			os.Truncate(p, cut)
		})
		d := onlyDamage(t, db)
		if d.File != segRel || d.Kind != Truncated || !d.Lost || d.From == 0 {
			t.Fatalf("damage %+v", d)
		}
		if strings.Contains(strings.Join(db.Recovery(), "\n"), "unacknowledged") {
			t.Errorf("a truncation reported as an unacknowledged write: %q", db.Recovery())
		}
		// What the first half held is there; the From of the damage is
		// the time of its last readable position.
		got := int(db.Stats().Positions) - 900
		if got <= 0 || got >= len(wal) {
			t.Fatalf("%d WAL positions read from half the segment", got)
		}
		_, last := timeSpan(wal[:got])
		if d.From != last {
			t.Errorf("data lost after %v; the last readable position is at %v", d.From, last)
		}
	})
	t.Run("damaged WAL record", func(t *testing.T) {
		db, _ := open(t, func(dir string) {
			p := filepath.Join(dir, segRel)
			b, _ := os.ReadFile(p)
			b[walHdrLen+recHdrLen+5] ^= 0xff // inside the first of four records
			os.WriteFile(p, b, 0o600)
		})
		d := onlyDamage(t, db)
		var fe *FileError
		if d.File != segRel || d.Kind != Damaged || !errors.Is(d.Err, ErrCorrupt) || !errors.As(d.Err, &fe) || fe.Offset != walHdrLen {
			t.Fatalf("damage %+v", d)
		}
		checkTracks(t, db, without(wal))
	})
}

// TestManifestBehindOrDamaged: a manifest older than the files (a crash
// between writing a block and the manifest) is no damage: unlisted blocks
// that read correctly are taken in. A damaged manifest is reported and
// rebuilt; the data is intact either way, and the next open is clean.
func TestManifestBehindOrDamaged(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "dma_stream_20100611_from_nmea.csv.gz"))[:900]
	for _, c := range []struct {
		name    string
		mangle  func(dir string, old []byte)
		damaged bool
	}{
		{"behind", func(dir string, old []byte) { os.WriteFile(filepath.Join(dir, manifestName), old, 0o600) }, false},
		{"damaged", func(dir string, old []byte) {
			b, _ := os.ReadFile(filepath.Join(dir, manifestName))
			b[len(b)-1] ^= 1
			os.WriteFile(filepath.Join(dir, manifestName), b, 0o600)
		}, true},
		{"leftover temporary", func(dir string, old []byte) {
			os.WriteFile(filepath.Join(dir, manifestName+".tmp"), old[:len(old)/2], 0o600)
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			old, _ := os.ReadFile(filepath.Join(dir, manifestName))
			for i := range 3 {
				writeAll(t, db, rows[i*300:(i+1)*300], 100)
				if err := db.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Compact(CompactOptions{}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			c.mangle(dir, old)
			db, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := db.Damage()
			if c.damaged != (len(d) == 1 && d[0].File == manifestName && d[0].Kind == Damaged) || !c.damaged && len(d) != 0 {
				t.Errorf("damage %v", d)
			}
			checkTracks(t, db, wantTracks(rows))
			db.Close()
			db, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if d := db.Damage(); len(d) != 0 {
				t.Errorf("second open: damage %v", d)
			}
			if _, err := os.Stat(filepath.Join(dir, manifestName+".tmp")); err == nil {
				t.Error("temporary manifest left")
			}
		})
	}
}
