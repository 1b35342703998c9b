package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// checkpointCrashRun is the workload of TestCheckpointCrashEveryPoint: a
// node's store /node with one position (applied mark 3), a store /data
// written in batches with applied marks (blocks, the APPLIED file at each
// flush), a Checkpoint of it into /cp, and ReplaceFS installing /cp in
// place of /node (the old store goes to /aside). It records how far it
// got.
type checkpointCrashRun struct {
	r                    *storeCrashRun
	acked                int // batches of /data acknowledged
	checkpointed, placed bool
}

func (c *checkpointCrashRun) run(fsys *record.MemFS) error {
	clock := time.Date(2021, 3, 24, 0, 0, 0, 0, time.UTC)
	node, err := Open("/node", storeCrashOptions(fsys, &clock))
	if err != nil {
		return err
	}
	var b Batch
	p := crashPosition(99999)
	b.AddPosition(&p)
	b.SetApplied(3)
	if err := node.Write(&b); err != nil {
		node.Close()
		return err
	}
	if err := node.Close(); err != nil {
		return err
	}
	db, err := Open(storeCrashDir, storeCrashOptions(fsys, &clock))
	if err != nil {
		return err
	}
	for i, batch := range c.r.batches {
		b.Reset()
		for j := range batch {
			b.AddPosition(&batch[j])
		}
		for j := range c.r.statics[i] {
			b.AddStatic(&c.r.statics[i][j])
		}
		b.SetApplied(uint64(100 + i))
		if err := db.Write(&b); err != nil {
			db.Close()
			return err
		}
		if err := db.Commit(); err != nil {
			db.Close()
			return err
		}
		c.acked = i + 1
	}
	if err := db.Checkpoint("/cp"); err != nil {
		db.Close()
		return err
	}
	c.checkpointed = true
	if err := db.Close(); err != nil {
		return err
	}
	if err := ReplaceFS(fsys, "/node", "/cp", "/aside"); err != nil {
		return err
	}
	c.placed = true
	return nil
}

// TestCheckpointCrashEveryPoint crashes Checkpoint and ReplaceFS (and the
// applied mark's file) in memory at each of their file operations, with
// and without a torn part of what was not synced. After every crash the
// source store reopens without damage with every batch and its applied
// mark; a checkpoint that returned opens as a store with the same
// answers and mark; ReplaceFS run again on what the crash left finishes,
// and then the node's directory holds the checkpoint's store and /aside
// the old one.
func TestCheckpointCrashEveryPoint(t *testing.T) {
	r := storeCrashWorkload(t)
	r.batches = r.batches[:10]
	ans := newStoreAnswers(r)
	dry := record.NewMemFS()
	c := &checkpointCrashRun{r: r}
	if err := c.run(dry); err != nil {
		t.Fatal(err)
	}
	ops := dry.Ops()
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	open := func(where string, fsys *record.MemFS, dir string, ro bool) *DB {
		t.Helper()
		opt := storeCrashOptions(fsys, &clock)
		opt.ReadOnly = ro
		db, err := Open(dir, opt)
		if err != nil {
			t.Fatalf("%s: open %s: %v", where, dir, err)
		}
		if d := db.Damage(); len(d) > 0 {
			t.Fatalf("%s: %s: damage %v", where, dir, d)
		}
		return db
	}
	answers := func(where string, db *DB) uint32 {
		t.Helper()
		h, err := ans.of(db)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		return h
	}
	ref := open("dry run", dry, "/node", false) // (a checkpoint has no WAL directory for a reader)
	want, wantApplied := answers("dry run", ref), ref.Applied()
	ref.Close()
	if wantApplied != 109 {
		t.Fatalf("the dry run's replaced store has applied mark %d; want 109", wantApplied)
	}
	var checkpoints, replaces, inCheckpoint int
	for n := 0; n <= ops; n++ {
		for seed := range 2 {
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), 11))
			}
			m := record.NewMemFS()
			m.CrashAfter(n, rng)
			c := &checkpointCrashRun{r: r}
			err := c.run(m)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng)
			} else if err != nil && !errors.Is(err, record.ErrCrashed) {
				t.Fatalf("crash after %d: workload error %v; want one wrapping ErrCrashed", n, err)
			}
			where := fmt.Sprintf("crash after operation %d of %d (seed %d)", n, ops, seed)
			if !c.checkpointed {
				// The source store holds the batches acknowledged (and
				// perhaps the one in flight), and their applied mark,
				// from the WAL or the APPLIED file of its flushes.
				if _, err := after.Stat(storeCrashDir + "/" + markerName); err != nil {
					continue // the crash came before /data was created
				}
				src := open(where, after, storeCrashDir, false)
				st, mark := src.Stats(), src.Applied()
				src.Close()
				ok := false
				for k := c.acked; k <= min(c.acked+1, len(r.batches)); k++ {
					ok = ok || st.Positions == int64(k*storeCrashBatch) && (k == 0 && mark == 0 || mark == uint64(100+k-1))
				}
				if !ok {
					t.Fatalf("%s: %d batches acknowledged; the store holds %d positions, applied mark %d", where, c.acked, st.Positions, mark)
				}
				if c.acked == len(r.batches) {
					inCheckpoint++
				}
				continue
			}
			checkpoints++
			src := open(where, after, storeCrashDir, false)
			if h := answers(where, src); h != want || src.Applied() != wantApplied {
				t.Fatalf("%s: the checkpointed store reopened answers differently (applied %d, want %d)", where, src.Applied(), wantApplied)
			}
			src.Close()
			if _, err := after.Stat("/aside/REPLACED"); err != nil && !c.placed {
				// Replace had not moved the old store aside durably:
				// the checkpoint is whole where it was.
				if _, err := after.Stat("/cp/" + markerName); err == nil {
					cp := open(where, after.CrashClone(nil), "/cp", false)
					if h := answers(where, cp); h != want || cp.Applied() != wantApplied {
						t.Fatalf("%s: the checkpoint answers differently (applied %d, want %d)", where, cp.Applied(), wantApplied)
					}
					cp.Close()
				}
			}
			if err := ReplaceFS(after, "/node", "/cp", "/aside"); err != nil {
				t.Fatalf("%s: Replace again: %v", where, err)
			}
			replaces++
			node := open(where, after, "/node", false)
			if h := answers(where, node); h != want || node.Applied() != wantApplied {
				t.Fatalf("%s: the node's store after Replace answers differently (applied %d, want %d)", where, node.Applied(), wantApplied)
			}
			node.Close()
			old := open(where, after, "/aside", false)
			if st := old.Stats(); st.Positions != 1 || old.Applied() != 3 {
				t.Fatalf("%s: the store put aside holds %d positions, applied %d; want 1, 3", where, st.Positions, old.Applied())
			}
			old.Close()
		}
	}
	if checkpoints == 0 || replaces == 0 || inCheckpoint == 0 {
		t.Fatalf("%d crashes in a checkpoint, %d after one, %d replaces checked; want some", inCheckpoint, checkpoints, replaces)
	}
	t.Logf("%d crash points × 2: %d in the checkpoint, %d after it returned, each replaced again", ops+1, inCheckpoint, checkpoints)
}
