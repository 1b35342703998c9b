package cluster

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFollowerRemovesStaleTemps: temporary files of cursor writes
// (record.WriteFileAtomic) that a crash left beside a stream's cursor are
// removed when its follower is made; the cursor itself, the other
// stream's temporary files and other files stay.
func TestFollowerRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	n := startAlone(t, dir)
	cdir := filepath.Join(dir, "cluster")
	cursor := IngestStream + ".applied"
	if err := os.WriteFile(filepath.Join(cdir, cursor), []byte(cursorMagic+"\nstream "+IngestStream+"\napplied 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := []string{cursor + ".k3j9a.tmp", cursor + ".tmp"}
	keep := []string{cursor, ControlStream + ".applied.k3j9a.tmp", "notes.tmp", cursor + ".a.b.tmp"}
	for _, name := range append(append([]string{}, stale...), keep[1:]...) {
		if err := os.WriteFile(filepath.Join(cdir, name), []byte("half a cursor"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.IngestFollower(FollowerConfig{}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(cdir, name)); err == nil {
			t.Errorf("%s still there after the follower was made", name)
		}
	}
	for _, name := range keep {
		if _, err := os.Stat(filepath.Join(cdir, name)); err != nil {
			t.Errorf("%s removed: %v", name, err)
		}
	}
}
