package nmea

import (
	"errors"
	"time"
)

// ErrNoSentence: the line holds no NMEA sentence at all (a blank line, a
// comment, text). ParseFields returns it; callers usually skip such lines.
var ErrNoSentence = errors.New("nmea: no sentence")

// MaxFields is the most fields a Fields holds; a sentence with more is
// malformed.
const MaxFields = 40

var (
	errTooManyFields = detail(ErrMalformed, "more than 40 fields")
	errAddress       = detail(ErrMalformed, "address field is not a talker and a sentence formatter")
)

// Fields is one NMEA 0183 sentence of any type ($GPRMC, $RATTM, !AIVDM...)
// split at its commas, with the tag blocks and receiver time around it. Its
// byte slices alias the line given to ParseFields. The zero value has no
// fields.
type Fields struct {
	Tag      TagBlock  // tag block before the sentence; zero when none
	RecvTime time.Time // leading Unix time of the line; zero if none
	// Talker is the two-character talker ("GP", "RA", "II"...); for a
	// proprietary sentence ($P...) it is "P" and a zero byte.
	Talker [2]byte
	// Formatter is the sentence formatter: "RMC", "TTM"... (for a
	// proprietary sentence, the rest of the address: "GHP").
	Formatter []byte
	n         int
	f         [MaxFields][]byte
}

// Len returns the number of data fields (after the address field).
func (f *Fields) Len() int { return f.n }

// Field returns data field i, counting from 1 as the standards do (field 1
// is the one after the address); nil when the sentence has fewer fields.
func (f *Fields) Field(i int) []byte {
	if i < 1 || i > f.n {
		return nil
	}
	return f.f[i-1]
}

// ParseFields parses one line holding any NMEA 0183 sentence, with the
// default Parser options. See Parser.ParseFields.
func ParseFields(line []byte) (Fields, error) {
	var f Fields
	err := Parser{}.parseFields(&f, line)
	return f, err
}

// ParseFields parses one line holding any NMEA 0183 sentence ('$' or '!'),
// optionally preceded by a Unix time and tag blocks, as Parse does for
// VDM/VDO. The checksum is mandatory. Anything after the checksum is
// ignored. A line with no sentence gives ErrNoSentence; a bad tag block
// checksum is a warning (ErrTagBlockChecksum) returned with valid Fields.
// It allocates nothing.
func (p Parser) ParseFields(line []byte) (Fields, error) {
	var f Fields
	err := p.parseFields(&f, line)
	return f, err
}

func (p Parser) parseFields(f *Fields, line []byte) error {
	i, j := 0, len(line)
	for i < j && isSpace(line[i]) {
		i++
	}
	for j > i && isSpace(line[j-1]) {
		j--
	}
	if i == j {
		return ErrNoSentence
	}
	if isDigit(line[i]) {
		k := i
		for k < j && (isDigit(line[k]) || line[k] == '.') {
			k++
		}
		t, ok := parseStamp(line[i:k])
		if !ok || k == j || !isSpace(line[k]) {
			return ErrNoSentence
		}
		f.RecvTime = t
		for k < j && isSpace(line[k]) {
			k++
		}
		i = k
	}
	var warn error
	if line[i] == '\\' {
		var err error
		i, _, warn, err = p.tagBlocks(&f.Tag, line, i, j)
		if err != nil {
			return err
		}
		if i == j {
			return errNoSentence
		}
	}
	if line[i] != '$' && line[i] != '!' {
		return ErrNoSentence
	}
	var sum byte
	start := i + 1
	k := start
	for ; k < j && line[k] != '*'; k++ {
		sum ^= line[k]
	}
	if k == j {
		return errNoChecksum
	}
	if j-k < 3 {
		return errBadChecksumField
	}
	hi, lo := hexval[line[k+1]], hexval[line[k+2]]
	if hi == 0xff || lo == 0xff {
		return errBadChecksumField
	}
	if hi<<4|lo != sum {
		return ErrChecksum
	}
	body := line[start:k]
	// Address: talker (2) + formatter (3+), or 'P' + manufacturer ...
	a := 0
	for a < len(body) && body[a] != ',' {
		if !isTalker(body[a]) {
			return errAddress
		}
		a++
	}
	switch {
	case a >= 1 && body[0] == 'P':
		f.Talker = [2]byte{'P', 0}
		f.Formatter = body[1:a]
	case a >= 5:
		f.Talker = [2]byte{body[0], body[1]}
		f.Formatter = body[2:a]
	default:
		return errAddress
	}
	f.n = 0
	for a < len(body) {
		a++ // the comma
		e := a
		for e < len(body) && body[e] != ',' {
			e++
		}
		if f.n == MaxFields {
			return errTooManyFields
		}
		f.f[f.n] = body[a:e]
		f.n++
		a = e
	}
	return warn
}
