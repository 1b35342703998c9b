package cluster

import (
	"errors"
	"fmt"
)

var (
	// ErrNeedSnapshot: the stream no longer holds the entry after the last
	// applied one (the node was away longer than the retention), so the
	// follower cannot continue; the node restores a peer's snapshot
	// ([Node.RestoreSnapshot]) and then follows again.
	ErrNeedSnapshot = errors.New("cluster: entries after the last applied one are gone from the stream; restore a snapshot")
	// ErrBusy: Publish found the bound of in-flight publishes reached
	// (with [OverflowReject]).
	ErrBusy = errors.New("cluster: too many publishes in flight")
	// ErrCorrupt: an entry or a cursor file does not decode.
	ErrCorrupt = errors.New("cluster: corrupt data")
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("cluster: closed")
	// ErrCursorAhead: the persisted last-applied sequence is beyond the
	// stream's last sequence, so the stream is not the one this node
	// followed (it was deleted and made again, or the data directory
	// belongs to another cluster).
	ErrCursorAhead = errors.New("cluster: last applied sequence is beyond the stream")
	// ErrTooLarge: an entry would exceed 1 MiB, NATS's default maximum
	// payload; the input cuts its batches smaller.
	ErrTooLarge = errors.New("cluster: entry larger than 1 MiB")
	// ErrNoSnapshot: no peer answered a snapshot request.
	ErrNoSnapshot = errors.New("cluster: no snapshot available")
)

// ConfigError is an invalid [Config] field.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("cluster: config %s: %v", e.Field, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// GapError is the [ErrNeedSnapshot] condition with its positions: the
// follower applied up to Applied and the stream starts at First.
type GapError struct {
	Stream  string
	Applied uint64
	First   uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("cluster: stream %s: applied up to %d, first entry left is %d: %v", e.Stream, e.Applied, e.First, ErrNeedSnapshot)
}
func (e *GapError) Unwrap() error { return ErrNeedSnapshot }

// DecodeError is an entry that does not decode, at its stream sequence.
type DecodeError struct {
	Seq uint64
	Err error
}

func (e *DecodeError) Error() string { return fmt.Sprintf("cluster: entry %d: %v", e.Seq, e.Err) }
func (e *DecodeError) Unwrap() error { return e.Err }
