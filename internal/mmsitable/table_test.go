package mmsitable

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

type track struct{ mmsi vessel.MMSI }

// noaaMMSIs returns the MMSIs of the real NOAA day's positions, in the
// order of its rows (10,631 distinct).
func noaaMMSIs(tb testing.TB) []vessel.MMSI {
	var ms []vessel.MMSI
	for _, r := range aistest.ReadTracks(tb, aistest.TrackPath(tb, "noaa_us_coast_20220103.csv.gz")) {
		ms = append(ms, vessel.MMSI(r.MMSI))
	}
	return ms
}

// check compares tab with want: the count, and All lists every key once
// with its value.
func check(t *testing.T, tab *Table[vessel.MMSI, track], want map[vessel.MMSI]*track) {
	t.Helper()
	if tab.Len() != len(want) {
		t.Fatalf("Len %d; want %d", tab.Len(), len(want))
	}
	seen := map[vessel.MMSI]bool{}
	for m, tr := range tab.All() {
		if want[m] != tr || seen[m] {
			t.Fatalf("All lists %d (%p) once more or not held", m, tr)
		}
		seen[m] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("All listed %d keys; want %d", len(seen), len(want))
	}
}

// longestProbe returns the most slots any key of tab lies past its home.
func longestProbe(tab *Table[vessel.MMSI, track]) int {
	longest := 0
	for m := range tab.All() {
		probe := 0
		for j := tab.home(m); tab.keys[j] != m || tab.vals[j] == nil; j = (j + 1) & tab.mask {
			probe++
		}
		longest = max(longest, probe)
	}
	return longest
}

// TestTable: the table agrees with a map through a random mix of
// additions, replacements, lookups and deletions (MMSIs from a small
// range, so that probe runs collide and wrap round the table, and
// deletions shift keys back), and lists exactly the keys it holds.
func TestTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var tab Table[vessel.MMSI, track]
	want := map[vessel.MMSI]*track{}
	for i := range 400000 {
		m := vessel.MMSI(rng.IntN(5000))
		if i%3 == 0 {
			m = vessel.MMSI(200000000 + rng.IntN(3000)*1024) // same low bits: long probe runs
		}
		switch got := tab.Get(m); {
		case got != want[m]:
			t.Fatalf("step %d: Get(%d) = %p; want %p", i, m, got, want[m])
		case rng.IntN(8) == 0:
			tr := &track{mmsi: m} // added, or replacing the value held
			tab.Put(m, tr)
			want[m] = tr
		case got == nil && rng.IntN(4) != 0:
			tr := &track{mmsi: m}
			tab.Put(m, tr)
			want[m] = tr
		case got != nil && rng.IntN(2) == 0:
			if rng.IntN(2) == 0 {
				tab.Delete(m)
			} else {
				tab.Put(m, nil)
			}
			delete(want, m)
		}
		if tab.Len() != len(want) {
			t.Fatalf("step %d: Len %d; want %d", i, tab.Len(), len(want))
		}
	}
	check(t, &tab, want)
	tab.Delete(123456789) // not there: nothing happens
	check(t, &tab, want)
	n := 0
	for range tab.All() {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("All went on after its loop ended (%d)", n)
	}
	var empty Table[vessel.MMSI, track]
	empty.Delete(1)
	empty.Put(2, nil)
	if empty.Get(1) != nil || empty.Len() != 0 {
		t.Fatal("an empty table holds something")
	}
}

// TestTableSharedBits: keys alike in the bits a caller shards by (the
// top 6 bits of MMSI*0x9E3779B9, as fusion.Picture routes vessels), the
// real NOAA day's and random ones, still spread over the table: every
// lookup agrees with a map and no key lies far from its home slot.
func TestTableSharedBits(t *testing.T) {
	shard := func(m vessel.MMSI) uint32 { return uint32(m) * 0x9E3779B9 >> (32 - 6) }
	var tab Table[vessel.MMSI, track]
	want := map[vessel.MMSI]*track{}
	add := func(m vessel.MMSI) {
		if shard(m) != 0 {
			return
		}
		if got := tab.Get(m); got != want[m] {
			t.Fatalf("Get(%d) = %p; want %p", m, got, want[m])
		} else if got == nil {
			tr := &track{mmsi: m}
			tab.Put(m, tr)
			want[m] = tr
		}
	}
	for _, m := range noaaMMSIs(t) {
		add(m)
	}
	rng := rand.New(rand.NewPCG(17, 17))
	for i := range 2_000_000 {
		m := vessel.MMSI(rng.IntN(1_000_000_000))
		if i%3 == 0 {
			m = vessel.MMSI(200000000 + rng.IntN(60000)*1024)
		}
		add(m)
	}
	check(t, &tab, want)
	longest := longestProbe(&tab)
	if longest > 64 {
		t.Errorf("longest probe %d slots: the hash does not spread keys that share a shard", longest)
	}
	t.Logf("%d keys of one shard, longest probe %d", tab.Len(), longest)
}

// BenchmarkTable looks up the real NOAA day's MMSIs in the order of its
// positions, in the table and in a Go map.
func BenchmarkTable(b *testing.B) {
	ms := noaaMMSIs(b)
	b.Run("table", func(b *testing.B) {
		var tab Table[vessel.MMSI, track]
		for _, m := range ms {
			if tab.Get(m) == nil {
				tab.Put(m, &track{mmsi: m})
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if tab.Get(m).mmsi == m {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
	b.Run("map", func(b *testing.B) {
		tab := map[vessel.MMSI]*track{}
		for _, m := range ms {
			if tab[m] == nil {
				tab[m] = &track{mmsi: m}
			}
		}
		n := 0
		for b.Loop() {
			for _, m := range ms {
				if tab[m].mmsi == m {
					n++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/lookup")
	})
}

// TestRestore: a table whose fields are set from outside (as a decoded
// state sets them) is kept as it is when its keys are where the hash puts
// them, rebuilt when another hash placed them (the engine states of
// earlier builds), and refused, unchanged, when it is not whole.
func TestRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	want := map[vessel.MMSI]*track{}
	for len(want) < 300 {
		m := vessel.MMSI(200000000 + rng.IntN(800000000))
		want[m] = &track{mmsi: m}
	}
	// Placed by this build: left exactly as it is.
	var tab Table[vessel.MMSI, track]
	for m, tr := range want {
		tab.Put(m, tr)
	}
	keys := slices.Clone(tab.keys)
	vals := slices.Clone(tab.vals)
	if err := tab.Restore(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.keys, keys) || !slices.Equal(tab.vals, vals) {
		t.Fatal("Restore moved the keys of a table this build placed")
	}
	// Placed by another hash (a plain multiplicative one, 1024 slots, as
	// the event engine's table of earlier builds): rebuilt.
	other := func() *Table[vessel.MMSI, track] {
		o := &Table[vessel.MMSI, track]{keys: make([]vessel.MMSI, 1024), vals: make([]*track, 1024), n: len(want), mask: 1023, shift: 22}
		for m, tr := range want {
			i := uint32(m) * 0x9E3779B1 >> 22
			for o.vals[i] != nil {
				i = (i + 1) & 1023
			}
			o.keys[i], o.vals[i] = m, tr
		}
		return o
	}
	o := other()
	misplaced := 0
	for m, tr := range want {
		if o.Get(m) != tr {
			misplaced++
		}
	}
	if misplaced == 0 {
		t.Fatal("the other hash placed every key where this one does: the case tests nothing")
	}
	if err := o.Restore(); err != nil {
		t.Fatal(err)
	}
	for m, tr := range want {
		if o.Get(m) != tr {
			t.Fatalf("after Restore, Get(%d) = %p; want %p", m, o.Get(m), tr)
		}
	}
	check(t, o, want)
	// Not whole: refused, unchanged.
	var k0 vessel.MMSI
	for m := range want {
		k0 = m
		break
	}
	for _, c := range []struct {
		name   string
		damage func(*Table[vessel.MMSI, track])
	}{
		{"fewer keys than slots", func(o *Table[vessel.MMSI, track]) { o.keys = o.keys[:512] }},
		{"size not a power of two", func(o *Table[vessel.MMSI, track]) { o.keys, o.vals = o.keys[:1000], o.vals[:1000] }},
		{"mask", func(o *Table[vessel.MMSI, track]) { o.mask = 511 }},
		{"shift", func(o *Table[vessel.MMSI, track]) { o.shift = 40 }},
		{"count", func(o *Table[vessel.MMSI, track]) { o.n++ }},
		{"a key twice", func(o *Table[vessel.MMSI, track]) {
			for i, v := range o.vals {
				if v != nil && o.keys[i] != k0 {
					o.keys[i] = k0
					return
				}
			}
		}},
		{"more than half full", func(o *Table[vessel.MMSI, track]) {
			for i := range o.vals {
				if o.vals[i] == nil && o.n < 600 {
					o.keys[i], o.vals[i] = vessel.MMSI(i), &track{mmsi: vessel.MMSI(i)}
					o.n++
				}
			}
		}},
		{"no slots, a count", func(o *Table[vessel.MMSI, track]) { o.keys, o.vals = nil, nil }},
	} {
		o := other()
		c.damage(o)
		before := *o
		if err := o.Restore(); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: Restore = %v; want ErrDamaged", c.name, err)
		}
		if !slices.Equal(o.keys, before.keys) || !slices.Equal(o.vals, before.vals) || o.n != before.n {
			t.Errorf("%s: Restore changed a damaged table", c.name)
		}
	}
	var empty Table[vessel.MMSI, track]
	if err := empty.Restore(); err != nil || empty.Len() != 0 {
		t.Fatalf("empty table: %v, %d keys", err, empty.Len())
	}
}
