package store

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestWALTornCommitRecord: the last batch of the WAL (positions, a static
// report, provenance and its commit record) cut at every byte of its end
// (the commit record and the record before it) and at a sample of bytes
// before, and with its commit record whole but failing its
// checksum, or counting the wrong number of records. A writer's Open
// keeps the two batches before it whole and nothing of it (a torn tail,
// truncated, no damage) until its commit record is whole and valid; a
// wrong count is damage, not a crash.
func TestWALTornCommitRecord(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "suez_evergiven_20210320_24.csv.gz"))[:300]
	m0 := rows[0].MMSI
	clock := time.Date(2021, 3, 24, 0, 0, 0, 0, time.UTC)
	fsys := record.NewMemFS()
	db, err := Open(storeCrashDir, storeCrashOptions(fsys, &clock))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64 // the WAL's size after each batch
	for k, name := range []string{"FIRST", "SECOND", "THIRD"} {
		var b Batch
		for i := k * 100; i < (k+1)*100; i++ {
			b.AddPosition(&rows[i])
		}
		b.AddStatic(&vessel.Static{MMSI: m0, Time: rows[k*100].Time, Has: vessel.HasName, Name: name, Source: "rx-static"})
		b.AddProvenance(rows[k*100+5].MMSI, rows[k*100+5].Time, fmt.Sprintf("rx-dup-%d", k))
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, db.wal.size)
	}
	path := db.wal.path
	synced := fsys.CrashClone(nil) // the three commits, no Close
	db.Close()
	last := rows[299].Time
	commitLen := int64(recHdrLen + 1)

	type want struct {
		positions int64
		name      string
		torn      bool // a torn tail repaired
		damaged   bool
	}
	check := func(what string, fsys *record.MemFS, w want) {
		t.Helper()
		db, err := Open(storeCrashDir, storeCrashOptions(fsys, &clock))
		if err != nil {
			t.Fatalf("%s: open: %v", what, err)
		}
		defer db.Close()
		st := db.Stats()
		s, _, _ := db.Static(m0, last)
		prov, _ := db.Provenance(rows[205].MMSI, rows[205].Time)
		torn := strings.Contains(strings.Join(db.Recovery(), "\n"), "repaired torn WAL tail")
		damaged := len(db.Damage()) > 0
		third := st.Positions == 300 && s.Name == "THIRD" && len(prov) == 2
		none := st.Positions == 200 && s.Name == "SECOND" && len(prov) == 0
		if (w.positions == 300 && !third) || (w.positions == 200 && !none) || torn != w.torn || damaged != w.damaged {
			t.Errorf("%s: %d positions, static name %q, provenance %q, torn tail repaired %t, damage %v; want %d positions of whole batches, torn %t, damaged %t",
				what, st.Positions, s.Name, prov, torn, db.Damage(), w.positions, w.torn, w.damaged)
		}
	}
	for cut := sizes[1] + 1; cut <= sizes[2]; cut++ {
		if cut < sizes[2]-4*commitLen && (cut-sizes[1])%61 != 1 {
			continue // every byte near the commit record, a sample before
		}
		c := synced.CrashClone(nil)
		if err := c.Truncate(path, cut); err != nil {
			t.Fatal(err)
		}
		w := want{positions: 200, torn: true}
		if cut == sizes[2] {
			w = want{positions: 300}
		}
		where := "records of the third batch only"
		if cut > sizes[2]-commitLen {
			where = "commit record torn"
		}
		check(fmt.Sprintf("WAL cut at %d of %d (%s)", cut, sizes[2], where), c, w)
	}
	// The commit record whole, its checksum wrong: a torn tail too.
	c := synced.CrashClone(nil)
	patchByte(t, c, path, sizes[2]-1, func(b byte) byte { return b ^ 0x01 })
	check("commit record failing its checksum", c, want{positions: 200, torn: true})
	// A valid commit record that counts one record too many: damage,
	// the batch's records are not replayed.
	c = synced.CrashClone(nil)
	f, err := c.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec := record.Append(nil, recCommit, []byte{9}) // the batch has 4: a new source, positions, statics, provenance
	if _, err := f.WriteAt(rec, sizes[2]-commitLen); err != nil {
		t.Fatal(err)
	}
	f.Sync()
	f.Close()
	check("commit record counting 9 of 4 records", c, want{positions: 200, damaged: true})
}

// patchByte changes the byte at off of a file of fsys, durably.
func patchByte(t *testing.T, fsys *record.MemFS, path string, off int64, fn func(byte) byte) {
	t.Helper()
	f, err := fsys.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] = fn(b[0])
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}
