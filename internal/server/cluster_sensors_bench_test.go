package server

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// BenchmarkNodeSensors compares, in one run, a single node's radar
// ingest with a three-node cluster's (R3, the three nodes in this
// process, on the same cores) through whole nodes: the simulated patrol
// ship's and fixed site's NMEA radar output (30 minutes of the
// scenario: 6,342 TTM/TLL reports with the own-ship RMC/HDT, one scan a
// TCP write) is pushed into an nmea-radar tcp-server input, and timed
// until every node's contact tracker made a contact of every report
// (the last scan, which in cluster mode waits for the log's time to move
// on, aside). Single: decoded by the input, associated by the tracker's
// goroutine. Cluster: each scan published as a sensor batch and
// acknowledged, then decoded and associated by all three nodes. Metrics:
// reports/s, and cpu-us/report (the process's CPU time, all three nodes
// together for the cluster).
//
//	go test ./internal/server -run XXX -bench NodeSensors -benchtime 2x
func BenchmarkNodeSensors(b *testing.B) {
	sc := sensorScenario(time.Now().UTC().Add(-2*time.Hour).Truncate(time.Minute), 30*time.Minute)
	scans, times := radarScans(b, sc)
	lastScan := 0
	for _, r := range sc.Radar {
		if r.Det.Time == times[len(times)-1] {
			lastScan++
		}
	}
	var writes [][]byte
	for _, s := range scans {
		writes = append(writes, append(bytes.Join(s, []byte("\r\n")), '\r', '\n'))
	}
	for _, mode := range []string{"single", "cluster3"} {
		b.Run(mode, func(b *testing.B) {
			benchNodeSensors(b, mode == "cluster3", writes, int64(len(sc.Radar)), int64(lastScan))
		})
	}
}

func benchNodeSensors(b *testing.B, clustered bool, writes [][]byte, reports, lastScan int64) {
	names := []string{"a"}
	if clustered {
		names = []string{"a", "b", "c"}
	}
	cfgs := clusterConfigs(b, b.TempDir(), clustered, names...)
	in := freePortB(b)
	cfgs[0].Inputs = []Input{{Type: "nmea-radar", Name: "patrol-radar", Transport: "tcp-server", Listen: in}}
	nodes := runNodes(b, cfgs, clustered)
	var fed int64
	var elapsed time.Duration
	var cpu int64
	made := func(n *Node) int64 { st := n.Contacts().Stats(); return st.Contacts + st.Rejected }
	for b.Loop() {
		base := make([]int64, len(nodes))
		for i, n := range nodes {
			base[i] = made(n)
		}
		cpu0, t0 := cpuNanos(), time.Now()
		c, err := net.Dial("tcp", in)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range writes {
			if _, err := c.Write(w); err != nil {
				b.Fatal(err)
			}
		}
		c.Close()
		fed += reports
		for i, n := range nodes {
			waitForB(b, 5*time.Minute, "the contacts", func() bool { return made(n)-base[i] >= reports-lastScan })
		}
		elapsed += time.Since(t0)
		cpu += cpuNanos() - cpu0
	}
	b.ReportMetric(float64(fed)/elapsed.Seconds(), "reports/s")
	b.ReportMetric(float64(cpu)/1e3/float64(fed), "cpu-us/report")
	st := nodes[0].Contacts().Stats()
	b.ReportMetric(float64(st.DetectionsDropped), "dropped")
}
