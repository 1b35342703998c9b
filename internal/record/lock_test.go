package record_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The child mode: when the test binary is re-executed with this variable
// set, TestMain tries the lock named in it and reports on stdout.
const childEnv = "TIDEWATCH_RECORD_LOCK_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		l, err := record.Lock(filepath.Dir(path), filepath.Base(path))
		switch {
		case errors.Is(err, record.ErrLocked):
			os.Stdout.WriteString("locked\n")
		case err != nil:
			os.Stdout.WriteString("error: " + err.Error() + "\n")
		default:
			os.Stdout.WriteString("acquired\n")
			l.Close()
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// tryInChild runs the test binary as a separate process that tries the lock.
func tryInChild(t *testing.T, dir, name string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+filepath.Join(dir, name))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v (%s)", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestLockExcludesSecondInProcess(t *testing.T) {
	dir := t.TempDir()
	a, err := record.Lock(dir, "LOCK")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Path(), filepath.Join(dir, "LOCK"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	b, err := record.Lock(dir, "LOCK")
	if !errors.Is(err, record.ErrLocked) {
		t.Fatalf("second Lock: %v, %v; want ErrLocked", b, err)
	}
	if !strings.HasPrefix(err.Error(), "record: ") || !strings.Contains(err.Error(), filepath.Join(dir, "LOCK")) {
		t.Errorf("error %q lacks the package prefix or the path", err)
	}
	// A different name in the same directory is a different lock.
	other, err := record.Lock(dir, "OTHER")
	if err != nil {
		t.Fatalf("lock of another name: %v", err)
	}
	other.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c, err := record.Lock(dir, "LOCK")
	if err != nil {
		t.Fatalf("Lock after Close: %v", err)
	}
	c.Close()
}

func TestLockExcludesOtherProcess(t *testing.T) {
	dir := t.TempDir()
	if got := tryInChild(t, dir, "LOCK"); got != "acquired" {
		t.Fatalf("child with no holder: %q, want acquired", got)
	}
	l, err := record.Lock(dir, "LOCK")
	if err != nil {
		t.Fatal(err)
	}
	if got := tryInChild(t, dir, "LOCK"); got != "locked" {
		t.Errorf("child while held: %q, want locked", got)
	}
	l.Close()
	if got := tryInChild(t, dir, "LOCK"); got != "acquired" {
		t.Errorf("child after Close: %q, want acquired", got)
	}
}

func TestLockFileKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "LOCK")
	l, err := record.Lock(dir, "LOCK")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("lock file while held: %v", err)
	}
	// A failed second attempt must not remove the holder's file.
	if _, err := record.Lock(dir, "LOCK"); !errors.Is(err, record.ErrLocked) {
		t.Fatalf("second Lock: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("lock file after refused attempt: %v", err)
	}
	l.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("lock file after Close: %v", err)
	}
}

func TestLockMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	_, err := record.Lock(dir, "LOCK")
	if err == nil || errors.Is(err, record.ErrLocked) {
		t.Fatalf("Lock in missing dir: %v; want a non-ErrLocked error", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lock in missing dir: %v; want it to wrap ErrNotExist", err)
	}
}
