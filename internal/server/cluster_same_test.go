package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/store"
)

// sameCluster is three in-process members on loopback (a with a
// tcp-server input) and an admin token, for the tests of this file.
type sameCluster struct {
	nodes []*controlNode
	cfgs  []Config
	feed  string
	admin string
	api   *http.Client
}

func startSameCluster(t *testing.T) *sameCluster {
	t.Helper()
	return startSameClusterWith(t, nil)
}

// startSameClusterWith is startSameCluster with the configurations
// changed by edit first.
func startSameClusterWith(t *testing.T, edit func(cfgs []Config)) *sameCluster {
	t.Helper()
	dir := t.TempDir()
	routes := []string{freePort(t), freePort(t), freePort(t)}
	sc := &sameCluster{feed: freePort(t), cfgs: make([]Config, 3), api: apiClient(t)}
	for i := range sc.cfgs {
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, r)
			}
		}
		data := filepath.Join(dir, string(rune('a'+i)))
		db, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		sc.cfgs[i] = Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Events: Events{Reorder: "1s"}, Share: Share{Off: true},
			Cluster: Cluster{Name: string(rune('a' + i)), Listen: routes[i], Peers: peers}}
	}
	sc.cfgs[0].Inputs = []Input{{Type: "tcp-server", Name: "receivers", Listen: sc.feed}}
	if edit != nil {
		edit(sc.cfgs)
	}
	tokens, err := OpenTokens(sc.cfgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if sc.admin, err = tokens.Create("ops", httpapi.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	sc.nodes = make([]*controlNode, 3)
	var wg sync.WaitGroup
	for i := range sc.nodes {
		wg.Go(func() { sc.nodes[i] = startControlNode(t, sc.cfgs[i]) })
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range sc.nodes {
			c.stop(t)
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	for _, c := range sc.nodes {
		waitFor(t, 60*time.Second, "the admin token on "+c.cfg.Cluster.Name, func() bool {
			st, _ := sc.call(t, c, "GET", "/api/v1/zones", nil)
			return st == http.StatusOK
		})
	}
	return sc
}

// call makes an API request through apiClient (checked against
// openapi.json) and returns the status and body.
func (sc *sameCluster) call(t *testing.T, c *controlNode, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	return sc.callAt(t, c.base, method, path, rd, body != nil)
}

// callAt is call at a base URL.
func (sc *sameCluster) callAt(t *testing.T, base, method, path string, rd io.Reader, isJSON bool) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+sc.admin)
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := sc.api.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, base, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// positions returns how many positions c's picture holds of m.
func (sc *sameCluster) positions(t *testing.T, c *controlNode, m uint32) int {
	t.Helper()
	st, body := sc.call(t, c, "GET", fmt.Sprintf("/api/v1/vessels/%d", m), nil)
	if st != http.StatusOK {
		return 0
	}
	var d struct {
		Positions int `json:"positions"`
	}
	json.Unmarshal(body, &d)
	return d.Positions
}

// events returns c's events of m, each as "type id start end version".
func (sc *sameCluster) events(t *testing.T, c *controlNode, m uint32, from, to time.Time) []string {
	t.Helper()
	path := fmt.Sprintf("/api/v1/events?mmsi=%d&from=%s&to=%s", m, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	st, body := sc.call(t, c, "GET", path, nil)
	if st != http.StatusOK {
		t.Fatalf("events on %s: %d %s", c.cfg.Cluster.Name, st, body)
	}
	var out struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	var evs []string
	for _, e := range out.Events {
		evs = append(evs, fmt.Sprint(e["type"], " ", e["id"], " ", e["start"], " ", e["end"], " ", e["zone"]))
	}
	slices.Sort(evs)
	return evs
}

// realTrackNMEA returns the NOAA day's reports of vessel m as NMEA with
// tag-block times, moved to start at start (the real positions, speeds,
// courses and spacing), one line per report, and the reports' times.
func realTrackNMEA(t *testing.T, m uint32, start time.Time) ([][]byte, []time.Time) {
	t.Helper()
	var lines [][]byte
	var times []time.Time
	var t0 time.Time
	for _, r := range aistest.ReadTracks(t, aistest.TrackPath(t, "noaa_us_coast_20220103.csv.gz")) {
		if r.MMSI != m {
			continue
		}
		if t0.IsZero() {
			t0 = r.Time
		}
		at := start.Add(r.Time.Sub(t0))
		pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: m}, Status: 0,
			Speed: ais.Speed(r.SOG*10 + 0.5), Lon: ais.Lon(r.Lon * 600000), Lat: ais.Lat(r.Lat * 600000),
			Course: ais.Course(r.COG*10 + 0.5), Heading: 511, Second: ais.Second(at.Second())}
		b, err := ais.AppendNMEA(nil, pos, ais.NMEAOptions{Time: at, Source: "rx-noaa"})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
		times = append(times, at)
	}
	if len(lines) < 10 {
		t.Fatalf("vessel %d has %d reports in the NOAA day", m, len(lines))
	}
	return lines, times
}

// TestClusterZoneChangeSameEvents: a zone created while one member's
// pipeline is behind the others opens the same events (type, id, start,
// end) on every member. A real vessel (the NOAA day's 366922110, in the
// Houston Ship Channel, westbound at 8 knots) is fed to a; c's pipeline
// is held while the second half of its reports is fed and a zone round
// the channel west of -95.20° is created through a's API (the vessel is
// inside it by then), then c is released and the vessel's last report
// fed. A zone change used to reach each member's engine when its
// control log applied it: a and b opened the entry at the vessel's next
// report (the last), c, whose engine had not seen the reports inside
// yet, at the first report inside. Now the change reaches every engine
// where its zones marker falls in the ingest log.
func TestClusterZoneChangeSameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three cluster nodes")
	}
	sc := startSameCluster(t)
	a, b, c := sc.nodes[0], sc.nodes[1], sc.nodes[2]
	const mmsi = 366922110
	start := time.Now().Add(-40 * time.Minute).Truncate(time.Second)
	lines, times := realTrackNMEA(t, mmsi, start)
	half := len(lines) / 2
	feed := func(ls [][]byte) {
		t.Helper()
		conn, err := net.Dial("tcp", sc.feed)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			conn.Write(l)
		}
		conn.Close()
	}
	const wait = 60 * time.Second
	feed(lines[:half])
	for _, n := range sc.nodes {
		waitFor(t, wait, "the first half on "+n.cfg.Cluster.Name, func() bool { return sc.positions(t, n, mmsi) == half })
	}
	// c's pipeline held: its picture and its engine stay at the first
	// half while a and b go on.
	release := make(chan struct{})
	held := make(chan struct{})
	go c.n.pipe.Do(context.Background(), func() { close(held); <-release })
	<-held
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	last := len(lines) - 1 // fed after the zone change
	feed(lines[half:last])
	for _, n := range []*controlNode{a, b} {
		waitFor(t, wait, "the second half on "+n.cfg.Cluster.Name, func() bool { return sc.positions(t, n, mmsi) == last })
	}
	const name = "Ship channel west"
	zone := map[string]any{"type": "Feature", "properties": map[string]any{"name": name},
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{-95.26, 29.70}, {-95.20, 29.70}, {-95.20, 29.77}, {-95.26, 29.77}, {-95.26, 29.70}}}}}
	if st, body := sc.call(t, a, "POST", "/api/v1/zones", zone); st != http.StatusCreated {
		t.Fatalf("create zone on a: %d %s", st, body)
	}
	// c's zone book has it (its control log applied it) while its
	// pipeline is still held.
	waitFor(t, wait, "the zone on c", func() bool {
		_, body := sc.call(t, c, "GET", "/api/v1/zones", nil)
		return strings.Contains(string(body), name)
	})
	if n := sc.positions(t, c, mmsi); n != half {
		t.Fatalf("c holds %d positions while held; want %d", n, half)
	}
	close(release)
	released = true
	feed(lines[last:])
	for _, n := range sc.nodes {
		waitFor(t, wait, "every report on "+n.cfg.Cluster.Name, func() bool { return sc.positions(t, n, mmsi) == len(lines) })
	}
	from, to := start.Add(-time.Hour), times[len(times)-1].Add(time.Hour)
	hasEntry := func(evs []string) bool {
		return slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, "zone_entry ") && strings.HasSuffix(e, name) })
	}
	var got [3][]string
	same := func() bool {
		for i, n := range sc.nodes {
			got[i] = sc.events(t, n, mmsi, from, to)
		}
		return hasEntry(got[0]) && slices.Equal(got[0], got[1]) && slices.Equal(got[0], got[2])
	}
	if !pollUntil(wait, same) {
		t.Fatalf("events of %d differ or lack the zone entry after %v:\na %q\nb %q\nc %q", mmsi, wait, got[0], got[1], got[2])
	}
	t.Logf("the same %d events of %d on a, b and c: %q", len(got[0]), mmsi, got[0])
}

// pollUntil checks cond every 100 ms until it holds (true) or limit
// passed (false), for the waits whose failure says more than waitFor's.
func pollUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
		}
	}
	return true
}

// feedTo writes lines to a tcp-server input.
func feedTo(t *testing.T, addr string, lines [][]byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l)
		buf.WriteString("\r\n")
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// ingestStatus is a member's follower of the ingest log.
func ingestStatus(c *controlNode) cluster.FollowerStatus { return c.n.cl.follower.Status() }

// TestClusterRestoreServesReadyz: a member restarted after being away
// longer than the ingest log's retention answers /readyz (503, "installing
// a peer's snapshot (attempt N…)": an attempt may fail under load, e.g.
// while the peers' subscriptions reach the restarted member, and is
// retried) and /metrics (restoring 1, the members)
// on its HTTP address while it fetches and installs a peer's snapshot,
// then serves on the same address, ready, with the restore counted. It
// used to open its HTTP port only after the install: /readyz refused.
func TestClusterRestoreServesReadyz(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three cluster nodes")
	}
	listenC := freePort(t)
	sc := startSameClusterWith(t, func(cfgs []Config) {
		for i := range cfgs {
			cfgs[i].Cluster.MaxAge = "8s" // a loaded survivor stays within it (TestClusterPastRetention feeds more: 15 s)
			cfgs[i].Cluster.SnapshotEvery = "off"
		}
		cfgs[2].Listen = listenC
	})
	a, b, c := sc.nodes[0], sc.nodes[1], sc.nodes[2]
	lines := captureLines(t, "raw/aishub-3min.nmea", 6000)
	const wait = 60 * time.Second
	applied := func(ns ...*controlNode) func() bool {
		return func() bool {
			for _, n := range ns {
				if st := ingestStatus(n); st.Applied == 0 || st.Applied != st.Last {
					return false
				}
			}
			return true
		}
	}
	feedTo(t, sc.feed, lines[:3000])
	waitFor(t, wait, "every member to apply the first half", applied(a, b, c))
	gone := ingestStatus(c).Applied
	if !pollUntil(wait, func() bool { return c.n.cl.committed.Load() >= gone }) {
		t.Fatalf("c did not commit entry %d in %v: committed %d, follower %+v", gone, wait, c.n.cl.committed.Load(), ingestStatus(c))
	}
	c.stop(t)
	// c may have applied entries after the first half (a member's own
	// entries: a zones marker, a late batch) before it stopped: its
	// restart resumes after the last it applied, so that entry's
	// successor is the one the log must have dropped.
	// Whatever c applied was in the log when it stopped: past the log's
	// last entry then is past c's.
	gone = max(gone, ingestStatus(a).Last)
	feedTo(t, sc.feed, lines[3000:])
	waitFor(t, wait, "a and b to apply the rest", applied(a, b))
	waitFor(t, wait, "the log to drop the entries after c's", func() bool { return ingestStatus(a).First > gone+1 })

	holding, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	opened := make(chan *Node, 1)
	openErr := make(chan error, 1)
	go func() {
		n, err := Open(context.Background(), Options{Config: sc.cfgs[2],
			holdInstall: func() { once.Do(func() { close(holding) }); <-release }})
		openErr <- err
		opened <- n
	}()
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	select {
	case <-holding:
	case err := <-openErr:
		t.Fatalf("c opened without a snapshot: %v", err)
	case <-time.After(2 * wait):
		t.Fatal("c did not get a peer's snapshot")
	}
	base := "http://" + listenC
	st, body := sc.callAt(t, base, "GET", "/readyz", nil, false)
	if st != http.StatusServiceUnavailable || !strings.Contains(string(body), "installing a peer's snapshot (attempt ") {
		t.Errorf("/readyz while c installs: %d %s; want 503 saying it installs a peer's snapshot", st, body)
	}
	st, body = sc.callAt(t, base, "GET", "/metrics", nil, false)
	if st != http.StatusOK || !bytes.Contains(body, []byte("tidewatch_cluster_snapshot_restoring 1")) ||
		!bytes.Contains(body, []byte(`tidewatch_cluster_member_up{member="a"}`)) {
		t.Errorf("/metrics while c installs: %d, restoring 1: %v, members: %v", st,
			bytes.Contains(body, []byte("tidewatch_cluster_snapshot_restoring 1")), bytes.Contains(body, []byte("tidewatch_cluster_member_up")))
	}
	if st, _ := sc.callAt(t, base, "GET", "/api/v1/vessels", nil, false); st != http.StatusServiceUnavailable {
		t.Errorf("the API while c installs: %d; want 503", st)
	}
	close(release)
	released = true
	if err := <-openErr; err != nil {
		t.Fatalf("open c: %v", err)
	}
	n := <-opened
	ctx, cancel := context.WithCancel(context.Background())
	c2 := &controlNode{cfg: sc.cfgs[2], n: n, base: "http://" + n.ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	sc.nodes[2] = c2
	go func() { c2.done <- n.Run(ctx) }()
	if got := n.ln.Addr().String(); got != listenC {
		t.Errorf("c serves on %s after the install; want %s, where it answered while installing", got, listenC)
	}
	waitFor(t, wait, "c to be ready on the same address", func() bool {
		st, _ := sc.callAt(t, base, "GET", "/readyz", nil, false)
		return st == http.StatusOK
	})
	waitFor(t, wait, "c to apply the whole log", applied(c2))
	_, body = sc.callAt(t, base, "GET", "/metrics", nil, false)
	if !bytes.Contains(body, []byte(`tidewatch_cluster_snapshot_restores_total{result="ok"} 1`)) {
		t.Errorf("c's /metrics after the install does not count one restore")
	}
}
