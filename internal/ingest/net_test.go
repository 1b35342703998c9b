package ingest_test

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Fixtures shared by the live-input tests.
const (
	dmaStream = "../../testdata/ais/raw/dma-stream-example.nmea"
	amsaGzip  = "../../testdata/ais/raw/amsa-2012.nmea.gz"
	dmaCSV    = "../../testdata/tracks/dma_stream_20100611_from_nmea.csv.gz"
)

// fixedNow is the arrival clock of the tests: a constant, so that
// observations timed by their arrival compare equal across inputs.
var fixedTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return fixedTime }

// reference returns what ingest.Observations makes of a file, with the
// source a live input named name gives to messages without one.
func reference(t testing.TB, file, name string) ([]vessel.Observation, ingest.FileStats) {
	t.Helper()
	var out []vessel.Observation
	st, err := ingest.Observations(context.Background(), file, nil,
		ingest.ObserveOptions{Now: fixedNow, CSV: ingest.CSVOptions{Source: name}},
		func(o *vessel.Observation) error {
			c := *o
			switch {
			case c.Kind == vessel.KindStatic:
				if c.Static.Source == "" {
					c.Static.Source = name
				}
			case c.Position.Source == "":
				c.Position.Source = name
				if c.Kind == vessel.KindAidToNav {
					c.Static.Source = name
				}
			}
			out = append(out, c)
			return nil
		})
	if err != nil {
		t.Fatalf("Observations(%s): %v", file, err)
	}
	if len(out) == 0 {
		t.Fatalf("Observations(%s): no observations", file)
	}
	return out, st
}

// collector is a Sink that keeps what it gets.
type collector struct {
	mu      sync.Mutex
	obs     []vessel.Observation
	batches int
	more    chan struct{} // signalled after each batch
}

func newCollector() *collector { return &collector{more: make(chan struct{}, 1)} }

func (c *collector) sink(b []vessel.Observation) {
	c.mu.Lock()
	c.obs = append(c.obs, b...)
	c.batches++
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.obs)
}

func (c *collector) all() []vessel.Observation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.obs)
}

// wait waits until the collector holds at least n observations.
func (c *collector) wait(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for c.len() < n {
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("collector: have %d observations, want %d", c.len(), n)
		}
	}
}

// eventually polls cond until it holds, for state that changes without
// a signal the test can wait on (a counter inside an input).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// multiset counts observations by their full printed value.
func multiset(obs []vessel.Observation, times int) map[string]int {
	m := make(map[string]int, len(obs))
	for i := range obs {
		m[fmt.Sprintf("%+v", obs[i])] += times
	}
	return m
}

// perKind and perMMSI summarise observations for readable failures.
func perKind(obs []vessel.Observation) map[vessel.Kind]int {
	m := map[vessel.Kind]int{}
	for i := range obs {
		m[obs[i].Kind]++
	}
	return m
}

func perMMSI(obs []vessel.Observation) map[vessel.MMSI]int {
	m := map[vessel.MMSI]int{}
	for i := range obs {
		m[obs[i].MMSI()]++
	}
	return m
}

// sameObservations checks that got holds exactly times copies of want,
// in any order.
func sameObservations(t testing.TB, got, want []vessel.Observation, times int) {
	t.Helper()
	if len(got) != times*len(want) {
		t.Errorf("got %d observations, want %d×%d", len(got), times, len(want))
	}
	gk, wk := perKind(got), perKind(want)
	for k := range wk {
		wk[k] *= times
	}
	if !maps.Equal(gk, wk) {
		t.Errorf("observations per kind = %v; want %v", gk, wk)
	}
	gm, wm := perMMSI(got), perMMSI(want)
	for k := range wm {
		wm[k] *= times
	}
	if !maps.Equal(gm, wm) {
		n := 0
		for k, v := range wm {
			if gm[k] != v && n < 5 {
				t.Errorf("MMSI %v: %d observations, want %d", k, gm[k], v)
				n++
			}
		}
	}
	g, w := multiset(got, 1), multiset(want, times)
	if maps.Equal(g, w) {
		return
	}
	n := 0
	for k, v := range w {
		if g[k] != v && n < 3 {
			t.Errorf("observation seen %d times, want %d: %s", g[k], v, k)
			n++
		}
	}
	for k, v := range g {
		if w[k] == 0 && n < 6 {
			t.Errorf("unexpected observation (%d times): %s", v, k)
			n++
		}
	}
}

// run runs an input's Run on a goroutine and returns a function that
// cancels it and returns its error, failing if it does not return
// promptly.
func run(t testing.TB, r interface{ Run(context.Context) error }) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() error {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return within 5 s of cancel")
			return nil
		}
	}
}

// noLeaks fails if goroutines of package ingest are still running, after
// giving exiting ones a moment.
func noLeaks(t testing.TB) {
	t.Helper()
	var leaked []string
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		leaked = leaked[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "tidewatch/internal/ingest.") && !strings.Contains(g, "ingest_test.noLeaks") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		<-tick.C
	}
	t.Errorf("%d goroutines of package ingest left running; the first:\n%s", len(leaked), leaked[0])
}

// rejected returns the classes of a Rejected map that are errors (the
// tag_block_checksum warning left out).
func rejectedTotal(m map[string]int64) int64 {
	var n int64
	for k, v := range m {
		if k != "tag_block_checksum" {
			n += v
		}
	}
	return n
}
