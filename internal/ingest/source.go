package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Format is the kind of text an input holds.
type Format uint8

const (
	FormatUnknown Format = iota
	FormatNMEA           // NMEA 0183 AIS sentences (with tag blocks, receiver timestamps, ...)
	FormatCSV            // decoded positions, one of the CSV layouts ReadCSV knows
)

var formatNames = [...]string{"unknown", "nmea", "csv"}

// String returns "nmea", "csv" or "unknown".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// ErrFormat is returned by Sniff for input that is neither NMEA nor a
// known CSV layout.
var ErrFormat = errors.New("ingest: input is neither NMEA nor a known CSV layout")

// sniffLines bounds how many lines Sniff looks at.
const sniffLines = 200

// Sniff tells the format of the input buffered in br without consuming
// it. It looks at the first lines that are not blank or "#" comments: a
// header row of a known CSV layout is FormatCSV (the DMA header, which
// starts with "# Timestamp", included); a line starting with '!', '$' or
// '\' (a tag block), or a number (a receiver timestamp) followed by '!' or
// '$' on the same line, is FormatNMEA. Other lines are passed over, up to
// 200 lines or the buffer's size, after which an input with an AIS
// sentence anywhere in what was seen is NMEA and anything else ErrFormat.
// An input that is empty, or has only blank and comment lines, is
// FormatNMEA (it decodes to nothing).
//
// Sniff reads no more than it needs: on a live stream it returns as soon
// as the first significant line is complete.
func Sniff(br *bufio.Reader) (Format, error) {
	n := 1
	for {
		_, err := br.Peek(n)
		buf, _ := br.Peek(br.Buffered())
		eof := err == io.EOF
		if err != nil && !eof && err != bufio.ErrBufferFull {
			return FormatUnknown, err
		}
		full := len(buf) >= br.Size() || err == bufio.ErrBufferFull
		if f, done := sniffBuffer(buf, eof || full); done {
			if f == FormatUnknown {
				return f, ErrFormat
			}
			return f, nil
		}
		if eof || full {
			return FormatNMEA, nil // unreachable: sniffBuffer decides at the end
		}
		n = len(buf) + 1
	}
}

// sniffBuffer decides on the complete lines of buf (all of buf when
// final); done is false when more input is needed.
func sniffBuffer(buf []byte, final bool) (f Format, done bool) {
	buf = bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))
	sawAIS, significant := false, false
	for lines := 0; len(buf) > 0 && lines < sniffLines; lines++ {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 && !final {
			return FormatUnknown, false
		}
		var line []byte
		if i < 0 {
			line, buf = buf, nil
		} else {
			line, buf = buf[:i], buf[i+1:]
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if DetectCSVHeader(line) != LayoutUnknown {
			return FormatCSV, true
		}
		switch c := line[0]; {
		case c == '!' || c == '$' || c == '\\':
			return FormatNMEA, true
		case c == '#':
			continue
		case c >= '0' && c <= '9' && bytes.IndexAny(line, "!$") >= 0:
			return FormatNMEA, true
		}
		significant = true
		if bytes.Contains(line, []byte("VDM,")) || bytes.Contains(line, []byte("VDO,")) {
			sawAIS = true
		}
	}
	if len(buf) > 0 && !final {
		final = true // looked at enough lines
	}
	if !final {
		return FormatUnknown, false
	}
	if sawAIS || !significant {
		return FormatNMEA, true
	}
	return FormatUnknown, true
}

// ObserveOptions configure Observations. The zero value is usable.
type ObserveOptions struct {
	NMEA Options    // framing options for NMEA input
	CSV  CSVOptions // options for CSV input
	// Now is the clock that stamps the arrival of NMEA messages, the time
	// of those with no tag-block or receiver time. Nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called with the number of bytes read from
	// the file so far (as stored: compressed bytes for a gzip file), on
	// the calling goroutine, every few thousand observations and once at
	// the end.
	Progress func(bytesRead int64)
}

// FileStats summarise one input read by Observations.
type FileStats struct {
	Format Format
	// Bytes is the number of bytes read from the file as stored.
	Bytes int64
	// Messages is the number of AIS messages decoded (NMEA) or of data
	// rows read (CSV, rejected ones included).
	Messages int64
	// Observations is the number of observations emitted.
	Observations int64
	// Rejected counts rejected input by reason: NMEA lines, fragments and
	// payloads by error class (as Stats.Errors), or CSV rows by reason
	// (as CSVStats.Rejected).
	Rejected map[string]int64
	NMEA     Stats    // the NMEA pipeline's counters, for FormatNMEA
	CSV      CSVStats // the CSV reader's counters, for FormatCSV
}

// progressEvery is how many observations pass between Progress calls.
const progressEvery = 4096

// Observations reads the named file ("-" for stdin; gzip-compressed or
// not, see Open), tells its format with Sniff, and calls emit for each
// observation it holds: NMEA through Decode and an Observer, CSV through
// ReadCSV. The observation passed to emit is valid only during the call;
// emit runs on the calling goroutine. Observations returns when the input
// ends, when reading fails, when emit returns an error (which it
// returns), or when ctx is cancelled; bad input is counted in the
// returned FileStats and never stops it.
func Observations(ctx context.Context, name string, stdin io.Reader, opt ObserveOptions, emit func(*vessel.Observation) error) (FileStats, error) {
	var under io.ReadCloser
	if name == "-" {
		under = io.NopCloser(stdin)
	} else {
		f, err := os.Open(name)
		if err != nil {
			return FileStats{}, err
		}
		under = f
	}
	cr := &countingReader{r: under}
	rc, err := maybeGzip(readCloser{cr, under})
	if err != nil {
		return FileStats{}, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	var br *bufio.Reader
	if bf, ok := rc.(bufferedFile); ok {
		br = bf.Reader
	} else {
		br = bufio.NewReaderSize(rc, 64<<10)
	}

	st := FileStats{Rejected: make(map[string]int64)}
	st.Format, err = Sniff(br)
	if err != nil {
		st.Bytes = cr.n.Load()
		return st, fmt.Errorf("%s: %w", name, err)
	}

	var sinceProgress int
	lastBytes := int64(-1)
	progress := func() {
		if n := cr.n.Load(); opt.Progress != nil && n != lastBytes {
			lastBytes = n
			opt.Progress(n)
		}
	}
	emitCounted := func(o *vessel.Observation) error {
		st.Observations++
		if sinceProgress++; sinceProgress == progressEvery {
			sinceProgress = 0
			progress()
		}
		return emit(o)
	}

	switch st.Format {
	case FormatCSV:
		st.CSV, err = ReadCSV(ctx, br, opt.CSV, emitCounted)
		st.Messages = st.CSV.Rows
		maps.Copy(st.Rejected, st.CSV.Rejected)
	default:
		now := opt.Now
		if now == nil {
			now = time.Now
		}
		var ob Observer
		out := make([]vessel.Observation, 0, 2)
		st.NMEA, err = Decode(ctx, br, opt.NMEA, func(d Decoded) error {
			out = ob.Observe(d, vessel.TimeOf(now()), out[:0])
			for i := range out {
				if err := emitCounted(&out[i]); err != nil {
					return err
				}
			}
			return nil
		})
		st.Messages = st.NMEA.Messages
		maps.Copy(st.Rejected, st.NMEA.Errors)
	}
	st.Bytes = cr.n.Load()
	progress()
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
	}
	return st, err
}

// countingReader counts the bytes read through it; the count may be read
// from another goroutine (Decode reads on its own).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type readCloser struct {
	io.Reader
	io.Closer
}
