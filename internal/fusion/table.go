package fusion

import (
	"math/bits"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// trackTable maps a shard's MMSIs to their vessels' tracks: open
// addressing with linear probing over two arrays, the MMSIs (4 bytes a
// slot, so that a probe reads one cache line of keys) and the tracks, at
// most half full. Vessels are never removed from the picture, so there
// is no deletion. Looking the vessel up is the first thing Apply does
// for every report: the map it replaces was about a tenth of the live
// pipeline goroutine's profile (issue 17), most of it probing the map's
// groups (BenchmarkTrackTable compares the two).
type trackTable struct {
	keys  []vessel.MMSI
	vals  []*track // nil: an empty slot
	n     int
	mask  uint32
	shift uint32 // 32 - log2(len(vals)): a slot is the hash's top bits
}

// home returns m's first slot. The shard of m is the top bits of
// m*0x9E3779B9 (Picture.shard), so every key of a table shares them: the
// table hashes with other constants, and mixes before taking its top
// bits.
func (t *trackTable) home(m vessel.MMSI) uint32 {
	h := uint32(m) * 0x85EBCA6B
	h ^= h >> 15
	h *= 0xC2B2AE35
	return h >> t.shift
}

func (t *trackTable) len() int { return t.n }

// get returns m's track, nil if none.
func (t *trackTable) get(m vessel.MMSI) *track {
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

// put sets m's track, replacing the one it had.
func (t *trackTable) put(m vessel.MMSI, tr *track) {
	if 2*(t.n+1) > len(t.vals) {
		t.grow()
	}
	i := t.home(m)
	for t.vals[i] != nil {
		if t.keys[i] == m {
			t.vals[i] = tr
			return
		}
		i = (i + 1) & t.mask
	}
	t.keys[i], t.vals[i] = m, tr
	t.n++
}

func (t *trackTable) grow() {
	keys, vals := t.keys, t.vals
	size := max(2*len(vals), 64)
	t.keys, t.vals, t.mask, t.n = make([]vessel.MMSI, size), make([]*track, size), uint32(size-1), 0
	t.shift = 32 - uint32(bits.TrailingZeros(uint(size)))
	for i, v := range vals {
		if v != nil {
			t.put(keys[i], v)
		}
	}
}

// all calls f for every vessel, in no particular order.
func (t *trackTable) all(f func(m vessel.MMSI, tr *track)) {
	for i, v := range t.vals {
		if v != nil {
			f(t.keys[i], v)
		}
	}
}
