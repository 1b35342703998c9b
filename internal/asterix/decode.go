package asterix

import "time"

// uap is a category's User Application Profile: the item at each field
// reference number (FRN 1 is items[0]) and the decoder of the items.
type uap struct {
	cat    uint8
	items  []spec
	frn    [ItemRE + 1]uint8 // item number -> FRN (0: not in the UAP)
	decode func(r *Record, s *spec, item []byte) error
}

func newUAP(cat uint8, decode func(*Record, *spec, []byte) error, items ...spec) *uap {
	u := &uap{cat: cat, items: items, decode: decode}
	for i, s := range items {
		if s.kind != kSpare {
			u.frn[s.id] = uint8(i + 1)
		}
	}
	return u
}

// uapFor returns the UAP of a category this package decodes, or nil.
func uapFor(cat uint8) *uap {
	switch cat {
	case 34:
		return uap034
	case 48:
		return uap048
	case 62:
		return uap062
	}
	return nil
}

// Record is one decoded ASTERIX record. The item values of its category
// live in Cat034, Cat048 or Cat062; Has tells which items were present. The
// accessors (Source, TimeOfDay, Track, Polar, Cartesian, WGS84, Velocity,
// Mode3A, FlightLevel) give the same facts across categories, in SI units,
// for fusion. A Record holds no reference to the input.
type Record struct {
	Category uint8
	Offset   int    // byte offset of the record's FSPEC in the input
	Length   int    // record length in octets, FSPEC included
	present  uint64 // bit FRN-1 set when the item at that FRN is present

	Cat034 Cat034
	Cat048 Cat048
	Cat062 Cat062
}

// Has reports whether the record carries item id (10 for I010, ItemSP, ItemRE).
func (r *Record) Has(id int) bool {
	u := uapFor(r.Category)
	if u == nil {
		return false
	}
	if id < 0 || id >= len(u.frn) || u.frn[id] == 0 {
		return false
	}
	return r.present&(1<<(u.frn[id]-1)) != 0
}

// Items returns the item numbers present in the record, in UAP order.
func (r *Record) Items() []int {
	u := uapFor(r.Category)
	if u == nil {
		return nil
	}
	var ids []int
	for i, s := range u.items {
		if r.present&(1<<i) != 0 {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// Decoder decodes ASTERIX data blocks and counts what it sees. The zero value
// is ready to use. A Decoder is not safe for concurrent use.
type Decoder struct {
	Stats Stats
}

// Decode decodes every data block in data (a UDP payload, or a whole raw
// recording of back-to-back blocks) and appends the records of categories
// 034, 048 and 062 to dst. Blocks of other categories are skipped by their
// LEN and counted in Stats.SkippedBlocks.
//
// A malformed record ends its data block (records are not length-delimited):
// the records before it are kept, the rest of the block is skipped and
// decoding goes on with the next block. A bad block LEN ends the input. The
// first error is returned as an *Error (with the byte offset) wrapping one
// of the package's sentinels; every error is counted in Stats.
func (d *Decoder) Decode(dst []Record, data []byte) ([]Record, error) {
	var first error
	note := func(e *Error) {
		d.Stats.count(e.Err)
		if first == nil {
			first = e
		}
	}
	pos := 0
	for pos < len(data) {
		if len(data)-pos < 3 {
			note(&Error{Offset: pos, Category: -1, Err: ErrTruncated})
			break
		}
		cat := data[pos]
		n := int(data[pos+1])<<8 | int(data[pos+2])
		if n < 3 || n > len(data)-pos {
			note(&Error{Offset: pos, Category: int(cat), Err: ErrBlockLength})
			break
		}
		d.Stats.Blocks++
		u := uapFor(cat)
		if u == nil {
			d.Stats.SkippedBlocks++
			d.Stats.SkippedByCat[cat]++
			pos += n
			continue
		}
		end := pos + n
		p := pos + 3
		for p < end {
			// Decode in place: a Record is large, and copying or allocating
			// one per record would dominate the decoding time.
			dst = append(dst, Record{})
			m, err := u.record(&dst[len(dst)-1], data[p:end], p)
			if err != nil {
				dst = dst[:len(dst)-1]
				note(err)
				d.Stats.SkippedBytes += int64(end - p)
				break
			}
			d.Stats.Records++
			d.Stats.ByCategory[cat]++
			p += m
		}
		pos = end
	}
	return dst, first
}

// record decodes one record from b (which runs to the end of its block) at
// input offset off, and returns its length.
func (u *uap) record(r *Record, b []byte, off int) (int, *Error) {
	r.Category = u.cat
	r.Offset = off
	// FSPEC: seven FRN bits per octet, FX in the LSB.
	fs := 0
	for {
		if fs >= len(b) {
			return 0, &Error{Offset: off, Category: int(u.cat), Err: ErrTruncated}
		}
		fs++
		if b[fs-1]&1 == 0 {
			break
		}
		if fs*7 >= len(u.items) {
			return 0, &Error{Offset: off + fs - 1, Category: int(u.cat), Err: ErrUndefinedItem}
		}
	}
	if b[0] == 0 && fs == 1 {
		return 0, &Error{Offset: off, Category: int(u.cat), Err: ErrEmptyRecord}
	}
	p := fs
	for i := 0; i < fs*7; i++ {
		if b[i/7]&(0x80>>(i%7)) == 0 {
			continue
		}
		if i >= len(u.items) || u.items[i].kind == kSpare {
			return 0, &Error{Offset: off + i/7, Category: int(u.cat), Err: ErrUndefinedItem}
		}
		s := &u.items[i]
		n, err := s.length(b[p:])
		if err == nil {
			err = u.decode(r, s, b[p:p+n])
		}
		if err != nil {
			return 0, &Error{Offset: off + p, Category: int(u.cat), Item: s.name, Err: err}
		}
		r.present |= 1 << i
		p += n
	}
	r.Length = p
	return p, nil
}

// Helpers for big-endian fields and two's complement.

func u16(b []byte) uint32 { return uint32(b[0])<<8 | uint32(b[1]) }
func u24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }
func u32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// sext sign-extends the low bits bits of v.
func sext(v uint32, bits uint) int32 {
	shift := 32 - bits
	return int32(v<<shift) >> shift
}

func bit(b byte, n uint) bool { return b&(1<<n) != 0 }

// timeOfDay decodes a 24-bit time of day in 1/128 s; ErrRange beyond a day.
func timeOfDay(b []byte) (time.Duration, error) {
	d := time.Duration(u24(b)) * (time.Second / 128)
	if d >= 24*time.Hour {
		return 0, ErrRange
	}
	return d, nil
}

// latLon checks a WGS-84 position.
func latLon(p LatLon) (LatLon, error) {
	if p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
		return LatLon{}, ErrRange
	}
	return p, nil
}

// copyBytes returns a copy, so that a Record never aliases the input.
func copyBytes(b []byte) []byte { return append([]byte(nil), b...) }
