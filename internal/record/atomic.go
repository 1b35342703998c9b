package record

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is the file system [WriteFileAtomic] creates its temporary file
// through, so that tests can fail writes. Renaming, removing and syncing
// the directory go to the operating system.
type FS interface {
	// OpenFile opens a file for writing, like os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
}

// File is a file written through an [FS].
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// OSFS is the operating system's file system.
type OSFS struct{}

// OpenFile calls os.OpenFile.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// WriteFileAtomic replaces the file at path with data so that a crash
// leaves either the old or the new contents, never a mix: it writes
// path+".tmp" in the same directory, fsyncs it, renames it over path
// (os.Rename replaces an existing file on Windows too) and fsyncs the
// directory ([SyncDir]). On failure the temporary file is removed and the
// old file is untouched; the error names path.
func WriteFileAtomic(fsys FS, path string, data []byte, perm fs.FileMode) error {
	tmp := path + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm)
	if err != nil {
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}
