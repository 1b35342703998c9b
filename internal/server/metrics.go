package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/store"
)

// collector exposes the node's counters to Prometheus, read at scrape
// time from the components' Stats.
type collector struct {
	pipe   *Pipeline
	pic    *fusion.Picture
	db     *store.DB
	inputs []inputStats
}

func newCollector(pipe *Pipeline, pic *fusion.Picture, db *store.DB, inputs []inputStats) *collector {
	return &collector{pipe: pipe, pic: pic, db: db, inputs: inputs}
}

var (
	mInMessages   = prometheus.NewDesc("tidewatch_input_messages_total", "AIS messages decoded (CSV rows for a replayed CSV), per input.", []string{"input", "type"}, nil)
	mInObs        = prometheus.NewDesc("tidewatch_input_observations_total", "Observations made, per input.", []string{"input", "type"}, nil)
	mInBytes      = prometheus.NewDesc("tidewatch_input_bytes_total", "Bytes read, per input.", []string{"input", "type"}, nil)
	mInRejected   = prometheus.NewDesc("tidewatch_input_rejected_total", "Rejected input by error class, per input.", []string{"input", "type", "class"}, nil)
	mInDropped    = prometheus.NewDesc("tidewatch_input_dropped_total", "Observations dropped by an input's full queue.", []string{"input", "type"}, nil)
	mInQueue      = prometheus.NewDesc("tidewatch_input_queue_batches", "Batches in an input's queue.", []string{"input", "type"}, nil)
	mInConnected  = prometheus.NewDesc("tidewatch_input_connected", "1 when a TCP client input is connected to its feed.", []string{"input"}, nil)
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
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mInMessages, mInObs, mInBytes, mInRejected, mInDropped, mInQueue, mInConnected,
		mPipeApplied, mPipeDropped, mPipeQueue, mPipeQueueCap, mPipeErrors, mVessels, mStations, mOutcomes, mPositions, mDisk, mBlocks} {
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
		if in.connected != nil {
			v := 0.0
			if in.connected() {
				v = 1
			}
			gauge(mInConnected, v, in.name)
		}
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
}
