package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
)

// BenchmarkNodeIngest compares, in one run, the sustained ingest of a
// single node with that of a three-node cluster (R3, the three nodes in
// this process, on the same cores) through whole nodes: the AISHub
// capture (85,182 real lines) is pushed over TCP into 1 or 4 tcp-server
// inputs (the capture cut into contiguous parts, one connection each, as
// fast as the inputs read) and timed until every node applied all of it
// (single: every observation through the pipeline; cluster: every line
// acknowledged into the log and the log applied on all three nodes).
// Metrics: msgs/s (AIS messages of the capture over the elapsed time)
// and cpu-us/msg (the process's CPU time, all three nodes together for
// the cluster, per message).
//
//	go test ./internal/server -run XXX -bench NodeIngest -benchtime 1x
func BenchmarkNodeIngest(b *testing.B) {
	lines := captureLines(b, "raw/aishub-3min.nmea", 1<<20)
	msgs := 0
	s := ingest.NewStream(bytes.NewReader(bytes.Join(lines, []byte("\n"))), ingest.Options{})
	for {
		if _, err := s.Next(); err != nil {
			break
		}
		msgs++
	}
	for _, mode := range []string{"single", "cluster3"} {
		for _, inputs := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/inputs=%d", mode, inputs), func(b *testing.B) {
				benchNodeIngest(b, mode == "cluster3", inputs, lines, msgs)
			})
		}
	}
}

func benchNodeIngest(b *testing.B, clustered bool, k int, lines [][]byte, msgs int) {
	dir := b.TempDir()
	members := 1
	if clustered {
		members = 3
	}
	var routes []string
	for range members {
		routes = append(routes, freePortB(b))
	}
	ins := make([]string, k)
	cfgs := make([]Config, members)
	for i := range cfgs {
		cfgs[i] = Config{Data: filepath.Join(dir, string(rune('a'+i))), Listen: "127.0.0.1:0", Land: "none"}
		if clustered {
			var peers []string
			for j, r := range routes {
				if j != i {
					peers = append(peers, r)
				}
			}
			cfgs[i].Cluster = Cluster{Name: string(rune('a' + i)), Listen: routes[i], Peers: peers}
		}
	}
	for j := range ins {
		ins[j] = freePortB(b)
		cfgs[0].Inputs = append(cfgs[0].Inputs, Input{Type: "tcp-server", Name: fmt.Sprintf("in%d", j), Listen: ins[j]})
	}
	nodes := make([]*Node, members)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			n, err := Open(context.Background(), Options{Config: cfgs[i]})
			if err != nil {
				b.Error(err)
				return
			}
			nodes[i] = n
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, members)
	for _, n := range nodes {
		go func() { done <- n.Run(ctx) }()
	}
	defer func() {
		cancel()
		for range nodes {
			<-done
		}
		for _, n := range nodes {
			n.Close()
		}
	}()
	if clustered {
		// Wait for the cluster to accept: the first publish needs a quorum.
		waitForB(b, 2*time.Minute, "the stream", func() bool { return nodes[0].cl.follower.Status().CaughtUp })
	}
	parts := make([][]byte, k)
	per := (len(lines) + k - 1) / k
	for j := range parts {
		parts[j] = append(bytes.Join(lines[j*per:min((j+1)*per, len(lines))], []byte("\r\n")), '\r', '\n')
	}
	fed := int64(0)
	var elapsed time.Duration
	var cpu int64
	for b.Loop() {
		cpu0, t0 := cpuNanos(), time.Now()
		var fw sync.WaitGroup
		for j := range parts {
			fw.Go(func() {
				c, err := net.Dial("tcp", ins[j])
				if err != nil {
					b.Error(err)
					return
				}
				w := bufio.NewWriterSize(c, 64<<10)
				w.Write(parts[j])
				w.Flush()
				c.Close()
			})
		}
		fw.Wait()
		fed += int64(len(lines))
		n0 := nodes[0]
		if !clustered {
			waitForB(b, 5*time.Minute, "the node to apply the feed", func() bool {
				var read, obs, queued int64
				for _, st := range n0.stats {
					is := st.stats()
					read += is.Lines
					obs += is.Observations
					queued += is.Queue.Delivered + is.Queue.Dropped
				}
				ps := n0.pipe.Stats()
				return read >= fed && obs == queued && ps.Submitted == ps.Applied+ps.Dropped && ps.QueueDepth == 0
			})
		} else {
			waitForB(b, 5*time.Minute, "the inputs to publish the feed", func() bool {
				var pub int64
				for _, st := range n0.stats {
					pub += st.stats().LineMode.Lines
				}
				return pub >= fed
			})
			last := n0.cl.follower.Status().Last
			for _, n := range nodes {
				waitForB(b, 5*time.Minute, "the log applied", func() bool { return n.cl.follower.Applied() >= last })
			}
		}
		elapsed += time.Since(t0)
		cpu += cpuNanos() - cpu0
	}
	total := float64(msgs) * float64(fed/int64(len(lines)))
	b.ReportMetric(total/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu)/1e3/total, "cpu-us/msg")
	if !clustered {
		ps := nodes[0].pipe.Stats()
		b.ReportMetric(float64(ps.Dropped), "dropped")
	}
}

// freePortB and waitForB are freePort and waitFor for benchmarks.
func freePortB(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitForB(b *testing.B, limit time.Duration, what string, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		<-tick.C
	}
}
