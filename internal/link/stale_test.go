package link_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/link"
)

// TestServeRemovesStaleTemps: temporary files of cursor writes that a
// crash left in the Cursors directory (record.WriteFileAtomic's
// <partner>.cursor.RANDOM.tmp, and <partner>.cursor.tmp of older
// versions) are removed when Serve starts and counted once; cursor
// files, pending files and files of other names stay, and a second
// Serve removes nothing.
func TestServeRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{"IN-IFC.cursor.k3j9a.tmp", "IN-IFC.cursor.tmp", "jp.jcg_1.cursor.0zz.tmp"}
	keep := []string{"IN-IFC.cursor", "IN-IFC.pending", "notes.tmp", "IN-IFC.pending.k3.tmp", ".hidden.cursor.x.tmp", "IN-IFC.cursor.a.b.tmp"}
	for _, name := range append(append([]string{}, stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("0123456789abcdef"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for round, want := range []int64{int64(len(stale)), 0} {
		r := &link.Receiver{Name: "GB-NMIC", Authorize: named("IN-IFC"), Sink: &countSink{}, Cursors: dir}
		stop := serve(t, r, listen(t))
		waitFor(t, "Serve to start", func() bool {
			_, err := os.Stat(filepath.Join(dir, stale[0]))
			return err != nil || round > 0
		})
		stop()
		if got := r.Stats().StaleTemps; got != want {
			t.Errorf("round %d: StaleTemps = %d; want %d", round, got, want)
		}
		for _, name := range stale {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("round %d: %s still there", round, name)
			}
		}
		for _, name := range keep {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("round %d: %s removed: %v", round, name, err)
			}
		}
	}
}
