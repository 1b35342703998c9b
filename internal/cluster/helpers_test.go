package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// aisLines reads the non-comment lines of a real AIS capture in the
// repository's testdata.
func aisLines(t testing.TB, name string) [][]byte {
	t.Helper()
	f, err := os.Open("../../testdata/ais/raw/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, []byte(l))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// aishubPerBatch is 100 ms of the AISHub capture: 85,182 lines in 3
// minutes are 473 a second.
const aishubPerBatch = 47

// batches cuts lines into batches of per lines for input, 100 ms apart
// from start.
func batches(lines [][]byte, per int, input string, start time.Time) []Batch {
	var out []Batch
	for i := 0; i < len(lines); i += per {
		out = append(out, Batch{Input: input, Received: start.Add(time.Duration(len(out)) * 100 * time.Millisecond),
			Lines: lines[i:min(i+per, len(lines))]})
	}
	return out
}

// digest identifies a batch's content.
func digest(b Batch) string {
	h := crc32.NewIEEE()
	for _, l := range b.Lines {
		h.Write(l)
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%s@%d:%d:%08x", b.Input, b.Received.UnixNano(), len(b.Lines), h.Sum32())
}

// applied is one entry a fake state machine applied.
type applied struct {
	Seq    uint64
	Digest string
}

// fakeState is a state machine that remembers what it applied, in
// memory (it survives a "restart" of its node in the test, like a
// durable store would), and can snapshot and restore itself.
type fakeState struct {
	mu      sync.Mutex
	entries []applied
	bad     []string // order violations
}

func (s *fakeState) apply(seq uint64, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.entries); n > 0 && s.entries[n-1].Seq >= seq {
		s.bad = append(s.bad, fmt.Sprintf("applied %d after %d", seq, s.entries[n-1].Seq))
	}
	s.entries = append(s.entries, applied{seq, digest(b)})
	return nil
}

func (s *fakeState) Snapshot(w io.Writer) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var seq uint64
	if n := len(s.entries); n > 0 {
		seq = s.entries[n-1].Seq
	}
	return seq, json.NewEncoder(w).Encode(s.entries)
}

func (s *fakeState) Restore(r io.Reader, seq uint64) error {
	var e []applied
	if err := json.NewDecoder(r).Decode(&e); err != nil {
		return err
	}
	if n := len(e); n > 0 && e[n-1].Seq != seq {
		return fmt.Errorf("snapshot ends at %d, said %d", e[n-1].Seq, seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = e
	return nil
}

func (s *fakeState) snapshot() ([]applied, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries), slices.Clone(s.bad)
}

// freeAddrs returns n loopback addresses with free ports.
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	var ls []net.Listener
	// Ports below the ephemeral range (Linux: 32768–60999), which every
	// outgoing connection and other test processes' 127.0.0.1:0 draw
	// from: between this check and the embedded server's bind (or a
	// member's restart later) one of those could take an ephemeral port
	// ("address already in use").
	for try := 0; len(ls) < n; try++ {
		if try == 1000 {
			t.Fatal("no free port between 20000 and 32000")
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue // taken: draw another
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return addrs
}

// member is one node of a test cluster with its follower and state.
type member struct {
	cfg   Config
	node  *Node
	state *fakeState
	fol   *Follower
	stop  context.CancelFunc
	done  chan error
}

// testCluster makes the configurations of n nodes that list each other
// as peers, with data directories under t.TempDir.
func testCluster(t testing.TB, n int, tweak func(*Config)) []*member {
	t.Helper()
	addrs := freeAddrs(t, n)
	var ms []*member
	for i := range n {
		cfg := Config{Name: fmt.Sprintf("n%d", i), Dir: t.TempDir(), ClusterListen: addrs[i], StartTimeout: 2 * time.Minute}
		for j, a := range addrs {
			if j != i {
				cfg.Peers = append(cfg.Peers, a)
			}
		}
		if tweak != nil {
			tweak(&cfg)
		}
		ms = append(ms, &member{cfg: cfg, state: &fakeState{}})
	}
	t.Cleanup(func() {
		for _, m := range ms {
			m.halt()
		}
	})
	return ms
}

// startAll starts the members at once (a quorum is needed to make the
// streams) and their followers.
func startAll(t testing.TB, ms []*member) {
	t.Helper()
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { errs[i] = m.startNode() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if err := m.follow(); err != nil {
			t.Fatal(err)
		}
	}
}

func (m *member) startNode() error {
	n, err := Start(context.Background(), m.cfg, nil)
	if err != nil {
		return fmt.Errorf("start %s: %w", m.cfg.Name, err)
	}
	m.node = n
	return nil
}

// follow makes a follower of the ingest log into m.state and runs it.
func (m *member) follow() error {
	f, err := m.node.IngestFollower(FollowerConfig{IdleWait: 200 * time.Millisecond, RetryWait: 100 * time.Millisecond}, m.state.apply)
	if err != nil {
		return err
	}
	m.fol = f
	m.run()
	return nil
}

func (m *member) run() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan error, 1)
	go func() { m.done <- m.fol.Run(ctx) }()
}

// halt stops the follower and shuts the node down abruptly (no drain,
// no lame duck).
func (m *member) halt() error {
	var err error
	if m.stop != nil {
		m.stop()
		err = <-m.done
		m.stop = nil
	}
	if m.node != nil {
		m.node.Close()
		m.node = nil
	}
	return err
}

// acked records what the cluster acknowledged: stream sequence → digest.
type acked struct {
	mu   sync.Mutex
	seqs map[uint64]string
}

func (a *acked) add(seq uint64, d string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seqs == nil {
		a.seqs = map[uint64]string{}
	}
	if old, ok := a.seqs[seq]; ok && old != d {
		return fmt.Errorf("sequence %d acknowledged for %s and %s", seq, old, d)
	}
	a.seqs[seq] = d
	return nil
}

func (a *acked) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seqs)
}

// feed publishes bs through l, one at a time like an input, recording
// what was acknowledged, until bs is done, stop is closed, or the node
// is closed. Publishes that fail (the node went down) are not counted.
func feed(l *Log, bs []Batch, ack *acked, stop <-chan struct{}, pace func(i int)) error {
	for i, b := range bs {
		select {
		case <-stop:
			return nil
		default:
		}
		if pace != nil {
			pace(i)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		seq, err := l.Publish(ctx, b)
		cancel()
		if errors.Is(err, ErrClosed) {
			return nil
		}
		if err != nil {
			continue // not acknowledged: the input would not count it
		}
		if err := ack.add(seq, digest(b)); err != nil {
			return err
		}
	}
	return nil
}

// poll calls cond until it returns nil or the deadline passes.
func poll(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not after %v: %v", what, d, err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// streamLast returns the ingest stream's last sequence as a node sees it.
func streamState(n *Node) (first, last uint64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := n.js.Stream(ctx, IngestStream)
	if err != nil {
		return 0, 0, err
	}
	st := s.CachedInfo().State
	return st.FirstSeq, st.LastSeq, nil
}

// converged waits until every running member applied the whole stream,
// then checks that all hold the same entries in the same order and that
// every acknowledged publish is among them with its content.
func converged(t testing.TB, ms []*member, ack *acked) {
	t.Helper()
	poll(t, 2*time.Minute, "followers catch up", func() error {
		_, last, err := streamState(ms[0].node)
		if err != nil {
			return err
		}
		for _, m := range ms {
			st := m.fol.Status()
			if st.Applied != last || !st.CaughtUp {
				return fmt.Errorf("%s applied %d of %d (caught up %v)", m.cfg.Name, st.Applied, last, st.CaughtUp)
			}
		}
		return nil
	})
	want, bad := ms[0].state.snapshot()
	if len(bad) > 0 {
		t.Errorf("%s applied out of order: %v", ms[0].cfg.Name, bad)
	}
	for _, m := range ms[1:] {
		got, bad := m.state.snapshot()
		if len(bad) > 0 {
			t.Errorf("%s applied out of order: %v", m.cfg.Name, bad)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s applied %d entries, %s %d; they differ", m.cfg.Name, len(got), ms[0].cfg.Name, len(want))
		}
	}
	have := map[uint64]string{}
	for _, e := range want {
		have[e.Seq] = e.Digest
	}
	ack.mu.Lock()
	defer ack.mu.Unlock()
	for seq, d := range ack.seqs {
		if have[seq] != d {
			t.Errorf("acknowledged entry %d (%s) applied as %q", seq, d, have[seq])
		}
	}
	if len(want) < len(ack.seqs) {
		t.Errorf("applied %d entries, fewer than the %d acknowledged", len(want), len(ack.seqs))
	}
}

// jetStreamAnswers waits until m's restarted node answers for the
// snapshot bucket: a node just started may have no meta leader yet
// (under load for more than the 30 s one ask of RestoreSnapshot allows,
// which RestoreSnapshotRetry would ask again), and the tests that
// restore exactly once must not take that wait for a failed restore.
func jetStreamAnswers(t testing.TB, m *member) {
	t.Helper()
	poll(t, 5*time.Minute, "the restarted node's JetStream to answer", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := m.node.snapshotBucket(ctx)
		return err
	})
}
