package audit

import (
	"errors"

	"github.com/tidewatch/tidewatch/internal/record"
)

var (
	// ErrCorrupt reports data on disk that fails its checksum or does not
	// decode.
	ErrCorrupt = errors.New("audit: corrupt data")
	// ErrVersion reports a file written by an unknown format version.
	ErrVersion = errors.New("audit: unsupported format version")
	// ErrClosed reports use of a closed log.
	ErrClosed = errors.New("audit: closed")
	// ErrLocked reports a log directory opened by another Log.
	ErrLocked = errors.New("audit: log directory is in use")
	// ErrTooLarge reports an entry with a string longer than MaxString.
	ErrTooLarge = errors.New("audit: entry too large")
)

// FileError is an error at a position in one of the log's files:
// record.FileError, the one file error of tidewatch's logs.
type FileError = record.FileError
