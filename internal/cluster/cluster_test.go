package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2015, 6, 11, 11, 46, 0, 0, time.UTC)

// TestClusterReplicates: three nodes with an R3 stream; two of them
// publish real AIS batches at once; all three apply the same entries in
// the same order, and every acknowledged batch is among them.
func TestClusterReplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	lines := aisLines(t, "aishub-3min.nmea")
	var ack acked
	var wg sync.WaitGroup
	errs := make([]error, 2)
	logs := make([]*Log, 2)
	for i := range 2 {
		bs := batches(lines[i*5000:(i+1)*5000], aishubPerBatch, []string{"north", "south"}[i], t0)
		logs[i] = ms[i].node.IngestLog(LogConfig{})
		wg.Go(func() { errs[i] = feed(logs[i], bs, &ack, nil, nil) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got, want := ack.len(), 2*((5000+aishubPerBatch-1)/aishubPerBatch); got != want {
		t.Errorf("%d publishes acknowledged, want %d", got, want)
	}
	converged(t, ms, &ack)

	_, last, err := streamState(ms[0].node)
	if err != nil {
		t.Fatal(err)
	}
	// Each publisher knows the last entry it put in the log: the log's
	// last is one of theirs.
	p0, p1 := logs[0].Stats(), logs[1].Stats()
	if p0.Last == 0 || p1.Last == 0 || max(p0.Last, p1.Last) != last {
		t.Errorf("publishers' last sequences %d and %d; the log ends at %d", p0.Last, p1.Last, last)
	}
	c := &Collector{Node: ms[0].node, Followers: []*Follower{ms[0].fol}, Ingest: logs[0]}
	leader := streamLeader(t, ms[0].node)
	poll(t, time.Minute, "metrics of a healthy cluster", func() error {
		return wantSamples(scrape(t, c), map[string]float64{
			"tidewatch_cluster_applied_sequence{stream=TIDEWATCH_INGEST}":                    float64(last),
			"tidewatch_cluster_stream_last_sequence{stream=TIDEWATCH_INGEST}":                float64(last),
			"tidewatch_cluster_lag_entries{stream=TIDEWATCH_INGEST}":                         0,
			"tidewatch_cluster_caught_up{stream=TIDEWATCH_INGEST}":                           1,
			"tidewatch_cluster_member_up{member=n0}":                                         1,
			"tidewatch_cluster_member_up{member=n1}":                                         1,
			"tidewatch_cluster_member_up{member=n2}":                                         1,
			"tidewatch_cluster_routes{}":                                                     2,
			"tidewatch_cluster_stream_leader{member=" + leader + ",stream=TIDEWATCH_INGEST}": 1,
			"tidewatch_cluster_stream_replicas{state=current,stream=TIDEWATCH_INGEST}":       3,
			"tidewatch_cluster_stream_replicas{state=offline,stream=TIDEWATCH_INGEST}":       0,
			"tidewatch_cluster_status_error{}":                                               0,
			"tidewatch_cluster_published_sequence{stream=TIDEWATCH_INGEST}":                  float64(p0.Last),
		})
	})
}

// streamLeader returns the name of the ingest stream's leader.
func streamLeader(t *testing.T, n *Node) string {
	t.Helper()
	var leader string
	poll(t, time.Minute, "stream leader", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := n.js.Stream(ctx, IngestStream)
		if err != nil {
			return err
		}
		if c := s.CachedInfo().Cluster; c != nil && c.Leader != "" {
			leader = c.Leader
			return nil
		}
		return errors.New("no leader")
	})
	return leader
}

// TestClusterNodeDownAndBack: two nodes feed real AIS; in the middle of
// the feed one node is shut down abruptly (no drain) while the other two
// keep publishing; it is started again from its data directory and
// catches up; all three then hold the same entries in the same order,
// with every acknowledged batch. The victim is a replica in one case and
// the stream's leader in the other.
func TestClusterNodeDownAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	for _, victim := range []string{"replica", "leader"} {
		t.Run(victim, func(t *testing.T) {
			ms := testCluster(t, 3, nil)
			startAll(t, ms)
			leader := streamLeader(t, ms[0].node)
			var down *member
			var feeders []*member
			for _, m := range ms {
				if (victim == "leader") == (m.cfg.Name == leader) && down == nil {
					down = m
				} else {
					feeders = append(feeders, m)
				}
			}
			lines := aisLines(t, "aishub-3min.nmea")
			const per = 9000
			nb := (per + aishubPerBatch - 1) / aishubPerBatch
			// The feeders wait at a third of their feed until the node
			// starts going down, and at two thirds until it starts
			// coming back: both happen while they publish.
			halting, restarting := make(chan struct{}), make(chan struct{})
			pace := func(i int) {
				var gate chan struct{}
				switch i {
				case nb / 3:
					gate = halting
				case 2 * nb / 3:
					gate = restarting
				default:
					return
				}
				select {
				case <-gate:
				case <-t.Context().Done(): // the test failed before opening it
				}
			}
			var ack acked
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, m := range feeders {
				bs := batches(lines[i*per:(i+1)*per], aishubPerBatch, m.cfg.Name+"-tcp", t0)
				l := m.node.IngestLog(LogConfig{})
				wg.Go(func() { errs[i] = feed(l, bs, &ack, nil, pace) })
			}
			total := 2 * nb
			poll(t, 2*time.Minute, "a third of the feed", func() error {
				if n := ack.len(); n < 2*(nb/3) {
					return fmt.Errorf("%d of %d acknowledged", n, total)
				}
				return nil
			})
			downAt := ack.len()
			close(halting)
			if err := down.halt(); err != nil {
				t.Errorf("follower of %s: %v", down.cfg.Name, err)
			}
			// The survivors' metrics see the member go and the
			// stream's replicas lose one.
			c := &Collector{Node: feeders[0].node}
			poll(t, 2*time.Minute, "metrics of a member down", func() error {
				got := scrape(t, c)
				if got["tidewatch_cluster_stream_replicas{state=current,stream=TIDEWATCH_INGEST}"] == 3 {
					return errors.New("three current replicas")
				}
				return wantSamples(got, map[string]float64{"tidewatch_cluster_member_up{member=" + down.cfg.Name + "}": 0})
			})
			poll(t, 2*time.Minute, "two thirds of the feed", func() error {
				if n := ack.len(); n < 2*(2*nb/3) {
					return fmt.Errorf("%d of %d acknowledged", n, total)
				}
				return nil
			})
			upAt := ack.len()
			close(restarting)
			if err := down.startNode(); err != nil {
				t.Fatal(err)
			}
			if err := down.follow(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if got := ack.len(); got != total {
				t.Errorf("%d publishes acknowledged, want all %d", got, total)
			}
			t.Logf("%s %s was down from %d to %d of %d acknowledged batches", victim, down.cfg.Name, downAt, upAt, total)
			converged(t, ms, &ack)
			if victim == "leader" {
				t.Logf("stream leader now %s", streamLeader(t, feeders[0].node))
			}
		})
	}
}

// setMaxAge changes the ingest stream's retention.
func setMaxAge(t *testing.T, n *Node, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := n.js.Stream(ctx, IngestStream)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.CachedInfo().Config
	sc.MaxAge = d
	sc.Duplicates = min(sc.Duplicates, d)
	if _, err := n.js.UpdateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}
}

// TestClusterPastRetention: a node kept down longer than the stream's
// retention finds its next entry gone: its follower stops with
// ErrNeedSnapshot, it restores a peer's snapshot through the object
// store and then follows on, ending with the same state as the others.
// The retention is one second only while the node is away and the
// others are idle, so that a loaded machine does not expire entries
// before the running followers apply them.
func TestClusterPastRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	lines := aisLines(t, "aishub-3min.nmea")
	bs := batches(lines, aishubPerBatch, "tcp-1", t0)
	var ack acked
	l := ms[0].node.IngestLog(LogConfig{})
	if err := feed(l, bs[:50], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
	away := ms[2]
	if err := away.halt(); err != nil {
		t.Fatal(err)
	}
	appliedBefore := away.fol.Applied()
	if err := feed(l, bs[50:100], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms[:2], &ack)
	setMaxAge(t, ms[0].node, time.Second)
	poll(t, 2*time.Minute, "retention drops the entries after the away node's", func() error {
		first, _, err := streamState(ms[0].node)
		if err != nil {
			return err
		}
		if first <= appliedBefore+1 {
			return fmt.Errorf("stream starts at %d, away node applied %d", first, appliedBefore)
		}
		return nil
	})
	setMaxAge(t, ms[0].node, defaultMaxAge)
	next := 100
	if err := away.startNode(); err != nil {
		t.Fatal(err)
	}
	if err := away.follow(); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-away.done:
		away.stop = nil
	case <-time.After(2 * time.Minute):
		t.Fatal("follower of a node past retention did not stop")
	}
	var gap *GapError
	if !errors.Is(err, ErrNeedSnapshot) || !errors.As(err, &gap) || gap.Applied != appliedBefore {
		t.Fatalf("follower past retention: %v; want a GapError at %d wrapping ErrNeedSnapshot", err, appliedBefore)
	}
	if !away.fol.Status().NeedSnapshot {
		t.Error("status does not say the follower needs a snapshot")
	}

	srv := ms[0].node.SnapshotServer(IngestStream, ms[0].state)
	sctx, stopSrv := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Run(sctx) }()
	defer func() {
		stopSrv()
		if err := <-srvDone; err != nil {
			t.Errorf("snapshot server: %v", err)
		}
	}()
	poll(t, 2*time.Minute, "restore a snapshot", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return away.node.RestoreSnapshot(ctx, away.fol, away.state)
	})
	if away.fol.Status().NeedSnapshot {
		t.Error("status still says the follower needs a snapshot after the restore")
	}
	if s := srv.Stats(); s.Served == 0 {
		t.Errorf("snapshot server stats %+v; want a snapshot served", s)
	}
	away.run()
	if err := feed(l, bs[next:next+20], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
}

// TestStartWithPeerDown: a member starts (and restarts) while one of its
// peers is unreachable: the route to it is retried, not an error, and
// once the peer is back the three apply the same log again.
func TestStartWithPeerDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	if err := ms[2].halt(); err != nil {
		t.Fatal(err)
	}
	if err := ms[1].halt(); err != nil {
		t.Fatal(err)
	}
	// n1 comes back while n2 is still down: n0 and n1 are a quorum.
	if err := ms[1].startNode(); err != nil {
		t.Fatalf("start with a peer down: %v", err)
	}
	if err := ms[1].follow(); err != nil {
		t.Fatal(err)
	}
	bs := batches(aisLines(t, "aishub-3min.nmea")[:2000], aishubPerBatch, "tcp-1", t0)
	var ack acked
	if err := feed(ms[1].node.IngestLog(LogConfig{}), bs, &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	if ack.len() != len(bs) {
		t.Fatalf("%d of %d publishes acknowledged with one member down", ack.len(), len(bs))
	}
	if err := ms[2].startNode(); err != nil {
		t.Fatal(err)
	}
	if err := ms[2].follow(); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
}
