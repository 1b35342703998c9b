package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchNodes starts a cluster of n members (n = 1: one node alone, R1)
// for a benchmark and returns the nodes.
func benchNodes(b *testing.B, n int) []*Node {
	b.Helper()
	if n == 1 {
		node, err := Start(context.Background(), Config{Name: "solo", Dir: b.TempDir()}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { node.Close() })
		return []*Node{node}
	}
	ms := testCluster(b, n, nil)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { errs[i] = m.startNode() })
	}
	wg.Wait()
	var nodes []*Node
	for i, m := range ms {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		nodes = append(nodes, m.node)
	}
	return nodes
}

// BenchmarkPublish is sustained ingest into the replicated log: each of
// `inputs` inputs publishes real 100 ms batches of the AISHub capture (47
// lines) one after the other, waiting for each acknowledgement, as an
// input does; in the cluster the inputs are spread over the nodes.
// batches/s divided by 10 is how many live feeds of that rate it keeps
// up with.
func BenchmarkPublish(b *testing.B) {
	bs := batches(aisLines(b, "aishub-3min.nmea"), aishubPerBatch, "in", t0)
	for _, size := range []int{1, 3} {
		nodes := benchNodes(b, size)
		logs := make([]*Log, len(nodes))
		for i, n := range nodes {
			logs[i] = n.IngestLog(LogConfig{})
		}
		for _, inputs := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("R%d/inputs=%d", size, inputs), func(b *testing.B) {
				var wg sync.WaitGroup
				start := time.Now()
				for in := range inputs {
					l := logs[in%len(logs)]
					n := b.N / inputs
					if in < b.N%inputs {
						n++
					}
					wg.Go(func() {
						for i := range n {
							batch := bs[(in*977+i)%len(bs)]
							batch.Input = fmt.Sprintf("in-%d", in)
							if _, err := l.Publish(context.Background(), batch); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				el := time.Since(start).Seconds()
				b.ReportMetric(float64(b.N)/el, "batches/s")
				b.ReportMetric(float64(b.N*aishubPerBatch)/el, "lines/s")
			})
		}
	}
}

// BenchmarkCatchUp is how fast a follower that was away applies the log
// (entries per second, against the 10 a second one input produces): a
// node restarted after a long stop. cursor=1 writes the cursor after
// every entry (the default), cursor=100 every 100 entries, cursor=state
// none (StateCursor: the state machine keeps the sequence in its own
// commits, as a node does in its store).
func BenchmarkCatchUp(b *testing.B) {
	bs := batches(aisLines(b, "aishub-3min.nmea"), aishubPerBatch, "in", t0)
	for _, size := range []int{1, 3} {
		nodes := benchNodes(b, size)
		l := nodes[0].IngestLog(LogConfig{})
		for _, batch := range bs {
			if _, err := l.Publish(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		n := nodes[len(nodes)-1]
		for _, every := range []int{1, 100, 0} {
			name := fmt.Sprintf("R%d/cursor=%d", size, every)
			if every == 0 {
				name = fmt.Sprintf("R%d/cursor=state", size)
			}
			b.Run(name, func(b *testing.B) {
				var entries int
				var elapsed time.Duration
				for b.Loop() {
					os.Remove(filepath.Join(n.cfg.dir(), IngestStream+".applied"))
					var got int
					f, err := n.IngestFollower(FollowerConfig{CursorEvery: every, StateCursor: every == 0, IdleWait: 50 * time.Millisecond}, func(seq uint64, b Batch) error {
						got += len(b.Lines)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan error, 1)
					start := time.Now()
					go func() { done <- f.Run(ctx) }()
					for deadline := time.Now().Add(5 * time.Minute); f.Applied() < uint64(len(bs)); {
						if time.Now().After(deadline) {
							b.Fatalf("follower applied %d of %d entries in 5 minutes: %+v", f.Applied(), len(bs), f.Status())
						}
						time.Sleep(time.Millisecond) // polling interval of the deadline wait
					}
					elapsed += time.Since(start)
					entries += len(bs)
					cancel()
					if err := <-done; err != nil {
						b.Fatal(err)
					}
				}
				rate := float64(entries) / elapsed.Seconds()
				b.ReportMetric(rate, "entries/s")
				b.ReportMetric(rate/10, "x_one_input")
			})
		}
	}
}
