package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// routePort returns a loopback address for a cluster route, below the
// ephemeral port range (which outgoing connections draw from), free when
// checked.
func routePort(t *testing.T) string {
	t.Helper()
	for range 200 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}

// demoNode is one demo node of TestDemoCluster, run by runDemoEnv.
type demoNode struct {
	args           []string
	base           string
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan error
	addrs          chan net.Addr
}

// launch runs the node on clock until stop; wait waits until it serves.
func (n *demoNode) launch(clock func() time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	n.addrs = make(chan net.Addr, 1)
	n.cancel, n.done = cancel, make(chan error, 1)
	n.stdout.mu.Lock()
	n.stdout.b.Reset()
	n.stdout.mu.Unlock()
	go func() {
		n.done <- runDemoEnv(ctx, n.args, &n.stdout, &n.stderr, demoEnv{now: clock, started: func(a net.Addr) { n.addrs <- a }})
	}()
}

func (n *demoNode) wait(t *testing.T) {
	t.Helper()
	select {
	case a := <-n.addrs:
		n.base = "http://" + a.String()
	case err := <-n.done:
		n.done = nil
		t.Fatalf("demo %v stopped: %v\n%s", n.args, err, n.stderr.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("demo %v not serving after 3 minutes\n%s", n.args, n.stderr.String())
	}
}

// stop stops the node and waits until it has.
func (n *demoNode) stop(t *testing.T) {
	t.Helper()
	n.cancel()
	select {
	case err := <-n.done:
		n.done = nil
		if err != nil {
			t.Errorf("demo %v: %v\n%s", n.args, err, n.stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("demo %v did not stop", n.args)
	}
}

// TestDemoCluster runs three demo nodes as a cluster in this process (as
// scripts/cluster-demo.sh runs them, on loopback, each its own data
// directory), their clock three times as fast as the wall clock, and
// checks through each node's API: exactly one node (the first route
// address) says it generates the simulated traffic; every node lists
// the same vessels, the same picture at a moment of the history (to the
// report time and position), the story's encounter, gap and zone entry,
// once each, under the same ids, and the same events up to half a minute
// after start. The nodes run with the demo's default day of history: the
// story's gap needs more than half a day of it, on a single node as on
// a cluster (docs/cluster.md, "The demo as a cluster"). Then the generator is stopped
// and restarted on its data directory: it says it continues the same
// demo, and the story's events are still there once each on every node
// (nothing published twice), with the picture of the history unchanged.
func TestDemoCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three demo nodes as a cluster for minutes")
	}
	dir := t.TempDir()
	names := []string{"a", "b", "c"}
	routes := []string{routePort(t), routePort(t), routePort(t)}
	nodes := make([]*demoNode, 3)
	for i, name := range names {
		args := []string{"--listen", "127.0.0.1:0", "--data", filepath.Join(dir, name), "--log-level", "warn",
			"--cluster-name", name, "--cluster-listen", routes[i]}
		for j := range routes {
			if j != i {
				args = append(args, "--cluster-peer", routes[j])
			}
		}
		nodes[i] = &demoNode{args: args}
	}
	clock := demoClock(3, 24*time.Hour) // never stands still within the test
	begin, start := time.Now(), clock()
	// Started together, as the script starts its three processes: each
	// serves once the cluster formed.
	for _, n := range nodes {
		n.launch(clock)
	}
	t.Cleanup(func() { // a test failed half-way: the nodes stop before their directories go
		for _, n := range nodes {
			if n.done != nil {
				n.cancel()
				select {
				case <-n.done:
				case <-time.After(2 * time.Minute):
				}
			}
		}
	})
	for _, n := range nodes {
		n.wait(t)
	}
	gen := slices.Index(routes, slices.Min(routes))
	for i, n := range nodes {
		says := strings.Contains(n.stdout.String(), "generating the simulated traffic")
		if says != (i == gen) {
			t.Errorf("node %s (route %s) says it generates: %v; want only node %s, of the first route address:\n%s",
				names[i], routes[i], says, names[gen], n.stdout.String())
		}
	}

	api := apitest.Client(t)
	story := simulate.NewDemo(1, 0)
	const settle = 6 * time.Minute
	err := poll(settle, time.Second, func() error {
		for i, n := range nodes {
			ids, err := storyEvents(api, n.base, story)
			if err != nil {
				return fmt.Errorf("node %s: %w", names[i], err)
			}
			for _, typ := range []string{"encounter-", "gap-", "zone_entry-"} {
				if !slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, typ) }) {
					return fmt.Errorf("node %s lists the story's events %v; want its encounter, gap and zone entry", names[i], ids)
				}
			}
			if first, err := storyEvents(api, nodes[0].base, story); err != nil || !slices.Equal(ids, first) {
				return fmt.Errorf("node %s lists the story's events %v, node %s %v (%v); want the same ids", names[i], ids, names[0], first, err)
			}
		}
		return sameVessels(api, nodes, names, "limit=100000&max_age=48h", false)
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("after %v (demo clock +%v): the same vessels and the story's events on all three nodes",
		time.Since(begin).Round(100*time.Millisecond), clock().Sub(start).Round(time.Second))
	// The picture at a moment of the history, from each node's store.
	at := "limit=100000&at=" + start.Add(-time.Hour).UTC().Format(time.RFC3339)
	if err := poll(time.Minute, time.Second, func() error { return sameVessels(api, nodes, names, at, true) }); err != nil {
		t.Fatal(err)
	}
	before, err := storyEvents(api, nodes[0].base, story)
	if err != nil {
		t.Fatal(err)
	}
	// Every event of the history and the story's first half minute.
	evq := "/api/v1/events?limit=10000&from=-2d&to=" + start.Add(30*time.Second).UTC().Format(time.RFC3339)
	if err := poll(time.Minute, time.Second, func() error { return sameEvents(api, nodes, names, evq) }); err != nil {
		t.Fatal(err)
	}

	// The generator stopped and restarted: it continues the same demo.
	nodes[gen].stop(t)
	nodes[gen].launch(clock)
	nodes[gen].wait(t)
	if out := nodes[gen].stdout.String(); !strings.Contains(out, "generating the simulated traffic again") {
		t.Errorf("the restarted generator does not say it continues the demo:\n%s", out)
	}
	err = poll(settle, time.Second, func() error {
		for i, n := range nodes {
			ids, err := storyEvents(api, n.base, story)
			if err != nil {
				return fmt.Errorf("node %s: %w", names[i], err)
			}
			if !slices.Equal(ids, before) {
				return fmt.Errorf("node %s lists the story's events %v after the generator restarted; want %v", names[i], ids, before)
			}
		}
		if err := sameEvents(api, nodes, names, evq); err != nil {
			return err
		}
		return sameVessels(api, nodes, names, at, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		n.stop(t)
	}
}

// storyEvents returns the ids of the story's encounter, gap and zone
// entry a node lists, sorted; an error if one is listed twice.
func storyEvents(api *http.Client, base string, story simulate.Demo) ([]string, error) {
	var ids []string
	for typ, m := range map[string]vessel.MMSI{"encounter": story.Reefer, "gap": story.Dark, "zone_entry": story.Tanker} {
		var evs apiEvents
		if err := getJSON(api, base, fmt.Sprintf("/api/v1/events?from=-2d&type=%s&mmsi=%d", typ, m), &evs); err != nil {
			return nil, err
		}
		n := 0
		for _, ev := range evs.Events {
			switch {
			case ev.Type == "encounter" && len(ev.Vessels) == 2 && ev.Vessels[0] == uint32(story.Reefer) && ev.Vessels[1] == uint32(story.Fisher),
				ev.Type == "gap" && len(ev.Vessels) == 1 && ev.Vessels[0] == uint32(story.Dark),
				ev.Type == "zone_entry" && len(ev.Vessels) == 1 && ev.Vessels[0] == uint32(story.Tanker) && ev.Zone == story.Zone:
				ids = append(ids, ev.ID)
				n++
			}
		}
		if n > 1 {
			return nil, fmt.Errorf("the story's %s listed %d times", typ, n)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// sameVessels reads /api/v1/vessels?query from every node and returns
// nil if all list the same vessels (at least 1500 of the 2004); with
// exact, at the same times and positions too.
func sameVessels(api *http.Client, nodes []*demoNode, names []string, query string, exact bool) error {
	var first []string
	for i, n := range nodes {
		var vs apiVessels
		if err := getJSON(api, n.base, "/api/v1/vessels?"+query, &vs); err != nil {
			return fmt.Errorf("node %s: %w", names[i], err)
		}
		var got []string
		for _, v := range vs.Vessels {
			if exact {
				got = append(got, fmt.Sprintf("%d %s %.6f %.6f", v.MMSI, v.Time.UTC().Format(time.RFC3339Nano), v.Lat, v.Lon))
			} else {
				got = append(got, fmt.Sprint(v.MMSI))
			}
		}
		slices.Sort(got)
		if len(got) < 1500 {
			return fmt.Errorf("node %s lists %d vessels (%s); want the 2004 of the demo, at least 1500", names[i], len(got), query)
		}
		if i == 0 {
			first = got
			continue
		}
		if !slices.Equal(got, first) {
			return fmt.Errorf("node %s lists %d vessels (%s), node %s %d, not the same", names[i], len(got), query, names[0], len(first))
		}
	}
	return nil
}

// sameEvents reads the events of query from every node and returns nil
// if all list the same, by id (at least 3).
func sameEvents(api *http.Client, nodes []*demoNode, names []string, query string) error {
	var first []string
	for i, n := range nodes {
		var evs apiEvents
		if err := getJSON(api, n.base, query, &evs); err != nil {
			return fmt.Errorf("node %s: %w", names[i], err)
		}
		var ids []string
		for _, ev := range evs.Events {
			ids = append(ids, ev.ID)
		}
		slices.Sort(ids)
		if len(ids) < 3 {
			return fmt.Errorf("node %s lists %d events (%s); want the story's at least", names[i], len(ids), query)
		}
		if i == 0 {
			first = ids
		} else if !slices.Equal(ids, first) {
			return fmt.Errorf("node %s lists %d events (%s), node %s %d, not the same", names[i], len(ids), query, names[0], len(first))
		}
	}
	return nil
}

// getJSON reads one API answer into into; a 503 or 429 (a heavy query on
// a loaded machine, or a node catching up) is an error to poll again.
func getJSON(api *http.Client, base, path string, into any) error {
	resp, err := api.Get(base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %.300s", path, resp.Status, b)
	}
	return json.Unmarshal(b, into)
}
