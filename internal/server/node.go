package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/cot"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// storeReady turns a store health error into a readiness error whose
// reason a client may see: which write fails, since when, and the system
// error (a full disk), without paths.
func storeReady(err error) error {
	var we *store.WriteError
	if !errors.As(err, &we) {
		return err
	}
	cause := "error"
	var errno syscall.Errno
	if errors.As(err, &errno) {
		cause = errno.Error()
	}
	return &httpapi.Unready{Reason: fmt.Sprintf("store %s failing since %s (%d attempts): %s", we.Op,
		we.Since.UTC().Format(time.RFC3339), we.Failures, cause), Err: err}
}

// Runner is an input: a Component whose return (a replay at its end)
// does not stop the node.
type Runner = Component

// Options are what Run needs besides the configuration.
type Options struct {
	Config Config
	Logger *slog.Logger
	// Now is the wall clock (nil: time.Now).
	Now func() time.Time
	// Extra builds inputs beyond the configured ones (the demo's simulated
	// traffic); submit hands their observations to the pipeline.
	Extra func(submit func([]vessel.Observation) bool) []Runner
	// Started, when set, is called once the node serves, with the HTTP
	// address it listens on (useful with port 0).
	Started func(addr net.Addr)
	// Web serves everything outside the API. Nil: the embedded web map
	// (package webui).
	Web http.Handler
	// Incidents, when set, is called with the node's incidents once they
	// are open, before the node serves.
	Incidents func(b *IncidentBook)
	// Sharing, when set, is called with the sharing component once it is
	// open (its link listener bound), before the node serves; not called
	// when the node does not share.
	Sharing func(s *share.Sharer)
	// Components, when set, adds the caller's components (a cluster's
	// links, say) to the node's run group. It is called once Open has
	// opened everything else; its components start after sharing and
	// before the inputs, so they are stopped after the inputs and before
	// the pipeline drains (what they hand to the pipeline while stopping
	// is still recorded).
	Components func(n *Node) []Member
	// StoreFS is the file system the store writes through (nil: the
	// operating system's); tests inject a full disk with it.
	StoreFS store.FS

	// restores are the snapshot restore counters of the node this one
	// reopens (Run, past the log's retention): kept across the reopen.
	restores cluster.RestoreStatus
	// holdInstall, when set (tests), runs when a peer's snapshot fetched
	// at start arrives, before it is unpacked and installed.
	holdInstall func()
	// maintainEvery, when set (tests), replaces the hour between two
	// compactions and retention passes.
	maintainEvery time.Duration
}

// Node is a running node's components: the store and the core (picture,
// recorder, fan-out), the pipeline, event detection, incidents,
// sharing, the inputs and the HTTP server. Open opens them all (a
// failure closes what was opened), Run runs their goroutines in one
// Group until the context ends, and Close closes what Open opened.
type Node struct {
	cfg    Config
	opt    Options
	log    *slog.Logger
	now    func() time.Time
	retain time.Duration
	land   *geo.LandMask

	db        *store.DB
	core      *Core
	pipe      *Pipeline
	hub       *httpapi.Hub
	events    *liveEvents // nil when detection is off
	incidents *incident.Store
	book      *IncidentBook
	sharer    *share.Sharer // nil when the node does not share
	weights   partnerWeights
	name      string
	inputs    []Runner
	contacts  *ContactTracker // radar and satellite association (contacts.go)
	sensors   []*SensorInput
	stats     []inputStats
	ln        net.Listener
	srv       *http.Server
	ready     atomic.Bool
	cl        *clusterMember  // nil without cluster mode (cluster.go)
	clNode    *cluster.Node   // started before the store opens (openClusterEarly)
	clClock   *logClock       // the picture's clock in cluster mode (cluster_clock.go)
	openCtx   context.Context // Open's: the steps that wait for the cluster end with it
	ctl       *controlMember  // the control log; nil without cluster mode (cluster_control.go)
	early     *earlyHTTP      // /readyz and /metrics while a cluster node starts (cluster_early.go)
	ident     *identity.Node  // nil without a node identity

	cot       []*cot.Sender  // Config.CoT
	relay     *relayFeed     // Config.Relay; nil without (relay.go)
	extra     []Member       // Options.Components
	closers   []func() error // in the order opened
	ran       atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Member is a named component of a node's run group.
type Member struct {
	Name      string
	Component Component
}

// ErrRunning: Run was called a second time.
var ErrRunning = errors.New("server: the node runs already")

// Open opens a node's components in dependency order: the store and the
// picture restored from it, the pipeline, event detection, incidents and
// sharing, the inputs, and the HTTP listener (bound, so an address in
// use fails here). If a step fails, what was opened is closed again and
// the error returned.
func Open(ctx context.Context, opt Options) (*Node, error) {
	cfg := opt.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, opt: opt, log: opt.Logger, now: opt.Now, openCtx: ctx}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.now == nil {
		n.now = time.Now
	}
	for _, step := range []func() error{n.openClusterEarly, n.openStore, n.openEvents, n.openSharing, n.subscribe, n.openInputs, n.openHTTP} {
		if err := ctx.Err(); err != nil {
			n.Close()
			return nil, err
		}
		if err := step(); err != nil {
			n.Close()
			return nil, err
		}
	}
	if opt.Components != nil {
		n.extra = append(n.extra, opt.Components(n)...)
	}
	return n, nil
}

// onClose adds what Close closes, in reverse order.
func (n *Node) onClose(f func() error) { n.closers = append(n.closers, f) }

// Run runs the components until ctx is cancelled or one of them fails,
// then stops them in reverse order: the HTTP server stops taking
// requests, the inputs stop, sharing stops (partners' links deliver
// through the pipeline), the maintenance ticker stops, the pipeline
// drains what was queued into the store, and the fan-out delivers what
// it holds. Nothing the pipeline accepted is lost. Call Close after.
func (n *Node) Run(ctx context.Context) error {
	if !n.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	g := Group{Started: n.started}
	g.Add("fanout", ComponentFunc(n.core.Fanout.Run))
	g.Add("pipeline", ComponentFunc(n.runPipeline))
	g.Add("maintenance", ComponentFunc(n.maintain))
	if n.sharer != nil {
		g.Add("sharing", ComponentFunc(n.runSharing))
	}
	for i, s := range n.cot {
		g.Add(fmt.Sprintf("cot %d", i), ComponentFunc(s.Run))
	}
	for _, m := range n.extra {
		g.Add(m.Name, m.Component)
	}
	g.Add("contacts", ComponentFunc(n.contacts.Run))
	if n.relay != nil {
		g.Add("relay", ComponentFunc(n.relay.Run))
	}
	g.Add("inputs", ComponentFunc(n.runInputs))
	g.Add("http", ComponentFunc(n.serveHTTP))
	err := g.Run(ctx)
	st := n.pipe.Stats()
	n.log.Info("pipeline drained", "applied", st.Applied, "dropped", st.Dropped)
	return err
}

// started runs once every component runs: the node is ready.
func (n *Node) started() {
	n.ready.Store(true)
	n.log.Info("serving", "addr", n.ln.Addr().String(), "tls", n.cfg.TLS.Enabled(), "inputs", len(n.inputs))
	if n.opt.Started != nil {
		n.opt.Started(n.ln.Addr())
	}
}

// Close closes what Open opened, in reverse order (sharing, incidents,
// the event log, the store), and returns their errors. Call it after Run
// has returned, or instead of Run. Closing again returns the same.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		var errs []error
		for i := len(n.closers) - 1; i >= 0; i-- {
			errs = append(errs, n.closers[i]())
		}
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

// Core returns the node's core: the picture and the fan-out (subscribe
// before Run).
func (n *Node) Core() *Core { return n.core }

// Pipeline returns the node's pipeline, the way into the core for
// components (Submit, Apply, Do).
func (n *Node) Pipeline() *Pipeline { return n.pipe }

// Addr returns the HTTP server's address.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Run runs a node until ctx is cancelled (Open, Run, Close), then shuts
// down in order: the HTTP server stops taking requests, the inputs stop,
// the pipeline drains what they queued into the store, and the store
// closes. Nothing the pipeline accepted is lost. A cluster node that
// falls behind the ingest log's retention while it runs is closed and
// opened again, which installs a peer's snapshot.
func Run(ctx context.Context, opt Options) error {
	for {
		n, err := Open(ctx, opt)
		if err != nil {
			return err
		}
		err = errors.Join(n.Run(ctx), n.Close())
		if ctx.Err() != nil || !errors.Is(err, errReopen) {
			return err
		}
		if n.clNode != nil {
			opt.restores = n.clNode.RestoreStatus() // the counters go on across the reopen
		}
		// A cluster node that fell behind the log's retention while it
		// ran: opened again, it installs a peer's snapshot first.
		n.log.Warn("cluster: reopening the node to install a peer's snapshot", "err", err)
	}
}

// openStore opens the store, restores the picture from it and makes the
// pipeline that will record into it.
func (n *Node) openStore() error {
	cfg := n.cfg
	if cfg.Retain != "" {
		var err error
		if n.retain, err = vessel.ParseDuration(cfg.Retain); err != nil || n.retain <= 0 {
			return fmt.Errorf("%w: retain %q: want a positive duration such as 90d", ErrConfig, cfg.Retain)
		}
	}
	land, err := LoadLand(cfg.Land)
	if err != nil {
		return err
	}
	if cfg.DetailLand != nil {
		if land, err = LoadDetailLand(land, *cfg.DetailLand); err != nil {
			return err
		}
	}
	db, err := store.Open(cfg.Data, store.Options{Logger: n.log, FS: n.opt.StoreFS})
	if err != nil {
		return err
	}
	n.db = db
	n.onClose(func() error {
		if err := db.Close(); err != nil {
			return fmt.Errorf("server: closing the store: %w", err)
		}
		return nil
	})
	// Partners' reports weigh what the sharing policy says (see
	// fusion.Config.SourceWeight); the sharer is set before any is applied.
	now := n.now
	if cfg.Cluster.Enabled() {
		n.clClock = newLogClock(n.now) // the picture judges reports by the log's time
		now = n.clClock.now
	}
	core, restored, err := NewCore(CoreConfig{Land: land, SourceWeight: n.weights.weight, Now: now, Store: db})
	if err != nil {
		return err
	}
	n.log.Info("picture restored from the store", "vessels", restored)
	n.core = core
	n.hub = httpapi.NewHub(1 << 16)
	n.pipe = newPipeline(core, PipelineOptions{Logger: n.log, OnCommit: core.Fanout.Commit})
	n.land = land
	return nil
}

// subscribe puts the fan-out together: event detection first (its
// events go on to the others), then the live stream, then sharing.
func (n *Node) subscribe() error {
	fan := n.core.Fanout
	if n.events != nil {
		// Event detection runs on its own goroutine, after the pipeline's:
		// its queue blocks when full (nothing is lost; the pipeline slows,
		// and its own queue then drops input, counted).
		fan.Subscribe("events", n.events, SubscribeOptions{Queue: eventQueue, Batch: eventBatch, Overflow: Block,
			Want: detectorWants, Slim: true, SkipEvents: true})
	}
	fan.Subscribe("stream", &streamSub{hub: n.hub, pic: n.core.Picture}, SubscribeOptions{})
	if err := n.openContacts(); err != nil {
		return err
	}
	if n.sharer != nil {
		fan.Subscribe("sharing", &shareSub{s: n.sharer, log: n.log}, SubscribeOptions{})
	}
	return n.openCoT()
}

// openInputs makes the configured inputs and the extra ones.
func (n *Node) openInputs() error {
	if err := n.openRelay(); err != nil {
		return err
	}
	if n.cfg.Cluster.Enabled() {
		return n.openCluster()
	}
	inputs, stats, err := buildInputs(n.cfg.Inputs, n.pipe, n.log, n.now, n.relayLines(), nil)
	if err != nil {
		return err
	}
	if n.opt.Extra != nil {
		inputs = append(inputs, n.opt.Extra(n.pipe.Submit)...)
	}
	n.inputs, n.stats = inputs, stats
	return n.openSensors()
}

// runPipeline runs the pipeline; cancelling ctx stops it, and it returns
// once what was queued is recorded and committed.
func (n *Node) runPipeline(ctx context.Context) error {
	stop := context.AfterFunc(ctx, n.pipe.Stop)
	defer stop()
	if err := n.pipe.Run(context.Background()); err != nil {
		n.log.Error("pipeline", "err", err) // the store's health says more; the node stops anyway
	}
	return nil
}

// runInputs runs every input until ctx is cancelled. An input that
// stops (a replay at its end, a failure) is logged and leaves the others
// running.
func (n *Node) runInputs(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, in := range n.inputs {
		wg.Go(func() {
			if err := in.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				n.log.Error("input stopped", "err", err)
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// runSharing runs the partners' links until ctx is cancelled; sharing
// that fails is logged and does not stop the node.
func (n *Node) runSharing(ctx context.Context) error {
	if err := n.sharer.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		n.log.Error("sharing stopped", "err", err)
	}
	<-ctx.Done()
	return nil
}

// maintain compacts the store and applies retention, hourly. Retention
// counts back from the wall clock (n.now), never from the stored reports:
// one dated in the future must not make the rest look old.
func (n *Node) maintain(ctx context.Context) error {
	every := time.Hour
	if n.opt.maintainEvery > 0 {
		every = n.opt.maintainEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			co := store.CompactOptions{}
			if n.retain > 0 {
				co.Cutoff = vessel.TimeOf(n.now().Add(-n.retain))
			}
			if st, err := n.db.Compact(co); err != nil {
				n.log.Error("compaction", "err", err)
			} else if st.BlocksIn > 0 {
				n.log.Info("compacted", "blocks_in", st.BlocksIn, "blocks_out", st.BlocksOut, "dropped", st.Dropped)
			}
		}
	}
}

// serveHTTP serves until ctx is cancelled, then shuts the server down
// (open requests get 5 seconds), or returns the server's error.
func (n *Node) serveHTTP(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- n.srv.Serve(n.ln) }()
	select {
	case err := <-errc:
		n.srv.Close() // the connections it has open
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	n.log.Info("shutting down: HTTP, then inputs, then the pipeline, then the store")
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.srv.Shutdown(shutCtx)
	<-errc
	return nil
}

// inputStats is what the metrics read from each input.
type inputStats struct {
	name  string
	kind  string
	stats func() ingest.InputStats
	// health, for TCP clients: connected or not.
	connected func() bool
	// conns, for TCP servers: the connection counters.
	conns func() connStats
	// lineMode: the input publishes to the cluster's log (its
	// LineMode counters are exported).
	lineMode bool
}

// connStats are a TCP server input's connection counters.
type connStats struct {
	active                       int
	full, perAddr, evicted, idle int64
}

// buildInputs makes the configured inputs; with publish (cluster mode)
// they publish their raw lines instead of feeding pipe (ingest's line
// mode).
func buildInputs(cfgs []Input, pipe *Pipeline, log *slog.Logger, now func() time.Time, lines func(string, []byte), publish ingest.Publish) ([]Runner, []inputStats, error) {
	var runners []Runner
	var stats []inputStats
	for _, c := range cfgs {
		opt := ingest.InputOptions{Name: c.Name, Sink: func(b []vessel.Observation) { pipe.Submit(b) }, Logger: log, Now: now, Lines: lines, Publish: publish}
		switch c.Type {
		case "tcp-server":
			idle, _ := durationOf("idle_timeout", c.IdleTimeout) // checked by Validate
			evict, _ := durationOf("evict_idle", c.EvictIdle)
			s, err := ingest.NewTCPServer(ingest.TCPServerConfig{InputOptions: opt, Listen: c.Listen,
				MaxConns: c.MaxConns, MaxConnsPerAddr: c.MaxConnsPerAddr, IdleTimeout: idle, EvictIdle: evict})
			if err != nil {
				return nil, nil, err
			}
			runners = append(runners, s)
			stats = append(stats, inputStats{name: c.Name, kind: c.Type, stats: func() ingest.InputStats { return s.Stats().InputStats },
				conns: func() connStats {
					st := s.Stats()
					return connStats{active: st.Active, full: st.Refused, perAddr: st.RefusedPerAddr, evicted: st.Evicted, idle: st.IdleTimeouts}
				}})
		case "tcp-client":
			s, err := ingest.NewTCPClient(ingest.TCPClientConfig{InputOptions: opt, Address: c.Address})
			if err != nil {
				return nil, nil, err
			}
			runners = append(runners, s)
			stats = append(stats, inputStats{name: c.Name, kind: c.Type, stats: func() ingest.InputStats { return s.Stats().InputStats },
				connected: func() bool { return s.Health().Connected }})
		case "udp":
			s, err := ingest.NewUDPListener(ingest.UDPConfig{InputOptions: opt, Listen: c.Listen})
			if err != nil {
				return nil, nil, err
			}
			runners = append(runners, s)
			stats = append(stats, inputStats{name: c.Name, kind: c.Type, stats: func() ingest.InputStats { return s.Stats().InputStats }})
		case "replay":
			opt.Overflow = ingest.Block // a replay must not lose its own data
			s, err := ingest.NewReplay(ingest.ReplayConfig{InputOptions: opt, File: c.File, Speed: c.Speed, Loop: c.Loop, ShiftToNow: c.Now})
			if err != nil {
				return nil, nil, err
			}
			runners = append(runners, s)
			stats = append(stats, inputStats{name: c.Name, kind: c.Type, stats: func() ingest.InputStats { return s.Stats().InputStats }})
		}
	}
	return runners, stats, nil
}

// landHandler serves the bundled Natural Earth land as the map's basemap,
// gzip-compressed when the client accepts it.
func landHandler() (http.Handler, error) {
	gz := geo.DefaultLandGeoJSONGzip()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("server: basemap: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("server: basemap: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/geo+json")
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("Vary", "Accept-Encoding")
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			w.Write(gz)
			return
		}
		w.Write(raw)
	}), nil
}

// OpenTokens opens the API tokens of the node whose data directory is
// data (the file tokens.json there, created with mode 0600).
func OpenTokens(data string) (*httpapi.Tokens, error) {
	// Make data a data directory first: the store refuses a directory
	// with foreign files in it, and the tokens file would be one. A
	// directory in use by a running node is one already.
	if db, err := store.Open(data, store.Options{}); err == nil {
		if err := db.Close(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	return httpapi.OpenTokens(filepath.Join(data, "tokens.json"))
}
