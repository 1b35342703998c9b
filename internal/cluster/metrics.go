package cluster

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the cluster's state to Prometheus, read at scrape
// time: the followers' positions, the publishers' counters, and (asking
// the cluster, within Timeout) membership, leaders and replication
// health. Register it on the node's registry; fields may be nil.
type Collector struct {
	Node      *Node
	Followers []*Follower
	Ingest    *Log
	Control   *ControlLog
	Snapshots *SnapshotServer
	// Timeout bounds the questions to the cluster at a scrape; 0 means 2s.
	Timeout time.Duration
}

var (
	mApplied     = prometheus.NewDesc("tidewatch_cluster_applied_sequence", "Last stream sequence this node applied.", []string{"stream"}, nil)
	mLast        = prometheus.NewDesc("tidewatch_cluster_stream_last_sequence", "The stream's last sequence, as this node's follower last saw it.", []string{"stream"}, nil)
	mFirst       = prometheus.NewDesc("tidewatch_cluster_stream_first_sequence", "The stream's first sequence (older entries are gone), as this node's follower last saw it.", []string{"stream"}, nil)
	mLag         = prometheus.NewDesc("tidewatch_cluster_lag_entries", "Entries of the stream this node has not applied yet.", []string{"stream"}, nil)
	mCaughtUp    = prometheus.NewDesc("tidewatch_cluster_caught_up", "1 when this node applied everything the stream held when last asked.", []string{"stream"}, nil)
	mNeedSnap    = prometheus.NewDesc("tidewatch_cluster_need_snapshot", "1 when the follower stopped because its next entry is gone (restore a snapshot).", []string{"stream"}, nil)
	mApplyFail   = prometheus.NewDesc("tidewatch_cluster_apply_failing", "1 while applying an entry fails (it is retried).", []string{"stream"}, nil)
	mApplyErrs   = prometheus.NewDesc("tidewatch_cluster_apply_errors_total", "Failed applies of an entry (each retried).", []string{"stream"}, nil)
	mUndecodable = prometheus.NewDesc("tidewatch_cluster_undecodable_total", "Stream entries skipped because they do not decode.", []string{"stream"}, nil)
	mStalls      = prometheus.NewDesc("tidewatch_cluster_consumer_stalls_total", "Follower consumers given up for new ones because they delivered nothing while the stream held the next entry (a consumer lost with its server).", []string{"stream"}, nil)
	mPublished   = prometheus.NewDesc("tidewatch_cluster_published_total", "Entries the cluster acknowledged, by result (new, duplicate).", []string{"stream", "result"}, nil)
	mPubRejected = prometheus.NewDesc("tidewatch_cluster_publish_rejected_total", "Publishes refused because too many were in flight.", []string{"stream"}, nil)
	mPubFailed   = prometheus.NewDesc("tidewatch_cluster_publish_failed_total", "Publishes given up (deadline, refusal): not acknowledged, not counted as accepted.", []string{"stream"}, nil)
	mPubRetries  = prometheus.NewDesc("tidewatch_cluster_publish_retries_total", "Publish attempts that failed and were tried again.", []string{"stream"}, nil)
	mPubInFlight = prometheus.NewDesc("tidewatch_cluster_publish_in_flight", "Publishes waiting for the cluster's acknowledgement.", []string{"stream"}, nil)
	mPubLast     = prometheus.NewDesc("tidewatch_cluster_published_sequence", "Highest stream sequence this node's publishes were acknowledged at.", []string{"stream"}, nil)
	mSnapServed  = prometheus.NewDesc("tidewatch_cluster_snapshots_served_total", "Snapshots this node wrote for peers, by result (ok: on request, scheduled, failed, dropped, refused: asked while this node restored one itself).", []string{"result"}, nil)
	mSnapPruned  = prometheus.NewDesc("tidewatch_cluster_snapshots_pruned_total", "This node's older snapshots deleted from the object store (the newest two stay).", nil, nil)
	mRestores    = prometheus.NewDesc("tidewatch_cluster_snapshot_restores_total", "Attempts to restore a peer's snapshot, by result (ok, failed: each failure is retried).", []string{"result"}, nil)
	mRestoring   = prometheus.NewDesc("tidewatch_cluster_snapshot_restoring", "1 while this node restores a peer's snapshot.", nil, nil)
	mRoutes      = prometheus.NewDesc("tidewatch_cluster_routes", "Peers the embedded NATS server has a route to.", nil, nil)
	mMember      = prometheus.NewDesc("tidewatch_cluster_member_up", "1 for a cluster member seen recently, 0 for one offline.", []string{"member"}, nil)
	mMetaLeader  = prometheus.NewDesc("tidewatch_cluster_meta_leader", "1 for the member that leads the cluster's JetStream meta group.", []string{"member"}, nil)
	mLeader      = prometheus.NewDesc("tidewatch_cluster_stream_leader", "1 for the member that leads the stream.", []string{"stream", "member"}, nil)
	mReplicas    = prometheus.NewDesc("tidewatch_cluster_stream_replicas", "Replicas of the stream by state (current, lagging, offline), the leader included as current.", []string{"stream", "state"}, nil)
	mScrapeErr   = prometheus.NewDesc("tidewatch_cluster_status_error", "1 when the cluster did not answer at this scrape (no quorum, a timeout).", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mApplied, mLast, mFirst, mLag, mCaughtUp, mNeedSnap, mApplyFail, mApplyErrs, mUndecodable, mStalls,
		mPublished, mPubRejected, mPubFailed, mPubRetries, mPubInFlight, mPubLast, mSnapServed, mSnapPruned, mRestores, mRestoring, mRoutes, mMember, mMetaLeader, mLeader, mReplicas, mScrapeErr} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	for _, f := range c.Followers {
		st := f.Status()
		gauge(mApplied, float64(st.Applied), st.Stream)
		gauge(mLast, float64(st.Last), st.Stream)
		gauge(mFirst, float64(st.First), st.Stream)
		gauge(mLag, float64(st.Lag), st.Stream)
		gauge(mCaughtUp, b(st.CaughtUp), st.Stream)
		gauge(mNeedSnap, b(st.NeedSnapshot), st.Stream)
		gauge(mApplyFail, b(st.Failing), st.Stream)
		counter(mApplyErrs, float64(st.ApplyErrors), st.Stream)
		counter(mUndecodable, float64(st.Undecodable), st.Stream)
		counter(mStalls, float64(st.Stalls), st.Stream)
	}
	pubs := func(stream string, s PublishStats) {
		counter(mPublished, float64(s.Published), stream, "new")
		counter(mPublished, float64(s.Duplicates), stream, "duplicate")
		counter(mPubRejected, float64(s.Rejected), stream)
		counter(mPubFailed, float64(s.Failed), stream)
		counter(mPubRetries, float64(s.Retries), stream)
		gauge(mPubInFlight, float64(s.InFlight), stream)
		gauge(mPubLast, float64(s.Last), stream)
	}
	if c.Ingest != nil {
		pubs(IngestStream, c.Ingest.Stats())
	}
	if c.Control != nil {
		pubs(ControlStream, c.Control.Stats())
	}
	if c.Snapshots != nil {
		s := c.Snapshots.Stats()
		counter(mSnapServed, float64(s.Served), "ok")
		counter(mSnapServed, float64(s.Failed), "failed")
		counter(mSnapServed, float64(s.Dropped), "dropped")
		counter(mSnapServed, float64(s.Scheduled), "scheduled")
		counter(mSnapServed, float64(s.Refused), "refused")
		counter(mSnapPruned, float64(s.Pruned))
	}
	if c.Node == nil {
		return
	}
	rs := c.Node.RestoreStatus()
	counter(mRestores, float64(rs.Restored), "ok")
	counter(mRestores, float64(rs.Failures), "failed")
	gauge(mRestoring, b(rs.Restoring))
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st := c.Node.Status(ctx)
	gauge(mScrapeErr, b(st.Err != nil))
	if c.Node.srv != nil {
		gauge(mRoutes, float64(st.Routes))
	}
	for _, m := range st.Members {
		gauge(mMember, b(!m.Offline), m.Name)
	}
	if st.MetaLeader != "" {
		gauge(mMetaLeader, 1, st.MetaLeader)
	}
	for _, s := range st.Streams {
		if s.Leader != "" {
			gauge(mLeader, 1, s.Name, s.Leader)
		}
		current, lagging, offline := b(s.Leader != ""), 0.0, 0.0
		for _, r := range s.Replicas {
			switch {
			case r.Offline:
				offline++
			case r.Current:
				current++
			default:
				lagging++
			}
		}
		gauge(mReplicas, current, s.Name, "current")
		gauge(mReplicas, lagging, s.Name, "lagging")
		gauge(mReplicas, offline, s.Name, "offline")
	}
}
