package ais_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
)

// The differential tests below generate random payloads of one message
// kind at every length where gpsd's decoder behaves differently (the bounds
// of its length checks, the lengths where optional parts start or end, and
// lengths just outside the accepted range), decode them with gpsdecode and
// with our Decoder, and compare the two JSON objects field by field in both
// presentations. Where gpsdecode prints nothing, Decode must fail.
//
// Deliberate differences from gpsdecode 3.22, excused below and nowhere
// else:
//   - scaled "turn" of types 1-3 keeps its sign (scaledTurnAllowed).

// field is a bit field of a generated payload.
type field struct {
	off, width int
	vals       []uint64 // values the generator picks from
}

// textField is six-bit text in a generated payload; chars < 0 means
// whole characters up to the end of the payload.
type textField struct {
	off, chars int
}

// diffSpec describes the random payloads of one message kind.
type diffSpec struct {
	name    string
	typ     uint64
	lengths []int // payload lengths in bits
	perLen  int   // payloads per length
	// fixed fields are always set to their first value (a type 24 part
	// number); special fields are set, one time in three, to one of their
	// values (the "not available" codes, fast turns...).
	fixed, special []field
	texts          []textField
	// mmsi returns a source MMSI; nil means any 30-bit value.
	mmsi func(r *rand.Rand) uint64
	// allow, if set, excuses documented differences, given gpsdecode's
	// unscaled object and the presentation being compared.
	allow func(sentence string, unscaled map[string]any, scaled bool) func(key string, got, want any) bool
}

// sentences generates the payloads of s as single VDM sentences. Source
// MMSIs are unique within the batch, so that gpsdecode never joins a type 24
// part B to a part A generated earlier.
func (s *diffSpec) sentences(r *rand.Rand) []string {
	var out []string
	seen := map[uint64]bool{}
	for _, n := range s.lengths {
		for range s.perLen {
			var mmsi uint64
			for {
				if s.mmsi != nil {
					mmsi = s.mmsi(r)
				} else {
					mmsi = r.Uint64N(1 << 30)
				}
				if !seen[mmsi] {
					break
				}
			}
			seen[mmsi] = true
			var w bitWriter
			w.put(s.typ, 6)
			w.random(r, 2)
			w.put(mmsi, 30)
			w.random(r, n-38)
			for _, f := range s.fixed {
				setField(&w, f.off, f.width, f.vals[0])
			}
			for _, f := range s.special {
				if r.IntN(3) == 0 {
					setField(&w, f.off, f.width, f.vals[r.IntN(len(f.vals))])
				}
			}
			for _, tf := range s.texts {
				shapeText(&w, r, tf)
			}
			out = append(out, sentenceRandomFill(&w, r))
		}
	}
	return out
}

// setField sets a field if the payload holds it whole.
func setField(w *bitWriter, off, width int, v uint64) {
	if off+width <= len(w.bits) {
		w.set(off, v&(1<<width-1), width)
	}
}

// shapeText makes random six-bit text look like real text now and then: no
// '@' at all (so that it runs to its full length), or a tail of spaces and
// '@' (which gpsd trims).
func shapeText(w *bitWriter, r *rand.Rand, tf textField) {
	count := tf.chars
	if count < 0 || tf.off+6*count > len(w.bits) {
		count = (len(w.bits) - tf.off) / 6
	}
	if count <= 0 {
		return
	}
	char := func(k int) uint64 {
		var v uint64
		for _, b := range w.bits[tf.off+6*k : tf.off+6*k+6] {
			v = v<<1 | uint64(b)
		}
		return v
	}
	switch r.IntN(3) {
	case 0:
		for k := range count {
			if char(k) == 0 {
				w.set(tf.off+6*k, 1+r.Uint64N(63), 6)
			}
		}
	case 1:
		tail := r.IntN(count + 1)
		for k := count - tail; k < count; k++ {
			v := uint64(32) // space
			if r.IntN(4) == 0 {
				v = 0 // '@'
			}
			w.set(tf.off+6*k, v, 6)
		}
	}
}

// sentenceRandomFill wraps the payload in a sentence whose fill bits are
// random rather than zero: gpsd reads them like payload bits when a field
// runs past the end, and so must we.
func sentenceRandomFill(w *bitWriter, r *rand.Rand) string {
	fill := (6 - len(w.bits)%6) % 6
	x := bitWriter{bits: slices.Clone(w.bits)}
	x.random(r, fill)
	p, _ := x.armour()
	return aistest.WithChecksum(fmt.Sprintf("!AIVDM,1,1,,A,%s,%d", p, fill))
}

// runDiff compares our decoding of the payloads of each spec with
// gpsdecode's, one subtest and one gpsdecode run per presentation for each
// spec.
func runDiff(t *testing.T, seed uint64, specs []diffSpec) {
	needGpsdecode(t)
	for i, spec := range specs {
		t.Run(spec.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			sentences := spec.sentences(r)
			unscaled := gpsdecode(t, sentences, false)
			scaled := gpsdecode(t, sentences, true)
			var d ais.Decoder
			var failures []string
			accepted := 0
			for k, s := range sentences {
				if unscaled[k] != nil {
					accepted++
				}
				for _, sc := range []bool{false, true} {
					want := unscaled[k]
					if sc {
						want = scaled[k]
					}
					var allow func(string, any, any) bool
					if spec.allow != nil && unscaled[k] != nil {
						allow = spec.allow(s, unscaled[k], sc)
					}
					if msg := compareOne(t, &d, s, sc, want, allow); msg != "" {
						failures = append(failures, fmt.Sprintf("%s scaled=%v: %s", s, sc, msg))
					}
				}
			}
			for _, f := range failures[:min(len(failures), 10)] {
				t.Error(f)
			}
			if len(failures) > 0 {
				t.Errorf("%d mismatches in %d payloads", len(failures), 2*len(sentences))
			}
			t.Logf("%d payloads, %d decoded by gpsdecode", len(sentences), accepted)
		})
	}
}

// compareOne decodes one sentence and describes how the result differs
// from gpsdecode's (want, nil if it printed nothing), or returns "".
func compareOne(t *testing.T, d *ais.Decoder, s string, scaled bool, want map[string]any, allow func(string, any, any) bool) string {
	got, err := decodeJSON(t, d, []string{s}, scaled)
	switch {
	case want == nil && err == nil:
		return "decoded, but gpsdecode printed nothing"
	case want == nil:
		if !errors.Is(err, ais.ErrTooShort) && !errors.Is(err, ais.ErrTooLong) && !errors.Is(err, ais.ErrUnsupportedType) {
			return fmt.Sprintf("unexpected error kind: %v", err)
		}
		return ""
	case want["_invalid_json"] != nil:
		return fmt.Sprintf("gpsdecode printed invalid JSON: %v", want["_invalid_json"])
	case err != nil:
		return fmt.Sprintf("error %v, but gpsdecode decoded it", err)
	}
	if dd := diff(got, want, allow); len(dd) > 0 {
		return strings.Join(dd, "; ")
	}
	return ""
}

// lengths returns the bit lengths from lo to hi inclusive.
func lengths(lo, hi int) []int {
	var l []int
	for n := lo; n <= hi; n++ {
		l = append(l, n)
	}
	return l
}

func TestCommVsGpsdecode(t *testing.T) {
	// Lengths: gpsd's range checks, and where each optional part starts
	// (gpsd reads an entry once the payload goes past its first bit) and
	// ends.
	ackLens := []int{40, 71, 72, 73, 74, 80, 101, 102, 103, 104, 105, 110, 134, 135, 136, 137, 150, 166, 167, 168, 169, 174}
	specs := []diffSpec{
		{name: "7", typ: 7, lengths: ackLens, perLen: 14},
		{name: "13", typ: 13, lengths: ackLens, perLen: 14},
		{name: "10", typ: 10, lengths: []int{40, 69, 70, 71, 72, 73, 78, 168, 1008}, perLen: 30},
		{
			name: "12", typ: 12,
			lengths: []int{40, 70, 71, 72, 73, 77, 78, 79, 84, 168, 500, 1001, 1002, 1003, 1007, 1008, 1009, 1014},
			perLen:  16,
			texts:   []textField{{72, -1}},
		},
		{
			name: "14", typ: 14,
			lengths: []int{38, 39, 40, 41, 45, 46, 47, 52, 168, 500, 1001, 1002, 1003, 1007, 1008, 1009, 1014},
			perLen:  16,
			texts:   []textField{{40, -1}},
		},
		{
			name: "15", typ: 15,
			lengths: []int{40, 86, 87, 88, 89, 90, 91, 92, 95, 96, 100, 107, 108, 109, 110, 111, 112, 120, 139, 140, 146, 157, 158, 159, 160, 161, 167, 168, 169, 174},
			perLen:  10,
		},
		{
			name: "16", typ: 16,
			lengths: []int{40, 91, 92, 95, 96, 97, 100, 121, 122, 133, 134, 142, 143, 144, 145, 150, 167, 168, 169, 174},
			perLen:  14,
		},
		{
			name: "20", typ: 20,
			lengths: []int{40, 70, 71, 72, 73, 75, 81, 82, 99, 100, 101, 102, 104, 129, 130, 131, 136, 159, 160, 161, 162, 168, 185, 186, 187, 192},
			perLen:  12,
		},
		{
			name: "22", typ: 22,
			lengths: []int{40, 139, 144, 145, 166, 167, 168, 169, 170, 174, 200, 1008},
			perLen:  30,
			special: []field{
				{off: 69, width: 18, vals: []uint64{181 * 600, 0, 1<<18 - 1}},
				{off: 87, width: 17, vals: []uint64{91 * 600, 0, 1<<17 - 1}},
				{off: 104, width: 18, vals: []uint64{181 * 600, 1 << 17}},
				{off: 122, width: 17, vals: []uint64{91 * 600, 1 << 16}},
			},
		},
		{
			name: "23", typ: 23,
			lengths: []int{40, 110, 154, 158, 159, 160, 161, 162, 166, 168, 169, 200, 1008},
			perLen:  24,
			special: []field{
				{off: 40, width: 18, vals: []uint64{181 * 600, 0, 1<<18 - 1}},
				{off: 58, width: 17, vals: []uint64{91 * 600, 0}},
				{off: 110, width: 4, vals: []uint64{0, 15}},
				{off: 114, width: 8, vals: []uint64{0, 99, 100, 255}},
			},
		},
	}
	runDiff(t, 20240601, specs)
}

// TestPositionTypesVsGpsdecode applies the same differential test to the
// position and static report types.
func TestPositionTypesVsGpsdecode(t *testing.T) {
	classA := func(name string, typ uint64) diffSpec {
		return diffSpec{
			name: name, typ: typ,
			lengths: []int{120, 148, 149, 150, 162, 163, 164, 166, 167, 168, 169, 174, 200, 1008},
			perLen:  16,
			special: []field{
				{off: 38, width: 4, vals: []uint64{15}},
				{off: 42, width: 8, vals: []uint64{0x80, 0x7F, 0x81, 0, 1, 0xFF}},
				{off: 50, width: 10, vals: []uint64{1023, 1022, 0}},
				{off: 61, width: 28, vals: []uint64{181 * 600000, 1<<28 - 180*600000}},
				{off: 89, width: 27, vals: []uint64{91 * 600000, 1<<27 - 90*600000}},
				{off: 116, width: 12, vals: []uint64{3600, 3599}},
				{off: 128, width: 9, vals: []uint64{511}},
			},
			allow: scaledOnly(scaledTurnAllowed),
		}
	}
	base := func(name string, typ uint64) diffSpec {
		return diffSpec{
			name: name, typ: typ,
			lengths: []int{100, 148, 166, 167, 168, 169, 174, 200, 1008},
			perLen:  20,
			special: []field{
				{off: 38, width: 14, vals: []uint64{0, 2024}},
				{off: 52, width: 4, vals: []uint64{0}},
				{off: 56, width: 5, vals: []uint64{0}},
				{off: 61, width: 5, vals: []uint64{24}},
				{off: 66, width: 6, vals: []uint64{60}},
				{off: 72, width: 6, vals: []uint64{60}},
				{off: 134, width: 4, vals: []uint64{0, 8, 9, 15}},
			},
		}
	}
	anyAux := func(r *rand.Rand) uint64 { return 980000000 + r.Uint64N(10000000) }
	specs := []diffSpec{
		classA("1", 1), classA("2", 2), classA("3", 3),
		base("4", 4), base("11", 11),
		{
			name: "5", typ: 5,
			lengths: []int{300, 418, 419, 420, 421, 422, 423, 424, 425, 426, 430, 500, 1008},
			perLen:  20,
			special: []field{
				{off: 232, width: 8, vals: []uint64{0, 99, 100, 255}},
				{off: 270, width: 4, vals: []uint64{8, 9}},
			},
			texts: []textField{{70, 7}, {112, 20}, {302, 20}},
		},
		{
			name: "9", typ: 9,
			lengths: []int{100, 147, 166, 167, 168, 169, 174, 200, 1008},
			perLen:  20,
			special: []field{
				{off: 38, width: 12, vals: []uint64{4095, 4094, 0}},
				{off: 50, width: 10, vals: []uint64{1023, 1022}},
			},
		},
		{
			name: "18", typ: 18,
			lengths: []int{100, 147, 166, 167, 168, 169, 174, 200, 1008},
			perLen:  20,
			special: []field{{off: 46, width: 10, vals: []uint64{1023, 1022}}},
		},
		{
			name: "19", typ: 19,
			lengths: []int{200, 305, 308, 310, 311, 312, 313, 318, 350, 1008},
			perLen:  20,
			special: []field{{off: 263, width: 8, vals: []uint64{0, 255}}},
			texts:   []textField{{143, 20}},
		},
		{
			// gpsd 3.22 overflows its 35-byte type 21 name when the name
			// and its extension reach 35 or 36 characters: the
			// terminating NUL (or the 36th character) lands in
			// "accuracy", and for 36 characters a NUL also clears the
			// low byte of "lon". We print the transmitted values (a
			// deliberate difference listed in the README), so those two
			// keys are excused exactly for such names.
			name: "21", typ: 21,
			allow:   gpsdType21Overflow,
			lengths: []int{200, 270, 271, 272, 273, 277, 278, 279, 283, 284, 300, 361, 362, 366, 367, 368, 369, 372},
			perLen:  14,
			texts:   []textField{{43, 20}, {272, -1}},
		},
		{
			name: "24A", typ: 24,
			lengths: []int{100, 158, 159, 160, 161, 162, 166, 167, 168, 169, 174},
			perLen:  14,
			fixed:   []field{{off: 38, width: 2, vals: []uint64{0}}},
			texts:   []textField{{40, 20}},
		},
		{
			name: "24A-aux", typ: 24, mmsi: anyAux,
			lengths: []int{159, 160, 168, 169},
			perLen:  10,
			fixed:   []field{{off: 38, width: 2, vals: []uint64{0}}},
		},
		{
			name: "24B", typ: 24,
			lengths: []int{100, 161, 162, 166, 167, 168, 169, 170, 174, 200, 1008},
			perLen:  14,
			fixed:   []field{{off: 38, width: 2, vals: []uint64{1}}},
			texts:   []textField{{48, 7}, {90, 7}},
		},
		{
			name: "24B-aux", typ: 24, mmsi: anyAux,
			lengths: []int{161, 162, 167, 168, 169, 174, 200},
			perLen:  20,
			fixed:   []field{{off: 38, width: 2, vals: []uint64{1}}},
		},
		{
			name: "24-part2-3", typ: 24,
			lengths: []int{160, 168, 174},
			perLen:  20,
			fixed:   []field{{off: 38, width: 1, vals: []uint64{1}}},
		},
		{
			name: "27", typ: 27,
			lengths: []int{80, 94, 95, 96, 97, 100, 160, 167, 168, 169, 174, 200},
			perLen:  20,
			special: []field{
				{off: 44, width: 18, vals: []uint64{181 * 600}},
				{off: 62, width: 17, vals: []uint64{91 * 600}},
				{off: 79, width: 6, vals: []uint64{63}},
				{off: 85, width: 9, vals: []uint64{511}},
			},
		},
	}
	runDiff(t, 20240602, specs)
}

// payloadBits builds a payload of type typ and n bits whose fields after
// the header are random, with the given fields set.
func payloadBits(r *rand.Rand, typ uint64, n int, set ...field) ([]byte, int) {
	var w bitWriter
	w.put(typ, 6)
	w.random(r, n-6)
	for _, f := range set {
		setField(&w, f.off, f.width, f.vals[0])
	}
	p, fill := w.armour()
	return []byte(p), fill
}

// TestCommEntries checks the entry counts kept next to gpsd's
// fixed-format output.
func TestCommEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		typ     uint64
		n       int
		entries int
	}{
		{7, 72, 1}, {7, 80, 1}, {7, 103, 1}, {7, 104, 2}, {7, 136, 3}, {7, 167, 3}, {7, 168, 4},
		{13, 72, 1}, {13, 168, 4},
		{15, 88, 1}, {15, 90, 1}, {15, 107, 1}, {15, 108, 2}, {15, 110, 2}, {15, 157, 2}, {15, 158, 3}, {15, 160, 3}, {15, 168, 3},
		{16, 96, 1}, {16, 143, 1}, {16, 144, 2}, {16, 168, 2},
		{20, 72, 1}, {20, 99, 1}, {20, 100, 2}, {20, 104, 2}, {20, 130, 3}, {20, 136, 3}, {20, 160, 4}, {20, 186, 4},
	}
	var d ais.Decoder
	for _, tt := range tests {
		p, fill := payloadBits(r, tt.typ, tt.n)
		m, err := d.Decode(p, fill)
		if err != nil {
			t.Errorf("type %d, %d bits: %v", tt.typ, tt.n, err)
			continue
		}
		var n, entries int
		switch m := m.(type) {
		case *ais.BinaryAck:
			n, entries = m.N, len(m.Entries())
			// Entries past the one the payload ends in are zero.
			for k := (tt.n - 40 + 31) / 32; k < len(m.Acks); k++ {
				if m.Acks[k] != (ais.Ack{}) {
					t.Errorf("type %d, %d bits: Acks[%d] = %+v, want zero", tt.typ, tt.n, k, m.Acks[k])
				}
			}
		case *ais.Interrogation:
			n, entries = m.N, len(m.Entries())
			if m.N >= 2 && m.Requests[1].MMSI != m.Requests[0].MMSI {
				t.Errorf("type 15: second request to %d, want %d", m.Requests[1].MMSI, m.Requests[0].MMSI)
			}
		case *ais.AssignedMode:
			n, entries = m.N, len(m.Entries())
			if m.N == 1 && m.Assignments[1] != (ais.Assignment{}) {
				t.Errorf("type 16, %d bits: absent assignment %+v, want zero", tt.n, m.Assignments[1])
			}
		case *ais.DataLinkManagement:
			n, entries = m.N, len(m.Entries())
		default:
			t.Fatalf("type %d decoded as %T", tt.typ, m)
		}
		if n != tt.entries || entries != tt.entries {
			t.Errorf("type %d, %d bits: N = %d, %d entries; want %d", tt.typ, tt.n, n, entries, tt.entries)
		}
	}
}

// TestChannelManagementForms checks that only the form a type 22 message
// uses is filled in, and that corners report "not available".
func TestChannelManagementForms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var d ais.Decoder

	p, fill := payloadBits(r, 22, 168,
		field{off: 139, width: 1, vals: []uint64{0}},
		field{off: 69, width: 18, vals: []uint64{181 * 600}}, // NE lon n/a
		field{off: 87, width: 17, vals: []uint64{91 * 600}},  // NE lat n/a
		field{off: 104, width: 18, vals: []uint64{1<<18 - 600}},
		field{off: 122, width: 17, vals: []uint64{1200}},
	)
	m, err := d.Decode(p, fill)
	if err != nil {
		t.Fatal(err)
	}
	cm := m.(*ais.ChannelManagement)
	area, ok := cm.Region()
	if !ok || cm.Dest != [2]uint32{} {
		t.Fatalf("broadcast: Region ok = %v, Dest = %v", ok, cm.Dest)
	}
	if _, ok := cm.Stations(); ok {
		t.Errorf("broadcast: Stations ok")
	}
	if _, ok := area.NELon.Degrees(); ok {
		t.Errorf("NELon %d available, want not", area.NELon)
	}
	if _, ok := area.NELat.Degrees(); ok {
		t.Errorf("NELat %d available, want not", area.NELat)
	}
	if lon, ok := area.SWLon.Degrees(); !ok || lon != -1 {
		t.Errorf("SWLon = %v, %v; want -1, true", lon, ok)
	}
	if lat, ok := area.SWLat.Degrees(); !ok || lat != 2 {
		t.Errorf("SWLat = %v, %v; want 2, true", lat, ok)
	}

	p, fill = payloadBits(r, 22, 168,
		field{off: 139, width: 1, vals: []uint64{1}},
		field{off: 69, width: 30, vals: []uint64{244123456}},
		field{off: 104, width: 30, vals: []uint64{211987654}},
	)
	if m, err = d.Decode(p, fill); err != nil {
		t.Fatal(err)
	}
	cm = m.(*ais.ChannelManagement)
	dest, ok := cm.Stations()
	if !ok || dest != [2]uint32{244123456, 211987654} || cm.Area != (ais.Area{}) {
		t.Errorf("addressed: Stations = %v, %v; Area = %+v", dest, ok, cm.Area)
	}
}

// TestSafetyTextJSON checks that text with quotes and backslashes is
// escaped, and that the text is read to the end of the payload.
func TestSafetyTextJSON(t *testing.T) {
	const sixbit = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
	text := `SAY "HI" \ BYE` + strings.Repeat("X", 140) // 154 characters
	var w bitWriter
	w.put(14, 6)
	w.put(0, 34)
	for _, c := range []byte(text) {
		w.put(uint64(strings.IndexByte(sixbit, c)), 6)
	}
	w.put(0b1111, 4) // not a whole character: ignored
	p, fill := w.armour()
	var d ais.Decoder
	m, err := d.Decode([]byte(p), fill)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.(*ais.BroadcastSafety).Text.String(); got != text {
		t.Errorf("Text = %q, want %q", got, text)
	}
	var v struct{ Text string }
	out := m.AppendJSON(nil, ais.JSONOptions{})
	if err := json.Unmarshal(out, &v); err != nil || v.Text != text {
		t.Errorf("JSON %s: text %q, error %v; want %q", out, v.Text, err, text)
	}
}

// TestCommDecodeAllocs proves that decoding these types, and writing their
// JSON, allocates nothing.
func TestCommDecodeAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var d ais.Decoder
	buf := make([]byte, 0, 4096)
	for _, c := range []struct {
		typ uint64
		n   int
	}{{7, 168}, {13, 72}, {10, 72}, {12, 1008}, {14, 1008}, {15, 160}, {16, 144}, {20, 160}, {22, 168}, {23, 160}} {
		p, fill := payloadBits(r, c.typ, c.n)
		for _, scaled := range []bool{false, true} {
			allocs := testing.AllocsPerRun(50, func() {
				m, err := d.Decode(p, fill)
				if err != nil {
					t.Fatal(err)
				}
				buf = m.AppendJSON(buf[:0], ais.JSONOptions{Scaled: scaled})
			})
			if allocs != 0 {
				t.Errorf("type %d: %v allocations, want 0", c.typ, allocs)
			}
		}
	}
}

// scaledOnly applies an excuse to the scaled presentation only.
func scaledOnly(f func(map[string]any) func(string, any, any) bool) func(string, map[string]any, bool) func(string, any, any) bool {
	return func(_ string, u map[string]any, scaled bool) func(string, any, any) bool {
		if !scaled {
			return nil
		}
		return f(u)
	}
}

// gpsdType21Overflow excuses "accuracy" and "lon" for type 21 reports
// whose name extension has room for 15 or more characters (362 bits or
// more): gpsd 3.22 writes the extension and its terminating NUL past its
// 35-byte name buffer, into those fields. We print the values transmitted.
func gpsdType21Overflow(sentence string, _ map[string]any, _ bool) func(string, any, any) bool {
	p, fill := payloadOf([]string{sentence})
	bits := len(p)*6 - fill
	return func(key string, _, _ any) bool {
		return (bits-272)/6 >= 15 && (key == "accuracy" || key == "lon")
	}
}
