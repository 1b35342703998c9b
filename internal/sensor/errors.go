package sensor

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every per-line or per-row error of this package wraps a
// LineError around one of them (or around an nmea error for broken
// sentences); branch with errors.Is.
var (
	// ErrField: a field is missing, not a number, or out of its range.
	ErrField = errors.New("sensor: bad field")
	// ErrNoPosition: a range and bearing report (TTM) with no own-ship
	// position near its time and no configured Site for its source.
	ErrNoPosition = errors.New("sensor: no sensor position for the report")
	// ErrNoHeading: a relative bearing with no own heading to turn it into
	// a true bearing.
	ErrNoHeading = errors.New("sensor: relative bearing without own heading")
	// ErrNoTime: a report whose time cannot be found (no date anywhere).
	ErrNoTime = errors.New("sensor: no time for the report")
	// ErrHeader: the input's header names no known layout, or lacks a
	// required column.
	ErrHeader = errors.New("sensor: unknown or incomplete header")
	// ErrRow: a CSV row with the wrong number of cells, or a GeoJSON
	// feature that is not a point.
	ErrRow = errors.New("sensor: malformed row")
)

// LineError is an error in one line (NMEA), row (CSV), feature (GeoJSON)
// or record (ASTERIX) of an input. Line counts from 1.
type LineError struct {
	Line  int
	Field string // the field or column at fault; "" when not known
	Err   error
}

func (e *LineError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s: %v", e.Line, e.Field, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// fieldError is an ErrField with the reason.
func fieldError(line int, field, why string) error {
	return &LineError{Line: line, Field: field, Err: fmt.Errorf("%s: %w", why, ErrField)}
}

// Stats counts what a reader did with its input.
type Stats struct {
	Lines      int64 // lines, rows or records read
	Detections int64 // detections produced
	OwnShip    int64 // own-ship sentences used (RMC, GGA, VTG, HDT, THS, OSD)
	Skipped    int64 // lines of no interest (other sentences, blank lines, comments)
	Errors     int64 // bad lines, rows or records, each counted once
	// Overflows counts radar reports resolved early because the queue of
	// reports waiting for own-ship data was full.
	Overflows int64
	// Samples holds the first errors (at most MaxSamples) as *LineError
	// values, for a report to the user.
	Samples []error
}

// MaxSamples bounds Stats.Samples.
const MaxSamples = 10

func (s *Stats) fail(err error) {
	s.Errors++
	if len(s.Samples) < MaxSamples {
		s.Samples = append(s.Samples, err)
	}
}
