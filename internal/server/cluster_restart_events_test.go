package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
)

// TestClusterKill9SameEvents: three node processes with a watch zone
// over the North Sea and the Baltic approaches, the ingest log keeping
// everything (the restart is within its retention). Five hours of the
// real Auckland days (vessels stopping in marinas and anchorages, so
// that every node's engine learns anchorages and saves them in
// DATA/anchorages.bin) and a quarter of the real AISHub capture are fed
// and applied everywhere; then two nodes are
// fed the next half, slowly, and the third is killed with SIGKILL in the
// middle of that feed, once it has written a state file during it (event
// detection then holds open zone memberships, loitering runs and gaps in
// progress). The others go on being fed; the killed node is started again
// from its data directory, resumes from its state file (the picture and
// event detection at the same entry), replays the entries its store holds
// beyond that entry into both, and follows the log. Then all three are
// fed the rest. Every event (id, type, start, end, version, measures,
// evidence: the whole JSON of its latest version) is then the same on
// all three nodes, and so are the anchorages each knows, with when each
// was learned. Before event detection's state was kept in the state
// file, the restarted node's detectors started empty, and it opened its
// vessels' zone entries again at their first report after the restart.
// Before learned anchorages were part of the engine's state rather than
// of its configuration, the restarted node, given the anchorages it had
// saved, refused its state (another configuration) and its detectors
// started empty all the same (issue 14).
func TestClusterKill9SameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	all := captureLines(t, "raw/aishub-3min.nmea", 32000)
	// Five hours of the Auckland days, ending an hour ago: vessels
	// stopping in the Hauraki Gulf's marinas and anchorages teach every
	// node's engine anchorages before the kill.
	auckland := aucklandLines(t, 5*time.Hour, time.Now().Add(-time.Hour))
	procs := startEventProcs(t, "")
	victim := procs[2]
	quarter := len(all) / 4
	feedLines(t, procs[0], auckland)
	feedLines(t, procs[0], all[:quarter])
	waitFor(t, 60*time.Second, "every node to apply the first part", allApplied(t, procs))
	before := streamSeq(t, victim, "tidewatch_cluster_state_sequence")
	learned := anchoragesOf(t, victim)
	if learned.n == 0 {
		t.Fatalf("%s learned no anchorage from the Auckland reports: the test shows less than it should", victim.name)
	}

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
	// what the restarted node's engine is given (Config.Anchorages)
	if n := savedAnchorages(t, victim); n < learned.n {
		t.Errorf("%s saved %d anchorages; want the %d it had learned", victim.name, n, learned.n)
	}
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
	if v, _ := metricIfUp(t, victim.base, `tidewatch_cluster_events_state_errors_total{stream="TIDEWATCH_INGEST"}`); v != 0 {
		t.Errorf("%s: tidewatch_cluster_events_state_errors_total %v; want 0", victim.name, v)
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
	t.Logf("%d anchorages learned before the kill, %d at the end", learned.n, sameAnchorages(t, procs))
	for _, p := range procs {
		p.interrupt(t)
	}
}

// aucklandLines returns the Auckland days' reports (../shared/testdata/
// tracks/auckland_hauraki_20170907_09.csv.gz) of their first span, moved
// to end at end, as NMEA position reports with tag-block times (the real
// positions, speeds, courses, headings, statuses and spacing), one line
// per report.
func aucklandLines(t *testing.T, span time.Duration, end time.Time) [][]byte {
	t.Helper()
	rows := aistest.ReadTracks(t, aistest.TrackPath(t, "auckland_hauraki_20170907_09.csv.gz"))
	t0 := rows[0].Time
	shift := end.Add(-span).Sub(t0).Truncate(time.Second)
	var lines [][]byte
	for _, r := range rows {
		if r.Time.Sub(t0) >= span {
			continue
		}
		at := r.Time.Add(shift)
		pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: r.MMSI}, Status: 15, Speed: 1023, Course: 3600, Heading: 511,
			Lon: ais.Lon(math.Round(r.Lon * 600000)), Lat: ais.Lat(math.Round(r.Lat * 600000)), Second: ais.Second(at.Second())}
		if r.Status >= 0 {
			pos.Status = ais.NavStatus(r.Status)
		}
		if !math.IsNaN(r.SOG) {
			pos.Speed = ais.Speed(math.Round(r.SOG * 10))
		}
		if !math.IsNaN(r.COG) {
			pos.Course = ais.Course(math.Round(r.COG * 10))
		}
		if r.Heading >= 0 {
			pos.Heading = ais.Heading(r.Heading)
		}
		b, err := ais.AppendNMEA(nil, pos, ais.NMEAOptions{Time: at, Source: "rx-auckland"})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}
	return lines
}

// savedAnchorages returns how many anchorages node p saved in its data
// directory (DATA/anchorages.bin), what its engine is given when it
// restarts.
func savedAnchorages(t *testing.T, p *clusterProc) int {
	t.Helper()
	as, err := LearnedAnchorages(strings.TrimSuffix(p.cfgPath, ".json"))
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	return len(as)
}

// sameAnchorages checks that every node of procs answers GET
// /api/v1/anchorages alike (each anchorage's place, vessels, when it
// was learned, nearest port) and returns how many the first knows.
func sameAnchorages(t *testing.T, procs []*clusterProc) int {
	t.Helper()
	ref := anchoragesOf(t, procs[0])
	for _, p := range procs[1:] {
		if got := anchoragesOf(t, p); !bytes.Equal(got.raw, ref.raw) {
			t.Errorf("%s's anchorages differ from %s's:\n%s\n%s", p.name, procs[0].name, tail(got.raw, 2000), tail(ref.raw, 2000))
		}
	}
	return ref.n
}

// anchorages is a node's answer to GET /api/v1/anchorages and the
// number of anchorages in it.
type anchorages struct {
	raw []byte
	n   int
}

func anchoragesOf(t *testing.T, p *clusterProc) anchorages {
	t.Helper()
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	p.refresh()
	var raw json.RawMessage
	if st := getJSON(t, p.base, "/api/v1/anchorages", &raw); st != 200 {
		t.Fatalf("%s: anchorages: %d", p.name, st)
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("%s: anchorages: %v", p.name, err)
	}
	return anchorages{raw: raw, n: len(fc.Features)}
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
