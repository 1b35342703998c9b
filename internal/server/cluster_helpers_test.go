package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// The cluster tests' shared set-up: the members' configurations, the
// three node processes, in-process nodes, the feeders and the polls of
// the nodes' metrics.

// clusterConfigs returns the configurations of the named members of one
// cluster on loopback (each its own data directory under dir, HTTP on a
// free port, no land mask), each with routes to all the others; with
// clustered false (a single node to compare with) no cluster at all.
// A test's route ports are freePort's (below the ephemeral range: a node
// restarted minutes later binds its port again).
func clusterConfigs(tb testing.TB, dir string, clustered bool, names ...string) []Config {
	tb.Helper()
	routes := make([]string, len(names))
	for i := range routes {
		if t, ok := tb.(*testing.T); ok {
			routes[i] = freePort(t)
		} else {
			routes[i] = freePortB(tb)
		}
	}
	cfgs := make([]Config, len(names))
	for i, name := range names {
		cfgs[i] = Config{Data: filepath.Join(dir, name), Listen: "127.0.0.1:0", Land: "none"}
		if !clustered {
			continue
		}
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, r)
			}
		}
		cfgs[i].Cluster = Cluster{Name: name, Listen: routes[i], Peers: peers}
	}
	return cfgs
}

// startClusterProcs starts three cluster nodes, n0 to n2, each in its own
// process (TestClusterChild) with its configuration in dir, and waits
// until each serves. edit, when set, completes node i's configuration
// (its inputs, the log's retention) and its clusterProc (the address of
// its feed input). The processes are killed when the test ends.
func startClusterProcs(t *testing.T, dir string, edit func(i int, p *clusterProc, cfg *Config)) []*clusterProc {
	t.Helper()
	names := []string{"n0", "n1", "n2"}
	cfgs := clusterConfigs(t, dir, true, names...)
	procs := make([]*clusterProc, len(names))
	for i, name := range names {
		p := &clusterProc{name: name, cfgPath: filepath.Join(dir, name+".json")}
		if edit != nil {
			edit(i, p, &cfgs[i])
		}
		b, _ := json.Marshal(cfgs[i])
		if err := os.WriteFile(p.cfgPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
		procs[i] = p
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.kill()
		}
	})
	for _, p := range procs {
		p.start(t)
	}
	for _, p := range procs {
		p.wait(t)
	}
	return procs
}

// northSeaWatch is the watch zone of the cluster event tests: the North Sea
// and the Baltic approaches, where most of the AISHub capture's vessels
// are.
const northSeaWatch = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"North Sea watch"},
"geometry":{"type":"Polygon","coordinates":[[[0,50],[15,50],[15,60],[0,60],[0,50]]]}}]}`

// startEventProcs starts the three node processes of the cluster event
// tests (startClusterProcs), n0 to n2, in a temporary directory: each fed
// over TCP (a tcp-server input named "feed-" and the node's name, fed
// with feedLines or sendLines), with the watch zone (northSeaWatch); maxAge,
// when not empty, is the ingest log's retention. When the test fails,
// the end of each node's log is logged and the logs kept (keepLogs).
func startEventProcs(t *testing.T, maxAge string) []*clusterProc {
	t.Helper()
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(zones, []byte(northSeaWatch), 0o600); err != nil {
		t.Fatal(err)
	}
	procs := startClusterProcs(t, dir, func(i int, p *clusterProc, cfg *Config) {
		p.input = freePort(t)
		cfg.Inputs = []Input{{Type: "tcp-server", Name: "feed-" + p.name, Listen: p.input}}
		cfg.Events = Events{Zones: zones}
		cfg.Cluster.MaxAge = maxAge
	})
	t.Cleanup(func() { logsIfFailed(t, procs, 4000) })
	return procs
}

// runNodes opens the nodes of cfgs in this process (at once: a cluster
// member's Open waits for its peers), runs them, and stops and closes
// them when the test or benchmark ends. With waitLog set it waits until
// the first node's follower caught up with the log (the first publish
// needs a quorum).
func runNodes(tb testing.TB, cfgs []Config, waitLog bool) []*Node {
	tb.Helper()
	opts := make([]Options, len(cfgs))
	for i := range cfgs {
		opts[i].Config = cfgs[i]
	}
	return runNodesOpt(tb, opts, waitLog)
}

// runNodesOpt is runNodes with each node's whole Options.
func runNodesOpt(tb testing.TB, opts []Options, waitLog bool) []*Node {
	tb.Helper()
	nodes := make([]*Node, len(opts))
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			n, err := Open(context.Background(), opts[i])
			if err != nil {
				tb.Error(err)
				return
			}
			nodes[i] = n
		})
	}
	wg.Wait()
	if tb.Failed() {
		for _, n := range nodes {
			if n != nil {
				n.Close()
			}
		}
		tb.FailNow()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, len(nodes))
	for _, n := range nodes {
		go func() { done <- n.Run(ctx) }()
	}
	tb.Cleanup(func() {
		cancel()
		for range nodes {
			if err := <-done; err != nil {
				tb.Error(err)
			}
		}
		for _, n := range nodes {
			n.Close()
		}
	})
	if waitLog {
		waitForB(tb, 2*time.Minute, "the stream", func() bool { return nodes[0].cl.follower.Status().CaughtUp })
	}
	return nodes
}

// freePortB and waitForB are freePort and waitFor for benchmarks and
// helpers shared by tests and benchmarks.
func freePortB(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitForB(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		<-tick.C
	}
}

// feedPace is what a cluster test's feeder waits for after each write,
// before the next: the node fed published it (its input counted the
// lines), each node of peers that answers applied the node's last
// published entry and, while commit says so, committed it too. The feed
// goes at the speed of the nodes, not of a clock: a loaded machine
// slows it down instead of leaving the nodes behind it. A store commits
// once a second (CommitInterval), so a feed waiting for commits goes at
// about a write a second: a test that kills a node once it committed
// what it applied kills it in the middle of the feed, not after it.
// The feed's pace is the nodes': a wait for a point in the feed is a
// failure only after minutes (a loaded machine, every node a process).
type feedPace struct {
	peers  []*clusterProc
	commit func() bool   // nil: never
	sent   *atomic.Int64 // lines written, when not nil
}

// sendLines writes lines to node p's tcp-server input (named "feed-"
// and p's name), about 500 at a time, never splitting a multi-sentence
// message, paced by pace; then it closes its side and waits (up to
// 60 s) until the node closes the connection, which it does once it
// published the last batch and the cluster acknowledged it. It does not
// end the test: feeders call it on their own goroutines.
func sendLines(t testing.TB, p *clusterProc, lines [][]byte, pace feedPace) error {
	published := fmt.Sprintf(`tidewatch_input_line_mode_total{input="feed-%s",type="tcp-server",what="published_lines"}`, p.name)
	base, ok := metricAt(t, p, published)
	if !ok {
		return fmt.Errorf("%s does not answer", p.name)
	}
	c, err := net.Dial("tcp", p.input)
	if err != nil {
		return err
	}
	defer c.Close()
	written := 0
	for len(lines) > 0 {
		n := min(500, len(lines))
		for n < len(lines) && fragmentOpen(lines[n-1]) {
			n++
		}
		var buf bytes.Buffer
		for _, l := range lines[:n] {
			buf.Write(l)
			buf.WriteString("\r\n")
		}
		if _, err := c.Write(buf.Bytes()); err != nil {
			return err
		}
		written += n
		if pace.sent != nil {
			pace.sent.Add(int64(n))
		}
		lines = lines[n:]
		// A fragment whose message never completes is held back for
		// about a second before it is published: within the limit.
		if !within(t, time.Minute, func() bool { v, ok := metricAt(t, p, published); return ok && v >= base+float64(written) }) {
			return fmt.Errorf("%s did not publish the %d lines sent within a minute", p.name, written)
		}
		if err := caughtUp(t, p, pace.peers, pace.commit != nil && pace.commit(), time.Minute); err != nil {
			return err
		}
	}
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		return fmt.Errorf("the node did not finish publishing: %w", err)
	}
	return nil
}

// fragmentOpen reports whether line is a fragment of a multi-sentence
// message other than its last.
func fragmentOpen(line []byte) bool {
	s, err := nmea.Parse(line)
	return err == nil && s.Num < s.Total
}

// caughtUp waits (up to limit for each) until every node of peers that
// answers applied the last entry node from published, and with
// committed set committed it too. It does not end the test.
func caughtUp(t testing.TB, from *clusterProc, peers []*clusterProc, committed bool, limit time.Duration) error {
	last, ok := metricAt(t, from, fmt.Sprintf(`tidewatch_cluster_published_sequence{stream=%q}`, cluster.IngestStream))
	if !ok {
		return fmt.Errorf("%s does not answer", from.name)
	}
	name := "tidewatch_cluster_applied_sequence"
	if committed {
		name = "tidewatch_cluster_committed_sequence"
	}
	name = fmt.Sprintf(`%s{stream=%q}`, name, cluster.IngestStream)
	for _, p := range peers {
		if !within(t, limit, func() bool { v, ok := metricAt(t, p, name); return !ok || v >= last }) {
			return fmt.Errorf("%s did not reach entry %.0f of %s (%s) within %v", p.name, last, from.name, name, limit)
		}
	}
	return nil
}

// feedLines sends lines to a node's tcp-server input, each write once
// the node published and applied the one before, and waits until it
// has published them all (it closes the connection then).
func feedLines(t *testing.T, p *clusterProc, lines [][]byte) {
	t.Helper()
	if err := sendLines(t, p, lines, feedPace{peers: []*clusterProc{p}}); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
}

// streamSeq reads a per-stream metric of the ingest log (name{stream=
// "TIDEWATCH_INGEST"}) from a node that may be down or reopened on a new
// HTTP port a moment ago: the address is read again first, and a node
// that does not answer reads as 0.
func streamSeq(t testing.TB, p *clusterProc, name string) float64 {
	p.refresh()
	v, _ := metricIfUp(t, p.base, fmt.Sprintf(`%s{stream=%q}`, name, cluster.IngestStream))
	return v
}

// allApplied is a condition for waitFor: every node of ps applied the
// ingest log up to the last entry it knows of.
func allApplied(t testing.TB, ps []*clusterProc) func() bool {
	return func() bool {
		for _, p := range ps {
			if a, last := streamSeq(t, p, "tidewatch_cluster_applied_sequence"), streamSeq(t, p, "tidewatch_cluster_stream_last_sequence"); a == 0 || a != last {
				return false
			}
		}
		return true
	}
}

// sameLogEnd is a condition for waitFor: every node of ps applied the
// whole log, all at the same entry, and that entry has not moved for
// longer than a follower's idle refresh of the stream's last sequence
// (1 s). With committed set, each node's store has also committed it.
func sameLogEnd(t testing.TB, ps []*clusterProc, committed bool) func() bool {
	prev, since := -1.0, time.Now()
	return func() bool {
		var seqs []float64
		for _, p := range ps {
			a, last := streamSeq(t, p, "tidewatch_cluster_applied_sequence"), streamSeq(t, p, "tidewatch_cluster_stream_last_sequence")
			if a != last || a == 0 {
				return false
			}
			if committed && streamSeq(t, p, "tidewatch_cluster_committed_sequence") != a {
				return false
			}
			seqs = append(seqs, a)
		}
		for _, s := range seqs[1:] {
			if s != seqs[0] {
				return false
			}
		}
		if seqs[0] != prev {
			prev, since = seqs[0], time.Now()
		}
		return time.Since(since) > 3*time.Second
	}
}

// metricAt reads a metric of node p at the address its process wrote
// last (p itself is not touched, so feeders may call it); false while p
// does not answer.
func metricAt(t testing.TB, p *clusterProc, name string) (float64, bool) {
	addr, err := os.ReadFile(p.cfgPath + ".addr")
	if err != nil || len(addr) == 0 {
		return 0, false
	}
	return metricIfUp(t, "http://"+string(addr), name)
}

// pollMetric polls a metric of node p (metricAt) until it reaches want,
// for up to limit; it reports whether it did.
func pollMetric(t testing.TB, p *clusterProc, name string, want int64, limit time.Duration) bool {
	return within(t, limit, func() bool { v, ok := metricAt(t, p, name); return ok && v >= float64(want) })
}

// within checks cond every 2 ms until it holds (true), or limit passed
// or the test ended (false): waitFor for the feeders, which must not end
// the test from their goroutines.
func within(t testing.TB, limit time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			return cond()
		case <-t.Context().Done():
			return false
		case <-tick.C:
		}
	}
	return true
}

// sensorsGet and sensorsMetric are getJSON and metricIfUp, by the names
// the sensor tests used.
func sensorsGet(t testing.TB, base, path string, v any) int { return getJSON(t, base, path, v) }

func sensorsMetric(t testing.TB, base, name string) (float64, bool) { return metricIfUp(t, base, name) }

// logsIfFailed, when t failed, logs the last n bytes of each node's log
// and keeps the whole logs (keepLogs).
func logsIfFailed(t *testing.T, procs []*clusterProc, n int) {
	if !t.Failed() {
		return
	}
	for _, p := range procs {
		log, _ := os.ReadFile(p.cfgPath + ".log")
		t.Logf("%s log:\n%s", p.name, tail(log, n))
	}
	keepLogs(t, procs)
}
