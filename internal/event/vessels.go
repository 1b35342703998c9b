package event

import (
	"math/bits"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// vesselTable maps MMSIs to the engine's vessels: open addressing with
// linear probing over two arrays, the MMSIs (4 bytes a slot, so a probe
// reads one cache line of keys) and the tracks, at most half full, with
// deletion by shifting back (no tombstones). Looking a vessel up is
// the first thing done for every position: the map it replaces was 7%
// of the live detection's profile, and BenchmarkVesselTable (the real
// NOAA day's 10,631 MMSIs in the order of its positions) finds the table
// several times faster than a map.
type vesselTable struct {
	keys  []vessel.MMSI
	vals  []*track // nil: an empty slot
	n     int
	mask  uint32
	shift uint32 // 32 - log2(len(vals)): a slot is the hash's top bits
}

// home returns m's first slot: the top bits of a multiplicative hash
// (the low bits of the product depend only on the low bits of m).
func (t *vesselTable) home(m vessel.MMSI) uint32 { return uint32(m) * 0x9E3779B1 >> t.shift }

func (t *vesselTable) len() int { return t.n }

// get returns m's track, nil if none.
func (t *vesselTable) get(m vessel.MMSI) *track {
	if t.n == 0 {
		return nil
	}
	for i := t.home(m); ; i = (i + 1) & t.mask {
		v := t.vals[i]
		if v == nil {
			return nil
		}
		if t.keys[i] == m {
			return v
		}
	}
}

// put adds m's track; m must not be in the table.
func (t *vesselTable) put(m vessel.MMSI, tr *track) {
	if 2*(t.n+1) > len(t.vals) {
		t.grow()
	}
	i := t.home(m)
	for t.vals[i] != nil {
		i = (i + 1) & t.mask
	}
	t.keys[i], t.vals[i] = m, tr
	t.n++
}

func (t *vesselTable) grow() {
	keys, vals := t.keys, t.vals
	size := max(2*len(vals), 1024)
	t.keys, t.vals, t.mask, t.n = make([]vessel.MMSI, size), make([]*track, size), uint32(size-1), 0
	t.shift = 32 - uint32(bits.TrailingZeros(uint(size)))
	for i, v := range vals {
		if v != nil {
			t.put(keys[i], v)
		}
	}
}

// del removes m, if there; the slots after it that probed past its slot
// move back, so that every key stays reachable from its home slot.
func (t *vesselTable) del(m vessel.MMSI) {
	if t.n == 0 {
		return
	}
	i := t.home(m)
	for t.keys[i] != m || t.vals[i] == nil {
		if t.vals[i] == nil {
			return
		}
		i = (i + 1) & t.mask
	}
	t.vals[i] = nil
	t.n--
	for j := (i + 1) & t.mask; t.vals[j] != nil; j = (j + 1) & t.mask {
		home := t.home(t.keys[j])
		// the key at j stays if its home is cyclically in (i, j]
		if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
			continue
		}
		t.keys[i], t.vals[i], t.vals[j] = t.keys[j], t.vals[j], nil
		i = j
	}
}

// all calls f for every vessel, in no particular order.
func (t *vesselTable) all(f func(*track)) {
	for _, v := range t.vals {
		if v != nil {
			f(v)
		}
	}
}
