package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
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
	// SnapshotEvery is how often the node puts a snapshot of its state
	// into the cluster's object store without being asked
	// (--cluster-snapshot-every; default "1h", "off" for on request
	// only): a node past the retention that no peer answers restores the
	// newest one.
	SnapshotEvery string `json:"snapshot_every"`
}

// DefaultSnapshotEvery is the default Cluster.SnapshotEvery.
const DefaultSnapshotEvery = time.Hour

// snapshotEvery is the schedule of Cluster.SnapshotEvery, 0 for off.
func (c Cluster) snapshotEvery() (time.Duration, error) {
	switch c.SnapshotEvery {
	case "":
		return DefaultSnapshotEvery, nil
	case "off":
		return 0, nil
	}
	d, err := vessel.ParseDuration(c.SnapshotEvery)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("%w: cluster: snapshot_every %q: want a duration of a second or more such as 1h, or off", ErrConfig, c.SnapshotEvery)
	}
	return d, nil
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
	if _, err := c.snapshotEvery(); err != nil {
		return err
	}
	for i, in := range cfg.Inputs {
		switch in.Type {
		case "tcp-server", "tcp-client", "udp", "replay":
		case "asterix", "nmea-radar", "sar":
			// Sensor inputs publish their raw records (cluster_sensors.go).
			if in.File != "" && (in.Speed != 0 || in.Loop) {
				return fmt.Errorf("%w: input %d (%s %s): in cluster mode a file is published once, as fast as the cluster acknowledges it: no speed or loop", ErrConfig, i+1, in.Type, in.File)
			}
		default:
			return fmt.Errorf("%w: input %d (%s): cluster mode takes the AIS inputs (tcp-server, tcp-client, udp, replay) and the sensor inputs (asterix, nmea-radar, sar)", ErrConfig, i+1, in.Type)
		}
		if strings.HasPrefix(in.Name, "\x00") {
			return fmt.Errorf("%w: input %d: a name beginning with NUL is the cluster's own (zones markers)", ErrConfig, i+1)
		}
		if in.Type == "replay" && (in.Speed != 0 || in.Loop || in.Now) {
			return fmt.Errorf("%w: input %d (replay %s): in cluster mode a file is published once, as fast as the cluster acknowledges it: no speed, loop or now", ErrConfig, i+1, in.File)
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
	tracker   *ContactTracker // driven by the log (cluster_sensors.go); nil: none
	dir       string
	now       func() time.Time
	clock     *logClock // the picture's: set to each entry's receive time (cluster_clock.go)
	resumed   uint64    // where the follower resumed when the node started
	legacy    bool      // resumed from an old cursor file (see resume)
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

	// events is the node's event detection (nil when off): its time and
	// zones follow the log (cluster_events.go).
	events                     *liveEvents
	eventsExact                atomic.Bool   // detection restored exactly at start (or new)
	eventsLoadErrors           atomic.Uint64 // detection states that did not load at start
	eventsSaveNs               atomic.Int64  // how long taking detection's state took the last time
	markersApplied, markersBad atomic.Uint64
	markerMu                   sync.Mutex
	markerDone                 uint64        // control entry of the last zones marker the pipeline applied
	markerCh                   chan struct{} // closed when markerDone moves (waitMarker)

	// anchorages publishes the anchorages the engine learns (nil without
	// a log-driven tracker or detection; cluster_sensors.go).
	anchorages *anchoragePublisher

	// relay, when the node has an NMEA relay, gets the lines of every
	// entry the node applies from the log (not those replayed into the
	// picture alone after a restart: they were relayed before).
	relay func(source string, line []byte)
}

// publishLines is the inputs' ingest.Publish in cluster mode: it
// publishes a batch of lines to the ingest log and returns once the
// cluster acknowledged it, retrying (with the same message id) while
// there is no quorum, so that the input is not read further meanwhile
// (TCP pushes back on the sender; nothing is dropped). A replayed file's
// batch carries its own stable id (ingest.LineBatch.ID).
func (m *clusterMember) publishLines(ctx context.Context, lb ingest.LineBatch) error {
	return m.publishBatch(ctx, cluster.Batch{Input: lb.Source, Received: lb.Received, Lines: lb.Lines}, lb.ID)
}

// publishBatch publishes b with message id (the per-process one when
// empty) and returns once the cluster acknowledged it, retrying as
// publishLines says.
func (m *clusterMember) publishBatch(ctx context.Context, b cluster.Batch, id string) error {
	for {
		_, err := m.log.PublishID(ctx, b, id)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || errors.Is(err, cluster.ErrClosed) || errors.Is(err, cluster.ErrTooLarge) {
			return err
		}
		m.logger.Warn("publishing to the cluster", "input", b.Input, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
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
	// /readyz and /metrics answer from here on, on the node's HTTP
	// address, until openHTTP takes the socket over (cluster_early.go).
	early, err := n.startEarlyHTTP()
	if err != nil {
		return err
	}
	n.early = early
	n.onClose(early.close)
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
	node, err := cluster.Start(n.openCtx, cluster.Config{Name: name, Dir: n.cfg.Data,
		ClusterListen: c.Listen, Peers: c.Peers, NATSURL: c.NATSURL, Replicas: c.Replicas, MaxAge: maxAge,
		TLSCert: c.TLSCert, TLSKey: c.TLSKey, TLSCA: c.TLSCA}, n.log)
	if err != nil {
		return fmt.Errorf("server: cluster: %w", err)
	}
	n.onClose(node.Close)
	n.clNode = node
	node.CarryRestoreStatus(n.opt.restores)
	early.node.Store(node)
	if err := n.installSnapshotIfBehind(n.openCtx, node); err != nil {
		return err
	}
	early.setReason(func() string { return reasonOpening })
	return nil
}

// openCluster makes the follower and the inputs that publish to the log,
// in place of the ordinary inputs.
func (n *Node) openCluster() error {
	c := n.cfg.Cluster
	node := n.clNode
	var err error
	m := &clusterMember{node: node, log: node.IngestLog(cluster.LogConfig{Overflow: cluster.OverflowWait}),
		pipe: n.pipe, db: n.db, core: n.core, pic: n.core.Picture, rec: n.core.rec, dir: n.cfg.Data, now: n.now,
		logger: n.log, readyLag: c.ReadyLag, events: n.events, clock: n.clClock}
	if n.contacts != nil && n.contacts.lg != nil {
		m.tracker = n.contacts
	}
	if n.events != nil {
		n.events.logTime = true // cluster_events.go
	}
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
	// The contact tracker's log is closed after the last state (closers
	// run in reverse order).
	if m.tracker != nil {
		n.onClose(func() error {
			if t := m.tracker; t.clog != nil {
				return t.clog.close()
			}
			return nil
		})
	}
	// Closed after the pipeline drained, before the store: the last
	// state, so that a clean restart replays nothing.
	n.onClose(m.closeState)
	n.cl = m
	// Every input kind reads as on a single node (the same ingest code),
	// in line mode: its raw lines go to the log, not to the pipeline.
	m.relay = n.relayLines()
	inputs, stats, err := buildInputs(n.cfg.Inputs, n.pipe, n.log, n.now, nil, m.publishLines)
	if err != nil {
		return err
	}
	for i := range stats {
		stats[i].lineMode = true
	}
	if n.opt.Extra != nil {
		// The demo's simulated traffic publishes to the log too (simulated.go).
		inputs = append(inputs, m.simulatedInputs(n.opt.Extra)...)
	}
	n.inputs, n.stats = inputs, stats
	// The sensor inputs publish their raw records too.
	if err := n.openSensors(); err != nil {
		return err
	}
	for _, s := range n.sensors {
		s.publish = m.publishBatch
	}
	if m.tracker != nil && n.events != nil {
		// What the engine learns reaches the trackers through the log
		// (cluster_sensors.go).
		m.anchorages = &anchoragePublisher{m: m, take: n.events.apiAnchorages}
		n.extra = append(n.extra, Member{Name: "cluster-anchorages", Component: m.anchorages})
	}
	m.snapshots = node.SnapshotServer(cluster.IngestStream, m)
	m.snapshots.Every, _ = c.snapshotEvery() // checked by Validate
	n.extra = append(n.extra, Member{Name: "cluster", Component: ComponentFunc(node.Run)},
		Member{Name: "cluster-follower", Component: ComponentFunc(m.runFollower)},
		Member{Name: "cluster-snapshots", Component: ComponentFunc(m.snapshots.Run)})
	return nil
}

// errReopen stops a node whose follower fell behind the ingest log's
// retention while it ran: Run reopens it, and opening installs a peer's
// snapshot (a running store is not swapped under the API).
var errReopen = errors.New("server: cluster: this node fell behind the log's retention; reopening it to install a peer's snapshot")

// runFollower applies the ingest log until ctx ends. A follower whose
// next entry is gone from the log stops the node with errReopen (Run
// reopens it with a peer's snapshot); one whose cursor is ahead of the
// log keeps the node running, unready, for an operator.
func (m *clusterMember) runFollower(ctx context.Context) error {
	m.runCtx.Store(&ctx)
	for {
		err := m.follower.Run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, cluster.ErrNeedSnapshot) {
				m.logger.Warn("cluster: the log no longer holds the entry after this node's; fetching a peer's snapshot", "err", err)
				if serr := m.stageSnapshot(ctx); serr != nil {
					if ctx.Err() != nil {
						return nil
					}
					return serr
				}
				return fmt.Errorf("%w: %w", errReopen, err)
			}
			m.logger.Error("cluster follower stopped", "err", err)
			if errors.Is(err, cluster.ErrCursorAhead) {
				<-ctx.Done() // /readyz says why; an operator acts
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
	ctx := context.Background()
	if p := m.runCtx.Load(); p != nil {
		ctx = *p
	}
	if b.Input == zonesMarkerInput {
		return m.applyMarker(ctx, seq, b)
	}
	var obs []vessel.Observation
	marker := b.Input == anchoragesMarkerInput // the tracker's (cluster_sensors.go)
	if b.Sensor == cluster.SensorNone && !marker {
		obs = decodeBatch(b)
	}
	// The contact tracker's part, in the same pipeline turn as the
	// entry's AIS (cluster_sensors.go).
	var then func()
	if tr := m.tracker; tr != nil {
		tr.startEntry(seq)
		then = func() { tr.applyEntry(seq, &b) }
	}
	if seq <= m.replayTo {
		return m.pipe.Do(ctx, func() { m.replay(obs, seq, b.Received, then) })
	}
	if m.legacy && seq == m.resumed+1 && m.resumed > 0 && m.committedAlready(obs) {
		m.logger.Info("cluster: entry after the cursor found in the store; not applied again", "seq", seq)
		obs = nil
	}
	if m.events != nil {
		// Detection's time moves to the entry's, after its results, in
		// the same pipeline turn: a snapshot (pipe.Do) never falls
		// between the two (cluster_snapshot.go).
		tracked := then
		then = func() {
			if tracked != nil {
				tracked()
			}
			m.afterEntry(b.Received)
		}
	}
	if err := m.pipe.ApplyEntryAround(ctx, obs, seq, func() { m.clock.set(b.Received) }, then); err != nil {
		return err
	}
	if m.relay != nil && b.Sensor == cluster.SensorNone && !marker {
		for _, line := range b.Lines {
			m.relay(b.Input, line)
		}
	}
	return nil
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
// decoded on its own; the inputs never split the fragments of a
// multi-sentence message across two batches (ingest's line mode holds
// them back for the next one).
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
		reason := "cluster: this node was away past the log's retention and needs a snapshot"
		if rs := m.node.RestoreStatus(); rs.Restoring {
			reason = fmt.Sprintf("cluster: this node was away past the log's retention; fetching a peer's snapshot (attempt %d", rs.Attempts)
			if rs.LastErr != "" {
				reason += fmt.Sprintf(", %d failed, the last: %s", rs.Failures, rs.LastErr)
			}
			reason += ")"
		}
		return &httpapi.Unready{Reason: reason, Err: cluster.ErrNeedSnapshot}
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
	mEventsExact = prometheus.NewDesc("tidewatch_cluster_events_state_exact", "1 when event detection was restored exactly at start (from the state file or a snapshot, or new); 0 when its detectors started empty.", []string{"stream"}, nil)
	mEventsErrs  = prometheus.NewDesc("tidewatch_cluster_events_state_errors_total", "Event detection states that did not load at start (the detectors then started empty).", []string{"stream"}, nil)
	mMarkers     = prometheus.NewDesc("tidewatch_cluster_zone_markers_total", "Zones markers of the ingest log this node applied (result: applied, damaged: skipped on every member alike).", []string{"result"}, nil)
)

func (c *memberCollector) Describe(ch chan<- *prometheus.Desc) {
	c.Collector.Describe(ch)
	for _, d := range []*prometheus.Desc{mCommitted, mStateSeq, mStates, mStateErrors, mStateExact, mEventsExact, mEventsErrs, mMarkers} {
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
	evExact := 0.0
	if m.eventsExact.Load() {
		evExact = 1
	}
	ch <- prometheus.MustNewConstMetric(mEventsExact, prometheus.GaugeValue, evExact, s)
	ch <- prometheus.MustNewConstMetric(mEventsErrs, prometheus.CounterValue, float64(m.eventsLoadErrors.Load()), s)
	ch <- prometheus.MustNewConstMetric(mMarkers, prometheus.CounterValue, float64(m.markersApplied.Load()), "applied")
	ch <- prometheus.MustNewConstMetric(mMarkers, prometheus.CounterValue, float64(m.markersBad.Load()), "damaged")
}
