package sensor

import (
	"bufio"
	"errors"
	"io"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// MaxLineLength bounds a line of NMEA or CSV input; a longer line is
// counted as an error and skipped.
const MaxLineLength = 64 << 10

// ErrLineTooLong: a line longer than MaxLineLength (skipped).
var ErrLineTooLong = errors.New("sensor: line too long")

// lines calls fn for every line of rd (without its terminator), skipping
// and reporting lines longer than MaxLineLength through tooLong.
func lines(rd io.Reader, fn func(line []byte) error, tooLong func()) error {
	br := bufio.NewReaderSize(rd, 64<<10)
	long := false
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if !long {
				tooLong()
			}
			long = true
			continue
		case long:
			long = false
		case len(line) > 0:
			if e := fn(line); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return err
		}
	}
}

// ReadRadar reads the NMEA 0183 lines of one radar input and calls emit
// for every detection. Bad lines are counted in the returned Stats, never
// fatal; the error is the first from rd or emit.
func ReadRadar(rd io.Reader, opt RadarOptions, emit func(*vessel.Detection) error) (Stats, error) {
	r := NewRadar(opt)
	var buf []vessel.Detection
	send := func() error {
		for i := range buf {
			if err := emit(&buf[i]); err != nil {
				return err
			}
		}
		buf = buf[:0]
		return nil
	}
	err := lines(rd, func(line []byte) error {
		buf, _ = r.Parse(buf, line)
		return send()
	}, func() {
		r.line++
		r.stats.Lines++
		r.stats.fail(&LineError{Line: r.line, Err: ErrLineTooLong})
	})
	if err != nil {
		return r.Stats(), err
	}
	buf = r.Flush(buf)
	err = send()
	return r.Stats(), err
}
