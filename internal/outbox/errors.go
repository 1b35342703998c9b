package outbox

import (
	"errors"

	"github.com/tidewatch/tidewatch/internal/record"
)

var (
	// ErrCorrupt reports data on disk that fails its checksum or its
	// sequence: a damaged file, not a torn tail (which is repaired).
	ErrCorrupt = errors.New("outbox: corrupt data")
	// ErrVersion reports a file written by an unknown format version.
	ErrVersion = errors.New("outbox: unsupported format version")
	// ErrClosed reports use of a closed queue.
	ErrClosed = errors.New("outbox: closed")
	// ErrLocked reports a queue directory opened by another Queue.
	ErrLocked = errors.New("outbox: queue directory is in use")
	// ErrTooLarge reports a record longer than MaxData.
	ErrTooLarge = errors.New("outbox: record too large")
	// ErrAckRange reports an Ack beyond the last synced record.
	ErrAckRange = errors.New("outbox: ack beyond the last synced record")
)

// FileError is an error at a position in one of the queue's files:
// record.FileError, the one file error of tidewatch's logs.
type FileError = record.FileError
