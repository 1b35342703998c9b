package crashtest_test

import (
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/record/crashtest"
)

// TestRunVisitsEveryPoint: a workload of appends, each synced, is crashed
// at every point; the check sees each synced append survive and, at the
// points between a write and its sync, the torn seeds keep part of the
// unsynced write.
func TestRunVisitsEveryPoint(t *testing.T) {
	workload := func(m *record.MemFS) int {
		f, err := m.OpenFile("/log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return 0
		}
		if err := m.SyncDir("/"); err != nil {
			return 0
		}
		synced := 0
		for range 4 {
			if _, err := f.Write([]byte("0123456789")); err != nil {
				return synced
			}
			if err := f.Sync(); err != nil {
				return synced
			}
			synced++
		}
		return synced
	}
	seen := map[crashtest.Point]bool{}
	partial := 0
	n := crashtest.Run(t, 3, workload, func(p crashtest.Point, after *record.MemFS, synced int) {
		seen[p] = true
		data, err := record.ReadFile(after, "/log")
		if err != nil && synced > 0 {
			t.Fatalf("%v: %d appends synced, but the file reads %v", p, synced, err)
		}
		if len(data) < 10*synced {
			t.Fatalf("%v: %d appends synced, %d bytes survive", p, synced, len(data))
		}
		if len(data)%10 != 0 {
			partial++
		}
	})
	if want := 1 + 1 + 4*2 + 1; n != want { // open, dir sync, 4×(write, sync), and the point after the last
		t.Errorf("Run returned %d crash points; want %d", n, want)
	}
	if len(seen) != 3*n {
		t.Errorf("check saw %d points; want %d", len(seen), 3*n)
	}
	if partial == 0 {
		t.Error("no crash kept a torn write: the seeds above 0 do not tear")
	}
}
