package asterix

// kind is how an item (or a compound item's subfield) delimits itself.
type kind uint8

const (
	kSpare      kind = iota // no item at this FRN: its presence is an error
	kFixed                  // n octets
	kExtended               // n octets, then ext octets while the last octet's LSB (FX) is set
	kRepetitive             // one REP octet, then REP elements of n octets
	kExplicit               // one LEN octet counting itself, then LEN-1 octets
	kCompound               // a primary subfield of FX-extended presence bits, then the subfields
)

// spec describes one item of a UAP or one subfield of a compound item.
type spec struct {
	id   int    // item number (10 for I010); ItemSP/ItemRE; subfield index for subfields
	name string // "I048/010", or the subfield's name in the specification ("ADR")
	kind kind
	n    int    // fixed length, first part (extended) or element length (repetitive)
	ext  int    // length of each further part of an extended item
	sub  []spec // compound: subfields in primary-subfield bit order (kSpare for spare bits)
}

// Special item numbers for the special-purpose and reserved-expansion fields.
const (
	ItemSP = 1001 // special purpose field (SP), explicit length
	ItemRE = 1002 // reserved expansion field (RE), explicit length
)

func fixed(id int, name string, n int) spec { return spec{id: id, name: name, kind: kFixed, n: n} }
func extended(id int, name string, n, ext int) spec {
	return spec{id: id, name: name, kind: kExtended, n: n, ext: ext}
}
func repetitive(id int, name string, n int) spec {
	return spec{id: id, name: name, kind: kRepetitive, n: n}
}
func explicit(id int, name string) spec { return spec{id: id, name: name, kind: kExplicit} }
func compound(id int, name string, sub ...spec) spec {
	return spec{id: id, name: name, kind: kCompound, sub: sub}
}
func spare() spec { return spec{} }

// length returns the length of the item starting at b[0], or an error
// sentinel: ErrTruncated when b is too short, ErrItem when the framing is
// impossible.
func (s *spec) length(b []byte) (int, error) {
	switch s.kind {
	case kFixed:
		if len(b) < s.n {
			return 0, ErrTruncated
		}
		return s.n, nil
	case kExtended:
		n := s.n
		for {
			if len(b) < n {
				return 0, ErrTruncated
			}
			if b[n-1]&1 == 0 {
				return n, nil
			}
			n += s.ext
		}
	case kRepetitive:
		if len(b) < 1 {
			return 0, ErrTruncated
		}
		n := 1 + int(b[0])*s.n
		if len(b) < n {
			return 0, ErrTruncated
		}
		return n, nil
	case kExplicit:
		if len(b) < 1 {
			return 0, ErrTruncated
		}
		n := int(b[0])
		if n == 0 {
			return 0, ErrItem
		}
		if len(b) < n {
			return 0, ErrTruncated
		}
		return n, nil
	case kCompound:
		var parts [maxSub][]byte
		return s.split(b, &parts)
	}
	return 0, ErrUndefinedItem
}

// maxSub bounds the number of subfields of a compound item (I062/295 has 31
// in five primary octets).
const maxSub = 35

// split frames a compound item: it fills parts[i] with the octets of subfield
// i when present (nil when absent) and returns the item's total length.
func (s *spec) split(b []byte, parts *[maxSub][]byte) (int, error) {
	// The primary subfield: seven presence bits per octet, FX in the LSB.
	p := 0
	for {
		if p >= len(b) {
			return 0, ErrTruncated
		}
		p++
		if b[p-1]&1 == 0 {
			break
		}
		if p*7 >= len(s.sub) {
			return 0, ErrItem // extends beyond the subfields the item defines
		}
	}
	off := p
	for i := 0; i < p*7; i++ {
		if b[i/7]&(0x80>>(i%7)) == 0 {
			continue
		}
		if i >= len(s.sub) || s.sub[i].kind == kSpare {
			return 0, ErrItem
		}
		n, err := s.sub[i].length(b[off:])
		if err != nil {
			return 0, err
		}
		parts[i] = b[off : off+n]
		off += n
	}
	return off, nil
}
