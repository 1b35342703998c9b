package asterix

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per class of malformed input. Every error Decode
// returns wraps exactly one of them in an *Error; Stats counts them by class.
var (
	// ErrTruncated: the input ends inside a data block header, an FSPEC or an
	// item, or a block's records run past the block's LEN.
	ErrTruncated = errors.New("asterix: truncated")
	// ErrBlockLength: a data block's LEN is below 3 or beyond the input.
	ErrBlockLength = errors.New("asterix: bad data block length")
	// ErrUndefinedItem: the FSPEC marks a field reference number that the
	// category's UAP leaves spare or does not have, so the record's length
	// cannot be known.
	ErrUndefinedItem = errors.New("asterix: FSPEC marks an undefined item")
	// ErrItem: an item's own framing is impossible (an explicit length of 0,
	// a compound subfield marked that the item does not define).
	ErrItem = errors.New("asterix: malformed item")
	// ErrEmptyRecord: a record whose FSPEC marks no item at all.
	ErrEmptyRecord = errors.New("asterix: record with an empty FSPEC")
	// ErrRange: a value outside what its item can mean (a time of day of
	// 24 h or more, a latitude beyond 90 degrees): the record does not follow
	// the UAP this package decodes (another edition) or is corrupt.
	ErrRange = errors.New("asterix: value out of range")
)

// Error is a decoding error with its position: Offset is the byte offset in
// the input given to Decode (or, from the pcap helpers, in the UDP payload)
// where the offending block header, FSPEC or item starts.
type Error struct {
	Offset   int    // byte offset of the offending structure in the input
	Category int    // category of the data block, or -1 before the header is read
	Item     string // the item, e.g. "I048/130", when the error is inside an item
	Err      error  // one of the sentinels above
}

func (e *Error) Error() string {
	if e.Item != "" {
		return fmt.Sprintf("asterix: offset %d: CAT %03d %s: %v", e.Offset, e.Category, e.Item, trim(e.Err))
	}
	if e.Category >= 0 {
		return fmt.Sprintf("asterix: offset %d: CAT %03d: %v", e.Offset, e.Category, trim(e.Err))
	}
	return fmt.Sprintf("asterix: offset %d: %v", e.Offset, trim(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// trim drops the "asterix: " prefix of a sentinel for the position message.
func trim(err error) string {
	s := err.Error()
	if len(s) > 9 && s[:9] == "asterix: " {
		return s[9:]
	}
	return s
}

// Stats counts what a Decoder has seen. Error counters are per class (the
// sentinel each error wraps); a record counted in Records was decoded
// completely and returned.
type Stats struct {
	Blocks        int64      // data blocks whose header was read
	Records       int64      // records decoded and returned
	ByCategory    [256]int64 // records returned, per category
	SkippedBlocks int64      // blocks of categories this package does not decode, skipped by LEN
	SkippedBytes  int64      // bytes of blocks left undecoded after an error inside them
	SkippedByCat  [256]int64 // skipped blocks per category

	Truncated     int64 // ErrTruncated
	BlockLength   int64 // ErrBlockLength
	UndefinedItem int64 // ErrUndefinedItem
	Item          int64 // ErrItem
	EmptyRecord   int64 // ErrEmptyRecord
	Range         int64 // ErrRange
}

// Errors returns the total of the error counters.
func (s *Stats) Errors() int64 {
	return s.Truncated + s.BlockLength + s.UndefinedItem + s.Item + s.EmptyRecord + s.Range
}

func (s *Stats) count(err error) {
	switch {
	case errors.Is(err, ErrTruncated):
		s.Truncated++
	case errors.Is(err, ErrBlockLength):
		s.BlockLength++
	case errors.Is(err, ErrUndefinedItem):
		s.UndefinedItem++
	case errors.Is(err, ErrItem):
		s.Item++
	case errors.Is(err, ErrEmptyRecord):
		s.EmptyRecord++
	case errors.Is(err, ErrRange):
		s.Range++
	}
}
