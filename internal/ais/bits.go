package ais

import "encoding/binary"

// MaxPayloadChars is the longest armoured payload (all fragments together)
// the decoder accepts. ITU-R M.1371 messages are at most 1008 bits (168
// characters); real feeds carry some longer, malformed ones, which are
// decoded from their first bits like gpsd does, up to this bound.
const MaxPayloadChars = 512

const bufBytes = MaxPayloadChars*6/8 + 16 // 16 bytes of zero padding for over-reads

// armour maps an armoured payload character to its six-bit value, or 0xFF
// for characters outside the AIS armour alphabet (0x30-0x57, 0x60-0x77).
var armour = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := 0x30; c <= 0x57; c++ {
		t[c] = byte(c - 0x30)
	}
	for c := 0x60; c <= 0x77; c++ {
		t[c] = byte(c - 0x38)
	}
	return t
}()

// sixbitASCII maps a six-bit character code to ASCII (ITU-R M.1371 table 47).
const sixbitASCII = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"

// bitbuf holds a de-armoured payload, most significant bit first. Bits past
// the end read as zero, so field reads never fail; length checks are done
// per message type, as the standard (and gpsd) define them.
type bitbuf struct {
	n    int // valid bits (armoured bits minus fill bits)
	used int // bytes the previous load wrote
	b    [bufBytes]byte
}

// load de-armours payload into the buffer. It returns the index of the first
// character outside the armour alphabet, or -1.
func (bb *bitbuf) load(payload []byte, fill int) int {
	nbytes := (len(payload)*6 + 7) / 8
	// Zero what this payload or the previous one covered, plus the padding
	// that over-reads see: every bit past the payload then reads as zero
	// (the application layouts, like gpsd, read past short messages).
	clear(bb.b[:min(max(nbytes, bb.used)+16, len(bb.b))])
	bb.used = nbytes
	var acc uint32
	j := 0
	i := 0
	for ; i+4 <= len(payload); i += 4 {
		a, b, c, d := armour[payload[i]], armour[payload[i+1]], armour[payload[i+2]], armour[payload[i+3]]
		if (a|b|c|d)&0xC0 != 0 { // 0xFF marks a character outside the alphabet
			for k := i; k < i+4; k++ {
				if armour[payload[k]] == 0xFF {
					return k
				}
			}
		}
		acc = uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		bb.b[j] = byte(acc >> 16)
		bb.b[j+1] = byte(acc >> 8)
		bb.b[j+2] = byte(acc)
		j += 3
	}
	// Tail of 1-3 characters.
	acc = 0
	shift := 18
	for ; i < len(payload); i++ {
		v := armour[payload[i]]
		if v == 0xFF {
			return i
		}
		acc |= uint32(v) << shift
		shift -= 6
	}
	if shift != 18 {
		bb.b[j] = byte(acc >> 16)
		bb.b[j+1] = byte(acc >> 8)
		bb.b[j+2] = byte(acc)
	}
	bb.n = len(payload)*6 - fill
	return -1
}

// u returns width (1..57) bits at bit offset start as an unsigned integer.
// Bits past the loaded payload read as zero (or as the fill bits the sender
// put there, like gpsd).
func (bb *bitbuf) u(start, width int) uint64 {
	i := start >> 3
	if i+8 > len(bb.b) || start < 0 {
		return 0
	}
	w := binary.BigEndian.Uint64(bb.b[i:])
	return (w << uint(start&7)) >> uint(64-width)
}

// s returns width bits at start as a two's complement signed integer.
func (bb *bitbuf) s(start, width int) int64 {
	return int64(bb.u(start, width)<<uint(64-width)) >> uint(64-width)
}

// bit returns the single bit at start as a bool.
func (bb *bitbuf) bit(start int) bool { return bb.u(start, 1) != 0 }

// text decodes count six-bit characters at start the way gpsd does: the text
// ends at the first '@', and trailing spaces are trimmed.
func (bb *bitbuf) text(t *Text, start, count int) {
	bb.textUntrimmed(t, start, count)
	t.trim()
}

// textUntrimmed decodes up to count six-bit characters, stopping at '@'.
func (bb *bitbuf) textUntrimmed(t *Text, start, count int) {
	t.n = 0
	bb.appendText(t, start, count)
}

// appendText appends up to count six-bit characters to t, stopping at '@'.
func (bb *bitbuf) appendText(t *Text, start, count int) {
	count = min(count, len(t.b)-int(t.n))
	n := int(t.n)
	for k := 0; k < count; k++ {
		c := sixbitASCII[bb.u(start+6*k, 6)]
		if c == '@' {
			break
		}
		t.b[n] = c
		n++
	}
	t.n = uint8(n)
}

// binary copies nbits bits starting at bit offset start into d, left
// aligned, with the bits past nbits in the last byte left as transmitted
// (gpsd prints them so).
func (bb *bitbuf) binary(d *Binary, start, nbits int) {
	if nbits < 0 {
		nbits = 0
	}
	nbits = min(nbits, len(d.b)*8)
	d.n = uint16(nbits)
	nb := (nbits + 7) / 8
	if start&7 == 0 {
		copy(d.b[:nb], bb.b[start>>3:])
		return
	}
	for k := 0; k < nb; k++ {
		d.b[k] = byte(bb.u(start+8*k, 8))
	}
}
