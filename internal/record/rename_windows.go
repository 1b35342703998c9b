//go:build windows

package record

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// renameRetry bounds how long rename retries a replacement that another
// handle on newpath refuses.
const renameRetry = 2 * time.Second

// rename is os.Rename (MoveFileEx with MOVEFILE_REPLACE_EXISTING), retried
// while it fails with ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION:
// Windows refuses to replace a file that another handle holds open
// without FILE_SHARE_DELETE, which os.Open never grants, so a reader of
// the old contents (a cursor or tokens file read at that moment) would
// fail the writer. Readers hold such files for microseconds; past
// renameRetry the error is returned.
func rename(oldpath, newpath string) error {
	return retry(func() error { return os.Rename(oldpath, newpath) })
}

// openFile is os.OpenFile, retried in the same way: while rename replaces
// a file, an open of it fails with ERROR_SHARING_VIOLATION.
func openFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	var f *os.File
	err := retry(func() (err error) {
		f, err = os.OpenFile(name, flag, perm)
		return err
	})
	return f, err
}

// retry calls op until it succeeds, fails otherwise than with a sharing
// error, or renameRetry has passed, with a backoff from 1 to 50 ms.
func retry(op func() error) error {
	deadline := time.Now().Add(renameRetry)
	wait := time.Millisecond
	for {
		err := op()
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

func retryable(err error) bool {
	const errorSharingViolation syscall.Errno = 32
	return errors.Is(err, syscall.ERROR_ACCESS_DENIED) || errors.Is(err, errorSharingViolation)
}
