package store

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestCheckAndRepair: Check finds each kind of damage without changing
// anything; Repair moves the damaged files aside (byte for byte, never
// deleting), keeps what could be read, and leaves a store that opens
// without damage and holds everything readable.
func TestCheckAndRepair(t *testing.T) {
	src := t.TempDir()
	blocks, wal := damageStore(t, src)
	seg := "wal/" + filepath.Base(walFiles(t, src)[0])
	blk2 := "blocks/00000002.blk"
	flip := func(rel string, off func(n int) int) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, rel)
			b, _ := os.ReadFile(p)
			b[off(len(b))] ^= 1
			os.WriteFile(p, b, 0o600)
		}
	}
	cases := []struct {
		name   string
		damage func(dir string)
		file   string // the file Check names
		kind   DamageKind
		moved  bool // the file is moved aside
		// minimum positions readable after the repair
		keep int
	}{
		{"missing block", func(d string) { os.Remove(filepath.Join(d, blk2)) }, blk2, Missing, false, 600 + len(wal)},
		{"damaged footer", flip(blk2, func(n int) int { return n - 20 }), blk2, Damaged, true, 600 + len(wal)},
		{"damaged chunk", flip(blk2, func(int) int { return 20 }), blk2, Damaged, true, 600 + len(wal) + 1},
		{"stray file", func(d string) { os.WriteFile(filepath.Join(d, "wal", "x.log"), []byte("x"), 0o600) }, "wal/x.log", Unknown, true, 900 + len(wal)},
		{"missing WAL segment", func(d string) { os.Remove(filepath.Join(d, seg)) }, seg, Missing, false, 900},
		{"half-truncated WAL", func(d string) {
			st, _ := os.Stat(filepath.Join(d, seg))
			os.Truncate(filepath.Join(d, seg), st.Size()/2)
		}, seg, Truncated, true, 901},
		{"damaged WAL record", flip(seg, func(n int) int { return n - 5 }), seg, Damaged, true, 901},
	}
	_ = blocks
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, src, dir)
			c.damage(dir)
			before, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.file)))
			rep, err := Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !slices.ContainsFunc(rep.Damage, func(d Damage) bool { return d.File == c.file && d.Kind == c.kind }) {
				t.Fatalf("Check found %v; want %s %s", rep.Damage, c.file, c.kind)
			}
			again, _ := Check(dir)
			if len(again.Damage) != len(rep.Damage) {
				t.Errorf("a second Check found %v, the first %v: Check changed the store", again.Damage, rep.Damage)
			}
			now := time.Date(2026, 12, 6, 13, 0, 0, 0, time.UTC)
			rr, err := Repair(dir, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(rr.After) != 0 {
				t.Fatalf("after Repair: %v", rr.After)
			}
			if rr.Aside != filepath.Join(dir, "damaged-20261206T130000Z") {
				t.Errorf("moved aside to %s", rr.Aside)
			}
			if c.moved {
				if !slices.Contains(rr.Moved, c.file) {
					t.Fatalf("moved %v; want %s among them", rr.Moved, c.file)
				}
				got, err := os.ReadFile(filepath.Join(rr.Aside, filepath.FromSlash(c.file)))
				if err != nil || !bytes.Equal(got, before) {
					t.Errorf("%s moved aside: %d bytes, %v; want the %d damaged bytes", c.file, len(got), err, len(before))
				}
			}
			if _, err := os.Stat(filepath.Join(rr.Aside, manifestName)); err != nil {
				t.Errorf("the old manifest was not kept: %v", err)
			}
			if rep, err := Check(dir); err != nil || !rep.OK() {
				t.Fatalf("Check after Repair: %+v, %v", rep, err)
			}
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if d := db.Damage(); len(d) != 0 {
				t.Errorf("Open after Repair: %v", d)
			}
			if n := db.Stats().Positions; n < int64(c.keep) {
				t.Errorf("%d positions after Repair; want at least %d (what was readable)", n, c.keep)
			}
		})
	}
}
