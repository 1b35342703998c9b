package link

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/record/crashtest"
)

const crashCursors = "/data/cursors"

// cursorAcks is what the cursor workload saw: the highest seq whose save
// returned nil (acknowledged: durable), and the highest seq it tried to
// save or mark pending.
type cursorAcks struct {
	acked, tried uint64
}

// cursorWorkload delivers seqs 1 to 8 of two partners as the receiver
// does (pending before Deliver, the cursor after), until the file system
// fails.
func cursorWorkload(fsys *record.MemFS) map[string]*cursorAcks {
	out := map[string]*cursorAcks{"IN-IFC": {}, "JP-JCG": {}}
	if err := fsys.MkdirAll(crashCursors, 0o755); err != nil {
		return out
	}
	d := cursorDir{fs: fsys, dir: crashCursors}
	for seq := uint64(1); seq <= 8; seq++ {
		for _, partner := range []string{"IN-IFC", "JP-JCG"} {
			a := out[partner]
			a.tried = seq
			if err := d.savePending(partner, seq); err != nil {
				return out
			}
			if err := d.save(partner, seq); err != nil {
				return out
			}
			a.acked = seq
		}
	}
	return out
}

// TestCursorCrashInMemory crashes the cursor files at every write, sync,
// rename and directory sync of the workload (dropping what was not
// synced, and again keeping a random torn part of it) and reopens them as
// Serve does: the stale temporary files are removed, no cursor reads as
// corrupt (each is replaced atomically), each partner's cursor is at
// least the last acknowledged and at most the last tried seq, its pending
// mark is not below it, and a new cursor is written and read back. A
// cursor damaged afterwards reads as ErrCursorCorrupt.
func TestCursorCrashInMemory(t *testing.T) {
	for partner, a := range cursorWorkload(record.NewMemFS()) {
		if a.acked != 8 {
			t.Fatalf("the workload acknowledged %s up to %d of 8 without a crash", partner, a.acked)
		}
	}
	temps, damaged := 0, 0
	n := crashtest.Run(t, 3, cursorWorkload, func(p crashtest.Point, after *record.MemFS, acks map[string]*cursorAcks) {
		if err := after.MkdirAll(crashCursors, 0o755); err != nil { // Serve makes it
			t.Fatalf("%v: %v", p, err)
		}
		d := cursorDir{fs: after, dir: crashCursors}
		removed, err := d.removeTemps()
		if err != nil {
			t.Fatalf("%v: removeTemps: %v", p, err)
		}
		temps += removed
		ents, _ := after.ReadDir(crashCursors)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Fatalf("%v: %s left after removeTemps", p, e.Name())
			}
		}
		for partner, a := range acks {
			cursor, pending, err := d.load(partner)
			if err != nil {
				t.Fatalf("%v: load %s: %v", p, partner, err)
			}
			if cursor < a.acked || cursor > a.tried {
				t.Fatalf("%v: %s cursor %d; acknowledged %d, tried %d", p, partner, cursor, a.acked, a.tried)
			}
			if pending < cursor || pending > a.tried {
				t.Fatalf("%v: %s pending %d, cursor %d, tried %d", p, partner, pending, cursor, a.tried)
			}
			if err := d.save(partner, 100); err != nil {
				t.Fatalf("%v: save %s after reopen: %v", p, partner, err)
			}
			if c, _, err := d.load(partner); err != nil || c != 100 {
				t.Fatalf("%v: %s after a new save: cursor %d, %v; want 100", p, partner, c, err)
			}
		}
		// Damage: a flipped byte is refused, not read as a cursor.
		path := d.path("IN-IFC", cursorSuffix)
		f, err := after.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		b := make([]byte, 1)
		f.ReadAt(b, 6)
		f.WriteAt([]byte{b[0] ^ 0x40}, 6)
		f.Close()
		if _, _, err := d.load("IN-IFC"); !errors.Is(err, ErrCursorCorrupt) {
			t.Fatalf("%v: a damaged cursor loads with %v; want ErrCursorCorrupt", p, err)
		}
		damaged++
	})
	// (A MemFS keeps a directory entry only once the directory is synced,
	// so a temporary file, renamed before the directory sync, rarely
	// survives a crash here: temps may be 0.)
	t.Logf("%d crash points × 3, %d stale temporary files removed, %d damaged cursors refused", n, temps, damaged)
}
