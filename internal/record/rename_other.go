//go:build !windows

package record

import (
	"io/fs"
	"os"
)

// rename is os.Rename: on Unix it replaces newpath atomically even while
// other processes have it open.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// openFile is os.OpenFile.
func openFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
