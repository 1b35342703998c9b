package audit_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/record"
)

// memWorkload appends entries to a log in fsys, syncing every few and
// rotating segments by size and by the hour, until the file system fails;
// it returns the Seq numbers of the entries acknowledged by a Sync.
func memWorkload(fsys *record.MemFS) (acked []uint64, all []audit.Entry) {
	c := &clock{t: t0}
	all = gen(90, t0, 3*time.Hour, 11)
	for i := range all {
		all[i].Seq = uint64(i + 1)
	}
	l, err := audit.Open("/data/audit", audit.Options{Now: c.Now, FS: fsys, SegmentBytes: 2048})
	if err != nil {
		return nil, all
	}
	defer l.Close()
	var pending []uint64
	for i, e := range all {
		c.Set(e.Time)
		if err := l.Append(e); err != nil {
			return acked, all
		}
		pending = append(pending, e.Seq)
		if i%7 == 6 {
			if err := l.Sync(); err != nil {
				return acked, all
			}
			acked, pending = append(acked, pending...), nil
		}
	}
	if err := l.Sync(); err == nil {
		acked = append(acked, pending...)
	}
	return acked, all
}

// TestCrashInMemory crashes the log at every write, sync and directory
// sync of the workload (dropping unsynced data, and again keeping a random
// torn part of it), reopens it and checks that every entry acknowledged by
// a Sync is there, once, that nothing is reported damaged (a torn tail is
// cut, not damage), and that the log takes entries again.
func TestCrashInMemory(t *testing.T) {
	dry := record.NewMemFS()
	acked, all := memWorkload(dry)
	if len(acked) != len(all) {
		t.Fatalf("workload acknowledged %d of %d entries", len(acked), len(all))
	}
	ops := dry.Ops()
	torn := 0
	for n := 0; n <= ops; n++ {
		for seed := range 3 {
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m := record.NewMemFS()
			m.CrashAfter(n, rng)
			acked, all := memWorkload(m)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng)
			}
			now := all[len(all)-1].Time
			l, err := audit.Open("/data/audit", audit.Options{Now: func() time.Time { return now }, FS: after, SegmentBytes: 2048})
			if err != nil {
				t.Fatalf("crash after %d (seed %d): reopen: %v", n, seed, err)
			}
			st := l.Stats()
			if st.DamagedSpans != 0 {
				t.Fatalf("crash after %d (seed %d): %d damaged spans reported, last %v", n, seed, st.DamagedSpans, st.LastDamage)
			}
			if st.TornBytes > 0 {
				torn++
			}
			got, err := l.Query(audit.Filter{From: t0.Add(-time.Hour), To: now.Add(time.Hour), Limit: audit.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]int{}
			for _, e := range got {
				seen[e.Seq]++
				if w := all[e.Seq-1]; e.Key != w.Key || e.Partner != w.Partner || !e.Time.Equal(w.Time) {
					t.Fatalf("crash after %d (seed %d): entry %d = %+v, want %+v", n, seed, e.Seq, e, w)
				}
			}
			for _, s := range acked {
				if seen[s] != 1 {
					t.Fatalf("crash after %d (seed %d): acknowledged entry %d found %d times", n, seed, s, seen[s])
				}
			}
			if err := l.Append(audit.Entry{Time: now, Direction: audit.Sent, Partner: "P", Kind: "k", Key: "after"}); err != nil {
				t.Fatalf("crash after %d (seed %d): Append after reopen: %v", n, seed, err)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("crash after %d (seed %d): Close after reopen: %v", n, seed, err)
			}
		}
	}
	if torn == 0 {
		t.Error("no crash point left a torn tail: tearing is not exercised")
	}
	t.Logf("%d crash points × 3, %d reopens cut a torn tail", ops+1, torn)
}
