package store

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file system the store creates its files through (WAL
// segments, blocks, the manifest). Reading, renaming and removing go to
// the operating system directly. Tests pass an FS that fails writes (a
// full disk, an I/O error) and then recovers.
type FS interface {
	// OpenFile opens a file for writing, like os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
}

// File is a file the store writes.
type File interface {
	io.Writer
	io.WriterAt
	Sync() error
	Close() error
}

// OSFS is the operating system's file system (the default).
type OSFS struct{}

// OpenFile calls os.OpenFile.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}
