package store

import (
	"io/fs"
	"os"

	"github.com/tidewatch/tidewatch/internal/record"
)

// FS is the file system the store goes through (Options.FS). Every file
// operation of the store (open, create, read, rename, remove, list,
// stat, truncate, directory sync, the writer lock) goes through a
// record.FS: Options.FS itself when it is one (record.OSFS, the default;
// record.MemFS, for crash tests in memory). An FS that only creates
// files (tests that fail writes: a full disk, an I/O error) gets the
// operating system's file system for everything else.
type FS interface {
	// OpenFile opens a file, like os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
}

// File is a file the store writes: record.File (which *os.File
// satisfies).
type File = record.File

// OSFS is the operating system's file system (the default): record.OSFS.
type OSFS = record.OSFS

// asRecordFS returns fsys as a record.FS: fsys itself when it is one,
// else one that opens files through fsys and does the rest (rename,
// remove, list, sync, lock) through the operating system.
func asRecordFS(fsys FS) record.FS {
	if r, ok := fsys.(record.FS); ok {
		return r
	}
	return recordFS{FS: record.OSFS{}, fsys: fsys}
}

// recordFS opens files through the store's FS (which fails writes in
// tests) and does the rest through the full file system behind it.
type recordFS struct {
	record.FS
	fsys FS
}

func (r recordFS) OpenFile(name string, flag int, perm fs.FileMode) (record.File, error) {
	f, err := r.fsys.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// truncateSynced cuts the file at size and fsyncs it.
func truncateSynced(fsys record.FS, name string, size int64) error {
	f, err := fsys.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return err
}
