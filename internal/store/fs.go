package store

import (
	"io/fs"

	"github.com/tidewatch/tidewatch/internal/record"
)

// FS is the file system the store creates its files through (WAL
// segments, blocks, the manifest). Tests pass an FS that fails writes (a
// full disk, an I/O error) and then recovers. If the FS is also a
// record.FS (record.OSFS, record.MemFS), the WAL also syncs its directory
// and removes files through it; otherwise reading, renaming, removing and
// syncing directories go to the operating system directly.
type FS interface {
	// OpenFile opens a file for writing, like os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
}

// File is a file the store writes: record.File (which *os.File
// satisfies).
type File = record.File

// OSFS is the operating system's file system (the default): record.OSFS.
type OSFS = record.OSFS

// fullFS returns fsys as a record.FS when it is one, else the operating
// system's file system (for everything but creating files).
func fullFS(fsys FS) record.FS {
	if r, ok := fsys.(record.FS); ok {
		return r
	}
	return record.OSFS{}
}

// asRecordFS returns fsys as a record.FS that creates files through fsys
// (see recordFS in snapshot.go).
func asRecordFS(fsys FS) record.FS { return recordFS{FS: fullFS(fsys), fsys: fsys} }
