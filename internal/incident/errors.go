package incident

import (
	"errors"
	"fmt"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Sentinel errors. Every error this package returns wraps one of them,
// except I/O errors from the file system, which are returned wrapped as
// they are.
var (
	// ErrInvalid: a record, a marking, a kind or a category that breaks a
	// rule of Validate or of the JSON form. The error is a *FieldError
	// when one field is to blame.
	ErrInvalid = errors.New("incident: invalid record")
	// ErrNotFound: no record has the ID.
	ErrNotFound = errors.New("incident: no such record")
	// ErrConflict: an edit based on a version that is not the latest, or a
	// received version that differs from the one held under the same
	// number.
	ErrConflict = errors.New("incident: version conflict")
	// ErrForeign: an edit or deletion of a record that another node owns,
	// or a received record that claims to come from this node.
	ErrForeign = errors.New("incident: record owned by another node")
	// ErrDeleted: an edit or deletion of a deleted record.
	ErrDeleted = errors.New("incident: record deleted")
	// ErrTooLarge: a JSON document or a log record over its bound.
	ErrTooLarge = errors.New("incident: too large")
	// ErrCorrupt: a log record in the middle of the file fails its
	// checksum or does not decode (a torn tail is repaired instead).
	ErrCorrupt = errors.New("incident: corrupt log")
	// ErrFormat: the file is not an incident log, or is of an unknown
	// format version.
	ErrFormat = errors.New("incident: not an incident log of a known version")
	// ErrLocked: the log is open in another process.
	ErrLocked = errors.New("incident: log in use by another process")
	// ErrClosed: use of a closed store, or of a store whose last write
	// failed (the file is in an unknown state until it is reopened).
	ErrClosed = errors.New("incident: store closed")
	// ErrOptions: Options that Open cannot use.
	ErrOptions = errors.New("incident: invalid options")
)

// FieldError names the field of a record that breaks a rule. Field is the
// key of the JSON form, with an index for list members ("title",
// "vessels[3]", "area[0].outer[5]"). It wraps ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return "incident: invalid " + e.Field + ": " + e.Reason
}

func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// FileError is an error at a byte offset of the log file:
// record.FileError, the one file error of tidewatch's logs.
type FileError = record.FileError
