package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestScheduledSnapshot: a snapshot server with a schedule (Every) puts
// snapshots into the object store without being asked; a node whose
// request no peer answers (no snapshot server runs any more) restores
// the stored one, which each scheduled snapshot replaced (it is at the
// newer of the two entries snapshots were taken at), follows the log on
// from its entry and ends with the same entries as the others.
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := away.node.RestoreSnapshot(ctx, f, away.state); err != nil {
		t.Fatalf("restore with no peer answering: %v", err)
	}
	if got := f.Applied(); got != newest {
		t.Fatalf("restored at entry %d; want the newest stored snapshot's, %d", got, newest)
	}
	away.run()
	if err := feed(l, bs[40:50], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
}
