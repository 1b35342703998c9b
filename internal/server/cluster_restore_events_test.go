package server

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// TestClusterRestoreSameEvents: three node processes with an ingest log
// that keeps 15 seconds and a watch zone over the North Sea and the
// Baltic approaches; five hours of the real Auckland days (every node
// learns anchorages there and saves them) and a quarter of the real
// AISHub capture are fed and applied everywhere, one node is killed,
// the others take the next part until the log has dropped the entries
// after the killed node's, and the node is started again: it installs
// a peer's snapshot, which now carries event detection's state and the
// event log at the snapshot's entry. Then all three are fed the rest. Every event (id, type, start, end,
// version, measures, evidence: the whole JSON of its latest version) is
// then the same on all three nodes, and so are the anchorages each
// knows. Without the engine's state in the snapshot the restored node
// opened its vessels' zone entries again at their first report after
// the restore, and had lost the versions raised while it was away; while
// the anchorages given to an engine were part of its configuration, the
// restored node, given those it had saved, refused the snapshot's state
// (issue 14).
func TestClusterRestoreSameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	all := captureLines(t, "raw/aishub-3min.nmea", 24000)
	auckland := aucklandLines(t, 5*time.Hour, time.Now().Add(-time.Hour))
	// 15 s, as TestClusterPastRetention: with 8 the node being fed can
	// fall behind its own log by more than the retention on a loaded
	// machine and reopen itself, losing the lines in flight on the feed.
	procs := startEventProcs(t, "15s")
	part := len(all) / 4
	feedLines(t, procs[0], auckland)
	feedLines(t, procs[0], all[:part])
	waitFor(t, 60*time.Second, "every node to apply the first part", allApplied(t, procs))
	victim := procs[2]
	learned := anchoragesOf(t, victim).n
	if learned == 0 {
		t.Fatalf("%s learned no anchorage from the Auckland reports: the test shows less than it should", victim.name)
	}
	var gone float64
	waitFor(t, 60*time.Second, victim.name+" to commit what it applied and save the anchorages it learned", func() bool {
		gone = streamSeq(t, victim, "tidewatch_cluster_committed_sequence")
		return gone > 0 && gone == streamSeq(t, victim, "tidewatch_cluster_applied_sequence") && savedAnchorages(t, victim) >= learned
	})
	victim.kill()
	feedLines(t, procs[0], all[part:2*part])
	feedLines(t, procs[1], all[2*part:3*part])
	waitFor(t, 60*time.Second, "the others to apply the second and third parts", allApplied(t, procs[:2]))
	waitFor(t, 60*time.Second, "the log to drop the entries after the killed node's", func() bool {
		return streamSeq(t, procs[0], "tidewatch_cluster_stream_first_sequence") > gone+1
	})
	victim.start(t)
	victim.wait(t)
	waitFor(t, 120*time.Second, "every node to apply the whole log", allApplied(t, procs))
	log, _ := os.ReadFile(victim.cfgPath + ".log")
	if !bytes.Contains(log, []byte("cluster: installed a snapshot")) {
		t.Fatalf("%s did not install a snapshot", victim.name)
	}
	if !bytes.Contains(log, []byte("cluster: event detection restored from the snapshot")) {
		t.Errorf("%s did not restore event detection from the snapshot", victim.name)
	}
	if v, _ := metricIfUp(t, victim.base, `tidewatch_cluster_events_state_exact{stream="TIDEWATCH_INGEST"}`); v != 1 {
		t.Errorf("%s: tidewatch_cluster_events_state_exact %v; want 1", victim.name, v)
	}
	if v, _ := metricIfUp(t, victim.base, `tidewatch_cluster_events_state_errors_total{stream="TIDEWATCH_INGEST"}`); v != 0 {
		t.Errorf("%s: tidewatch_cluster_events_state_errors_total %v; want 0", victim.name, v)
	}
	// fed on after the restore, on all three (the victim's own input too)
	feedLines(t, victim, all[3*part:])
	waitFor(t, 120*time.Second, "every node to apply the rest", allApplied(t, procs))

	lists := make([][]json.RawMessage, len(procs))
	for i, p := range procs {
		lists[i] = eventsOf(t, p)
	}
	counts := map[string]int{}
	versions := 0
	for _, raw := range lists[0] {
		var ev struct {
			Type    string `json:"type"`
			Version int    `json:"version"`
		}
		json.Unmarshal(raw, &ev)
		counts[ev.Type]++
		if ev.Version > 1 {
			versions++
		}
	}
	t.Logf("%d events on %s %v, %d of them changed after they opened", len(lists[0]), procs[0].name, counts, versions)
	if counts["zone_entry"] == 0 {
		t.Fatal("no zone entry: the test shows nothing")
	}
	for i, p := range procs[1:] {
		sameEvents(t, p.name, lists[i+1], procs[0].name, lists[0])
	}
	t.Logf("%d anchorages learned before the kill, %d at the end", learned, sameAnchorages(t, procs))
}
