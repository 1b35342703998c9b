package record_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// failFS opens files whose Write fails with errDisk after limit bytes.
type failFS struct {
	record.OSFS
	limit int
}

var errDisk = errors.New("disk full")

func (f failFS) OpenFile(name string, flag int, perm fs.FileMode) (record.File, error) {
	file, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &failFile{File: file, left: f.limit}, nil
}

type failFile struct {
	*os.File
	left int
}

func (f *failFile) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.File.Write(p[:f.left])
		f.left = 0
		return n, errDisk
	}
	f.left -= len(p)
	return f.File.Write(p)
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "CURSOR")
	tests := []struct {
		name string
		data string
	}{
		{"create", "first contents\n"},
		{"replace longer", "second, longer contents than before\n"},
		{"replace shorter", "3\n"},
		{"empty", ""},
	}
	for _, tt := range tests {
		if err := record.WriteFileAtomic(record.OSFS{}, path, []byte(tt.data), 0o600); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.data {
			t.Errorf("%s: file holds %q, want %q", tt.name, got, tt.data)
		}
		if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: temporary file left behind (%v)", tt.name, err)
		}
	}
}

func TestWriteFileAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "MANIFEST")
	if err := record.WriteFileAtomic(record.OSFS{}, path, []byte("old contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := record.WriteFileAtomic(failFS{limit: 3}, path, []byte("new contents that do not fit"), 0o600)
	if !errors.Is(err, errDisk) {
		t.Fatalf("write on a full disk: %v; want it to wrap errDisk", err)
	}
	if !strings.HasPrefix(err.Error(), "record: ") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q lacks the package prefix or the path", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old contents" {
		t.Errorf("after a failed write the file holds %q, want the old contents", got)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind after failure (%v)", err)
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent", "FILE")
	if err := record.WriteFileAtomic(record.OSFS{}, path, []byte("x"), 0o600); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("write into a missing directory: %v; want ErrNotExist", err)
	}
}

func TestSyncDir(t *testing.T) {
	if err := record.SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir of a directory: %v", err)
	}
}
