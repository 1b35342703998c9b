package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names. The ingest stream holds [Batch] entries on
// IngestSubject.<input>, the control stream [ControlRecord] entries on
// ControlSubject.<kind>.
const (
	IngestStream   = "TIDEWATCH_INGEST"
	IngestSubject  = "tidewatch.ingest"
	ControlStream  = "TIDEWATCH_CONTROL"
	ControlSubject = "tidewatch.control"
)

// Node is this process's membership of the cluster: the embedded NATS
// server (unless Config.NATSURL names an external one), the connection
// to it and the two replicated streams. It is a node component: Start
// it, run Run in the node's run group, and Close it last (after the
// followers and publishers that use it).
//
// A Node is safe for concurrent use.
type Node struct {
	cfg    Config
	logger *slog.Logger
	srv    *server.Server // nil with an external NATS
	nc     *nats.Conn
	js     jetstream.JetStream

	closeOnce sync.Once
	closed    chan struct{}

	// Snapshot restores (RestoreSnapshotRetry), for RestoreStatus.
	restoring                                  atomic.Bool
	restoreAttempts, restoreFailures, restored atomic.Uint64
	restoreErr                                 atomic.Pointer[string]
}

// Start starts the embedded NATS server with JetStream on file storage
// under Dir/cluster/jetstream and routes to cfg.Peers (or connects to
// cfg.NATSURL), and makes sure the ingest and control streams exist. It
// waits at most cfg.StartTimeout (or until ctx ends): for the server to
// listen, and for a quorum of the members to agree on the streams. A peer
// that does not answer is not an error as long as a quorum does; its
// route is retried for as long as the node runs. A nil logger discards.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "cluster", "node", cfg.Name)
	if err := os.MkdirAll(cfg.dir(), 0o700); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	n := &Node{cfg: cfg, logger: logger, closed: make(chan struct{})}
	if cfg.NATSURL == "" {
		if err := n.startServer(); err != nil {
			return nil, err
		}
	}
	if err := n.connect(ctx); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.ensureStreams(ctx); err != nil {
		n.Close()
		return nil, err
	}
	logger.Info("cluster member started", "client_url", n.ClientURL(), "cluster_addr", n.ClusterAddr(), "replicas", cfg.Replicas)
	return n, nil
}

// tlsTimeout bounds a TLS handshake on a route or client connection, in
// seconds.
const tlsTimeout = 5

func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", p, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

func (n *Node) startServer() error {
	cfg := n.cfg
	host, port, err := hostPort(cfg.ClientListen)
	if err != nil {
		return &ConfigError{Field: "ClientListen", Err: err}
	}
	opts := &server.Options{
		ServerName: cfg.Name,
		Host:       host,
		Port:       port,
		NoSigs:     true,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.dir(), "jetstream"),
		// Leave the limits to the disk: JetStream's default takes 75% of
		// the free space, which is what a dedicated node wants.
	}
	tc, err := cfg.tlsConfig()
	if err != nil {
		return err
	}
	if tc != nil {
		opts.TLS, opts.TLSVerify, opts.TLSConfig, opts.TLSTimeout = true, true, tc.Clone(), tlsTimeout
	}
	if cfg.ClusterListen != "" {
		chost, cport, err := hostPort(cfg.ClusterListen)
		if err != nil {
			return &ConfigError{Field: "ClusterListen", Err: err}
		}
		opts.Cluster = server.ClusterOpts{Name: cfg.ClusterName, Host: chost, Port: cport}
		if tc != nil {
			opts.Cluster.TLSConfig, opts.Cluster.TLSTimeout = tc.Clone(), tlsTimeout
		}
		for _, p := range cfg.Peers {
			opts.Routes = append(opts.Routes, &url.URL{Scheme: "nats-route", Host: p})
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("cluster: embedded server: %w", err)
	}
	logs := &serverLog{l: n.logger}
	srv.SetLoggerV2(logs, false, false, false)
	srv.Start()
	// A server that cannot listen logs a fatal error and stays down:
	// look for it while waiting, rather than waiting out the timeout.
	deadline := time.Now().Add(cfg.StartTimeout)
	for !srv.ReadyForConnections(100 * time.Millisecond) {
		msg := logs.fatal()
		if msg == "" && time.Now().Before(deadline) {
			continue
		}
		srv.Shutdown()
		if msg != "" {
			return fmt.Errorf("cluster: embedded server did not start: %s", msg)
		}
		return fmt.Errorf("cluster: embedded server not listening after %v", cfg.StartTimeout)
	}
	logs.up()
	n.srv = srv
	return nil
}

func (n *Node) connect(ctx context.Context) error {
	opts := []nats.Option{nats.Name("tidewatch " + n.cfg.Name), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}
	url := n.cfg.NATSURL
	if n.cfg.TLSCert != "" {
		// The embedded server's client URL is tls:// then; an in-process
		// connection could do without, but the client insists.
		opts = append(opts, nats.ClientCert(n.cfg.TLSCert, n.cfg.TLSKey), nats.RootCAs(n.cfg.TLSCA))
	}
	if n.srv != nil {
		opts = append(opts, nats.InProcessServer(n.srv))
		url = n.srv.ClientURL()
	}
	var nc *nats.Conn
	var err error
	for {
		nc, err = nats.Connect(url, opts...)
		if err == nil {
			break
		}
		if n.srv != nil {
			return fmt.Errorf("cluster: connect to the embedded server: %w", err)
		}
		if werr := waitOrDone(ctx, 250*time.Millisecond); werr != nil {
			return fmt.Errorf("cluster: connect to %s: %w", url, err)
		}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return fmt.Errorf("cluster: %w", err)
	}
	n.nc, n.js = nc, js
	return nil
}

// streamConfigs returns the configurations of the two streams.
func (n *Node) streamConfigs() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		{
			Name:        IngestStream,
			Description: "tidewatch replicated ingest log: batches of raw input lines",
			Subjects:    []string{IngestSubject + ".>"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			Replicas:    n.cfg.Replicas,
			MaxAge:      n.cfg.MaxAge,
			MaxBytes:    nonZero(n.cfg.MaxBytes),
			Duplicates:  n.cfg.Duplicates,
		},
		{
			Name:        ControlStream,
			Description: "tidewatch replicated control log: zones, incidents, tokens, partners",
			Subjects:    []string{ControlSubject + ".>"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Replicas:    n.cfg.Replicas,
			MaxBytes:    -1,
			Duplicates:  n.cfg.Duplicates,
		},
	}
}

func nonZero(v int64) int64 {
	if v == 0 {
		return -1
	}
	return v
}

// ensureStreams creates the streams that do not exist yet, retrying
// while the cluster has no quorum or no meta leader, until ctx ends. An
// existing stream is updated when its limits differ from the
// configuration (replicas, retention).
func (n *Node) ensureStreams(ctx context.Context) error {
	for _, sc := range n.streamConfigs() {
		var last error
		for {
			last = n.ensureStream(ctx, sc)
			if last == nil {
				break
			}
			if werr := waitOrDone(ctx, 200*time.Millisecond); werr != nil {
				return fmt.Errorf("cluster: stream %s not available (no quorum of %d replicas?): %w", sc.Name, sc.Replicas, last)
			}
		}
	}
	return nil
}

func (n *Node) ensureStream(ctx context.Context, sc jetstream.StreamConfig) error {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := n.js.Stream(rctx, sc.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = n.js.CreateStream(rctx, sc)
		return err
	}
	if err != nil {
		return err
	}
	have := s.CachedInfo().Config
	if have.Replicas != sc.Replicas || have.MaxAge != sc.MaxAge || have.MaxBytes != sc.MaxBytes || have.Duplicates != sc.Duplicates {
		_, err = n.js.UpdateStream(rctx, sc)
	}
	return err
}

// waitOrDone waits d or until ctx ends, whichever is first, and returns
// ctx's error in the second case.
func waitOrDone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Name }

// Replicas returns the number of replicas of the streams.
func (n *Node) Replicas() int { return n.cfg.Replicas }

// ClientURL returns the URL NATS clients reach the embedded server at, or
// the external NATS URL.
func (n *Node) ClientURL() string {
	if n.srv == nil {
		return n.cfg.NATSURL
	}
	return n.srv.ClientURL()
}

// ClusterAddr returns the address the embedded server accepts routes on,
// or "" without one.
func (n *Node) ClusterAddr() string {
	if n.srv == nil {
		return ""
	}
	if a := n.srv.ClusterAddr(); a != nil {
		return a.String()
	}
	return ""
}

// Run blocks until ctx ends, then closes the node. It returns early with
// an error if the embedded server stops by itself.
func (n *Node) Run(ctx context.Context) error {
	var down chan struct{}
	if n.srv != nil {
		down = make(chan struct{})
		go func() {
			n.srv.WaitForShutdown()
			close(down)
		}()
	}
	select {
	case <-ctx.Done():
		n.Close()
		return nil
	case <-n.closed:
		return nil
	case <-down:
		n.Close()
		return errors.New("cluster: embedded NATS server stopped")
	}
}

// Close closes the connection and shuts the embedded server down at once
// (no lame-duck period: the peers keep the streams). It is safe to call
// more than once.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		close(n.closed)
		if n.nc != nil {
			n.nc.Close()
		}
		if n.srv != nil {
			n.srv.Shutdown()
			n.srv.WaitForShutdown()
		}
	})
	return nil
}

// serverLog hands the embedded server's log to slog: notices at debug
// level (the server is chatty), warnings and errors as such. Until the
// server is up it keeps the first fatal message, which Start returns (a
// port already in use) rather than logs; later ones are logged.
type serverLog struct {
	l       *slog.Logger
	mu      sync.Mutex
	fm      string
	started bool
}

func (s *serverLog) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s *serverLog) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s *serverLog) Errorf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s *serverLog) Debugf(format string, v ...any)  {}
func (s *serverLog) Tracef(format string, v ...any)  {}
func (s *serverLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.mu.Lock()
	started := s.started
	if s.fm == "" && !started {
		s.fm = msg
	}
	s.mu.Unlock()
	if started {
		s.l.Error(msg)
	}
}

func (s *serverLog) up() {
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
}

func (s *serverLog) fatal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fm
}
