package record

import (
	"errors"
	"fmt"
)

// FileError is an error at a position in a file. Every log of tidewatch
// reports damage with it: errors.As finds the file and offset, errors.Is
// the cause (ErrTorn, ErrCorrupt, ErrVersion, or the owning package's
// sentinels).
type FileError struct {
	Path   string // path of the file
	Offset int64  // byte offset of the bad record or field, -1 if not known
	Err    error
}

func (e *FileError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s at offset %d: %v", e.Path, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Mark returns err with sentinel added to what it wraps, keeping the file
// and offset of a *FileError on the outside: a package turns
// record.ErrCorrupt into its own ErrCorrupt so that its callers test for
// one sentinel. A nil err stays nil.
func Mark(err, sentinel error) error {
	if err == nil {
		return nil
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return &FileError{Path: fe.Path, Offset: fe.Offset, Err: fmt.Errorf("%w: %w", sentinel, fe.Err)}
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}
