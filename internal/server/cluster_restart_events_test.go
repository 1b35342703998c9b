package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestClusterKill9SameEvents: three node processes with a watch zone
// over the North Sea and the Baltic approaches, the ingest log keeping
// everything (the restart is within its retention). A quarter of the
// real AISHub capture is fed and applied everywhere; then two nodes are
// fed the next half, slowly, and the third is killed with SIGKILL in the
// middle of that feed, once it has written a state file during it (event
// detection then holds open zone memberships, loitering runs and gaps in
// progress). The others go on being fed; the killed node is started again
// from its data directory, resumes from its state file (the picture and
// event detection at the same entry), replays the entries its store holds
// beyond that entry into both, and follows the log. Then all three are
// fed the rest. Every event (id, type, start, end, version, measures,
// evidence: the whole JSON of its latest version) is then the same on
// all three nodes. Before event detection's state was kept in the state
// file, the restarted node's detectors started empty, and it opened its
// vessels' zone entries again at their first report after the restart.
func TestClusterKill9SameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	all := captureLines(t, "raw/aishub-3min.nmea", 32000)
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(zones, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"North Sea watch"},
"geometry":{"type":"Polygon","coordinates":[[[0,50],[15,50],[15,60],[0,60],[0,50]]]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	procs := startClusterProcs(t, dir, func(i int, p *clusterProc, cfg *Config) {
		p.input = freePort(t)
		cfg.Inputs = []Input{{Type: "tcp-server", Name: "feed-" + p.name, Listen: p.input}}
		cfg.Events = Events{Zones: zones}
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				log, _ := os.ReadFile(p.cfgPath + ".log")
				t.Logf("%s log:\n%s", p.name, tail(log, 4000))
			}
			keepLogs(t, procs)
		}
	})
	victim := procs[2]
	quarter := len(all) / 4
	feedLines(t, procs[0], all[:quarter])
	waitFor(t, 60*time.Second, "every node to apply the first part", allApplied(t, procs))
	before := streamSeq(t, victim, "tidewatch_cluster_state_sequence")

	// The next half to n0 and n1, each a quarter, at the nodes' pace and,
	// until the victim is killed, at their stores' (about a write of 500
	// lines a second: feedPace), so that the feed lasts longer than the
	// state interval (10 s) whatever the machine's load.
	var killed atomic.Bool
	pace := feedPace{peers: procs, commit: func() bool { return !killed.Load() }}
	var feeders sync.WaitGroup
	done := make(chan struct{})
	feedErrs := make([]error, 2)
	t.Cleanup(feeders.Wait) // a test that fails on the way ends its feeders' waits (the test's context) before it ends
	for i, p := range procs[:2] {
		part := all[(1+i)*quarter : (2+i)*quarter]
		feeders.Go(func() {
			if err := sendLines(t, p, part, pace); err != nil {
				feedErrs[i] = fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	go func() { feeders.Wait(); close(done) }()
	// Killed once it wrote a state during the feed and its store has
	// committed entries beyond that state: the restart replays those into
	// the picture and detection.
	var state, committed float64
	waitFor(t, 120*time.Second, victim.name+" to write a state during the feed and commit beyond it", func() bool {
		state = streamSeq(t, victim, "tidewatch_cluster_state_sequence")
		committed = streamSeq(t, victim, "tidewatch_cluster_committed_sequence")
		return state > before && committed > state
	})
	select {
	case <-done:
		t.Fatal("the feed ended before the killed node wrote a state during it: the test shows nothing")
	default:
	}
	killed.Store(true)
	victim.kill()
	t.Logf("%s killed: its last state at entry %.0f (%.0f before the feed), its store committed up to %.0f or later", victim.name, state, before, committed)
	<-done
	for _, err := range feedErrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 60*time.Second, "the others to apply the second part", allApplied(t, procs[:2]))
	victim.start(t)
	victim.wait(t)
	waitFor(t, 120*time.Second, "every node to apply the whole log", allApplied(t, procs))
	log, _ := os.ReadFile(victim.cfgPath + ".log")
	if i := bytes.Index(log, []byte("cluster: event detection restored from the state")); i < 0 {
		t.Errorf("%s did not restore event detection from its state file", victim.name)
	} else {
		line, _, _ := bytes.Cut(log[i:], []byte{'\n'})
		t.Logf("%s: %s", victim.name, line)
		if bytes.Contains(line, []byte(" replay=0")) {
			t.Errorf("%s replayed nothing after its state: the test shows less than it should", victim.name)
		}
	}
	if v, _ := metricIfUp(t, victim.base, `tidewatch_cluster_events_state_exact{stream="TIDEWATCH_INGEST"}`); v != 1 {
		t.Errorf("%s: tidewatch_cluster_events_state_exact %v; want 1", victim.name, v)
	}
	// fed on after the restart, on all three (the victim's own input too)
	feedLines(t, victim, all[3*quarter:])
	waitFor(t, 120*time.Second, "every node to apply the rest", sameLogEnd(t, procs, true))

	lists := make([][]json.RawMessage, len(procs))
	for i, p := range procs {
		lists[i] = eventsOf(t, p)
	}
	counts := map[string]int{}
	for _, raw := range lists[0] {
		var ev struct {
			Type string `json:"type"`
		}
		json.Unmarshal(raw, &ev)
		counts[ev.Type]++
	}
	t.Logf("%d events on %s %v", len(lists[0]), procs[0].name, counts)
	if counts["zone_entry"] == 0 {
		t.Fatal("no zone entry: the test shows nothing")
	}
	for i, p := range procs[1:] {
		sameEvents(t, p.name, lists[i+1], procs[0].name, lists[0])
	}
	for _, p := range procs {
		p.interrupt(t)
	}
}

// eventsOf lists every event a node holds (the latest version of each),
// in a canonical order: the API lists events of the same time in the
// event log's order, which depends on when each node wrote them.
func eventsOf(t *testing.T, p *clusterProc) []json.RawMessage {
	t.Helper()
	var el struct {
		Count  int               `json:"count"`
		Events []json.RawMessage `json:"events"`
	}
	from, to := time.Now().Add(-7*24*time.Hour).Format(time.RFC3339), time.Now().Add(24*time.Hour).Format(time.RFC3339)
	p.refresh()
	if st := getJSON(t, p.base, "/api/v1/events?from="+from+"&to="+to+"&limit=10000", &el); st != 200 {
		t.Fatalf("%s: events: %d", p.name, st)
	}
	slices.SortFunc(el.Events, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	return el.Events
}

// sameEvents reports where one node's events differ from another's.
func sameEvents(t *testing.T, name string, got []json.RawMessage, wantName string, want []json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s lists %d events, %s %d", name, len(got), wantName, len(want))
	}
	for j := range min(len(got), len(want)) {
		if !bytes.Equal(got[j], want[j]) {
			t.Errorf("%s's events differ from %s's; first at %d in canonical order:\n%s\n%s", name, wantName, j, got[j], want[j])
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: the first %d events agree", name, min(len(got), len(want)))
	}
}
