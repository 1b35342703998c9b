package store

import (
	"errors"
	"fmt"
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

// FileError is an error at a position in one of the store's files.
type FileError struct {
	File   string // path of the file
	Offset int64  // byte offset of the bad record, -1 if not known
	Err    error
}

func (e *FileError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s at offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }
