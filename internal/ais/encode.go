package ais

import (
	"errors"
	"strconv"
	"time"
)

// Encoding: the inverse of Decode for the messages a vessel transmits most,
// used by the traffic simulator and by tests. AppendPayload writes the
// armoured payload of a message; AppendNMEA frames it as one or more
// !AIVDM/!AIVDO sentences with checksums, optionally behind an NMEA 4.10
// tag block. Field values are written as they are held, masked to their
// width: a value out of range is truncated, not rejected, as a transmitter
// would send it.

// ErrNotEncodable is returned for a message whose type the encoder does not
// write.
var ErrNotEncodable = errors.New("ais: message type not encodable")

// NMEAOptions control how AppendNMEA frames a message. The zero value
// writes "!AIVDM" sentences on channel A with no tag block.
type NMEAOptions struct {
	// Talker is the two-character talker id; "" means "AI".
	Talker string
	// Own selects VDO (own-ship) sentences instead of VDM.
	Own bool
	// Channel is the radio channel, 'A' or 'B'; 0 means 'A'.
	Channel byte
	// SeqID is the sequential message id (0-9) written on the sentences of
	// a multi-sentence message, so that interleaved messages can be told
	// apart. Single-sentence messages leave the field empty.
	SeqID int
	// Time, when not zero, is written as the tag block's c: field (Unix
	// seconds).
	Time time.Time
	// Source, when not empty, is written as the tag block's s: field. It
	// must not contain ',', '*' or '\'.
	Source string
}

// maxFragmentChars is the longest payload put in one sentence: with the
// "!AIVDM,n,m,s,c," head and ",f*hh" tail a sentence stays within the 82
// characters NMEA 0183 allows.
const maxFragmentChars = 60

// AppendNMEA appends m as complete NMEA sentences, each preceded by a tag
// block when opt sets Time or Source and ended with "\r\n". A payload
// longer than 60 characters (type 5) is split into several sentences that
// share opt.SeqID; only the last carries fill bits. It supports the types
// of AppendPayload.
func AppendNMEA(dst []byte, m Message, opt NMEAOptions) ([]byte, error) {
	// Armour at the end of dst (which may grow there once) and move the
	// payload aside: a local buffer passed to AppendPayload would escape.
	start := len(dst)
	dst, fill, err := AppendPayload(dst, m)
	if err != nil {
		return dst[:start], err
	}
	var buf [bufBytes]byte
	payload := buf[:copy(buf[:], dst[start:])]
	dst = dst[:start]
	n := (len(payload) + maxFragmentChars - 1) / maxFragmentChars
	for i := range n {
		frag := payload[i*maxFragmentChars : min((i+1)*maxFragmentChars, len(payload))]
		f := 0
		if i == n-1 {
			f = fill
		}
		dst = appendTagBlock(dst, opt)
		dst = appendSentence(dst, frag, f, i+1, n, opt)
	}
	return dst, nil
}

func appendTagBlock(dst []byte, opt NMEAOptions) []byte {
	if opt.Time.IsZero() && opt.Source == "" {
		return dst
	}
	dst = append(dst, '\\')
	start := len(dst)
	if !opt.Time.IsZero() {
		dst = append(dst, "c:"...)
		dst = strconv.AppendInt(dst, opt.Time.Unix(), 10)
	}
	if opt.Source != "" {
		if len(dst) > start {
			dst = append(dst, ',')
		}
		dst = append(dst, "s:"...)
		dst = append(dst, opt.Source...)
	}
	dst = appendChecksum(dst, dst[start:])
	return append(dst, '\\')
}

func appendSentence(dst, payload []byte, fill, num, total int, opt NMEAOptions) []byte {
	dst = append(dst, '!')
	start := len(dst)
	if len(opt.Talker) == 2 {
		dst = append(dst, opt.Talker...)
	} else {
		dst = append(dst, "AI"...)
	}
	if opt.Own {
		dst = append(dst, "VDO,"...)
	} else {
		dst = append(dst, "VDM,"...)
	}
	dst = append(dst, byte('0'+total), ',', byte('0'+num), ',')
	if total > 1 {
		dst = append(dst, byte('0'+uint(opt.SeqID)%10))
	}
	ch := opt.Channel
	if ch == 0 {
		ch = 'A'
	}
	dst = append(dst, ',', ch, ',')
	dst = append(dst, payload...)
	dst = append(dst, ',', byte('0'+fill))
	dst = appendChecksum(dst, dst[start:])
	return append(dst, '\r', '\n')
}

// appendChecksum appends "*hh", the XOR of the bytes of s.
func appendChecksum(dst, s []byte) []byte {
	var c byte
	for _, x := range s {
		c ^= x
	}
	const hex = "0123456789ABCDEF"
	return append(dst, '*', hex[c>>4], hex[c&15])
}

// AppendPayload appends the armoured payload of m and returns it with its
// fill-bit count. It writes position reports (types 1-3, from
// *PositionReport), base station reports (4 and 11), static and voyage data
// (5), Class B position reports (18) and static data reports (24, part A or
// B); other messages return ErrNotEncodable. A header type that does not
// match the struct (0, say) is replaced by the struct's first type.
//
// Static data report part B carries the ITU-R M.1371-4 layout: the first
// three characters of VendorID, then Model and Serial, which is what a
// decoder reads back as the seven-character vendor id of M.1371-3.
func AppendPayload(dst []byte, m Message) ([]byte, int, error) {
	w := armourer{out: dst}
	switch m := m.(type) {
	case *PositionReport:
		w.header(&m.Header, 1, 2, 3)
		w.put(uint64(m.Status), 4)
		w.put(uint64(uint8(m.Turn)), 8)
		w.put(uint64(m.Speed), 10)
		w.bool(m.Accuracy)
		w.put(uint64(m.Lon), 28)
		w.put(uint64(m.Lat), 27)
		w.put(uint64(m.Course), 12)
		w.put(uint64(m.Heading), 9)
		w.put(uint64(m.Second), 6)
		w.put(uint64(m.Maneuver), 2)
		w.put(0, 3) // spare
		w.bool(m.RAIM)
		w.put(uint64(m.Radio), 19)
	case *BaseStationReport:
		w.header(&m.Header, 4, 11)
		w.put(uint64(m.Year), 14)
		w.put(uint64(m.Month), 4)
		w.put(uint64(m.Day), 5)
		w.put(uint64(m.Hour), 5)
		w.put(uint64(m.Minute), 6)
		w.put(uint64(m.Second), 6)
		w.bool(m.Accuracy)
		w.put(uint64(m.Lon), 28)
		w.put(uint64(m.Lat), 27)
		w.put(uint64(m.EPFD), 4)
		w.put(0, 10) // spare
		w.bool(m.RAIM)
		w.put(uint64(m.Radio), 19)
	case *StaticVoyage:
		w.header(&m.Header, 5)
		w.put(uint64(m.AISVersion), 2)
		w.put(uint64(m.IMO), 30)
		w.text(m.CallSign.Bytes(), 7)
		w.text(m.ShipName.Bytes(), 20)
		w.put(uint64(m.ShipType), 8)
		w.dim(m.Dim)
		w.put(uint64(m.EPFD), 4)
		w.put(uint64(m.ETA.Month), 4)
		w.put(uint64(m.ETA.Day), 5)
		w.put(uint64(m.ETA.Hour), 5)
		w.put(uint64(m.ETA.Minute), 6)
		w.put(uint64(m.Draught), 8)
		w.text(m.Destination.Bytes(), 20)
		w.put(uint64(m.DTE), 1)
		w.put(0, 1) // spare
	case *ClassBPosition:
		w.header(&m.Header, 18)
		w.put(uint64(m.Reserved), 8)
		w.put(uint64(m.Speed), 10)
		w.bool(m.Accuracy)
		w.put(uint64(m.Lon), 28)
		w.put(uint64(m.Lat), 27)
		w.put(uint64(m.Course), 12)
		w.put(uint64(m.Heading), 9)
		w.put(uint64(m.Second), 6)
		w.put(uint64(m.Regional), 2)
		w.bool(m.CS)
		w.bool(m.Display)
		w.bool(m.DSC)
		w.bool(m.Band)
		w.bool(m.Msg22)
		w.bool(m.Assigned)
		w.bool(m.RAIM)
		w.put(uint64(m.Radio), 20)
	case *StaticDataReport:
		w.header(&m.Header, 24)
		w.put(uint64(m.Part), 2)
		switch m.Part {
		case 0:
			w.text(m.ShipName.Bytes(), 20)
		case 1:
			w.put(uint64(m.ShipType), 8)
			w.text(m.VendorID.Bytes()[:min(3, m.VendorID.Len())], 3)
			w.put(uint64(m.Model), 4)
			w.put(uint64(m.Serial), 20)
			w.text(m.CallSign.Bytes(), 7)
			if m.Auxiliary() {
				w.put(uint64(m.MotherMMSI), 30)
			} else {
				w.dim(m.Dim)
			}
			w.put(0, 6) // spare
		default:
			return dst, 0, ErrNotEncodable
		}
	default:
		return dst, 0, ErrNotEncodable
	}
	fill := w.finish()
	return w.out, fill, nil
}

// NewText returns s as six-bit AIS text, as a decoder would return it:
// lower-case letters are upper-cased, other characters outside the six-bit
// table become '?', the text is cut at the first '@', and trailing spaces
// are removed. Text longer than a field is cut by the encoder.
func NewText(s string) Text {
	var t Text
	for i := 0; i < len(s) && int(t.n) < len(t.b); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c < ' ' || c > '_':
			c = '?'
		}
		if c == '@' {
			break
		}
		t.b[t.n] = c
		t.n++
	}
	t.trim()
	return t
}

// armourer writes fields most significant bit first and armours them into
// six-bit characters as it goes.
type armourer struct {
	out  []byte
	acc  uint64 // pending bits, in the low nacc bits
	nacc int    // fewer than 6 between calls to put
}

// put writes the low width bits of v (width at most 57).
func (w *armourer) put(v uint64, width int) {
	v &= 1<<uint(width) - 1
	w.acc = w.acc<<uint(width) | v
	w.nacc += width
	for w.nacc >= 6 {
		w.nacc -= 6
		w.out = append(w.out, armourChar[(w.acc>>uint(w.nacc))&63])
	}
}

func (w *armourer) bool(b bool) {
	if b {
		w.put(1, 1)
	} else {
		w.put(0, 1)
	}
}

// header writes type, repeat and MMSI; the type is h.Type when it is one
// of types, else types[0].
func (w *armourer) header(h *Header, types ...uint8) {
	t := types[0]
	for _, x := range types {
		if h.Type == x {
			t = x
		}
	}
	w.put(uint64(t), 6)
	w.put(uint64(h.Repeat), 2)
	w.put(uint64(h.MMSI), 30)
}

// text writes count six-bit characters of s, padded with '@'.
func (w *armourer) text(s []byte, count int) {
	for i := range count {
		var v uint64 // '@'
		if i < len(s) {
			v = uint64(s[i] & 63) // ASCII 32-95 map to six-bit 32-63 and 0-31
		}
		w.put(v, 6)
	}
}

func (w *armourer) dim(d Dimensions) {
	w.put(uint64(d.ToBow), 9)
	w.put(uint64(d.ToStern), 9)
	w.put(uint64(d.ToPort), 6)
	w.put(uint64(d.ToStarboard), 6)
}

// finish pads the last character with zero fill bits and returns their
// count.
func (w *armourer) finish() int {
	if w.nacc == 0 {
		return 0
	}
	fill := 6 - w.nacc
	w.put(0, fill)
	return fill
}

// armourChar maps a six-bit value to its armour character.
var armourChar = func() (t [64]byte) {
	for v := range t {
		if v < 40 {
			t[v] = byte(v + 48)
		} else {
			t[v] = byte(v + 56)
		}
	}
	return t
}()
