package record

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gofrs/flock"
)

// ErrLocked is returned by [Lock] when another process, or another [DirLock]
// in this process, holds the lock.
var ErrLocked = errors.New("record: locked by another writer")

// DirLock is an exclusive lock on a file in a directory. The zero value is
// not usable; take one with [Lock].
type DirLock struct {
	fl *flock.Flock
}

// Lock takes the exclusive lock on the file name in dir, creating the file
// (mode 0600) if it does not exist. It does not wait: if the lock is held
// elsewhere it returns an error that wraps [ErrLocked] and names the file.
// Other failures (a missing directory, permissions) wrap the underlying
// error instead.
func Lock(dir, name string) (*DirLock, error) {
	path := filepath.Join(dir, name)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		fl.Close()
		return nil, fmt.Errorf("record: lock %s: %w", path, err)
	}
	if !ok {
		fl.Close()
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	return &DirLock{fl: fl}, nil
}

// Path returns the path of the lock file.
func (l *DirLock) Path() string { return l.fl.Path() }

// Close releases the lock. The lock file stays. Close is idempotent.
func (l *DirLock) Close() error {
	if l == nil || l.fl == nil {
		return nil
	}
	if err := l.fl.Close(); err != nil {
		return fmt.Errorf("record: unlock %s: %w", l.fl.Path(), err)
	}
	return nil
}
