package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestScheduledSnapshot: a snapshot server with a schedule (Every) puts
// snapshots into the object store without being asked; a node whose
// request no peer answers (no snapshot server runs any more) restores
// the newest stored one (it is at the newer of the two entries
// snapshots were taken at, or an older one if
// its own replica of the bucket is behind), follows the log on from its
// entry and ends with the same entries as the others.
func TestScheduledSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	bs := batches(aisLines(t, "aishub-3min.nmea"), aishubPerBatch, "tcp-1", t0)
	var ack acked
	l := ms[0].node.IngestLog(LogConfig{})
	if err := feed(l, bs[:20], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
	away := ms[2]
	if err := away.halt(); err != nil {
		t.Fatal(err)
	}
	srv := ms[0].node.SnapshotServer(IngestStream, ms[0].state)
	srv.Every = 50 * time.Millisecond
	sctx, stopSrv := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Run(sctx) }()
	poll(t, time.Minute, "a scheduled snapshot", func() error {
		if s := srv.Stats(); s.Scheduled == 0 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	if err := feed(l, bs[20:40], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms[:2], &ack)
	newest := ms[0].fol.Applied()
	scheduled := srv.Stats().Scheduled
	poll(t, time.Minute, "a scheduled snapshot of the newer entries", func() error {
		if s := srv.Stats(); s.Scheduled < scheduled+2 {
			return fmt.Errorf("stats %+v", s)
		}
		return nil
	})
	stopSrv()
	if err := <-srvDone; err != nil {
		t.Fatal(err)
	}
	if s := srv.Stats(); s.Served != 0 {
		t.Errorf("stats %+v; want scheduled snapshots only, none on request", s)
	}

	if err := away.startNode(); err != nil {
		t.Fatal(err)
	}
	f, err := away.node.IngestFollower(FollowerConfig{IdleWait: 200 * time.Millisecond, RetryWait: 100 * time.Millisecond}, away.state.apply)
	if err != nil {
		t.Fatal(err)
	}
	away.fol = f
	jetStreamAnswers(t, away)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := away.node.RestoreSnapshot(ctx, f, away.state); err != nil {
		t.Fatalf("restore with no peer answering: %v", err)
	}
	// The newest stored, or an older one when this node's own replica of
	// the bucket, which may answer the listing, is still behind: either
	// is whole, and the node follows on from its entry.
	if got := f.Applied(); got == 0 || got > newest {
		t.Fatalf("restored at entry %d; want a stored snapshot's, at most %d", got, newest)
	} else if got != newest {
		t.Logf("restored at entry %d, an older stored snapshot than the newest (%d)", got, newest)
	}
	away.run()
	if err := feed(l, bs[40:50], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
}

// TestSnapshotReadWhileWriting: a node restores peers' snapshots again
// and again while the peer writes new ones as fast as its schedule lets
// it and the log grows. Each snapshot is an object of its own, never
// replaced while it may be read, so every restore reads a whole,
// verified snapshot (a Put of the same name purges the chunks a reader
// is reading: "digests do not match", or a read that waits for chunks
// that are gone). Then pruning leaves the newest two of the server's.
func TestSnapshotReadWhileWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	bs := batches(aisLines(t, "aishub-3min.nmea"), aishubPerBatch, "tcp-1", t0)
	var ack acked
	l := ms[0].node.IngestLog(LogConfig{})
	if err := feed(l, bs[:10], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
	// The bucket is made while all three run (three replicas need three
	// members to place them).
	obs, err := ms[0].node.snapshotBucket(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	away := ms[2]
	if err := away.halt(); err != nil {
		t.Fatal(err)
	}
	srv := ms[0].node.SnapshotServer(IngestStream, ms[0].state)
	srv.Every = 20 * time.Millisecond
	srv.pruneAfter = time.Hour // nothing pruned while the restores read
	sctx, stopSrv := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Run(sctx) }()
	// The log grows while the restores read, at the peer's pace: each
	// batch once the peer applied the one before (its snapshots follow
	// what it applied), and at most a sixth of the rest per restore done,
	// so that the feed is not over before the last restore.
	stopFeed := make(chan struct{})
	feedDone := make(chan error, 1)
	var restored atomic.Int64
	per := (len(bs) - 10) / 6
	pace := func(i int) {
		for ms[0].fol.Applied() < l.Stats().Last || int64(i) >= (restored.Load()+1)*int64(per) {
			select {
			case <-stopFeed:
				return
			case <-t.Context().Done():
				return
			case <-time.After(time.Millisecond): // polling interval
			}
		}
	}
	go func() { feedDone <- feed(l, bs[10:], &ack, stopFeed, pace) }()
	if err := away.startNode(); err != nil {
		t.Fatal(err)
	}
	f, err := away.node.IngestFollower(FollowerConfig{IdleWait: 200 * time.Millisecond, RetryWait: 100 * time.Millisecond}, away.state.apply)
	if err != nil {
		t.Fatal(err)
	}
	away.fol = f
	jetStreamAnswers(t, away)
	var seqs []uint64
	for i := range 5 {
		if i > 0 {
			// The peer has applied more since: its next snapshot is
			// at a newer entry.
			poll(t, time.Minute, "the peer to apply more", func() error {
				if a := ms[0].fol.Applied(); a <= seqs[i-1] {
					return fmt.Errorf("applied %d", a)
				}
				return nil
			})
		}
		for try := 1; ; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := away.node.RestoreSnapshot(ctx, f, away.state)
			cancel()
			if err == nil {
				break
			}
			// The read's consumer may land on this node's own replica
			// of the bucket, which is behind: nothing arrives, and the
			// restore is asked again. Anything else (a corrupt read) is
			// a failure.
			if !errors.Is(err, errNoChunks) || try == 5 {
				t.Fatalf("restore %d (try %d) while the peer writes snapshots: %v", i+1, try, err)
			}
			t.Logf("restore %d, try %d: %v", i+1, try, err)
		}
		seqs = append(seqs, f.Applied())
		restored.Add(1)
	}
	close(stopFeed)
	if err := <-feedDone; err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	t.Logf("restored at entries %v; server %+v", seqs, st)
	if st.Scheduled+st.Served < 5 {
		t.Errorf("server stats %+v; want snapshots written meanwhile", st)
	}
	count := func() int {
		list, err := obs.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, info := range list {
			if !info.Deleted && strings.HasPrefix(info.Name, IngestStream+"/"+ms[0].cfg.Name+"/") {
				n++
			}
		}
		return n
	}
	if n := count(); n < 2 {
		t.Errorf("%d snapshots of %s stored; want one per entry snapshotted", n, ms[0].cfg.Name)
	}
	stopSrv()
	if err := <-srvDone; err != nil {
		t.Fatal(err)
	}
	// Pruned once the old ones are old enough: the newest two stay. (A
	// new entry first: a snapshot at the entry of the last one is that
	// one, not written again.)
	before := ms[0].fol.Applied()
	if err := feed(l, bs[len(bs)-1:], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	poll(t, time.Minute, "the peer to apply the new entry", func() error {
		if a := ms[0].fol.Applied(); a <= before {
			return fmt.Errorf("applied %d", a)
		}
		return nil
	})
	srv.pruneAfter = time.Nanosecond
	srv.Every = 0
	if _, err := srv.serve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if srv.Stats().Pruned == 0 {
		t.Errorf("nothing pruned; want all but the newest two of %s's snapshots deleted", ms[0].cfg.Name)
	}
	// The list is read through a consumer on any replica of the bucket,
	// which may not have the deletes yet: once in a clean-checkout CI run
	// it still listed 3 of n0's snapshots right after 14 of 16 had been
	// deleted. Asked again until it has them (a delete that failed would
	// stay listed).
	poll(t, 30*time.Second, "the bucket to list the newest two snapshots of "+ms[0].cfg.Name, func() error {
		if n := count(); n != 2 {
			return fmt.Errorf("%d listed after %d pruned", n, srv.Stats().Pruned)
		}
		return nil
	})
	away.run()
	converged(t, ms, &ack)
}
