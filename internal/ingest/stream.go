package ingest

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// Decoded is one decoded AIS message with its framing metadata. Both
// pointers are owned by the Stream and valid until the next call to Next.
type Decoded struct {
	Msg  ais.Message
	NMEA *nmea.Message
}

// Options configure a Stream. The zero value is usable.
type Options struct {
	// MaxLineLength bounds one input line; longer lines are skipped and
	// counted as line_too_long. Zero means the nmea package default.
	MaxLineLength int
	// KeepBadTagChecksums keeps the metadata (time, source) of tag blocks
	// whose checksum is wrong or missing, as some archives write "*00";
	// by default it is dropped and counted as tag_block_checksum.
	KeepBadTagChecksums bool
}

// Stream decodes AIS messages from NMEA text. It is not safe for
// concurrent use.
type Stream struct {
	r    *nmea.Reader
	dec  ais.Decoder
	aisE map[string]int64 // payload errors by class
	msgs int64
}

// NewStream returns a Stream reading NMEA lines from r.
func NewStream(r io.Reader, opt Options) *Stream {
	return &Stream{
		r:    nmea.NewReader(r, readerOptions(opt)),
		aisE: make(map[string]int64),
	}
}

func readerOptions(opt Options) nmea.ReaderOptions {
	ro := nmea.ReaderOptions{MaxLineLength: opt.MaxLineLength}
	if opt.KeepBadTagChecksums {
		ro.TagChecksum = nmea.TagChecksumKeep
	}
	return ro
}

// Next returns the next decoded message. Bad lines, fragments and payloads
// are counted (see Stats) and skipped; Next returns io.EOF at the end of
// the input, and any other error only when reading fails.
func (s *Stream) Next() (Decoded, error) {
	for {
		m, err := s.r.Next()
		if err != nil {
			var le *nmea.LineError
			if errors.As(err, &le) {
				continue // counted by the nmea.Reader
			}
			return Decoded{}, err
		}
		msg, err := s.dec.Decode(m.Payload, m.Fill)
		if err != nil {
			s.aisE[PayloadClass(err)]++
			continue
		}
		s.msgs++
		return Decoded{Msg: msg, NMEA: m}, nil
	}
}

// PayloadClass names the error class of an ais decoding error, in the
// vocabulary of testdata/ais/bad-input.jsonl.
func PayloadClass(err error) string {
	switch {
	case errors.Is(err, ais.ErrEmpty), errors.Is(err, ais.ErrTooShort):
		return "payload_too_short"
	case errors.Is(err, ais.ErrTooLong):
		return "payload_too_long"
	case errors.Is(err, ais.ErrCharacter):
		return "payload_character"
	case errors.Is(err, ais.ErrFillBits):
		return "fill_bits"
	case errors.Is(err, ais.ErrUnsupportedType):
		return "unsupported_type"
	}
	return "other"
}

// Stats summarises a Stream so far.
type Stats struct {
	Lines     int64            // input lines read
	Sentences int64            // AIS sentences accepted by the framer
	Messages  int64            // messages decoded
	NotAIS    int64            // lines skipped as not AIS (other NMEA, comments, blank)
	Errors    map[string]int64 // rejected lines, fragments and payloads (and the warnings tag_block_checksum and skipped_prefix), by class
}

// framingClasses are the nmea error and warning classes reported in
// Stats.Errors.
var framingClasses = [...]string{
	"checksum", "malformed_sentence", "payload_character", "payload_too_short",
	"fill_bits", "fragment", "line_too_long", "tag_block", "tag_block_checksum",
	"skipped_prefix",
}

// Stats returns the counters so far.
func (s *Stream) Stats() Stats { return makeStats(s.r.Stats(), s.aisE, s.msgs) }

// makeStats combines the framer's counters and the decoder's.
func makeStats(ns nmea.Stats, payloadErrors map[string]int64, msgs int64) Stats {
	st := Stats{
		Lines:     ns.Lines,
		Sentences: ns.Sentences,
		Messages:  msgs,
		NotAIS:    ns.NotAIS,
		Errors:    make(map[string]int64),
	}
	for _, c := range framingClasses {
		if n := ns.Count(c); n > 0 {
			st.Errors[c] += n
		}
	}
	for k, v := range payloadErrors {
		st.Errors[k] += v
	}
	return st
}

// WriteSummary writes the statistics as aligned text, classes sorted.
func (st Stats) WriteSummary(w io.Writer) error {
	_, err := fmt.Fprintf(w, "lines %d, AIS sentences %d, messages %d, non-AIS lines %d\n",
		st.Lines, st.Sentences, st.Messages, st.NotAIS)
	if err != nil {
		return err
	}
	classes := make([]string, 0, len(st.Errors))
	for c := range st.Errors {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		what := "rejected"
		if c == "tag_block_checksum" || c == "skipped_prefix" {
			what = "warning " // the sentence was used
		}
		if _, err := fmt.Fprintf(w, "  %s %-20s %d\n", what, c, st.Errors[c]); err != nil {
			return err
		}
	}
	return nil
}

// Open opens a file for reading, decompressing it if it is gzip (by its
// magic bytes, whatever its name). "-" means standard input.
func Open(name string, stdin io.Reader) (io.ReadCloser, error) {
	var rc io.ReadCloser
	if name == "-" {
		rc = io.NopCloser(stdin)
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		rc = f
	}
	return maybeGzip(rc)
}

type gzipFile struct {
	*gzip.Reader
	under io.Closer
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if cerr := g.under.Close(); err == nil {
		err = cerr
	}
	return err
}

type bufferedFile struct {
	*bufio.Reader
	io.Closer
}

func maybeGzip(rc io.ReadCloser) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(rc, 64<<10)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return gzipFile{Reader: zr, under: rc}, nil
	}
	return bufferedFile{Reader: br, Closer: rc}, nil
}
