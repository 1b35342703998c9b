package nmea

import (
	"bufio"
	"errors"
	"io"
	"time"
)

// DefaultMaxLineLength is the default ReaderOptions.MaxLineLength. NMEA 0183
// limits a sentence to 82 characters; real AIS lines with tag blocks,
// prefixes and receiver suffixes reach about 200, and some satellite feeds
// emit single sentences of 100 or more payload characters. 1024 leaves room
// for all of them while keeping one line's buffer small.
const DefaultMaxLineLength = 1024

// ReaderOptions configure a Reader. The zero value gives the defaults.
type ReaderOptions struct {
	// MaxLineLength is the longest line accepted, in bytes, not counting
	// the line terminator (default DefaultMaxLineLength). A longer line is
	// skipped without being buffered whole and reported as ErrLineTooLong.
	MaxLineLength int
	// TagChecksum says what to do with tag blocks whose checksum is wrong.
	TagChecksum TagChecksumPolicy
	// Assembler bounds multi-sentence reassembly.
	Assembler AssemblerOptions
}

// Stats counts what a Reader has seen. Each line is counted once in Lines
// and at most once in NotAIS or one error class; TagBlockChecksum and
// SkippedPrefix count warnings about sentences that were still used, and
// Fragment also counts
// incomplete messages dropped (one per message).
type Stats struct {
	Lines     int64 // lines read, including blank, over-long and non-AIS lines
	Sentences int64 // VDM/VDO sentences accepted by the parser
	Messages  int64 // complete messages returned by Next
	NotAIS    int64 // lines without a VDM/VDO sentence, skipped ("not_ais")

	Checksum          int64 // "checksum"
	MalformedSentence int64 // "malformed_sentence"
	PayloadCharacter  int64 // "payload_character"
	PayloadTooShort   int64 // "payload_too_short"
	FillBits          int64 // "fill_bits"
	Fragment          int64 // "fragment"
	LineTooLong       int64 // "line_too_long"
	TagBlock          int64 // "tag_block"
	TagBlockChecksum  int64 // "tag_block_checksum" (warnings)
	SkippedPrefix     int64 // "skipped_prefix": sentences used after skipping other text before them
}

// Count returns the counter of an error class name as returned by Class,
// "not_ais" and "skipped_prefix" included, or 0 for an unknown name.
func (s Stats) Count(class string) int64 {
	if p := s.field(class); p != nil {
		return *p
	}
	return 0
}

// Rejected returns the number of errors, warnings and non-AIS lines not
// included.
func (s Stats) Rejected() int64 {
	return s.Checksum + s.MalformedSentence + s.PayloadCharacter + s.PayloadTooShort +
		s.FillBits + s.Fragment + s.LineTooLong + s.TagBlock
}

func (s *Stats) field(class string) *int64 {
	switch class {
	case "checksum":
		return &s.Checksum
	case "malformed_sentence":
		return &s.MalformedSentence
	case "payload_character":
		return &s.PayloadCharacter
	case "payload_too_short":
		return &s.PayloadTooShort
	case "fill_bits":
		return &s.FillBits
	case "fragment":
		return &s.Fragment
	case "line_too_long":
		return &s.LineTooLong
	case "tag_block":
		return &s.TagBlock
	case "tag_block_checksum":
		return &s.TagBlockChecksum
	case "not_ais":
		return &s.NotAIS
	case "skipped_prefix":
		return &s.SkippedPrefix
	}
	return nil
}

func (s *Stats) count(err error) {
	if p := s.field(Class(err)); p != nil {
		*p++
	}
}

// Reader reads AIS messages from a stream of NMEA lines: it parses each
// line, skips lines that are not AIS, and reassembles multi-sentence
// messages. Lines end with "\n" or "\r\n"; the last line may lack its
// terminator.
//
// The time of a Gatehouse $PGHP line (with a valid checksum) becomes the
// RecvTime of the next VDM/VDO line, valid or not, unless that line carries
// its own prefix or suffix time; it is then forgotten.
//
// Reading valid input allocates nothing per line. A Reader is not safe for
// concurrent use.
type Reader struct {
	br    *bufio.Reader
	max   int
	p     Parser
	asm   Assembler
	s     Sentence
	line  int
	pghp  time.Time // time of the last $PGHP line, for the next sentence
	stats Stats
	last  bool  // the line just read was the last one
	err   error // sticky: io.EOF or the underlying reader's error
}

// readBufferSize is the Reader's buffer: large enough that refilling it
// (a copy and a read call) is rare, and a bound on memory whatever the input.
const readBufferSize = 64 << 10

// NewReader returns a Reader reading from r. Its buffer holds 64 KiB, or
// one line of opt.MaxLineLength bytes if that is more; longer lines are
// skipped without being buffered whole.
func NewReader(r io.Reader, opt ReaderOptions) *Reader {
	if opt.MaxLineLength <= 0 {
		opt.MaxLineLength = DefaultMaxLineLength
	}
	return &Reader{
		br:  bufio.NewReaderSize(r, max(readBufferSize, opt.MaxLineLength+2)), // room for "\r\n"
		max: opt.MaxLineLength,
		p:   Parser{TagChecksum: opt.TagChecksum},
		asm: Assembler{opt: opt.Assembler},
	}
}

// Reset makes the Reader read from r as if new, keeping its options and
// buffers: line numbers, statistics and incomplete messages are cleared.
func (r *Reader) Reset(rd io.Reader) {
	r.br.Reset(rd)
	r.asm.Reset()
	r.line = 0
	r.pghp = time.Time{}
	r.stats = Stats{}
	r.last = false
	r.err = nil
}

// Stats returns the counters so far.
func (r *Reader) Stats() Stats { return r.stats }

// Next returns the next complete message. The message is valid until the
// next call to Next.
//
// At the end of the input Next first reports each incomplete message as a
// *LineError wrapping ErrFragment, then returns io.EOF. A bad line or
// fragment returns (nil, *LineError): the caller just calls Next again. Any
// other error comes from the underlying reader and is returned again by
// every later call.
func (r *Reader) Next() (*Message, error) {
	for {
		if r.err != nil {
			if r.err == io.EOF {
				if err := r.asm.Flush(); err != nil {
					r.stats.Fragment++
					return nil, err
				}
			}
			return nil, r.err
		}
		line, long, err := r.readLine()
		if err != nil {
			r.err = err
			continue
		}
		r.line++
		r.stats.Lines++
		if long {
			r.stats.LineTooLong++
			return nil, &LineError{Line: r.line, Column: r.max + 1, Err: ErrLineTooLong}
		}
		if msg, err := r.handle(line); msg != nil || err != nil {
			return msg, err
		}
	}
}

// readLine returns the next line without its terminator, or long = true
// when the line exceeded the limit and was discarded.
func (r *Reader) readLine() (line []byte, long bool, err error) {
	if r.last {
		return nil, false, io.EOF
	}
	line, err = r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = r.br.ReadSlice('\n')
		}
		if err == io.EOF {
			r.last, err = true, nil
		}
		return nil, err == nil, err
	}
	if err == io.EOF && len(line) > 0 {
		r.last, err = true, nil
	}
	if err != nil {
		return nil, false, err
	}
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	if n > r.max {
		return nil, true, nil
	}
	return line[:n], false, nil
}

// handle processes one line.
func (r *Reader) handle(line []byte) (*Message, error) {
	if k := skipSpace(line); k < len(line) && line[k] == '$' {
		if isPGHP(line[k:]) {
			if t, ok := pghpTime(trimSpace(line[k:])); ok {
				r.pghp = t
			}
		}
		r.stats.NotAIS++
		return nil, nil
	}
	col, err := r.p.parse(&r.s, line)
	if err == ErrNotAIS {
		r.stats.NotAIS++
		return nil, nil
	}
	if !r.pghp.IsZero() {
		if r.s.RecvTime.IsZero() {
			r.s.RecvTime = r.pghp
		}
		r.pghp = time.Time{}
	}
	if err != nil {
		r.stats.count(err)
		if !errors.Is(err, ErrTagBlockChecksum) {
			return nil, &LineError{Line: r.line, Column: col, Err: err}
		}
	}
	r.stats.Sentences++
	if r.s.Prefix != nil {
		r.stats.SkippedPrefix++
	}
	msg, err := r.asm.Add(&r.s, r.line)
	if err != nil {
		r.stats.count(err)
		return nil, err
	}
	if msg != nil {
		r.stats.Messages++
	}
	return msg, nil
}

func skipSpace(b []byte) int {
	k := 0
	for k < len(b) && isSpace(b[k]) {
		k++
	}
	return k
}

func trimSpace(b []byte) []byte {
	b = b[skipSpace(b):]
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
