package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
)

// TestClusterRestoreSameEvents: three node processes with an ingest log
// that keeps 8 seconds and a watch zone over the North Sea and the
// Baltic approaches; a third of the real AISHub capture is fed and
// applied everywhere, one node is killed, the others take the next part
// until the log has dropped the entries after the killed node's, and the
// node is started again: it installs a peer's snapshot, which now carries
// event detection's state and the event log at the snapshot's entry.
// Then all three are fed the rest. Every event (id, type, start, end,
// version, measures, evidence: the whole JSON of its latest version) is
// then the same on all three nodes. Without the engine's state in the
// snapshot the restored node opened its vessels' zone entries again at
// their first report after the restore, and had lost the versions raised
// while it was away.
func TestClusterRestoreSameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	all := captureLines(t, "raw/aishub-3min.nmea", 24000)
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(zones, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"North Sea watch"},
"geometry":{"type":"Polygon","coordinates":[[[0,50],[15,50],[15,60],[0,60],[0,50]]]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	routes := []string{freePort(t), freePort(t), freePort(t)}
	procs := make([]*clusterProc, 3)
	for i := range procs {
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, r)
			}
		}
		p := &clusterProc{name: fmt.Sprintf("n%d", i), cfgPath: filepath.Join(dir, fmt.Sprintf("n%d.json", i)), input: freePort(t)}
		cfg := Config{Data: filepath.Join(dir, p.name), Listen: "127.0.0.1:0", Land: "none",
			Inputs:  []Input{{Type: "tcp-server", Name: "feed-" + p.name, Listen: p.input}},
			Events:  Events{Zones: zones},
			Cluster: Cluster{Name: p.name, Listen: routes[i], Peers: peers, MaxAge: "8s"}}
		b, _ := json.Marshal(cfg)
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
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				log, _ := os.ReadFile(p.cfgPath + ".log")
				t.Logf("%s log:\n%s", p.name, tail(log, 4000))
			}
			keepLogs(t, procs)
		}
	})
	for _, p := range procs {
		p.start(t)
	}
	for _, p := range procs {
		p.wait(t)
	}
	seq := func(p *clusterProc, name string) float64 {
		p.refresh()
		v, _ := metricIfUp(t, p.base, fmt.Sprintf(`%s{stream=%q}`, name, cluster.IngestStream))
		return v
	}
	allApplied := func(ps []*clusterProc) func() bool {
		return func() bool {
			for _, p := range ps {
				if a, last := seq(p, "tidewatch_cluster_applied_sequence"), seq(p, "tidewatch_cluster_stream_last_sequence"); a == 0 || a != last {
					return false
				}
			}
			return true
		}
	}
	part := len(all) / 4
	feedLines(t, procs[0], all[:part])
	waitFor(t, 60*time.Second, "every node to apply the first part", allApplied(procs))
	victim := procs[2]
	var gone float64
	waitFor(t, 60*time.Second, victim.name+" to commit what it applied", func() bool {
		gone = seq(victim, "tidewatch_cluster_committed_sequence")
		return gone > 0 && gone == seq(victim, "tidewatch_cluster_applied_sequence")
	})
	victim.kill()
	feedLines(t, procs[0], all[part:2*part])
	feedLines(t, procs[1], all[2*part:3*part])
	waitFor(t, 60*time.Second, "the others to apply the second and third parts", allApplied(procs[:2]))
	waitFor(t, 60*time.Second, "the log to drop the entries after the killed node's", func() bool {
		return seq(procs[0], "tidewatch_cluster_stream_first_sequence") > gone+1
	})
	victim.start(t)
	victim.wait(t)
	waitFor(t, 120*time.Second, "every node to apply the whole log", allApplied(procs))
	log, _ := os.ReadFile(victim.cfgPath + ".log")
	if !bytes.Contains(log, []byte("cluster: installed a snapshot")) {
		t.Fatalf("%s did not install a snapshot", victim.name)
	}
	if !bytes.Contains(log, []byte("cluster: event detection restored from the snapshot")) {
		t.Errorf("%s did not restore event detection from the snapshot", victim.name)
	}
	// fed on after the restore, on all three (the victim's own input too)
	feedLines(t, victim, all[3*part:])
	waitFor(t, 120*time.Second, "every node to apply the rest", allApplied(procs))

	type eventList struct {
		Count  int               `json:"count"`
		Events []json.RawMessage `json:"events"`
	}
	from, to := time.Now().Add(-7*24*time.Hour).Format(time.RFC3339), time.Now().Add(24*time.Hour).Format(time.RFC3339)
	lists := make([][]json.RawMessage, len(procs))
	for i, p := range procs {
		p.refresh()
		var el eventList
		if st := sensorsGet(t, p.base, "/api/v1/events?from="+from+"&to="+to+"&limit=10000", &el); st != 200 {
			t.Fatalf("%s: events: %d", p.name, st)
		}
		// the API lists events of the same time in the event log's
		// order, which depends on when each node wrote them: compared in
		// a canonical order
		slices.SortFunc(el.Events, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
		lists[i] = el.Events
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
		got := lists[i+1]
		if len(got) != len(lists[0]) {
			t.Errorf("%s lists %d events, %s %d", p.name, len(got), procs[0].name, len(lists[0]))
		}
		for j := range min(len(got), len(lists[0])) {
			if !bytes.Equal(got[j], lists[0][j]) {
				t.Errorf("%s's events differ from %s's; first at %d in canonical order:\n%s\n%s", p.name, procs[0].name, j, got[j], lists[0][j])
				break
			}
		}
	}
}
