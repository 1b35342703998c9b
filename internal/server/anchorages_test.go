package server

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
)

// TestAnchoragesSaveLoad: learned anchorages saved in the data directory
// come back; no file is none; a corrupt file is event.ErrAnchorages; a
// save leaves no temporary file behind.
func TestAnchoragesSaveLoad(t *testing.T) {
	dir := t.TempDir()
	if as, err := loadAnchorages(dir); err != nil || as != nil {
		t.Fatalf("no file: %v, %v; want none", as, err)
	}
	want := []event.Anchorage{{Lat: -36.889, Lon: 174.989, Vessels: 4}}
	for range 2 { // the second replaces the first
		if err := saveAnchorages(dir, want); err != nil {
			t.Fatal(err)
		}
	}
	got, err := loadAnchorages(dir)
	if err != nil || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("loaded %v, %v; want %v", got, err, want)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("data directory holds %d files after saving; want only %s", len(ents), anchoragesFile)
	}
	path := filepath.Join(dir, anchoragesFile)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	os.WriteFile(path, b, 0o644)
	if _, err := loadAnchorages(dir); !errors.Is(err, event.ErrAnchorages) {
		t.Errorf("corrupt file: err %v; want event.ErrAnchorages", err)
	}
}
