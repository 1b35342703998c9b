package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// goroutinesBack waits until no more goroutines run than before (those
// of the HTTP client's idle connections and the runtime may take a
// moment to end).
func goroutinesBack(t *testing.T, before int, what string) {
	t.Helper()
	waitFor(t, 10*time.Second, fmt.Sprintf("%s: goroutines back to %d", what, before), func() bool { return runtime.NumGoroutine() <= before })
}

// TestNodeOpenFailureReleases: when a step of Open fails, what the steps
// before it opened is closed again: the store's lock (a second Open of
// the directory works), the HTTP listener (its port can be bound again),
// and no goroutine is left behind.
func TestNodeOpenFailureReleases(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := freePort(t)
	before := runtime.NumGoroutine()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		// The listener is the last step: everything else was open.
		{"address in use", Config{Data: data, Listen: busy.Addr().String(), Land: "none"}, "listen"},
		// The TLS certificate is read after the listener is bound.
		{"missing certificate", Config{Data: data, Listen: port, Land: "none", TLS: TLS{Cert: "/nonexistent.pem", Key: "/nonexistent.key"}}, "nonexistent"},
		// A preset is checked after the store opened.
		{"unknown preset", Config{Data: data, Listen: port, Land: "none", Events: Events{Preset: "nope"}}, "nope"},
	} {
		n, err := Open(context.Background(), Options{Config: tc.cfg})
		if err == nil || n != nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: Open = %v, %v; want an error mentioning %q", tc.name, n, err, tc.want)
		}
		db, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatalf("%s: the store is still locked after the failed Open: %v", tc.name, err)
		}
		db.Close()
		ln, err := net.Listen("tcp", port)
		if err != nil {
			t.Fatalf("%s: the HTTP port is still bound after the failed Open: %v", tc.name, err)
		}
		ln.Close()
		goroutinesBack(t, before, tc.name)
	}
}

// TestNodeLifecycle: Close without Run closes everything, Close is
// idempotent, and Run refuses to run twice; a node whose component fails
// (the HTTP listener closed under it) stops the others in order, drains
// the pipeline into the store and says which component failed.
func TestNodeLifecycle(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	before := runtime.NumGoroutine()
	n, err := Open(context.Background(), Options{Config: Config{Data: data, Listen: "127.0.0.1:0", Land: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close: %v; want nil", err)
	}
	goroutinesBack(t, before, "Open and Close")

	// Run until the HTTP server fails.
	started := make(chan struct{})
	n, err = Open(context.Background(), Options{Config: Config{Data: data, Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true},
		Started: func(net.Addr) { close(started) }})
	if err != nil {
		t.Fatal(err)
	}
	obs := realObservations(t, 500)
	done := make(chan error, 1)
	go func() { done <- n.Run(context.Background()) }()
	<-started
	if err := n.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v; want ErrRunning", err)
	}
	if !n.pipe.Submit(obs) {
		t.Fatal("the pipeline refused a batch")
	}
	// The fan-out's subscribers and their counters are exposed.
	base := "http://" + n.Addr().String()
	for _, sub := range []string{"events", "stream"} {
		if v := metric(t, base, `tidewatch_fanout_dropped_total{subscriber="`+sub+`"}`); v != 0 {
			t.Errorf("%s subscriber dropped %v items; want 0", sub, v)
		}
	}
	n.ln.Close() // the HTTP component fails
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop when its HTTP server failed")
	}
	var ge *GroupError
	if !errors.As(runErr, &ge) || ge.Member != "http" {
		t.Fatalf("Run = %v; want the http component's error", runErr)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if st := n.pipe.Stats(); st.Applied != int64(len(obs)) {
		t.Errorf("applied %d of %d observations before stopping", st.Applied, len(obs))
	}
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st := db.Stats(); st.Positions == 0 {
		t.Error("the drained observations are not in the store")
	}
	goroutinesBack(t, before, "Run and Close")
}

// realObservations decodes up to max observations of a real capture.
func realObservations(t testing.TB, max int) []vessel.Observation {
	t.Helper()
	f, err := os.Open(aistest.Path("raw/dma-stream-example.nmea"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vessel.Observation
	_, err = ingest.Observations(context.Background(), f.Name(), nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
		if len(out) < max {
			out = append(out, *o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNodeComponents: a component added by Options.Components runs in
// the node's group and is stopped before the pipeline: what it applies
// through the pipeline while stopping is recorded and in the store.
func TestNodeComponents(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	obs := realObservations(t, 200)
	applied := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	n, err := Open(ctx, Options{Config: Config{Data: data, Listen: "127.0.0.1:0", Land: "none"},
		Started: func(net.Addr) { cancel() },
		Components: func(n *Node) []Member {
			return []Member{{Name: "late-link", Component: ComponentFunc(func(ctx context.Context) error {
				<-ctx.Done()
				// Stopping: deliver what is in hand, durably.
				actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer acancel()
				applied <- n.Pipeline().Apply(actx, obs)
				return nil
			})}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-applied; err != nil {
		t.Fatalf("Apply while stopping: %v; want the pipeline still running", err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st := db.Stats(); st.Positions == 0 {
		t.Error("what the component applied while stopping is not in the store")
	}
}
