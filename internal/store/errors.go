package store

import (
	"errors"

	"github.com/tidewatch/tidewatch/internal/record"
)

var (
	// ErrCorrupt reports data on disk that fails its checksum or does not
	// decode: a damaged file, not a torn tail (which is repaired).
	ErrCorrupt = errors.New("store: corrupt data")
	// ErrVersion reports a file written by an unknown format version.
	ErrVersion = errors.New("store: unsupported format version")
	// ErrLocked reports a data directory in use by another process.
	ErrLocked = errors.New("store: data directory is in use by another process")
	// ErrClosed reports use of a closed store.
	ErrClosed = errors.New("store: closed")
	// ErrBacklog reports a write refused because earlier writes are
	// failing (see Health) and the memory that keeps them is full.
	ErrBacklog = errors.New("store: writes are failing and the backlog is full")
	// ErrNotStore reports a directory that holds files but is not a store.
	ErrNotStore = errors.New("store: not a tidewatch data directory")
)

// FileError is an error at a position in one of the store's files: the
// record package's, so that errors.As with a *record.FileError finds the
// store's errors too (Path, Offset, Err).
type FileError = record.FileError
