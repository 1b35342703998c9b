package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/ingest"
)

const decodeUsage = `Usage: tidewatch decode [--unscaled] [--stats] [FILE...]

Decode AIS NMEA 0183 sentences (!AIVDM/!AIVDO, any talker, NMEA 4.10 tag
blocks, common archive prefixes and suffixes) and write one JSON object per
complete message, compatible with gpsd's AIS JSON (gpsdecode). Files may be
gzip-compressed; with no FILE, or FILE "-", standard input is read. A FILE
that holds no AIS message at all is an error ("no AIS found in FILE").

Each object has gpsd's keys; "time" and "source" are added when an NMEA tag
block gave them, and "rxtime" when the archive line carried a receiver
timestamp. Malformed input is skipped and counted; the exit status is 0
unless reading or writing fails or a FILE holds no AIS.

Options:
`

func runDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	unscaled := fs.Bool("unscaled", false, "print raw field values as transmitted (like gpsdecode -u)")
	stats := fs.Bool("stats", false, "print a summary of messages and rejected input by class on stderr")
	maxLine := fs.Int("max-line", 0, "longest accepted input line in bytes (0: default, 1024)")
	keepTags := fs.Bool("keep-bad-tag-checksums", false, "use tag-block time and source even when the tag block's checksum is wrong (some archives write *00)")
	fs.Usage = func() {
		fmt.Fprint(stderr, decodeUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	opt := ais.JSONOptions{Scaled: !*unscaled}
	var total ingest.Stats
	for _, name := range files {
		st, err := decodeFile(ctx, name, stdin, w, opt, ingest.Options{MaxLineLength: *maxLine, KeepBadTagChecksums: *keepTags})
		total = addStats(total, st)
		if err == nil && st.Messages == 0 && name != "-" {
			err = noAISError(name, "nmea", st.Lines, 0, st.Errors)
		}
		if err != nil {
			w.Flush()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if *stats {
		return total.WriteSummary(stderr)
	}
	return nil
}

func decodeFile(ctx context.Context, name string, stdin io.Reader, w *bufio.Writer, opt ais.JSONOptions, iopt ingest.Options) (ingest.Stats, error) {
	if name != "-" {
		if fi, err := os.Stat(name); err == nil && fi.IsDir() {
			return ingest.Stats{}, fmt.Errorf("%s is a directory, not a file", name)
		}
	}
	rc, err := ingest.Open(name, stdin)
	if err != nil {
		return ingest.Stats{}, err
	}
	defer rc.Close()
	st, err := ingest.Decode(ctx, rc, iopt, func(d ingest.Decoded) error {
		// Encode straight into the writer's free buffer: no extra copy.
		if w.Available() < 4096 {
			if err := w.Flush(); err != nil {
				return &writeError{err}
			}
		}
		if _, err := w.Write(appendDecoded(w.AvailableBuffer(), d, opt)); err != nil {
			return &writeError{err}
		}
		return nil
	})
	var we *writeError
	switch {
	case errors.As(err, &we):
		return st, fmt.Errorf("write: %w", we.err)
	case err != nil && !errors.Is(err, context.Canceled):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return st, err // names the file already
		}
		return st, fmt.Errorf("read %s: %w", name, err)
	}
	return st, err
}

// writeError marks an error of the output, as opposed to the input.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// appendDecoded writes the message JSON plus the framing metadata and a
// newline.
func appendDecoded(b []byte, d ingest.Decoded, opt ais.JSONOptions) []byte {
	b = d.Msg.AppendJSON(b, opt)
	m := d.NMEA
	if m.Time.IsZero() && len(m.Source) == 0 && m.RecvTime.IsZero() {
		return append(b, '\n')
	}
	b = b[:len(b)-1] // reopen the object
	if !m.Time.IsZero() {
		b = append(b, `,"time":"`...)
		b = m.Time.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if len(m.Source) > 0 {
		b = append(b, `,"source":`...)
		b = ais.AppendQuoted(b, m.Source) // tag-block sources are untrusted bytes
	}
	if !m.RecvTime.IsZero() {
		b = append(b, `,"rxtime":"`...)
		b = m.RecvTime.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}', '\n')
}

func addStats(a, b ingest.Stats) ingest.Stats {
	a.Lines += b.Lines
	a.Sentences += b.Sentences
	a.Messages += b.Messages
	a.NotAIS += b.NotAIS
	if a.Errors == nil {
		a.Errors = make(map[string]int64)
	}
	for k, v := range b.Errors {
		a.Errors[k] += v
	}
	return a
}
