package nmea

import (
	"bytes"
	"math"
	"time"
)

// Sentence is one parsed VDM or VDO sentence. Its byte slices alias the
// line given to Parse.
type Sentence struct {
	Talker   [2]byte   // "AI", "AB", "BS", "SA", "--"...: two characters of [A-Z0-9-]
	Own      bool      // VDO (own ship) rather than VDM
	Total    int       // fragment count, 1..9
	Num      int       // fragment number, 1..Total
	SeqID    int       // sequential message id 0..9, or -1 when the field is empty
	Channel  byte      // radio channel 'A', 'B', '1', '2', 'C', '0'..., or 0 when empty
	Payload  []byte    // armoured payload, every byte in 0x30-0x57 or 0x60-0x77, never empty
	Fill     int       // fill bits, 0..5 (the Assembler rejects non-zero fill bits before the last fragment)
	Tag      TagBlock  // tag block before the sentence; zero when there is none
	RecvTime time.Time // receiver/archive time: line prefix, else line suffix, else (Reader) preceding $PGHP; zero if none
	Prefix   []byte    // other text skipped before the tag block or the '!' (not a leading Unix time); nil if none
}

// TagBlock holds the fields of the NMEA 4.10 tag block(s) in front of a
// sentence. Byte slices alias the parsed line. Absent fields are zero.
type TagBlock struct {
	Present      bool      // at least one tag block with a valid checksum was parsed
	Source       []byte    // s: source / station identifier
	Time         time.Time // c: Unix time in seconds, or milliseconds when above 1e11; UTC
	GroupNum     int       // g: sentence number in the group (g:1-2-1234 or 1G2:1234 form)
	GroupTotal   int       // g: sentences in the group; 0 when there is no group
	GroupID      int       // g: group id
	LineCount    int       // n: line count
	RelativeTime int       // r: relative time
	Destination  []byte    // d: destination
	Text         []byte    // t: text
	Info         []byte    // i: information string
}

// TagChecksumPolicy says what to do with a tag block whose checksum is
// wrong or missing. Either way Parse reports ErrTagBlockChecksum along with
// the sentence.
type TagChecksumPolicy int

const (
	// TagChecksumDrop drops the tag block's fields (the default).
	TagChecksumDrop TagChecksumPolicy = iota
	// TagChecksumKeep keeps the fields of a tag block whose checksum is
	// wrong or missing. Use it for archives written by software that does
	// not compute tag-block checksums (some write *00).
	TagChecksumKeep
)

// Parser parses lines with non-default options. The zero value is the
// default used by Parse. A Parser holds no state.
type Parser struct {
	TagChecksum TagChecksumPolicy
}

// Parse parses one line (with or without its line terminator) holding a
// VDM or VDO sentence, optionally preceded by a Unix time and tag blocks and
// followed by receiver fields. See Parser.Parse.
func Parse(line []byte) (Sentence, error) {
	var s Sentence
	_, err := Parser{}.parse(&s, line)
	return s, err
}

// Parse parses one line. Surrounding white space and CR/LF are ignored.
//
// The error wraps ErrNotAIS when the line holds no VDM/VDO sentence (other
// NMEA sentences, comments, blank lines, text), and another sentinel when it
// holds a bad one. When only a tag block is bad (ErrTagBlockChecksum), the
// returned Sentence is valid and the error is a warning: check it with
// errors.Is before dropping the sentence.
//
// The line forms accepted around the sentence are:
//
//	!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23
//	1452468552.938 !AIVDM,...*hh                  leading Unix time (RecvTime)
//	1550303566167726840 !AIVDM,...*hh             leading Unix time in ns (or µs, ms)
//	Rx 12: !AIVDM,...*hh                          other text before the sentence (Prefix)
//	\s:rEV02,c:1334337317*58\!AIVDM,...*hh        tag block(s)
//	!AIVDM,...*hh,1328182324603                   trailing Unix time, s or ms (RecvTime)
//	!AIVDM,...*hh,d-109,S2105,...,1272415370      trailing receiver fields (the last one may be a Unix time)
//	!AIVDM,...*hh<junk>                           anything else after the checksum is ignored
//
// A prefix or suffix time is a Unix time whose unit follows from its number
// of integer digits: 9 to 11 are seconds, optionally with a fraction of a
// second, 12 or 13 milliseconds, 15 or 16 microseconds and 18 or 19
// nanoseconds ("1550303566167726840 !AIVDM..."). When a line has both, the
// prefix wins. Any other text before the tag block or the '!' ("Rx: ",
// a number that is not a time, a receiver label) is skipped, as gpsd does,
// and kept in Sentence.Prefix; the Reader counts such lines as
// skipped_prefix. A line starting with '#' is a comment (ErrNotAIS), as in
// gpsd. Tag-block c: times follow the same
// seconds/milliseconds rule. Times are UTC.
func (p Parser) Parse(line []byte) (Sentence, error) {
	var s Sentence
	_, err := p.parse(&s, line)
	return s, err
}

// armour reports whether a byte is in the AIS six-bit armour alphabet.
var armour = func() (t [256]bool) {
	for c := 0x30; c <= 0x77; c++ {
		t[c] = c <= 0x57 || c >= 0x60
	}
	return t
}()

// hexval maps hex digits (either case) to their value and others to 0xff.
var hexval = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = byte(c - 'A' + 10)
		t[c+'a'-'A'] = byte(c - 'A' + 10)
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// addressPrefix reports whether a matches the start of "ttVDM" or "ttVDO",
// where tt is a talker.
func addressPrefix(a []byte) bool {
	for k, c := range a {
		var ok bool
		switch k {
		case 0, 1:
			ok = isTalker(c)
		case 2:
			ok = c == 'V'
		case 3:
			ok = c == 'D'
		case 4:
			ok = c == 'M' || c == 'O'
		}
		if !ok {
			return false
		}
	}
	return true
}

func isTalker(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' }

// parse parses line into *s. On error it returns the 1-based column at which
// the problem was found (0 when unknown). It allocates nothing.
func (p Parser) parse(s *Sentence, line []byte) (int, error) {
	*s = Sentence{SeqID: -1}
	i, j := 0, len(line)
	for i < j && isSpace(line[i]) {
		i++
	}
	for j > i && isSpace(line[j-1]) {
		j--
	}
	if i == j {
		return 0, ErrNotAIS
	}

	// Leading Unix time: "1452468552.938 !AIVDM...".
	if isDigit(line[i]) {
		k := i
		for k < j && (isDigit(line[k]) || line[k] == '.') {
			k++
		}
		if t, ok := parseStamp(line[i:k]); ok && k < j && isSpace(line[k]) {
			s.RecvTime = t
			for k < j && isSpace(line[k]) {
				k++
			}
			i = k
		}
	}

	// Anything else before the tag block or the '!' is skipped, as gpsd
	// does, and reported in Prefix; a line starting with '#' is a comment,
	// also as in gpsd.
	if line[i] == '#' {
		return 0, ErrNotAIS
	}
	if line[i] != '\\' && (line[i] != '!' || !addressPrefix(line[i+1:min(i+6, j)])) {
		k := sentenceStart(line, i, j)
		if k < 0 {
			return 0, ErrNotAIS
		}
		s.Prefix = line[i:k]
		i = k
	}

	var warn error
	if line[i] == '\\' {
		var col int
		var err error
		i, col, warn, err = p.tagBlocks(&s.Tag, line, i, j)
		if err != nil {
			return col, err
		}
		if i == j {
			return i + 1, errNoSentence
		}
	}

	// Address field: '!', two talker characters, "VDM" or "VDO".
	if line[i] != '!' {
		return 0, ErrNotAIS
	}
	if !addressPrefix(line[i+1 : min(i+6, j)]) {
		return 0, ErrNotAIS
	}
	if j-i < 7 {
		return i + 1, errTruncatedAddress
	}
	if c := line[i+6]; c != ',' && c != '*' {
		return 0, ErrNotAIS
	}

	// One pass to the '*': checksum and field boundaries.
	var comma [6]int
	n := 0
	var sum byte
	k := i + 1
	for ; k < j; k++ {
		c := line[k]
		if c == '*' {
			break
		}
		if c == ',' {
			if n < len(comma) {
				comma[n] = k
			}
			n++
		}
		sum ^= c
	}
	if k == j {
		return j + 1, errNoChecksum
	}
	if n != len(comma) {
		return k + 1, errFieldCount
	}
	star := k
	if j-star < 3 {
		return star + 1, errBadChecksumField
	}
	hi, lo := hexval[line[star+1]], hexval[line[star+2]]
	if hi == 0xff || lo == 0xff {
		return star + 1, errBadChecksumField
	}
	if hi<<4|lo != sum {
		return star + 1, ErrChecksum
	}

	// Fields.
	s.Talker = [2]byte{line[i+1], line[i+2]}
	s.Own = line[i+5] == 'O'

	total, ok := smallInt(line[comma[0]+1 : comma[1]])
	if !ok {
		return comma[0] + 2, errTotalField
	}
	if total < 1 || total > 9 {
		return comma[0] + 2, errTotalRange
	}
	num, ok := smallInt(line[comma[1]+1 : comma[2]])
	if !ok {
		return comma[1] + 2, errNumField
	}
	if num < 1 || num > total {
		return comma[1] + 2, errNumRange
	}
	s.Total, s.Num = total, num

	if f := line[comma[2]+1 : comma[3]]; len(f) > 0 {
		seq, ok := smallInt(f)
		if !ok {
			return comma[2] + 2, errSeqField
		}
		if seq > 9 {
			return comma[2] + 2, errSeqRange
		}
		s.SeqID = seq
	}

	switch f := line[comma[3]+1 : comma[4]]; len(f) {
	case 0:
	case 1:
		if !isTalker(f[0]) || f[0] == '-' {
			return comma[3] + 2, errChannelField
		}
		s.Channel = f[0]
	default:
		return comma[3] + 2, errChannelField
	}

	payload := line[comma[4]+1 : comma[5]]
	if len(payload) == 0 {
		return comma[4] + 2, errPayloadEmpty
	}
	for x, c := range payload {
		if !armour[c] {
			return comma[4] + 2 + x, ErrPayloadCharacter
		}
	}
	s.Payload = payload

	fill, ok := smallInt(line[comma[5]+1 : star])
	if !ok {
		return comma[5] + 2, errFillField
	}
	if fill > 5 {
		return comma[5] + 2, errFillRange
	}
	s.Fill = fill

	// Trailing receiver fields: the last one may be a Unix time.
	if suffix := line[star+3 : j]; len(suffix) > 0 && suffix[0] == ',' && s.RecvTime.IsZero() {
		last := suffix[bytes.LastIndexByte(suffix, ',')+1:]
		if t, ok := parseStamp(last); ok {
			s.RecvTime = t
		}
	}
	return 0, warn
}

// sentenceStart returns the index in line[i:j] where the first VDM/VDO
// sentence starts ('!' and an address "ttVDM" or "ttVDO"), or where the tag
// blocks directly in front of it start; -1 if there is no sentence.
func sentenceStart(line []byte, i, j int) int {
	for k := i; k+6 <= j; k++ {
		b := bytes.IndexByte(line[k:j-5], '!')
		if b < 0 {
			return -1
		}
		b += k
		if !addressPrefix(line[b+1 : b+6]) {
			k = b
			continue
		}
		// Walk back over the tag blocks ("\...\") that end right at the '!'.
		start := b
		for start > i && line[start-1] == '\\' {
			t := bytes.LastIndexByte(line[i:start-1], '\\')
			if t < 0 {
				break
			}
			start = i + t
		}
		return start
	}
	return -1
}

// smallInt parses a non-empty decimal field of at most 4 digits.
func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseInt parses a non-empty decimal number of at most 18 digits.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// msThreshold separates Unix times in seconds from Unix times in
// milliseconds: 1e11 s is in the year 5138, 1e11 ms in 1973.
const msThreshold = 1e11

// unixTime converts "seconds[.fraction]" or milliseconds to a UTC time.
func unixTime(b []byte) (time.Time, bool) {
	intPart, frac := b, []byte(nil)
	if k := bytes.IndexByte(b, '.'); k >= 0 {
		intPart, frac = b[:k], b[k+1:]
	}
	v, ok := parseInt(intPart)
	if !ok {
		return time.Time{}, false
	}
	if v > msThreshold {
		if frac != nil {
			return time.Time{}, false
		}
		return time.UnixMilli(v).UTC(), true
	}
	var ns int64
	if frac != nil {
		if len(frac) == 0 || len(frac) > 9 {
			return time.Time{}, false
		}
		f, ok := parseInt(frac)
		if !ok {
			return time.Time{}, false
		}
		for range 9 - len(frac) {
			f *= 10
		}
		ns = f
	}
	return time.Unix(v, ns).UTC(), true
}

// parseStamp parses a Unix time used as a line prefix or suffix. The unit
// follows from the number of integer digits: 9 to 11 are seconds
// (optionally with a fraction), 12 or 13 milliseconds, 15 or 16
// microseconds, 18 or 19 nanoseconds. Other counts are not times: this
// keeps receiver fields such as signal levels from being read as times.
func parseStamp(b []byte) (time.Time, bool) {
	n := 0
	for n < len(b) && isDigit(b[n]) {
		n++
	}
	switch n {
	case 9, 10, 11, 12, 13:
		return unixTime(b)
	case 15, 16, 18, 19:
	default:
		return time.Time{}, false
	}
	if n != len(b) {
		return time.Time{}, false // no fraction on sub-millisecond units
	}
	var v uint64
	for _, c := range b {
		v = v*10 + uint64(c-'0') // 19 digits fit in a uint64
	}
	if v > math.MaxInt64 {
		return time.Time{}, false
	}
	if n <= 16 {
		return time.UnixMicro(int64(v)).UTC(), true
	}
	return time.Unix(0, int64(v)).UTC(), true
}

// tagBlocks parses the tag blocks starting at line[i] == '\\' into *t. It
// returns the index after the last block, and either a fatal error with its
// column or a warning (ErrTagBlockChecksum).
func (p Parser) tagBlocks(t *TagBlock, line []byte, i, j int) (next, col int, warn, err error) {
	for i < j && line[i] == '\\' {
		end := bytes.IndexByte(line[i+1:j], '\\')
		if end < 0 {
			return i, i + 1, nil, errTagUnterminated
		}
		body := line[i+1 : i+1+end]
		fields := body
		star := bytes.LastIndexByte(body, '*')
		keep := true
		if star < 0 {
			warn = errTagNoChecksum
			keep = p.TagChecksum == TagChecksumKeep
		} else {
			fields = body[:star]
			if !checksumOK(fields, body[star+1:]) {
				warn = errTagChecksum
				keep = p.TagChecksum == TagChecksumKeep
			}
		}
		if keep {
			if off, ok := tagFields(t, fields); !ok {
				return i, i + 2 + off, nil, errTagField
			}
			t.Present = true
		}
		i += end + 2
	}
	return i, 0, warn, nil
}

// checksumOK reports whether hex is the two-digit XOR checksum of b.
func checksumOK(b, hex []byte) bool {
	if len(hex) != 2 {
		return false
	}
	hi, lo := hexval[hex[0]], hexval[hex[1]]
	if hi == 0xff || lo == 0xff {
		return false
	}
	var sum byte
	for _, c := range b {
		sum ^= c
	}
	return hi<<4|lo == sum
}

// tagFields parses the comma-separated key:value fields of one tag block.
// Unknown keys and empty fields are ignored; a known key with an invalid
// value is an error, reported with its offset in b.
func tagFields(t *TagBlock, b []byte) (int, bool) {
	off := 0
	for off <= len(b) {
		f := b[off:]
		if k := bytes.IndexByte(f, ','); k >= 0 {
			f = f[:k]
		}
		if !tagField(t, f) {
			return off, false
		}
		off += len(f) + 1
	}
	return 0, true
}

func tagField(t *TagBlock, f []byte) bool {
	colon := bytes.IndexByte(f, ':')
	if colon < 0 {
		return true
	}
	key, val := f[:colon], f[colon+1:]
	if len(key) == 1 {
		switch key[0] {
		case 's':
			t.Source = val
		case 'd':
			t.Destination = val
		case 't':
			t.Text = val
		case 'i':
			t.Info = val
		case 'c':
			tm, ok := unixTime(val)
			if !ok {
				return false
			}
			t.Time = tm
		case 'n':
			v, ok := parseInt(val)
			if !ok || v > 1<<31 {
				return false
			}
			t.LineCount = int(v)
		case 'r':
			v, ok := parseInt(val)
			if !ok || v > 1<<31 {
				return false
			}
			t.RelativeTime = int(v)
		case 'g':
			// g:num-total-id
			a := bytes.IndexByte(val, '-')
			if a < 0 {
				return false
			}
			b := bytes.IndexByte(val[a+1:], '-')
			if b < 0 {
				return false
			}
			return setGroup(t, val[:a], val[a+1:a+1+b], val[a+2+b:])
		}
		return true
	}
	// NMEA 4 group form: "1G2:0125".
	if g := bytes.IndexByte(key, 'G'); g > 0 {
		if _, ok := smallInt(key[:g]); ok {
			return setGroup(t, key[:g], key[g+1:], val)
		}
	}
	return true
}

func setGroup(t *TagBlock, num, total, id []byte) bool {
	n, ok1 := smallInt(num)
	c, ok2 := smallInt(total)
	g, ok3 := parseInt(id)
	if !ok1 || !ok2 || !ok3 || c < 1 || n < 1 || n > c || g > 1<<31 {
		return false
	}
	t.GroupNum, t.GroupTotal, t.GroupID = n, c, int(g)
	return true
}

// pghpTime parses a Gatehouse "$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...*hh"
// line (already trimmed) and returns its UTC time.
func pghpTime(line []byte) (time.Time, bool) {
	star := bytes.LastIndexByte(line, '*')
	if star < 0 || !checksumOK(line[1:star], line[star+1:min(star+3, len(line))]) {
		return time.Time{}, false
	}
	var v [8]int
	rest := line[len("$PGHP,"):star]
	for x := range v {
		k := bytes.IndexByte(rest, ',')
		if k < 0 {
			k = len(rest)
			if x != len(v)-1 {
				return time.Time{}, false
			}
		}
		n, ok := smallInt(rest[:k])
		if !ok {
			return time.Time{}, false
		}
		v[x] = n
		rest = rest[min(k+1, len(rest)):]
	}
	if v[0] != 1 || v[2] < 1 || v[2] > 12 || v[3] < 1 || v[3] > 31 || v[4] > 23 || v[5] > 59 || v[6] > 60 || v[7] > 999 {
		return time.Time{}, false
	}
	return time.Date(v[1], time.Month(v[2]), v[3], v[4], v[5], v[6], v[7]*1e6, time.UTC), true
}

// isPGHP reports whether a trimmed line is a $PGHP sentence.
func isPGHP(line []byte) bool {
	return len(line) > 6 && string(line[:6]) == "$PGHP,"
}
