package record

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FS is the file system a log lives in. [OSFS] is the operating system's;
// [MemFS] is in memory and can simulate a crash, so crash tests run fast
// and at every write and sync boundary. Paths are operating-system paths.
type FS interface {
	// OpenFile opens a file like os.OpenFile (O_RDONLY, O_WRONLY, O_RDWR,
	// O_CREATE, O_EXCL, O_TRUNC, O_APPEND).
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Rename renames a file, replacing newpath if it exists.
	Rename(oldpath, newpath string) error
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// MkdirAll creates a directory and its parents.
	MkdirAll(path string, perm fs.FileMode) error
	// ReadDir lists a directory, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Stat describes a file.
	Stat(name string) (fs.FileInfo, error)
	// Truncate changes a file's size.
	Truncate(name string, size int64) error
	// SyncDir makes the entries of a directory (files created, renamed,
	// removed in it) durable.
	SyncDir(dir string) error
	// Lock takes an exclusive lock on the file name in dir for one writer
	// (see [Lock]); it fails with an error wrapping ErrLocked if held.
	Lock(dir, name string) (io.Closer, error)
}

// File is an open file of an [FS]. *os.File satisfies it.
type File interface {
	io.Reader
	io.ReaderAt
	io.Writer
	io.WriterAt
	io.Seeker
	io.Closer
	Sync() error
	Truncate(size int64) error
	Stat() (fs.FileInfo, error)
}

// OSFS is the operating system's file system.
type OSFS struct{}

var _ FS = OSFS{}

// OpenFile calls os.OpenFile (on Windows retried for a moment while a
// replacement of the file by Rename refuses it: rename_windows.go).
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := openFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Rename calls os.Rename, which replaces newpath on Windows too (there
// retried for a moment while a reader holds newpath open:
// rename_windows.go).
func (OSFS) Rename(oldpath, newpath string) error { return rename(oldpath, newpath) }

// Remove calls os.Remove.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// MkdirAll calls os.MkdirAll.
func (OSFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// ReadDir calls os.ReadDir.
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Stat calls os.Stat.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Truncate calls os.Truncate.
func (OSFS) Truncate(name string, size int64) error { return os.Truncate(name, size) }

// SyncDir calls [SyncDir].
func (OSFS) SyncDir(dir string) error { return SyncDir(dir) }

// Lock calls [Lock].
func (OSFS) Lock(dir, name string) (io.Closer, error) { return Lock(dir, name) }

// ReadFile reads a whole file of fsys.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if errors.Is(err, io.EOF) {
			return data, nil
		}
		if err != nil {
			return data, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// TempSuffix ends the name of every temporary file [WriteFileAtomic]
// creates: NAME.RANDOM.tmp beside NAME (and NAME.tmp, the fixed name of
// versions before unique names).
const TempSuffix = ".tmp"

// IsTemp reports whether the file name (a base name) is a temporary file
// of [WriteFileAtomic] for the file target (a base name): target.tmp or
// target.RANDOM.tmp.
func IsTemp(name, target string) bool {
	if name == target+TempSuffix {
		return true
	}
	rest, ok := strings.CutPrefix(name, target+".")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, TempSuffix)
	return ok && rest != "" && !strings.ContainsAny(rest, `./\`)
}

// RemoveTemps removes the temporary files that writes of path by
// [WriteFileAtomic] cut by a crash left beside it, and returns how many
// it removed. Call it only where no other writer of path can be at work
// (at open, under the owner's lock): a temporary file being written
// looks the same.
func RemoveTemps(fsys FS, path string) (int, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("record: remove temporary files of %s: %w", path, err)
	}
	n := 0
	for _, e := range ents {
		if e.IsDir() || !IsTemp(e.Name(), base) {
			continue
		}
		if err := fsys.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("record: remove temporary files of %s: %w", path, err)
		}
		n++
	}
	return n, nil
}

// createTemp creates a new temporary file for path in its directory, with
// a name no other file has (O_EXCL), as os.CreateTemp does: two writers of
// the same path never share a temporary file.
func createTemp(fsys FS, path string, perm fs.FileMode) (File, string, error) {
	for range 100 {
		tmp := path + "." + strconv.FormatUint(rand.Uint64()>>1, 36) + TempSuffix
		f, err := fsys.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", fmt.Errorf("record: no unused temporary name for %s: %w", path, fs.ErrExist)
}

// WriteFileAtomic replaces the file at path with data so that a crash
// leaves either the old or the new contents, never a mix: it writes a new
// temporary file in the same directory with a unique name (NAME.RANDOM.tmp,
// created with O_EXCL as os.CreateTemp does, so that concurrent writers of
// path never write each other's file), fsyncs it, renames it over path
// (os.Rename replaces an existing file on Windows too) and fsyncs the
// directory. On failure the temporary file is removed and the old file is
// untouched; the error names path. A crash may leave a temporary file:
// owners ignore names for which [IsTemp] holds and remove them at open
// ([RemoveTemps]).
func WriteFileAtomic(fsys FS, path string, data []byte, perm fs.FileMode) error {
	f, tmp, err := createTemp(fsys, path, perm)
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
		err = fsys.Rename(tmp, path)
	}
	if err != nil {
		fsys.Remove(tmp)
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	return nil
}

// Link calls os.Link: a hard link where the file system has them (an
// owner that copies files may link them instead; MemFS has no links).
func (OSFS) Link(oldname, newname string) error { return os.Link(oldname, newname) }
