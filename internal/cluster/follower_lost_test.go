package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestFollowerConsumerLost: a follower's consumer (R1, placed by the
// cluster on any replica of the stream) is lost with the member that
// held it, and the follower applies on with a new one: either its fetch
// fails, or (Follower.follow) it finds that its consumer delivers
// nothing while the stream holds the next entry (counted in Stalls).
func TestFollowerConsumerLost(t *testing.T) {
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
	// Where is n0's follower's consumer? Made again until it is on
	// another member.
	host := ""
	for try := 0; host == "" || host == ms[0].cfg.Name; try++ {
		if try == 30 {
			t.Skip("the cluster placed n0's consumer on n0 itself 30 times")
		}
		if try > 0 {
			ms[0].stop()
			<-ms[0].done
			ms[0].run()
		}
		poll(t, 30*time.Second, "n0's consumer", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := ms[0].node.js.Stream(ctx, IngestStream)
			if err != nil {
				return err
			}
			lister := s.ListConsumers(ctx)
			for info := range lister.Info() {
				if info.Config.Description == "tidewatch follower "+ms[0].cfg.Name && info.Cluster != nil && info.Cluster.Leader != "" {
					host = info.Cluster.Leader
				}
			}
			if host == "" {
				return fmt.Errorf("no consumer of n0 listed (%v)", lister.Err())
			}
			return nil
		})
	}
	var gone *member
	for _, m := range ms {
		if m.cfg.Name == host {
			gone = m
		}
	}
	t.Logf("n0's consumer is on %s; stopping it", host)
	if err := gone.halt(); err != nil {
		t.Fatal(err)
	}
	if err := feed(l, bs[10:20], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	var live []*member
	for _, m := range ms {
		if m != gone {
			live = append(live, m)
		}
	}
	converged(t, live, &ack)
	t.Logf("n0's follower: %+v", ms[0].fol.Status())
}
