package record_test

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

func writeFile(t *testing.T, fsys record.FS, name, data string, sync bool) record.File {
	t.Helper()
	f, err := fsys.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func content(t *testing.T, fsys record.FS, name string) (string, bool) {
	t.Helper()
	b, err := record.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

// TestMemFSCrashKeepsOnlyDurable: after a crash, a file's data is what it
// held at its last Sync, and a directory's entries what they were at its
// last SyncDir.
func TestMemFSCrashKeepsOnlyDurable(t *testing.T) {
	m := record.NewMemFS()
	if err := m.MkdirAll("/d/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	f := writeFile(t, m, "/d/a", "synced", true)
	f.Write([]byte(" lost"))
	writeFile(t, m, "/d/b", "entry not synced", true)
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, m, "/d/c", "created after the directory sync", true)
	if err := m.Rename("/d/b", "/d/b2"); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("/d/a"); err != nil {
		t.Fatal(err)
	}
	if got, ok := content(t, m, "/d/b2"); !ok || got != "entry not synced" {
		t.Errorf("before the crash b2 = %q, %v", got, ok)
	}
	c := m.CrashClone(nil)
	tests := []struct {
		name, want string
		exists     bool
	}{
		{"/d/a", "synced", true},           // removal not synced
		{"/d/b", "entry not synced", true}, // rename not synced
		{"/d/b2", "", false},
		{"/d/c", "", false}, // creation not synced
	}
	for _, tt := range tests {
		got, ok := content(t, c, tt.name)
		if ok != tt.exists || got != tt.want {
			t.Errorf("after the crash %s = %q (exists %v), want %q (%v)", tt.name, got, ok, tt.want, tt.exists)
		}
	}
	if _, err := c.Stat("/d/sub"); err != nil {
		t.Errorf("directory after the crash: %v", err)
	}
	// Syncing the directory makes the rename and removal durable.
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	c = m.CrashClone(nil)
	if _, ok := content(t, c, "/d/a"); ok {
		t.Error("removed file back after a synced removal")
	}
	if got, _ := content(t, c, "/d/b2"); got != "entry not synced" {
		t.Errorf("renamed file after a synced rename = %q", got)
	}
}

// TestMemFSTear: with a random source, a crash keeps an in-order prefix
// of the unsynced writes, the last one possibly cut: the file is always
// the synced data followed by a prefix of what was written after.
func TestMemFSTear(t *testing.T) {
	m := record.NewMemFS()
	f := writeFile(t, m, "/f", "base-", true)
	m.SyncDir("/")
	for _, s := range []string{"one-", "two-", "three-"} {
		f.Write([]byte(s))
	}
	full := "base-one-two-three-"
	seen := map[int]bool{}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		got, _ := content(t, m.CrashClone(rng), "/f")
		if len(got) < len("base-") || got != full[:len(got)] {
			t.Fatalf("after a torn crash the file is %q, not a prefix of %q beyond the synced data", got, full)
		}
		seen[len(got)] = true
	}
	if len(seen) < 8 {
		t.Errorf("only %d distinct lengths after 200 torn crashes", len(seen))
	}
	if got, _ := content(t, m.CrashClone(nil), "/f"); got != "base-" {
		t.Errorf("crash without tearing: %q, want the synced data", got)
	}
}

// TestMemFSCrashAfter: a crash at operation n keeps the state after n
// operations and fails everything later.
func TestMemFSCrashAfter(t *testing.T) {
	work := func(m *record.MemFS) error {
		f, err := m.OpenFile("/log", os.O_CREATE|os.O_WRONLY, 0o600) // op 1
		if err != nil {
			return err
		}
		if err := m.SyncDir("/"); err != nil { // op 2
			return err
		}
		for i := range 3 {
			if _, err := f.Write([]byte{byte('a' + i)}); err != nil { // ops 3, 5, 7
				return err
			}
			if err := f.Sync(); err != nil { // ops 4, 6, 8
				return err
			}
		}
		return nil
	}
	dry := record.NewMemFS()
	if err := work(dry); err != nil {
		t.Fatal(err)
	}
	if dry.Ops() != 8 {
		t.Fatalf("Ops = %d, want 8", dry.Ops())
	}
	want := []string{"", "", "", "", "a", "a", "ab", "ab", "abc"}
	for n := 0; n <= 8; n++ {
		m := record.NewMemFS()
		m.CrashAfter(n, nil)
		err := work(m)
		c := m.Crashed()
		if n == 8 {
			if err != nil || c != nil {
				t.Errorf("crash after all 8 operations: %v, %v; want no crash", err, c)
			}
			continue
		}
		if !errors.Is(err, record.ErrCrashed) || c == nil {
			t.Fatalf("crash after %d: %v", n, err)
		}
		got, ok := content(t, c, "/log")
		if ok != (n >= 2) || got != want[n] {
			t.Errorf("crash after %d: %q (exists %v), want %q", n, got, ok, want[n])
		}
		if _, err := m.Stat("/log"); !errors.Is(err, record.ErrCrashed) {
			t.Errorf("crashed file system still answers: %v", err)
		}
	}
}

// TestFSContract runs the same operations through OSFS and MemFS.
func TestFSContract(t *testing.T) {
	for _, tt := range []struct {
		name string
		fsys record.FS
		dir  string
	}{
		{"os", record.OSFS{}, t.TempDir()},
		{"mem", record.NewMemFS(), "/data"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys, dir := tt.fsys, filepath.Join(tt.dir, "q")
			if err := fsys.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "f")
			f, err := fsys.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600); !errors.Is(err, fs.ErrExist) {
				t.Errorf("O_EXCL on an existing file: %v", err)
			}
			f.Write([]byte("hello world"))
			f.WriteAt([]byte("W"), 6)
			if err := f.Truncate(9); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 20)
			n, err := f.ReadAt(buf, 0)
			if string(buf[:n]) != "hello Wor" || err != io.EOF {
				t.Errorf("ReadAt = %q, %v", buf[:n], err)
			}
			if pos, _ := f.Seek(6, io.SeekStart); pos != 6 {
				t.Errorf("Seek = %d", pos)
			}
			n, _ = f.Read(buf)
			if string(buf[:n]) != "Wor" {
				t.Errorf("Read after Seek = %q", buf[:n])
			}
			if fi, err := f.Stat(); err != nil || fi.Size() != 9 {
				t.Errorf("Stat = %v, %v", fi, err)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := fsys.Truncate(p, 5); err != nil {
				t.Fatal(err)
			}
			if err := record.WriteFileAtomic(fsys, filepath.Join(dir, "cursor"), []byte("42"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := fsys.Rename(p, filepath.Join(dir, "g")); err != nil {
				t.Fatal(err)
			}
			ents, err := fsys.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if got := filepath.Join(names...); got != filepath.Join("cursor", "g") {
				t.Errorf("ReadDir = %v", names)
			}
			if got, _ := content(t, fsys, filepath.Join(dir, "g")); got != "hello" {
				t.Errorf("after Truncate and Rename: %q", got)
			}
			if err := fsys.SyncDir(dir); err != nil {
				t.Error(err)
			}
			if err := fsys.Remove(filepath.Join(dir, "g")); err != nil {
				t.Error(err)
			}
			if _, err := fsys.Stat(filepath.Join(dir, "g")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat of a removed file: %v", err)
			}
			// A directory renamed with what it holds, twice; not onto an
			// existing directory, even an empty one (os.Rename).
			sub := filepath.Join(dir, "sub")
			fsys.MkdirAll(filepath.Join(sub, "deeper"), 0o700)
			writeFile(t, fsys, filepath.Join(sub, "deeper", "x"), "x", true).Close()
			fsys.MkdirAll(filepath.Join(dir, "empty"), 0o700)
			fsys.MkdirAll(filepath.Join(dir, "full", "y"), 0o700)
			for _, onto := range []string{"full", "empty"} {
				if err := fsys.Rename(sub, filepath.Join(dir, onto)); err == nil {
					t.Errorf("a directory renamed onto the directory %s", onto)
				}
			}
			for _, to := range []string{"moved", "again"} {
				if err := fsys.Rename(sub, filepath.Join(dir, to)); err != nil {
					t.Fatalf("rename a directory to %s: %v", to, err)
				}
				if got, _ := content(t, fsys, filepath.Join(dir, to, "deeper", "x")); got != "x" {
					t.Errorf("after renaming the directory to %s: %q", to, got)
				}
				if _, err := fsys.Stat(sub); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the old name of a renamed directory: %v", err)
				}
				sub = filepath.Join(dir, to)
			}
			l, err := fsys.Lock(dir, "LOCK")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.Lock(dir, "LOCK"); !errors.Is(err, record.ErrLocked) {
				t.Errorf("second Lock: %v", err)
			}
			l.Close()
			l2, err := fsys.Lock(dir, "LOCK")
			if err != nil {
				t.Errorf("Lock after Close: %v", err)
			} else {
				l2.Close()
			}
		})
	}
}

// TestMemFSInjector fails chosen operations as a full disk would: the
// failed operation changes nothing, and WriteFileAtomic keeps the old file.
func TestMemFSInjector(t *testing.T) {
	m := record.NewMemFS()
	if err := record.WriteFileAtomic(m, "/cursor", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	errFull := errors.New("no space left on device")
	var seen []record.Op
	m.SetInjector(func(op record.Op, path string) error {
		seen = append(seen, op)
		if op == record.OpWrite {
			return errFull
		}
		return nil
	})
	if err := record.WriteFileAtomic(m, "/cursor", []byte("new"), 0o600); !errors.Is(err, errFull) {
		t.Fatalf("WriteFileAtomic on a full disk: %v; want the injected error", err)
	}
	if got, _ := content(t, m, "/cursor"); got != "old" {
		t.Errorf("after a failed replacement the file holds %q", got)
	}
	if _, err := m.Stat("/cursor.tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
	if len(seen) < 2 || seen[0] != record.OpTruncate && seen[0] != record.OpCreate || seen[1] != record.OpWrite {
		t.Errorf("operations seen: %v", seen)
	}
	m.SetInjector(nil)
	if err := record.WriteFileAtomic(m, "/cursor", []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := content(t, m.CrashClone(nil), "/cursor"); got != "new" {
		t.Errorf("after the disk has room again: %q", got)
	}
}
