package record_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: %d files in the directory, want 1 (a temporary file left behind?)", tt.name, len(ents))
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
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory after a failure, want 1 (a temporary file left behind?)", len(ents))
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

// TestWriteFileAtomicConcurrent: writers of the same file at once never
// share a temporary file, so the file always holds one writer's whole
// contents (with one fixed temporary name, one writer could rename the
// other's half-written file into place).
func TestWriteFileAtomicConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "CURSOR")
	const writers, rounds = 4, 25
	contents := make([][]byte, writers)
	for w := range contents {
		contents[w] = bytes.Repeat([]byte{'a' + byte(w)}, 4096*(w+1))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if err := record.WriteFileAtomic(record.OSFS{}, path, contents[w], 0o600); err != nil {
					errs <- err
				}
				got, err := record.ReadFile(record.OSFS{}, path) // on Windows, retried while a rename replaces it
				if err != nil {
					errs <- err
					continue
				}
				if !slices.ContainsFunc(contents, func(c []byte) bool { return bytes.Equal(c, got) }) {
					errs <- fmt.Errorf("file holds %d bytes that no writer wrote whole", len(got))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1", len(ents))
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name, target string
		want         bool
	}{
		{"MANIFEST.tmp", "MANIFEST", true},
		{"MANIFEST.3kq9x0a1.tmp", "MANIFEST", true},
		{"MANIFEST", "MANIFEST", false},
		{"MANIFEST.tmp.x", "MANIFEST", false},
		{"MANIFEST..tmp", "MANIFEST", false},
		{"MANIFEST.a.b.tmp", "MANIFEST", false},
		{"SNAPSHOT.3kq9.tmp", "MANIFEST", false},
		{"XMANIFEST.3kq9.tmp", "MANIFEST", false},
		{"cursor.zz.tmp", "cursor", true},
	}
	for _, tt := range tests {
		if got := record.IsTemp(tt.name, tt.target); got != tt.want {
			t.Errorf("IsTemp(%q, %q) = %v; want %v", tt.name, tt.target, got, tt.want)
		}
	}
}

// TestWriteFileAtomicCrash crashes a replacement in memory after every
// operation: the file holds the old or the new contents, never a mix or
// nothing, and RemoveTemps removes what the crash left beside it (and
// nothing else).
func TestWriteFileAtomicCrash(t *testing.T) {
	const path = "/d/cursor"
	old, next := []byte("old contents, synced"), bytes.Repeat([]byte("new "), 3000)
	setup := func(m *record.MemFS) error {
		if err := m.MkdirAll("/d", 0o700); err != nil {
			return err
		}
		return record.WriteFileAtomic(m, "/d/other", []byte("x"), 0o600)
	}
	dry := record.NewMemFS()
	setup(dry)
	record.WriteFileAtomic(dry, path, old, 0o600)
	base := dry.Ops()
	record.WriteFileAtomic(dry, path, next, 0o600)
	total := dry.Ops()
	for n := base; n <= total; n++ {
		for seed := range 3 {
			m := record.NewMemFS()
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m.CrashAfter(n, rng)
			setup(m)
			record.WriteFileAtomic(m, path, old, 0o600)
			record.WriteFileAtomic(m, path, next, 0o600)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng)
			}
			got, err := record.ReadFile(after, path)
			if err != nil || !bytes.Equal(got, old) && !bytes.Equal(got, next) {
				t.Fatalf("crash after %d (seed %d): %d bytes, %v; want the old or the new contents", n, seed, len(got), err)
			}
			if _, err := record.RemoveTemps(after, path); err != nil {
				t.Fatal(err)
			}
			ents, _ := after.ReadDir("/d")
			if len(ents) != 2 {
				t.Fatalf("crash after %d (seed %d): %d files after RemoveTemps, want cursor and other", n, seed, len(ents))
			}
		}
	}
}

// TestRemoveTemps removes the temporary files of one file (both the
// unique names and the fixed name of older versions) and nothing else.
func TestRemoveTemps(t *testing.T) {
	m := record.NewMemFS()
	m.MkdirAll("/d", 0o700)
	for _, name := range []string{"cursor", "cursor.tmp", "cursor.k2j4.tmp", "cursor.k2j4.tmp.x", "other.k2j4.tmp", "cursorx.tmp"} {
		f, err := m.OpenFile("/d/"+name, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	n, err := record.RemoveTemps(m, "/d/cursor")
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemps = %d, %v; want 2, nil", n, err)
	}
	var left []string
	ents, _ := m.ReadDir("/d")
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if want := []string{"cursor", "cursor.k2j4.tmp.x", "cursorx.tmp", "other.k2j4.tmp"}; !slices.Equal(left, want) {
		t.Errorf("left %q; want %q", left, want)
	}
	if n, err := record.RemoveTemps(m, "/absent/cursor"); n != 0 || err != nil {
		t.Errorf("RemoveTemps in a missing directory = %d, %v; want 0, nil", n, err)
	}
}
