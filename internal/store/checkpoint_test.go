package store

import (
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestCheckpointReplace: a checkpoint holds the store's data (the head
// too) and applied mark; Replace installs it in place of another store,
// whose files go aside, and a second Replace after it changes nothing.
func TestCheckpointReplace(t *testing.T) {
	root := t.TempDir()
	src, err := Open(filepath.Join(root, "src"), Options{HeadPoints: 500})
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for k := range 2000 {
		p := crashPosition(k)
		b.AddPosition(&p)
		if k%100 == 99 {
			b.AddStatic(&vessel.Static{MMSI: p.MMSI, Time: p.Time, Has: vessel.HasName, Name: "N", Source: "rx"})
			b.AddProvenance(p.MMSI, p.Time, "rx-other")
			b.SetApplied(uint64(k / 100))
			if err := src.Write(&b); err != nil {
				t.Fatal(err)
			}
			b.Reset()
		}
	}
	if err := src.Commit(); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(root, "cp")
	if err := src.Checkpoint(cp); err != nil {
		t.Fatal(err)
	}
	if err := src.Checkpoint(cp); err == nil {
		t.Error("a checkpoint into an existing directory")
	}
	tracks := func(db *DB) map[vessel.MMSI][]vessel.Position {
		out := map[vessel.MMSI][]vessel.Position{}
		for k := range 37 {
			m := crashPosition(k).MMSI
			tr, err := db.Track(m, math.MinInt64/2, math.MaxInt64/2, true)
			if err != nil {
				t.Fatal(err)
			}
			out[m] = tr
		}
		return out
	}
	want, wantSt := tracks(src), src.Stats()
	// Another store, with other data, to be replaced.
	dst := filepath.Join(root, "node")
	other, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := crashPosition(99999)
	b.AddPosition(&p)
	b.SetApplied(3)
	if err := other.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(root, "aside")
	for range 2 {
		if err := Replace(dst, cp, aside); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if d := got.Damage(); len(d) != 0 {
		t.Errorf("damage after Replace: %v", d)
	}
	if got.Applied() != 19 || got.Stats().Positions != wantSt.Positions || got.Stats().Statics != wantSt.Statics {
		t.Errorf("replaced store: mark %d, %+v; want 19, %+v", got.Applied(), got.Stats(), wantSt)
	}
	if g := tracks(got); !reflect.DeepEqual(g, want) {
		t.Error("the replaced store's tracks differ from the checkpointed store's")
	}
	old, err := Open(aside, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if old.Applied() != 3 || old.Stats().Positions != 1 {
		t.Errorf("the store put aside: mark %d, %d positions; want 3, 1", old.Applied(), old.Stats().Positions)
	}
	old.Close()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
}
