package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Cluster configures cluster mode (issue 14): the node joins a cluster
// on NATS JetStream, its inputs publish what they receive to the
// replicated ingest log, and it applies that log, in order, into its
// pipeline, as every other member does. The zero value is the
// single-node default: no NATS at all.
type Cluster struct {
	// Listen is where this node's embedded NATS server accepts routes
	// from its peers (--cluster-listen HOST:PORT).
	Listen string `json:"listen"`
	// Peers are the other members' cluster addresses (--cluster-peer).
	Peers []string `json:"peers"`
	// NATSURL uses an existing NATS cluster with JetStream instead of
	// the embedded server (--nats-url).
	NATSURL string `json:"nats_url"`
	// Name is this node's name in the cluster, unique among the members
	// (--cluster-name); default: the node identity's name, else
	// "tidewatch-" and the cluster listen address.
	Name string `json:"name"`
	// Replicas of the streams (0: 3 with peers or an external NATS).
	Replicas int `json:"replicas"`
	// MaxAge bounds the ingest log's retention (e.g. "24h", the default).
	MaxAge string `json:"max_age"`
	// TLSCert, TLSKey and TLSCA: TLS on routes and client connections,
	// peers' certificates required (--cluster-tls-*; cluster.Config).
	TLSCert string `json:"tls_cert"`
	TLSKey  string `json:"tls_key"`
	TLSCA   string `json:"tls_ca"`
	// ReadyLag is how many entries a node may be behind the log and
	// still answer /readyz with ready (default 100: ten seconds of one
	// input).
	ReadyLag uint64 `json:"ready_lag"`
}

// Enabled reports whether the node runs in cluster mode.
func (c Cluster) Enabled() bool { return c.Listen != "" || c.NATSURL != "" }

// validate checks the cluster section against the rest of cfg.
func (c Cluster) validate(cfg *Config) error {
	if !c.Enabled() {
		if len(c.Peers) > 0 || c.Name != "" || c.TLSCert != "" || c.TLSKey != "" || c.TLSCA != "" {
			return fmt.Errorf("%w: cluster: peers, a name or TLS files without --cluster-listen or --nats-url", ErrConfig)
		}
		return nil
	}
	if (c.TLSCert != "") != (c.TLSKey != "") || (c.TLSCert != "") != (c.TLSCA != "") {
		return fmt.Errorf("%w: cluster: --cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca go together", ErrConfig)
	}
	if c.Listen != "" && c.NATSURL != "" {
		return fmt.Errorf("%w: cluster: --cluster-listen and --nats-url exclude each other", ErrConfig)
	}
	if c.MaxAge != "" {
		if d, err := vessel.ParseDuration(c.MaxAge); err != nil || d <= 0 {
			return fmt.Errorf("%w: cluster: max_age %q: want a positive duration such as 24h", ErrConfig, c.MaxAge)
		}
	}
	for i, in := range cfg.Inputs {
		if in.Type != "tcp-server" {
			return fmt.Errorf("%w: input %d (%s): cluster mode takes tcp-server inputs only so far", ErrConfig, i+1, in.Type)
		}
	}
	return nil
}

// clusterMember is a node's part of the cluster: the NATS member, the
// ingest log its inputs publish to, and the follower that applies that
// log into the pipeline.
type clusterMember struct {
	node      *cluster.Node
	log       *cluster.Log
	follower  *cluster.Follower
	snapshots *cluster.SnapshotServer
	pipe      *Pipeline
	db        *store.DB
	core      *Core
	pic       *fusion.Picture
	rec       *recorder.Recorder
	dir       string
	now       func() time.Time
	resumed   uint64 // where the follower resumed when the node started
	legacy    bool   // resumed from an old cursor file (see resume)
	logger    *slog.Logger
	readyLag  uint64

	// Owned by the pipeline's goroutine once the node runs (before, by
	// Open): see cluster_state.go.
	replayTo uint64    // entries up to this one are in the store: to the picture only
	picSeq   uint64    // the last entry replayed into the picture alone (or where it resumed)
	exact    bool      // the picture was restored exactly (or the node is new)
	stateSeq uint64    // the entry of the last state written
	stateAt  time.Time // when it was written

	statesWritten, stateErrors atomic.Uint64
	committed, stateSeqPub     atomic.Uint64 // for the metrics

	runCtx atomic.Pointer[context.Context] // the follower's Run ctx, for Apply
	synced atomic.Bool                     // caught up once since start

	dropped atomic.Uint64 // observations of batches that had none to apply
}

// openClusterEarly starts the cluster member before the store opens, and
// installs a peer's snapshot first when the node was away longer than
// the ingest log's retention (cluster_snapshot.go).
func (n *Node) openClusterEarly() error {
	if !n.cfg.Cluster.Enabled() {
		return nil
	}
	c := n.cfg.Cluster
	name := c.Name
	if name == "" {
		if _, id, err := openIdentity(n.cfg.Data, n.now); err == nil {
			name = id
		}
	}
	if name == "" {
		name = "tidewatch-" + strings.NewReplacer(":", "-", ".", "-", "[", "", "]", "").Replace(c.Listen)
	}
	var maxAge time.Duration
	if c.MaxAge != "" {
		maxAge, _ = vessel.ParseDuration(c.MaxAge) // checked by Validate
	}
	// A new data directory is made a store's first: the store takes only
	// an empty directory or its own, and the cluster's files come next.
	if ents, err := os.ReadDir(n.cfg.Data); err == nil && len(ents) == 0 || errors.Is(err, fs.ErrNotExist) {
		db, err := store.Open(n.cfg.Data, store.Options{Logger: n.log, FS: n.opt.StoreFS})
		if err != nil {
			return err
		}
		if err := db.Close(); err != nil {
			return err
		}
	}
	node, err := cluster.Start(context.Background(), cluster.Config{Name: name, Dir: n.cfg.Data,
		ClusterListen: c.Listen, Peers: c.Peers, NATSURL: c.NATSURL, Replicas: c.Replicas, MaxAge: maxAge,
		TLSCert: c.TLSCert, TLSKey: c.TLSKey, TLSCA: c.TLSCA}, n.log)
	if err != nil {
		return fmt.Errorf("server: cluster: %w", err)
	}
	n.onClose(node.Close)
	n.clNode = node
	return n.installSnapshotIfBehind(context.Background(), node)
}

// openCluster makes the follower and the inputs that publish to the log,
// in place of the ordinary inputs.
func (n *Node) openCluster() error {
	c := n.cfg.Cluster
	node := n.clNode
	var err error
	m := &clusterMember{node: node, log: node.IngestLog(cluster.LogConfig{Overflow: cluster.OverflowWait}),
		pipe: n.pipe, db: n.db, core: n.core, pic: n.core.Picture, rec: n.core.rec, dir: n.cfg.Data, now: n.now,
		logger: n.log, readyLag: c.ReadyLag}
	if m.readyLag == 0 {
		m.readyLag = 100
	}
	// The store keeps the applied sequence in the same commit as the
	// entry's data (the applied mark), and the picture's state is kept
	// beside it (cluster_state.go): the follower writes no cursor file,
	// an entry is applied without waiting for its commit, and a restart
	// resumes exactly where the store and the state say.
	seq, legacy, err := m.resume(node)
	if err != nil {
		return fmt.Errorf("server: cluster: %w", err)
	}
	fc := cluster.FollowerConfig{StateCursor: !legacy, Resume: seq, Logger: n.log}
	m.follower, err = node.IngestFollower(fc, m.apply)
	if err != nil {
		return fmt.Errorf("server: cluster: %w", err)
	}
	m.resumed, m.legacy = m.follower.Applied(), legacy
	commit := n.pipe.onCommit
	n.pipe.onCommit = func() {
		if commit != nil {
			commit()
		}
		m.afterCommit()
	}
	// Closed after the pipeline drained, before the store: the last
	// state, so that a clean restart replays nothing.
	n.onClose(m.closeState)
	n.cl = m
	for _, in := range n.cfg.Inputs {
		ln, err := net.Listen("tcp", in.Listen)
		if err != nil {
			return fmt.Errorf("server: input %s: %w", in.Name, err)
		}
		n.onClose(func() error { ln.Close(); return nil })
		n.inputs = append(n.inputs, &clusterInput{name: in.Name, ln: ln, log: m.log, now: n.now, logger: n.log})
	}
	m.snapshots = node.SnapshotServer(cluster.IngestStream, m)
	n.extra = append(n.extra, Member{Name: "cluster", Component: ComponentFunc(node.Run)},
		Member{Name: "cluster-follower", Component: ComponentFunc(m.runFollower)},
		Member{Name: "cluster-snapshots", Component: ComponentFunc(m.snapshots.Run)})
	return nil
}

// runFollower applies the ingest log until ctx ends. A follower that
// stops for a snapshot it cannot get keeps the node running, unready.
func (m *clusterMember) runFollower(ctx context.Context) error {
	m.runCtx.Store(&ctx)
	for {
		err := m.follower.Run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			m.logger.Error("cluster follower stopped", "err", err)
			if errors.Is(err, cluster.ErrNeedSnapshot) || errors.Is(err, cluster.ErrCursorAhead) {
				<-ctx.Done() // /readyz says why; an operator restores
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// apply decodes a batch of the log and applies it through the pipeline:
// an entry the store holds already (up to its mark, when the node
// resumed from an older state) to the picture only, any other to the
// picture and the store, marked with its sequence; it returns once the
// pipeline applied it (the commit follows within the commit interval).
// The decoding is the same on every node: the reports' arrival time is
// the batch's receive time, and their source, without a tag-block
// source, the input's name.
func (m *clusterMember) apply(seq uint64, b cluster.Batch) error {
	obs := decodeBatch(b)
	ctx := context.Background()
	if p := m.runCtx.Load(); p != nil {
		ctx = *p
	}
	if seq <= m.replayTo {
		return m.pipe.Do(ctx, func() {
			for i := range obs {
				m.pic.Apply(&obs[i])
			}
			m.picSeq = seq
		})
	}
	if m.legacy && seq == m.resumed+1 && m.resumed > 0 && m.committedAlready(obs) {
		m.logger.Info("cluster: entry after the cursor found in the store; not applied again", "seq", seq)
		obs = nil
	}
	return m.pipe.ApplyEntry(ctx, obs, seq)
}

// committedAlready reports whether the positions of obs are in the
// store already, with their sources: the entry was committed before a
// crash that came before its cursor write (a store from before the
// applied mark, with a cursor file written after each commit). A store commit is one batch,
// so an entry is there whole or not at all; more than half of its
// positions found (some a fusion may have ignored) says it is there.
func (m *clusterMember) committedAlready(obs []vessel.Observation) bool {
	found, total := 0, 0
	for i := range obs {
		o := &obs[i]
		if o.Kind != vessel.KindPosition {
			continue
		}
		total++
		srcs, err := m.db.Provenance(o.Position.MMSI, o.Position.Time)
		if err == nil && slices.Contains(srcs, o.Position.Source) {
			found++
		}
	}
	return total > 0 && 2*found > total
}

// decodeBatch turns a batch's raw lines into observations. Each batch is
// decoded on its own, so a multi-sentence message split across two
// batches is lost, on every node alike.
func decodeBatch(b cluster.Batch) []vessel.Observation {
	arrival := vessel.TimeOf(b.Received)
	s := ingest.NewStream(bytes.NewReader(bytes.Join(b.Lines, []byte{'\n'})), ingest.Options{})
	var ob ingest.Observer
	var out []vessel.Observation
	for {
		d, err := s.Next()
		if err != nil {
			return out
		}
		start := len(out)
		out = ob.Observe(d, arrival, out)
		for i := start; i < len(out); i++ {
			defaultSource(&out[i], b.Input)
		}
	}
}

// defaultSource names the input as the source of an observation that
// carries none of its own.
func defaultSource(o *vessel.Observation, name string) {
	switch o.Kind {
	case vessel.KindStatic:
		if o.Static.Source == "" {
			o.Static.Source = name
		}
	case vessel.KindAidToNav:
		if o.Position.Source == "" {
			o.Position.Source = name
			o.Static.Source = name
		}
	default:
		if o.Position.Source == "" {
			o.Position.Source = name
		}
	}
}

// ready is nil when the node applied the log up to ReadyLag entries
// behind its end, and has been caught up since it started; nil also
// without cluster mode.
func (m *clusterMember) ready() error {
	if m == nil {
		return nil
	}
	st := m.follower.Status()
	switch {
	case st.NeedSnapshot:
		return &httpapi.Unready{Reason: "cluster: this node was away past the log's retention and needs a snapshot", Err: cluster.ErrNeedSnapshot}
	case st.CaughtUp:
		m.synced.Store(true)
	case !m.synced.Load():
		return &httpapi.Unready{Reason: fmt.Sprintf("cluster: catching up (applied %d of %d)", st.Applied, st.Last), Err: errCatchingUp}
	}
	if st.Lag > m.readyLag {
		return &httpapi.Unready{Reason: fmt.Sprintf("cluster: %d entries behind", st.Lag), Err: errCatchingUp}
	}
	return nil
}

var errCatchingUp = errors.New("server: cluster: catching up")

// collector is the cluster's metrics collector for /metrics: the
// cluster package's, and the node's own state (cluster_state.go).
func (m *clusterMember) collector() prometheus.Collector {
	return &memberCollector{m: m, Collector: &cluster.Collector{Node: m.node, Followers: []*cluster.Follower{m.follower}, Ingest: m.log, Snapshots: m.snapshots}}
}

type memberCollector struct {
	*cluster.Collector
	m *clusterMember
}

var (
	mCommitted   = prometheus.NewDesc("tidewatch_cluster_committed_sequence", "Last entry of the stream this node's store committed (its applied mark).", []string{"stream"}, nil)
	mStateSeq    = prometheus.NewDesc("tidewatch_cluster_state_sequence", "Entry of the stream the last picture state written is at.", []string{"stream"}, nil)
	mStates      = prometheus.NewDesc("tidewatch_cluster_states_written_total", "Picture states written.", []string{"stream"}, nil)
	mStateErrors = prometheus.NewDesc("tidewatch_cluster_state_errors_total", "Picture states that could not be written (the previous one stays).", []string{"stream"}, nil)
	mStateExact  = prometheus.NewDesc("tidewatch_cluster_state_exact", "1 when the picture was restored exactly at start (from its state, or new); 0 when seeded from the store.", []string{"stream"}, nil)
)

func (c *memberCollector) Describe(ch chan<- *prometheus.Desc) {
	c.Collector.Describe(ch)
	for _, d := range []*prometheus.Desc{mCommitted, mStateSeq, mStates, mStateErrors, mStateExact} {
		ch <- d
	}
}

func (c *memberCollector) Collect(ch chan<- prometheus.Metric) {
	c.Collector.Collect(ch)
	m, s := c.m, cluster.IngestStream
	exact := 0.0
	if m.exact {
		exact = 1
	}
	ch <- prometheus.MustNewConstMetric(mCommitted, prometheus.GaugeValue, float64(m.committed.Load()), s)
	ch <- prometheus.MustNewConstMetric(mStateSeq, prometheus.GaugeValue, float64(m.stateSeqPub.Load()), s)
	ch <- prometheus.MustNewConstMetric(mStates, prometheus.CounterValue, float64(m.statesWritten.Load()), s)
	ch <- prometheus.MustNewConstMetric(mStateErrors, prometheus.CounterValue, float64(m.stateErrors.Load()), s)
	ch <- prometheus.MustNewConstMetric(mStateExact, prometheus.GaugeValue, exact, s)
}

// Limits of a cluster input's batches: about 100 ms of lines.
const (
	batchWindow = 100 * time.Millisecond
	batchLines  = 2000
	batchBytes  = 512 << 10
	maxLine     = 4096
)

// clusterInput is a tcp-server input in cluster mode: it reads NMEA
// lines from each connection and publishes them, in batches of about
// 100 ms, to the ingest log. A batch counts as accepted only once the
// cluster acknowledged it; until then the connection is not read further
// (TCP pushes back on the sender), so nothing is dropped while the
// cluster has no quorum.
type clusterInput struct {
	name   string
	ln     net.Listener
	log    *cluster.Log
	now    func() time.Time
	logger *slog.Logger

	accepted atomic.Uint64 // lines acknowledged by the cluster
	lost     atomic.Uint64 // lines not acknowledged when the node stopped
}

// Run accepts connections until ctx ends.
func (in *clusterInput) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { in.ln.Close() })
	defer stop()
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := in.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("server: input %s: %w", in.name, err)
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Go(func() {
			in.serve(ctx, c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		})
	}
}

// serve reads one connection's lines and publishes them.
func (in *clusterInput) serve(ctx context.Context, c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	var b cluster.Batch
	size := 0
	var partial []byte
	skipping := false // the rest of an overlong line
	var started time.Time
	flush := func() bool {
		if len(b.Lines) == 0 {
			return true
		}
		b.Input = in.name
		for {
			_, err := in.log.Publish(ctx, b)
			if err == nil {
				in.accepted.Add(uint64(len(b.Lines)))
				break
			}
			if ctx.Err() != nil || errors.Is(err, cluster.ErrClosed) {
				in.lost.Add(uint64(len(b.Lines)))
				return false
			}
			in.logger.Warn("publishing to the cluster", "input", in.name, "err", err)
			select {
			case <-ctx.Done():
				in.lost.Add(uint64(len(b.Lines)))
				return false
			case <-time.After(200 * time.Millisecond):
			}
		}
		b = cluster.Batch{}
		size = 0
		return true
	}
	for {
		if len(b.Lines) > 0 {
			c.SetReadDeadline(started.Add(batchWindow))
		} else {
			c.SetReadDeadline(time.Time{})
		}
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 || err == nil {
			partial = append(partial, chunk...)
		}
		if err == nil || (errors.Is(err, io.EOF) && len(partial) > 0) {
			line := bytes.TrimRight(partial, "\r\n")
			partial = partial[:0]
			if skipping {
				skipping, line = false, nil
			}
			if len(line) > 0 && len(line) <= maxLine {
				if len(b.Lines) == 0 {
					started = time.Now()
					b.Received = in.now()
				}
				b.Lines = append(b.Lines, bytes.Clone(line))
				size += len(line)
			}
			if len(b.Lines) >= batchLines || size >= batchBytes {
				if !flush() {
					return
				}
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			if len(partial) > maxLine {
				partial, skipping = partial[:0], true // an overlong line: skipped
			}
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			if !flush() {
				return
			}
		default: // EOF, a reset, or the node stopping
			flush()
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
