package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
	"github.com/tidewatch/tidewatch/internal/webui"
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

// Runner is a component with a lifetime: an input.
type Runner interface {
	Run(ctx context.Context) error
}

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
	// StoreFS is the file system the store writes through (nil: the
	// operating system's); tests inject a full disk with it.
	StoreFS store.FS
}

// Run runs a node until ctx is cancelled, then shuts down in order: the
// HTTP server stops taking requests, the inputs stop, the pipeline drains
// what they queued into the store, and the store closes. Nothing the
// pipeline accepted is lost.
func Run(ctx context.Context, opt Options) error {
	cfg := opt.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	var retain time.Duration
	if cfg.Retain != "" {
		var err error
		if retain, err = vessel.ParseDuration(cfg.Retain); err != nil || retain <= 0 {
			return fmt.Errorf("%w: retain %q: want a positive duration such as 90d", ErrConfig, cfg.Retain)
		}
	}
	land, err := loadLand(cfg.Land)
	if err != nil {
		return err
	}

	db, err := store.Open(cfg.Data, store.Options{Logger: log, FS: opt.StoreFS})
	if err != nil {
		return err
	}
	closeDB := func() {
		if err := db.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}
	var fland fusion.Land
	if land != nil {
		fland = land
	}
	// Partners' reports weigh what the sharing policy says (see
	// fusion.Config.SourceWeight); the sharer is set before any is applied.
	var sharer *share.Sharer
	weigh := func(source string) float64 {
		if origin, partner := share.OriginOf(source); partner && sharer != nil {
			return sharer.Weight(origin)
		}
		return 1
	}
	pic := fusion.NewPicture(fusion.Config{Land: fland, SourceWeight: weigh, Now: now})
	n, err := recorder.Restore(pic, db)
	if err != nil {
		closeDB()
		return err
	}
	log.Info("picture restored from the store", "vessels", n)

	reg := prometheus.NewRegistry()
	hub := httpapi.NewHub(1 << 16)
	engine, events, zones, err := openEvents(cfg, land)
	if err != nil {
		closeDB()
		return err
	}
	if events != nil {
		defer events.Close()
	}
	// The engine's clock follows the reports; on a live feed (reports
	// within the hour of the wall clock) it also follows the wall clock at
	// each commit, so that held-back reports are released and silences are
	// noticed while no report comes.
	var newest vessel.Time
	savedAnchorages := 0 // learned anchorages last saved (anchorages.bin)
	if engine != nil {
		savedAnchorages = engine.AnchorageCount()
	}
	publishEvents := func(evs []event.Event) {
		if err := events.Add(evs); err != nil {
			log.Error("event log", "err", err)
		}
		for i := range evs {
			ev := evs[i]
			hub.Publish(httpapi.Update{Event: &ev})
			if sharer != nil {
				sharer.Offer(share.Envelope{Kind: share.KindEvent, Event: ev})
			}
		}
	}
	pipe := NewPipeline(pic, db, PipelineOptions{Logger: log, OnCommit: func() {
		if sharer != nil {
			if err := sharer.Commit(); err != nil {
				log.Error("sharing", "err", err)
			}
		}
		if events == nil {
			return
		}
		if t := vessel.TimeOf(now()); newest != 0 && t-newest < 3600_000 && t > newest {
			publishEvents(engine.Advance(t))
		}
		if err := events.Sync(); err != nil {
			log.Error("event log", "err", err)
		}
		if n := engine.AnchorageCount(); n != savedAnchorages {
			if err := saveAnchorages(cfg.Data, engine.Anchorages()); err != nil {
				log.Error("learned anchorages", "err", err)
			} else {
				savedAnchorages = n
			}
		}
	}, OnResult: func(o *vessel.Observation, r *fusion.Result) {
		if engine != nil && r.Outcome == fusion.Stored {
			newest = max(newest, r.Position.Time)
			publishEvents(engine.Observe(r.Position))
		}
		if engine != nil && r.Outcome == fusion.Static && o.Kind == vessel.KindStatic {
			engine.ObserveStatic(o.Static) // vessel categories for encounters
		}
		if sharer != nil {
			offerLocal(sharer, o, r)
		}
		switch r.Outcome {
		case fusion.Stored:
			if r.Position.Flags&vessel.Bad != 0 || r.Position.Flags&vessel.FlagLate != 0 {
				return // not the latest: the picture did not move
			}
		case fusion.Static:
		default:
			return
		}
		if s, ok := pic.Vessel(r.MMSI); ok {
			hub.Publish(httpapi.UpdateOf(&s))
		}
	}})
	var zoneBook *ZoneBook
	if engine != nil {
		zoneBook = &ZoneBook{path: filepath.Join(cfg.Data, "zones.geojson"), zones: zones, apply: func(zs []event.Zone) error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var err error
			if perr := pipe.Do(ctx, func() {
				t := newest
				if t == 0 {
					t = vessel.TimeOf(now())
				}
				var evs []event.Event
				if evs, err = engine.SetZones(zs, t); err == nil {
					publishEvents(evs)
				}
			}); perr != nil {
				return fmt.Errorf("server: zones: %w", perr)
			}
			return err
		}}
	}
	node, name, err := openIdentity(cfg.Data, now)
	if err != nil && cfg.Share.Off {
		// Not sharing: an unusable identity (an expired certificate, say)
		// does not stop the node.
		log.Warn("node identity unusable; running without it", "err", err)
		node, name, err = nil, "LOCAL", nil
	}
	if err != nil {
		closeDB()
		return err
	}
	incidents, err := incident.Open(filepath.Join(cfg.Data, "incidents.log"), incident.Options{Node: name, Logger: log})
	if err != nil {
		closeDB()
		return err
	}
	defer incidents.Close()
	if sharer, err = openShare(cfg, node, log, now, &nodeLocal{db: db, pic: pic, pipe: pipe, events: events, incidents: incidents, hub: hub}); err != nil {
		closeDB()
		return err
	}
	book := &IncidentBook{store: incidents, sharer: sharer, log: log}
	if opt.Incidents != nil {
		opt.Incidents(book)
	}
	if sharer != nil {
		closeStore := closeDB
		closeDB = func() {
			if err := sharer.Close(); err != nil {
				log.Error("sharing", "err", err)
			}
			closeStore()
		}
		if opt.Sharing != nil {
			opt.Sharing(sharer)
		}
	}
	tokens, err := httpapi.OpenTokens(filepath.Join(cfg.Data, "tokens.json"))
	if err != nil {
		closeDB()
		return err
	}

	inputs, stats, err := buildInputs(cfg.Inputs, pipe, log, now)
	if err != nil {
		closeDB()
		return err
	}
	if opt.Extra != nil {
		inputs = append(inputs, opt.Extra(pipe.Submit)...)
	}
	reg.MustRegister(newCollector(pipe, pic, db, stats, sharer))

	var ready sync.Map // set once serving
	var evSource httpapi.EventSource
	if events != nil {
		evSource = events
	}
	var zoneEditor httpapi.ZoneEditor
	if zoneBook != nil {
		zoneEditor = zoneBook
	}
	heavyTimeout, _ := durationOf("api.heavy_timeout", cfg.API.HeavyTimeout) // checked by Validate
	apiCfg := httpapi.Config{DB: db, Picture: pic, Tokens: tokens, AllowAnonymousRead: cfg.AllowAnonymousRead,
		Hub: hub, Registry: reg, Logger: log, Now: now, Events: evSource, Zones: zones, ZoneEditor: zoneEditor,
		Incidents: book, NodeName: name, HeavyTimeout: heavyTimeout, MaxHeavy: cfg.API.MaxHeavy}
	if sharer != nil {
		apiCfg.Audit = sharer.Audit()
		apiCfg.Partners = func() []httpapi.PartnerInfo { return partnerInfo(sharer, now) }
	}
	apiCfg.Ready = func() error {
		if _, ok := ready.Load("http"); !ok {
			return errors.New("starting")
		}
		return storeReady(db.Health())
	}
	api := httpapi.New(apiCfg)
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	for _, p := range []string{"/openapi.json", "/metrics", "/healthz", "/readyz", "/ogc", "/ogc/"} {
		mux.Handle(p, api)
	}
	land50, err := landHandler()
	if err != nil {
		closeDB()
		return err
	}
	mux.Handle("/basemap/land.geojson", land50)
	web := opt.Web
	if web == nil {
		if web, err = webui.NewHandler(webui.Config{TileOrigins: cfg.TileOrigins}); err != nil {
			closeDB()
			return fmt.Errorf("%w: tile_origins: %v", ErrConfig, err)
		}
	}
	mux.Handle("/", web)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		closeDB()
		return fmt.Errorf("server: listen: %w", err)
	}
	if cfg.TLS.Enabled() {
		tc, err := tlsConfig(cfg.TLS, now())
		if err != nil {
			ln.Close()
			closeDB()
			return err
		}
		ln = tls.NewListener(ln, tc)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	var wg sync.WaitGroup
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- pipe.Run(context.Background()) }()

	inCtx, stopInputs := context.WithCancel(context.Background())
	for _, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := in.Run(inCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("input stopped", "err", err)
			}
		}()
	}
	shareCtx, stopShare := context.WithCancel(context.Background())
	shareDone := make(chan struct{})
	go func() {
		defer close(shareDone)
		if sharer == nil {
			return
		}
		if err := sharer.Run(shareCtx); err != nil {
			log.Error("sharing stopped", "err", err)
		}
	}()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	ready.Store("http", true)
	log.Info("serving", "addr", ln.Addr().String(), "tls", cfg.TLS.Enabled(), "inputs", len(inputs))
	if opt.Started != nil {
		opt.Started(ln.Addr())
	}

	// Compaction and retention, hourly, alongside ingest.
	compactDone := make(chan struct{})
	go func() {
		defer close(compactDone)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-inCtx.Done():
				return
			case <-t.C:
				co := store.CompactOptions{}
				if retain > 0 {
					co.Cutoff = vessel.TimeOf(now().Add(-retain))
				}
				if st, err := db.Compact(co); err != nil {
					log.Error("compaction", "err", err)
				} else if st.BlocksIn > 0 {
					log.Info("compacted", "blocks_in", st.BlocksIn, "blocks_out", st.BlocksOut, "dropped", st.Dropped)
				}
			}
		}
	}()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-httpDone:
		log.Error("http server stopped", "err", serveErr)
	}
	log.Info("shutting down: HTTP, then inputs, then the pipeline, then the store")
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	srv.Shutdown(shutCtx)
	cancel()
	stopInputs()
	stopShare() // partners' links deliver through the pipeline: stop them first
	wg.Wait()
	<-shareDone
	<-compactDone
	pipe.Stop()
	if err := <-pipeDone; err != nil {
		log.Error("pipeline", "err", err)
	}
	if sharer != nil {
		if err := sharer.Close(); err != nil {
			log.Error("sharing", "err", err)
		}
	}
	st := pipe.Stats()
	log.Info("pipeline drained", "applied", st.Applied, "dropped", st.Dropped)
	if err := db.Close(); err != nil {
		return fmt.Errorf("server: closing the store: %w", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", serveErr)
	}
	return nil
}

// openEvents starts live event detection and its log, unless switched
// off. The engine sees every position the picture stores, on the pipeline
// goroutine, and keeps its clock from the reports' times.
func openEvents(cfg Config, land *geo.LandMask) (*event.Engine, *EventLog, []event.Zone, error) {
	if cfg.Events.Off {
		return nil, nil, nil, nil
	}
	reorder := time.Minute
	if cfg.Events.Reorder != "" {
		d, err := time.ParseDuration(cfg.Events.Reorder)
		if err != nil || d < 0 {
			return nil, nil, nil, fmt.Errorf("%w: events reorder %q", ErrConfig, cfg.Events.Reorder)
		}
		reorder = d
	}
	anch, err := loadAnchorages(cfg.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	ec := event.Config{Preset: cfg.Events.Preset, Ports: event.DefaultPorts(), Land: land, Reorder: reorder, Anchorages: anch}
	if ec.Preset == "" {
		ec.Preset = event.PresetGFW
	}
	edited := filepath.Join(cfg.Data, "zones.geojson")
	if _, err := os.Stat(edited); err == nil {
		// Zones edited through the API replace the configured file.
		b, _, err := OpenZoneBook(edited, nil, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		ec.Zones = b.Zones()
	} else if cfg.Events.Zones != "" {
		f, err := os.Open(cfg.Events.Zones)
		if err != nil {
			return nil, nil, nil, err
		}
		feats, err := geo.ReadGeoJSON(f)
		f.Close()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("zones %s: %w", cfg.Events.Zones, err)
		}
		ec.Zones = event.ZonesFromGeoJSON(feats)
	}
	engine, err := event.NewChecked(ec)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: events: %v", ErrConfig, err)
	}
	l, err := OpenEventLog(filepath.Join(cfg.Data, "events.jsonl"), 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return engine, l, ec.Zones, nil
}

func loadLand(spec string) (*geo.LandMask, error) {
	switch spec {
	case "", "default":
		return geo.DefaultLand()
	case "none":
		return nil, nil
	}
	f, err := os.Open(spec)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := geo.ReadLandMask(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	return m, nil
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
}

// connStats are a TCP server input's connection counters.
type connStats struct {
	active                       int
	full, perAddr, evicted, idle int64
}

func buildInputs(cfgs []Input, pipe *Pipeline, log *slog.Logger, now func() time.Time) ([]Runner, []inputStats, error) {
	var runners []Runner
	var stats []inputStats
	for _, c := range cfgs {
		opt := ingest.InputOptions{Name: c.Name, Sink: func(b []vessel.Observation) { pipe.Submit(b) }, Logger: log, Now: now}
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
