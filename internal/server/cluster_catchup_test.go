package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
)

// TestClusterCatchUpRate measures how fast a node applies the ingest log
// through its whole pipeline (decode, fusion, store) when it starts
// behind it: a three-member cluster (R3) takes the AISHub capture as
// entries of 47 lines (100 ms of the global aggregate each), then one
// member is stopped and started again with its cluster files but an
// empty store, and catches up from the first entry.
// The rate is logged (against the 10 entries a second one input
// produces), not asserted; the picture it ends with must be the first
// node's.
func TestClusterCatchUpRate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster node")
	}
	lines := captureLines(t, "raw/aishub-3min.nmea", 1<<20)
	dir := t.TempDir()
	cfgs := clusterConfigs(t, dir, true, "a", "b", "c")
	type running struct {
		n      *Node
		cancel func()
		done   chan error
	}
	start := func(cfg Config) running {
		n, err := Open(context.Background(), Options{Config: cfg})
		if err != nil {
			t.Error(err)
			return running{}
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := running{n: n, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- n.Run(ctx) }()
		return r
	}
	stop := func(r running) {
		t.Helper()
		r.cancel()
		if err := <-r.done; err != nil {
			t.Error(err)
		}
		if err := r.n.Close(); err != nil {
			t.Error(err)
		}
	}
	// Opened together: each waits for a quorum of the others.
	nodes := make([]running, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i] = start(cfgs[i]) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	defer func() {
		for _, r := range nodes[:2] {
			stop(r)
		}
	}()
	run := func(cfg Config, work func(n *Node)) {
		t.Helper()
		r := start(cfg)
		if r.n == nil {
			t.FailNow()
		}
		work(r.n)
		stop(r)
	}
	waitApplied := func(n *Node, want uint64) {
		t.Helper()
		waitFor(t, 5*time.Minute, "the log to be applied", func() bool { return n.cl.follower.Applied() >= want })
	}
	var entries uint64
	var want []byte // the vessels and stations, and the picture's counters
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	func(n *Node) {
		for i := 0; i < len(lines); i += 47 {
			b := cluster.Batch{Input: "feed", Received: base.Add(time.Duration(i/47) * 100 * time.Millisecond), Lines: lines[i:min(i+47, len(lines))]}
			seq, err := n.cl.log.Publish(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			entries = seq
		}
		waitApplied(n, entries)
		if err := n.pipe.Do(context.Background(), func() { want = pictureOf(n.core.Picture) }); err != nil {
			t.Fatal(err)
		}
	}(nodes[0].n)
	waitApplied(nodes[2].n, entries)
	stop(nodes[2])
	// The same member (its JetStream files), an empty store.
	cfg := cfgs[2]
	cfg.Data = filepath.Join(dir, "c2")
	if err := os.CopyFS(filepath.Join(cfg.Data, "cluster", "jetstream"), os.DirFS(filepath.Join(cfgs[2].Data, "cluster", "jetstream"))); err != nil {
		t.Fatal(err)
	}
	marker, err := os.ReadFile(filepath.Join(cfgs[2].Data, "TIDEWATCH"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Data, "TIDEWATCH"), marker, 0o600); err != nil {
		t.Fatal(err)
	}
	run(cfg, func(n *Node) {
		start := time.Now()
		waitApplied(n, entries)
		el := time.Since(start)
		t.Logf("caught up %d entries (%d lines) in %v: %.0f entries/s, %.0f lines/s, %.0fx one input's 10 entries/s",
			entries, len(lines), el.Round(time.Millisecond), float64(entries)/el.Seconds(), float64(len(lines))/el.Seconds(), float64(entries)/el.Seconds()/10)
		var got []byte
		if err := n.pipe.Do(context.Background(), func() { got = pictureOf(n.core.Picture) }); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Error("the node that caught up holds another picture than the one that applied the log live")
		}
	})
}

// pictureOf is every vessel's and station's state and the counters of a
// picture, in JSON (the picture's clock readings left out: they are the
// wall clock's).
func pictureOf(p *fusion.Picture) []byte {
	var vs []fusion.State
	p.Range(func(s *fusion.State) bool { vs = append(vs, *s); return true })
	slices.SortFunc(vs, func(a, b fusion.State) int { return cmp.Compare(a.MMSI, b.MMSI) })
	b, _ := json.Marshal(struct {
		V []fusion.State
		S []fusion.StationState
		C fusion.Stats
	}{vs, p.Stations(), p.Stats()})
	return b
}
