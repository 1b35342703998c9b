package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/store"
)

// collector exposes the node's counters to Prometheus, read at scrape
// time from the components' Stats.
type collector struct {
	pipe   *Pipeline
	pic    *fusion.Picture
	db     *store.DB
	inputs []inputStats
	share  *share.Sharer // nil when the node does not share
	fan    *Fanout
}

var (
	mInMessages   = prometheus.NewDesc("tidewatch_input_messages_total", "AIS messages decoded (CSV rows for a replayed CSV), per input.", []string{"input", "type"}, nil)
	mInObs        = prometheus.NewDesc("tidewatch_input_observations_total", "Observations made, per input.", []string{"input", "type"}, nil)
	mInBytes      = prometheus.NewDesc("tidewatch_input_bytes_total", "Bytes read, per input.", []string{"input", "type"}, nil)
	mInRejected   = prometheus.NewDesc("tidewatch_input_rejected_total", "Rejected input by error class, per input.", []string{"input", "type", "class"}, nil)
	mInDropped    = prometheus.NewDesc("tidewatch_input_dropped_total", "Observations dropped by an input's full queue.", []string{"input", "type"}, nil)
	mInQueue      = prometheus.NewDesc("tidewatch_input_queue_batches", "Batches in an input's queue.", []string{"input", "type"}, nil)
	mInLineMode   = prometheus.NewDesc("tidewatch_input_line_mode_total", "Cluster mode: what an input published to the ingest log: published_lines, batches, lost_lines (not acknowledged when it stopped), held_fragments (held back for the next batch so as not to split a message), dropped_fragments (given up on: published without the rest of their message).", []string{"input", "type", "what"}, nil)
	mInConnected  = prometheus.NewDesc("tidewatch_input_connected", "1 when a TCP client input is connected to its feed.", []string{"input"}, nil)
	mInConns      = prometheus.NewDesc("tidewatch_input_conns", "Open connections of a TCP server input.", []string{"input"}, nil)
	mInConnsRef   = prometheus.NewDesc("tidewatch_input_conns_refused_total", "Connections a TCP server input closed at once: full (every slot taken, none quiet long enough to give way) or per_address (the source address had its most).", []string{"input", "reason"}, nil)
	mInConnsEnd   = prometheus.NewDesc("tidewatch_input_conns_closed_total", "Open connections a TCP server input closed: evicted_idle (quiet longest when a new one needed the slot) or idle_timeout (sent nothing for the idle timeout).", []string{"input", "reason"}, nil)
	mPipeApplied  = prometheus.NewDesc("tidewatch_pipeline_applied_total", "Observations applied to the picture and recorded.", nil, nil)
	mPipeDropped  = prometheus.NewDesc("tidewatch_pipeline_dropped_total", "Observations dropped because the pipeline queue was full.", nil, nil)
	mPipeQueue    = prometheus.NewDesc("tidewatch_pipeline_queue_batches", "Batches waiting in the pipeline queue.", nil, nil)
	mPipeQueueCap = prometheus.NewDesc("tidewatch_pipeline_queue_capacity_batches", "Bound of the pipeline queue.", nil, nil)
	mPipeErrors   = prometheus.NewDesc("tidewatch_pipeline_commit_errors_total", "Failed writes or commits to the store.", nil, nil)
	mVessels      = prometheus.NewDesc("tidewatch_vessels", "Vessels in the live picture.", nil, nil)
	mStations     = prometheus.NewDesc("tidewatch_stations", "Base stations and aids to navigation in the live picture.", nil, nil)
	mOutcomes     = prometheus.NewDesc("tidewatch_picture_reports_total", "Reports by what the picture decided (stored, duplicate, static, ...).", []string{"outcome"}, nil)
	mPositions    = prometheus.NewDesc("tidewatch_store_positions", "Positions in the store.", nil, nil)
	mDisk         = prometheus.NewDesc("tidewatch_store_disk_bytes", "Size of the store's files.", nil, nil)
	mBlocks       = prometheus.NewDesc("tidewatch_store_blocks", "Blocks in the store.", nil, nil)
	mWriteFailing = prometheus.NewDesc("tidewatch_store_write_failing", "1 while writes to the store fail (a full disk, an I/O error); /readyz says why.", nil, nil)
	mFanDropped   = prometheus.NewDesc("tidewatch_fanout_dropped_total", "Items a fan-out subscriber (events, stream, sharing) did not get: its queue was full.", []string{"subscriber"}, nil)
	mFanBlocked   = prometheus.NewDesc("tidewatch_fanout_blocked_total", "Times the pipeline waited for room in a fan-out subscriber's full queue (back-pressure of a subscriber that loses nothing, such as event detection).", []string{"subscriber"}, nil)
	mFanQueue     = prometheus.NewDesc("tidewatch_fanout_queue_items", "Items waiting in a fan-out subscriber's queue (0 for subscribers served on the pipeline goroutine).", []string{"subscriber"}, nil)
	mWriteFails   = prometheus.NewDesc("tidewatch_store_write_failures_total", "Failed store commits and block writes (each is retried).", nil, nil)

	mShQueued    = prometheus.NewDesc("tidewatch_share_queued_total", "Items put in a partner's outbox (allowed by its policy).", []string{"partner"}, nil)
	mShDenied    = prometheus.NewDesc("tidewatch_share_denied_total", "Items the policy kept back, by the rule that decided.", []string{"rule"}, nil)
	mShReceived  = prometheus.NewDesc("tidewatch_share_received_total", "Items received from a partner and taken in.", []string{"partner"}, nil)
	mShRefused   = prometheus.NewDesc("tidewatch_share_refused_total", "Items received and refused, by reason.", []string{"reason"}, nil)
	mShPending   = prometheus.NewDesc("tidewatch_share_outbox_pending", "Items in a partner's outbox not yet acknowledged.", []string{"partner"}, nil)
	mShDropped   = prometheus.NewDesc("tidewatch_share_outbox_dropped_total", "Items dropped from a full outbox (oldest first).", []string{"partner"}, nil)
	mShConnected = prometheus.NewDesc("tidewatch_share_link_connected", "1 while the link to a partner is up.", []string{"partner"}, nil)
	mShAcked     = prometheus.NewDesc("tidewatch_share_link_acked_total", "Items the partner acknowledged.", []string{"partner"}, nil)
	mShReconnect = prometheus.NewDesc("tidewatch_share_link_reconnects_total", "Reconnections of the link to a partner.", []string{"partner"}, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mInLineMode, mInMessages, mInObs, mInBytes, mInRejected, mInDropped, mInQueue, mInConnected, mInConns, mInConnsRef, mInConnsEnd,
		mPipeApplied, mPipeDropped, mPipeQueue, mPipeQueueCap, mPipeErrors, mVessels, mStations, mOutcomes, mPositions, mDisk, mBlocks, mWriteFailing, mWriteFails, mFanDropped, mFanBlocked, mFanQueue,
		mShQueued, mShDenied, mShReceived, mShRefused, mShPending, mShDropped, mShConnected, mShAcked, mShReconnect} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, in := range c.inputs {
		st := in.stats()
		counter(mInMessages, float64(st.Messages), in.name, in.kind)
		counter(mInObs, float64(st.Observations), in.name, in.kind)
		counter(mInBytes, float64(st.Bytes), in.name, in.kind)
		counter(mInDropped, float64(st.Queue.Dropped), in.name, in.kind)
		gauge(mInQueue, float64(st.Queue.Len), in.name, in.kind)
		for class, n := range st.Rejected {
			counter(mInRejected, float64(n), in.name, in.kind, class)
		}
		if in.lineMode {
			lm := st.LineMode
			for _, v := range []struct {
				what string
				n    int64
			}{{"published_lines", lm.Lines}, {"batches", lm.Batches}, {"lost_lines", lm.Lost},
				{"held_fragments", lm.Held}, {"dropped_fragments", lm.FragmentsDropped}} {
				counter(mInLineMode, float64(v.n), in.name, in.kind, v.what)
			}
		}
		if in.conns != nil {
			cs := in.conns()
			gauge(mInConns, float64(cs.active), in.name)
			counter(mInConnsRef, float64(cs.full), in.name, "full")
			counter(mInConnsRef, float64(cs.perAddr), in.name, "per_address")
			counter(mInConnsEnd, float64(cs.evicted), in.name, "evicted_idle")
			counter(mInConnsEnd, float64(cs.idle), in.name, "idle_timeout")
		}
		if in.connected != nil {
			v := 0.0
			if in.connected() {
				v = 1
			}
			gauge(mInConnected, v, in.name)
		}
	}
	if c.share != nil {
		st := c.share.Stats()
		for k, v := range st.Queued {
			counter(mShQueued, float64(v), k)
		}
		for k, v := range st.Denied {
			counter(mShDenied, float64(v), k)
		}
		for k, v := range st.Received {
			counter(mShReceived, float64(v), k)
		}
		for k, v := range st.Refused {
			counter(mShRefused, float64(v), k)
		}
		for k, o := range st.Outboxes {
			gauge(mShPending, float64(o.PendingRecords), k)
			counter(mShDropped, float64(o.Dropped), k)
		}
		for k, l := range st.Links {
			up := 0.0
			if l.Connected {
				up = 1
			}
			gauge(mShConnected, up, k)
			counter(mShAcked, float64(l.Acked), k)
			counter(mShReconnect, float64(l.Reconnects), k)
		}
	}
	for _, st := range c.fan.Stats() {
		counter(mFanDropped, float64(st.Dropped), st.Name)
		counter(mFanBlocked, float64(st.Blocked), st.Name)
		gauge(mFanQueue, float64(st.Queue), st.Name)
	}
	ps := c.pipe.Stats()
	counter(mPipeApplied, float64(ps.Applied))
	counter(mPipeDropped, float64(ps.Dropped))
	gauge(mPipeQueue, float64(ps.QueueDepth))
	gauge(mPipeQueueCap, float64(ps.QueueCap))
	counter(mPipeErrors, float64(ps.CommitErrors))
	fs := c.pic.Stats()
	gauge(mVessels, float64(fs.Vessels))
	gauge(mStations, float64(fs.Stations))
	for i, n := range fs.Outcomes {
		counter(mOutcomes, float64(n), fusion.Outcome(i).String())
	}
	ss := c.db.Stats()
	gauge(mPositions, float64(ss.Positions))
	gauge(mDisk, float64(ss.DiskBytes))
	gauge(mBlocks, float64(ss.Blocks))
	ws := c.db.WriteStats()
	failing := 0.0
	if ws.Failing {
		failing = 1
	}
	gauge(mWriteFailing, failing)
	counter(mWriteFails, float64(ws.Failures))
}
