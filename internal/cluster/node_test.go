package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // "" for valid
	}{
		{"alone", Config{Name: "a", Dir: "/d"}, ""},
		{"cluster", Config{Name: "a", Dir: "/d", ClusterListen: ":6222", Peers: []string{"b:6222", "c:6222"}}, ""},
		{"cluster without peers", Config{Name: "a", Dir: "/d", ClusterListen: ":6222"}, "Peers"},
		{"external", Config{Name: "a", Dir: "/d", NATSURL: "nats://n:4222"}, ""},
		{"no name", Config{Dir: "/d"}, "Name"},
		{"dotted name", Config{Name: "a.b", Dir: "/d"}, "Name"},
		{"no dir", Config{Name: "a"}, "Dir"},
		{"peers without listen", Config{Name: "a", Dir: "/d", Peers: []string{"b:1"}}, "Peers"},
		{"listen and url", Config{Name: "a", Dir: "/d", ClusterListen: ":1", Peers: []string{"b:1"}, NATSURL: "nats://x"}, "NATSURL"},
		{"peer without port", Config{Name: "a", Dir: "/d", ClusterListen: ":1", Peers: []string{"b"}}, "Peers"},
		{"bad client listen", Config{Name: "a", Dir: "/d", ClientListen: "nowhere"}, "ClientListen"},
		{"R3 alone", Config{Name: "a", Dir: "/d", Replicas: 3}, "Replicas"},
		{"R7", Config{Name: "a", Dir: "/d", ClusterListen: ":1", Peers: []string{"b:1"}, Replicas: 7}, "Replicas"},
	}
	for _, tt := range tests {
		got, err := tt.cfg.withDefaults()
		var ce *ConfigError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field):
			t.Errorf("%s: error %v; want a ConfigError on %s", tt.name, err, tt.field)
		case tt.field == "":
			if got.ClientListen != "127.0.0.1:0" || got.MaxAge != defaultMaxAge || got.ClusterName != "tidewatch" {
				t.Errorf("%s: defaults %+v", tt.name, got)
			}
		}
	}
	// Replicas default: 3 in a cluster, 1 alone.
	for _, tt := range []struct {
		cfg  Config
		want int
	}{
		{Config{Name: "a", Dir: "/d"}, 1},
		{Config{Name: "a", Dir: "/d", ClusterListen: ":1", Peers: []string{"b:1"}}, 3},
		{Config{Name: "a", Dir: "/d", NATSURL: "nats://x"}, 3},
	} {
		got, _ := tt.cfg.withDefaults()
		if got.Replicas != tt.want {
			t.Errorf("%+v: %d replicas, want %d", tt.cfg, got.Replicas, tt.want)
		}
	}
}

// TestStartAddressInUse: a cluster address taken by another process is a
// clear error from Start, not a hang or an exit.
func TestStartAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(context.Background(), Config{Name: "a", Dir: t.TempDir(), ClusterListen: l.Addr().String(),
		Peers: freeAddrs(t, 1), StartTimeout: 20 * time.Second}, nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start on a taken cluster address: %v; want an error naming the address in use", err)
	}
}

// startAlone starts a single node with R1 streams.
func startAlone(t testing.TB, dir string) *Node {
	t.Helper()
	n, err := Start(context.Background(), Config{Name: "solo", Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// runFollower runs f until the test ends and returns a channel of its
// result.
func runFollower(t testing.TB, f *Follower) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestControlLog: control records go through the control stream and come
// back in order, typed, on the follower.
func TestControlLog(t *testing.T) {
	n := startAlone(t, t.TempDir())
	var mu sync.Mutex
	var got []ControlRecord
	f, err := n.ControlFollower(FollowerConfig{IdleWait: 100 * time.Millisecond}, func(seq uint64, r ControlRecord) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runFollower(t, f)
	cl := n.ControlLog(LogConfig{})
	want := []ControlRecord{
		{Kind: KindZone, Op: OpPut, ID: "harbour", Time: t0, Body: []byte(`{"name":"harbour"}`)},
		{Kind: KindIncident, Op: OpAppend, ID: "7", Time: t0.Add(time.Second), Body: []byte(`{"note":"x"}`)},
		{Kind: KindToken, Op: OpDelete, ID: "t1", Time: t0.Add(2 * time.Second)},
		{Kind: KindPartner, Op: OpPut, ID: "JP-JCG", Time: t0.Add(3 * time.Second), Body: []byte(`{}`)},
	}
	for i, r := range want {
		seq, err := cl.Publish(context.Background(), r)
		if err != nil || seq != uint64(i+1) {
			t.Fatalf("Publish %d: seq %d, %v", i, seq, err)
		}
	}
	if _, err := cl.Publish(context.Background(), ControlRecord{Kind: 0, Op: OpPut}); err == nil {
		t.Error("Publish of a record without a kind succeeded")
	}
	poll(t, time.Minute, "control records applied", func() error {
		if s := f.Status(); s.Applied != 4 || !s.CaughtUp {
			return errors.New("not yet")
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	for i, r := range got {
		w := want[i]
		if r.Kind != w.Kind || r.Op != w.Op || r.ID != w.ID || !r.Time.Equal(w.Time) || r.Node != "solo" || string(r.Body) != string(w.Body) {
			t.Errorf("record %d = %+v; want %+v from node solo", i, r, w)
		}
	}
	if s := cl.Stats(); s.Published != 4 || s.Failed != 1 {
		t.Errorf("control log stats %+v; want 4 published, 1 failed", s)
	}
}

// TestFollowerSkipsCorruptRetriesFailing: an entry that does not decode
// is skipped and counted; an Apply that fails is retried until it
// succeeds, never skipped; the cursor survives a restart of the node.
func TestFollowerSkipsCorruptRetriesFailing(t *testing.T) {
	dir := t.TempDir()
	n := startAlone(t, dir)
	l := n.IngestLog(LogConfig{})
	bs := batches(aisLines(t, "dma-stream-example.nmea"), 40, "dma", t0)
	if _, err := l.Publish(context.Background(), bs[0]); err != nil {
		t.Fatal(err)
	}
	// Something else publishes garbage on the ingest subjects.
	if _, err := n.js.Publish(context.Background(), IngestSubject+".rogue", []byte("not an entry")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Publish(context.Background(), bs[1]); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	fails := 3
	apply := func(seq uint64, b Batch) error {
		mu.Lock()
		defer mu.Unlock()
		if seq == 3 && fails > 0 {
			fails--
			return errors.New("disk full")
		}
		got = append(got, digest(b))
		return nil
	}
	f, err := n.IngestFollower(FollowerConfig{IdleWait: 100 * time.Millisecond, RetryWait: 10 * time.Millisecond}, apply)
	if err != nil {
		t.Fatal(err)
	}
	stop := runFollower(t, f)
	poll(t, time.Minute, "applied", func() error {
		if s := f.Status(); s.Applied != 3 || !s.CaughtUp {
			return errors.New("not yet")
		}
		return nil
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st := f.Status()
	if st.Undecodable != 1 || st.ApplyErrors != 3 || st.Entries != 2 || st.Failing || st.Lag != 0 {
		t.Errorf("status %+v; want 1 undecodable, 3 apply errors, 2 entries, not failing, no lag", st)
	}
	mu.Lock()
	if len(got) != 2 || got[0] != digest(bs[0]) || got[1] != digest(bs[1]) {
		t.Errorf("applied %v; want the two batches", got)
	}
	mu.Unlock()

	// The cursor is on disk: a new follower (after a restart) starts at 3.
	n.Close()
	n2 := startAlone(t, dir)
	f2, err := n2.IngestFollower(FollowerConfig{}, apply)
	if err != nil {
		t.Fatal(err)
	}
	if a := f2.Applied(); a != 3 {
		t.Errorf("after a restart the follower starts after %d; want 3", a)
	}
}

func TestCursorErrors(t *testing.T) {
	dir := t.TempDir()
	n := startAlone(t, dir)
	path := filepath.Join(dir, "cluster", IngestStream+".applied")
	for _, bad := range []string{"garbage", cursorMagic + "\nstream OTHER\napplied 1\n", cursorMagic + "\nstream " + IngestStream + "\napplied x\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := n.IngestFollower(FollowerConfig{}, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("cursor %q: %v; want ErrCorrupt", bad, err)
		}
	}
	// A cursor beyond the stream (a new, empty stream) is refused by Run.
	if err := os.WriteFile(path, []byte(cursorMagic+"\nstream "+IngestStream+"\napplied 99\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := n.IngestFollower(FollowerConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Run(context.Background()); !errors.Is(err, ErrCursorAhead) {
		t.Errorf("Run with a cursor beyond the stream: %v; want ErrCursorAhead", err)
	}
}

// TestPublishOverflow: with OverflowReject a full in-flight bound is
// ErrBusy, counted; with OverflowWait the publish waits for ctx.
func TestPublishOverflow(t *testing.T) {
	n := startAlone(t, t.TempDir())
	b := Batch{Input: "x", Received: t0, Lines: [][]byte{[]byte("line")}}
	l := n.IngestLog(LogConfig{MaxInFlight: 1})
	l.p.slots <- struct{}{} // one publish in flight
	if _, err := l.Publish(context.Background(), b); !errors.Is(err, ErrBusy) {
		t.Errorf("Publish beyond the bound: %v; want ErrBusy", err)
	}
	if s := l.Stats(); s.Rejected != 1 {
		t.Errorf("stats %+v; want 1 rejected", s)
	}
	w := n.IngestLog(LogConfig{MaxInFlight: 1, Overflow: OverflowWait})
	w.p.slots <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.Publish(ctx, b); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting Publish beyond the bound: %v; want the ctx's deadline", err)
	}
	<-w.p.slots
	if seq, err := w.Publish(context.Background(), b); err != nil || seq != 1 {
		t.Errorf("Publish with a free slot: %d, %v", seq, err)
	}
}

// TestExternalNATS: a node with NATSURL uses an existing NATS server
// (here another node's embedded one, alone with R1 streams) instead of
// starting its own; both see the same log.
func TestExternalNATS(t *testing.T) {
	host := startAlone(t, t.TempDir())
	ext, err := Start(context.Background(), Config{Name: "ext", Dir: t.TempDir(), NATSURL: host.ClientURL(), Replicas: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	if ext.srv != nil || ext.ClusterAddr() != "" || ext.ClientURL() != host.ClientURL() {
		t.Errorf("node on an external NATS started a server or reports %q, %q", ext.ClusterAddr(), ext.ClientURL())
	}
	bs := batches(aisLines(t, "dma-stream-example.nmea"), 40, "ext-tcp", t0)
	var ack acked
	if err := feed(ext.IngestLog(LogConfig{}), bs[:10], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := feed(host.IngestLog(LogConfig{}), bs[10:20], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	states := []*fakeState{{}, {}}
	var fols []*Follower
	for i, n := range []*Node{host, ext} {
		f, err := n.IngestFollower(FollowerConfig{IdleWait: 100 * time.Millisecond}, states[i].apply)
		if err != nil {
			t.Fatal(err)
		}
		runFollower(t, f)
		fols = append(fols, f)
	}
	poll(t, time.Minute, "both follow", func() error {
		for _, f := range fols {
			if s := f.Status(); s.Applied != 20 || !s.CaughtUp {
				return errors.New("not yet")
			}
		}
		return nil
	})
	a, _ := states[0].snapshot()
	b, _ := states[1].snapshot()
	if len(a) != 20 || !slices.Equal(a, b) {
		t.Errorf("the two nodes applied %d and %d entries, or different ones", len(a), len(b))
	}
	for _, e := range a {
		if ack.seqs[e.Seq] != e.Digest {
			t.Errorf("entry %d applied as %s, acknowledged as %s", e.Seq, e.Digest, ack.seqs[e.Seq])
		}
	}
}

// TestFollowerStatusWhileBehind: a follower that has not caught up says
// so in its status and its metrics (what /readyz reads), with its lag.
func TestFollowerStatusWhileBehind(t *testing.T) {
	n := startAlone(t, t.TempDir())
	bs := batches(aisLines(t, "dma-stream-example.nmea"), 40, "in", t0)
	var ack acked
	if err := feed(n.IngestLog(LogConfig{}), bs[:30], &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	f, err := n.IngestFollower(FollowerConfig{IdleWait: 100 * time.Millisecond}, func(seq uint64, b Batch) error {
		if seq == 11 {
			<-release // the state machine is slow at entry 11
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runFollower(t, f)
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open) // runs before the follower is stopped, should the test fail early
	c := &Collector{Node: n, Followers: []*Follower{f}}
	poll(t, time.Minute, "follower stuck at 10 of 30", func() error {
		if s := f.Status(); s.Applied != 10 || s.Last != 30 {
			return fmt.Errorf("status %+v", s)
		}
		return wantSamples(scrape(t, c), map[string]float64{
			"tidewatch_cluster_caught_up{stream=TIDEWATCH_INGEST}":     0,
			"tidewatch_cluster_lag_entries{stream=TIDEWATCH_INGEST}":   20,
			"tidewatch_cluster_need_snapshot{stream=TIDEWATCH_INGEST}": 0,
		})
	})
	if s := f.Status(); s.CaughtUp || s.Lag != 20 {
		t.Errorf("status while behind %+v; want not caught up, lag 20", s)
	}
	open()
	poll(t, time.Minute, "follower caught up", func() error {
		return wantSamples(scrape(t, c), map[string]float64{
			"tidewatch_cluster_caught_up{stream=TIDEWATCH_INGEST}":        1,
			"tidewatch_cluster_lag_entries{stream=TIDEWATCH_INGEST}":      0,
			"tidewatch_cluster_applied_sequence{stream=TIDEWATCH_INGEST}": 30,
		})
	})
}
