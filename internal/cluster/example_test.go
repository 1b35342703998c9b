package cluster_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
)

// A node alone (R1 streams, no routes): an input publishes a batch, the
// follower applies it. In a cluster, Config names ClusterListen and the
// Peers, and every node's follower applies every node's batches.
func Example() {
	dir, err := os.MkdirTemp("", "tidewatch-cluster-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	n, err := cluster.Start(ctx, cluster.Config{Name: "a", Dir: dir}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	in := n.IngestLog(cluster.LogConfig{})
	seq, err := in.Publish(ctx, cluster.Batch{Input: "tcp-1", Received: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC),
		Lines: [][]byte{[]byte("!AIVDM,1,1,,B,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24")}})
	fmt.Println("acknowledged as", seq, err)

	done := make(chan struct{})
	f, err := n.IngestFollower(cluster.FollowerConfig{}, func(seq uint64, b cluster.Batch) error {
		fmt.Printf("applied %d: %d line from %s at %s\n", seq, len(b.Lines), b.Input, b.Received.Format(time.RFC3339))
		close(done)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fctx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- f.Run(fctx) }()
	<-done
	stop()
	if err := <-errc; err != nil {
		fmt.Println(err)
	}
	// Output:
	// acknowledged as 1 <nil>
	// applied 1: 1 line from tcp-1 at 2026-12-06T12:00:00Z
}
