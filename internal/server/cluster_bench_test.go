package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
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
	names := []string{"a"}
	if clustered {
		names = []string{"a", "b", "c"}
	}
	cfgs := clusterConfigs(b, b.TempDir(), clustered, names...)
	ins := make([]string, k)
	for j := range ins {
		ins[j] = freePortB(b)
		cfgs[0].Inputs = append(cfgs[0].Inputs, Input{Type: "tcp-server", Name: fmt.Sprintf("in%d", j), Listen: ins[j]})
	}
	nodes := runNodes(b, cfgs, clustered)
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
