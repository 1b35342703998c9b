package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// earlyHTTP serves /readyz, /healthz and /metrics on the node's HTTP
// address while a cluster node starts: joining the cluster, asking the
// ingest log where it starts, and installing a peer's snapshot when the
// node was away past the log's retention, which may take minutes. A load
// balancer then sees the node unready, with the reason, instead of a
// refused connection, and an operator sees the restore's progress
// (tidewatch_cluster_snapshot_restoring, …_restores_total) in /metrics.
// /readyz answers 503 with the phase; every other path 503 too. Once the
// store and the rest are open, openHTTP takes the same listening socket
// over (handOver), so the address stays the same and no connection is
// refused in between.
type earlyHTTP struct {
	tcp  *net.TCPListener
	srv  *http.Server
	done chan error

	mu     sync.Mutex
	reason func() string
	node   atomic.Pointer[cluster.Node]
	handed bool
}

// Reasons /readyz gives while a cluster node starts.
const (
	reasonJoining    = "cluster: joining the cluster"
	reasonAsking     = "cluster: asking the ingest log where it starts"
	reasonOpening    = "cluster: opening the store and the picture"
	reasonInstalling = "cluster: installing a peer's snapshot"
)

// errStarting: /readyz while a cluster node starts.
var errStarting = errors.New("server: cluster: starting")

// startEarlyHTTP binds the node's HTTP address and serves the early
// answers until handOver or close.
func (n *Node) startEarlyHTTP() (*earlyHTTP, error) {
	ln, err := net.Listen("tcp", n.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	tcp, ok := ln.(*net.TCPListener)
	if !ok {
		ln.Close()
		return nil, fmt.Errorf("server: listen: %s is not a TCP address", n.cfg.Listen)
	}
	e := &earlyHTTP{tcp: tcp, done: make(chan error, 1), reason: func() string { return reasonJoining }}
	var serve net.Listener = keepOpen{tcp}
	if n.cfg.TLS.Enabled() {
		tc, err := tlsConfig(n.cfg.TLS, n.now())
		if err != nil {
			tcp.Close()
			return nil, err
		}
		serve = tls.NewListener(serve, tc)
	}
	tokens, err := httpapi.OpenTokens(filepath.Join(n.cfg.Data, "tokens.json"))
	if err != nil {
		tcp.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(earlyCollector{e})
	api := httpapi.New(httpapi.Config{Tokens: tokens, AllowAnonymousRead: n.cfg.AllowAnonymousRead, Registry: reg,
		Logger: n.log, Now: n.now, Ready: e.ready})
	mux := http.NewServeMux()
	for _, p := range []string{"/readyz", "/healthz", "/metrics"} {
		mux.Handle(p, api)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		body.Error.Code, body.Error.Message = httpapi.CodeUnavailable, "not ready: "+e.currentReason()
		json.NewEncoder(w).Encode(body)
	})
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	go func() { e.done <- e.srv.Serve(serve) }()
	n.log.Info("cluster: serving /readyz and /metrics while the node starts", "addr", tcp.Addr().String())
	return e, nil
}

// setReason sets what /readyz says.
func (e *earlyHTTP) setReason(f func() string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.reason = f
	e.mu.Unlock()
}

func (e *earlyHTTP) currentReason() string {
	e.mu.Lock()
	f := e.reason
	e.mu.Unlock()
	return f()
}

func (e *earlyHTTP) ready() error {
	return &httpapi.Unready{Reason: e.currentReason(), Err: errStarting}
}

// installingReason is /readyz's reason while node restores a snapshot.
func installingReason(node *cluster.Node) func() string {
	return func() string {
		rs := node.RestoreStatus()
		s := fmt.Sprintf("%s (attempt %d", reasonInstalling, max(rs.Attempts, 1))
		if rs.LastErr != "" {
			s += fmt.Sprintf(", %d failed, the last: %s", rs.Failures, rs.LastErr)
		}
		return s + ")"
	}
}

// handOver stops serving the early answers and returns the listening
// socket, still bound (connections that arrive meanwhile wait in its
// backlog for the node's server).
func (e *earlyHTTP) handOver() (net.Listener, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx) // keepOpen.Close ends its Accept without closing the socket
	if err := <-e.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.tcp.Close()
		return nil, fmt.Errorf("server: early HTTP: %w", err)
	}
	if err := e.tcp.SetDeadline(time.Time{}); err != nil {
		e.tcp.Close()
		return nil, fmt.Errorf("server: early HTTP: %w", err)
	}
	e.mu.Lock()
	e.handed = true
	e.mu.Unlock()
	return e.tcp, nil
}

// close stops the early server and closes the socket unless handed over
// (Open failed before openHTTP).
func (e *earlyHTTP) close() error {
	e.mu.Lock()
	handed := e.handed
	e.handed = true
	e.mu.Unlock()
	if handed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	<-e.done
	return e.tcp.Close()
}

// keepOpen is the early server's view of the socket: closing it ends a
// pending Accept (a deadline in the past) but keeps the socket bound.
type keepOpen struct{ *net.TCPListener }

func (k keepOpen) Close() error { return k.TCPListener.SetDeadline(time.Now()) }

// earlyCollector is the early /metrics: the cluster's node-level metrics
// (membership, leaders, snapshot restores) once the member started.
type earlyCollector struct{ e *earlyHTTP }

func (c earlyCollector) Describe(ch chan<- *prometheus.Desc) {
	(&cluster.Collector{}).Describe(ch)
}

func (c earlyCollector) Collect(ch chan<- prometheus.Metric) {
	if node := c.e.node.Load(); node != nil {
		(&cluster.Collector{Node: node}).Collect(ch)
	}
}
