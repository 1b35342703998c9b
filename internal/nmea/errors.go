package nmea

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them; branch with errors.Is, or use Class for a counter name.
var (
	// ErrChecksum: the NMEA checksum does not match the sentence.
	ErrChecksum = errors.New("nmea: checksum mismatch")
	// ErrMalformed: the sentence structure is wrong (missing checksum, wrong
	// field count, non-numeric field, truncated line...).
	ErrMalformed = errors.New("nmea: malformed sentence")
	// ErrPayloadCharacter: a payload character is outside the AIS armour
	// alphabet (0x30-0x57, 0x60-0x77).
	ErrPayloadCharacter = errors.New("nmea: payload character outside the armour alphabet")
	// ErrPayloadTooShort: the payload field is empty.
	ErrPayloadTooShort = errors.New("nmea: empty payload")
	// ErrFillBits: fill bits outside 0..5, or non-zero on a fragment that
	// is not the last one.
	ErrFillBits = errors.New("nmea: invalid fill bits")
	// ErrFragment: invalid fragment fields, or a fragment that cannot be
	// reassembled (orphan, gap, duplicate, mismatch, expired, evicted).
	ErrFragment = errors.New("nmea: bad fragment")
	// ErrLineTooLong: the line exceeds ReaderOptions.MaxLineLength.
	ErrLineTooLong = errors.New("nmea: line too long")
	// ErrTagBlock: a tag block is unterminated or has an invalid field.
	ErrTagBlock = errors.New("nmea: malformed tag block")
	// ErrTagBlockChecksum: a tag block's checksum is wrong or missing. This
	// is a warning: the sentence is still valid.
	ErrTagBlockChecksum = errors.New("nmea: tag block checksum mismatch")
	// ErrNotAIS: the line holds no VDM/VDO sentence.
	ErrNotAIS = errors.New("nmea: not an AIS sentence")
)

// Class returns the counter name of an error of this package: "checksum",
// "malformed_sentence", "payload_character", "payload_too_short",
// "fill_bits", "fragment", "line_too_long", "tag_block",
// "tag_block_checksum" or "not_ais". It returns "" for nil and for errors
// that do not come from this package (I/O errors).
func Class(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return ""
}

// classes is an immutable lookup table for Class.
var classes = [...]struct {
	err  error
	name string
}{
	{ErrChecksum, "checksum"},
	{ErrMalformed, "malformed_sentence"},
	{ErrPayloadCharacter, "payload_character"},
	{ErrPayloadTooShort, "payload_too_short"},
	{ErrFillBits, "fill_bits"},
	{ErrFragment, "fragment"},
	{ErrLineTooLong, "line_too_long"},
	{ErrTagBlock, "tag_block"},
	{ErrTagBlockChecksum, "tag_block_checksum"},
	{ErrNotAIS, "not_ais"},
}

// LineError is an error about one input line: a sentence that could not be
// used, or a fragment that could not be reassembled.
type LineError struct {
	Line   int   // 1-based line number (for Assembler errors: as passed to Add)
	Column int   // 1-based byte column where the problem was found, 0 if not known
	Err    error // wraps one of the sentinel errors
}

func (e *LineError) Error() string {
	s := "line " + strconv.Itoa(e.Line)
	if e.Column > 0 {
		s += ", column " + strconv.Itoa(e.Column)
	}
	return s + ": " + e.Err.Error()
}

func (e *LineError) Unwrap() error { return e.Err }

// detailError adds a fixed explanation to a sentinel. The values below are
// immutable and shared, so reporting a problem allocates nothing.
type detailError struct {
	err error
	msg string
}

func (e *detailError) Error() string { return e.err.Error() + ": " + e.msg }
func (e *detailError) Unwrap() error { return e.err }

func detail(err error, msg string) error { return &detailError{err, msg} }

// Details of parse errors.
var (
	errTruncatedAddress = detail(ErrMalformed, "truncated sentence address")
	errNoChecksum       = detail(ErrMalformed, "missing checksum field")
	errBadChecksumField = detail(ErrMalformed, "checksum field is not two hex digits")
	errFieldCount       = detail(ErrMalformed, "want 7 fields")
	errTotalField       = detail(ErrMalformed, "fragment count is not a number")
	errNumField         = detail(ErrMalformed, "fragment number is not a number")
	errSeqField         = detail(ErrMalformed, "sequential message id is not a number")
	errChannelField     = detail(ErrMalformed, "channel is not one character")
	errFillField        = detail(ErrMalformed, "fill bits are not a number")
	errNoSentence       = detail(ErrMalformed, "tag block without a sentence")
	errTotalRange       = detail(ErrFragment, "fragment count outside 1..9")
	errNumRange         = detail(ErrFragment, "fragment number outside 1..count")
	errSeqRange         = detail(ErrFragment, "sequential message id outside 0..9")
	errFillRange        = detail(ErrFillBits, "fill bits outside 0..5")
	errFillNonFinal     = detail(ErrFillBits, "non-zero fill bits on a fragment that is not the last")
	errTagUnterminated  = detail(ErrTagBlock, "unterminated tag block")
	errTagField         = detail(ErrTagBlock, "invalid tag block field")
	errTagChecksum      = detail(ErrTagBlockChecksum, "tag block ignored")
	errTagNoChecksum    = detail(ErrTagBlockChecksum, "tag block without checksum ignored")
)

// Details of reassembly errors.
var (
	errOrphan        = detail(ErrFragment, "fragment without its first fragment")
	errGap           = detail(ErrFragment, "fragment out of order or after a missing fragment; message dropped")
	errDuplicate     = detail(ErrFragment, "duplicate fragment")
	errCountMismatch = detail(ErrFragment, "fragment count differs from the first fragment")
	errExpired       = detail(ErrFragment, "fragment arrived after its message expired")
	errRestarted     = detail(ErrFragment, "incomplete message replaced by a new first fragment")
	errEvicted       = detail(ErrFragment, "incomplete message evicted: too many open messages")
	errStale         = detail(ErrFragment, "incomplete message expired")
	errIncomplete    = detail(ErrFragment, "incomplete message at end of input")
	errPayloadEmpty  = detail(ErrPayloadTooShort, "empty payload field")
)
