package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/cot"
)

// outputCollector exposes the counters of the node's outputs to
// external tools: the Cursor on Target senders and the NMEA relay, read
// at scrape time from their Stats.
type outputCollector struct {
	cot      []*cot.Sender
	cotNames []string   // "udp:ADDR" or "tcp:ADDR", by sender
	relay    *relayFeed // nil without a relay
}

var (
	mCoTSent       = prometheus.NewDesc("tidewatch_cot_sent_total", "Cursor on Target events written, per output.", []string{"output"}, nil)
	mCoTDropped    = prometheus.NewDesc("tidewatch_cot_dropped_total", "CoT events dropped from an output's full queue (oldest first).", []string{"output"}, nil)
	mCoTSkipped    = prometheus.NewDesc("tidewatch_cot_skipped_total", "Reports not sent as CoT, by reason: rate_limited (within the track's interval), filtered (box, categories, stale), withheld (release policy), invalid (position out of range).", []string{"output", "reason"}, nil)
	mCoTErrors     = prometheus.NewDesc("tidewatch_cot_write_errors_total", "Failed CoT writes and dials, per output.", []string{"output"}, nil)
	mCoTReconnects = prometheus.NewDesc("tidewatch_cot_reconnects_total", "Connections a CoT output made after its first.", []string{"output"}, nil)
	mCoTConnected  = prometheus.NewDesc("tidewatch_cot_connected", "1 while a CoT output's connection is open.", []string{"output"}, nil)

	mRelayLines    = prometheus.NewDesc("tidewatch_relay_lines_total", "Raw lines the NMEA relay took, by outcome: relayed, not_ais, filtered_source, outside_bbox, withheld (release policy).", []string{"outcome"}, nil)
	mRelayDropped  = prometheus.NewDesc("tidewatch_relay_dropped_total", "Raw lines dropped before the relay: its queue from the inputs was full.", nil, nil)
	mRelayClients  = prometheus.NewDesc("tidewatch_relay_clients", "TCP clients connected to the NMEA relay.", nil, nil)
	mRelayAccepted = prometheus.NewDesc("tidewatch_relay_clients_accepted_total", "TCP clients the NMEA relay accepted.", nil, nil)
	mRelayRefused  = prometheus.NewDesc("tidewatch_relay_clients_refused_total", "TCP clients the NMEA relay refused (too many connections).", nil, nil)
	mRelaySlow     = prometheus.NewDesc("tidewatch_relay_clients_dropped_total", "TCP clients the NMEA relay disconnected because their queue was full (too slow).", nil, nil)
	mRelayUDPErr   = prometheus.NewDesc("tidewatch_relay_udp_errors_total", "Failed datagram sends of the NMEA relay.", nil, nil)

	mGPSDMessages    = prometheus.NewDesc("tidewatch_relay_gpsd_messages_total", "AIS messages the gpsd JSON port sent (to any number of watching clients).", nil, nil)
	mGPSDUndecodable = prometheus.NewDesc("tidewatch_relay_gpsd_undecodable_total", "Relayed sentences the gpsd JSON port could not reassemble or decode.", nil, nil)
	mGPSDClients     = prometheus.NewDesc("tidewatch_relay_gpsd_clients", "TCP clients connected to the gpsd JSON port.", nil, nil)
	mGPSDSlow        = prometheus.NewDesc("tidewatch_relay_gpsd_clients_dropped_total", "gpsd JSON clients disconnected because their queue was full (too slow).", nil, nil)
	mGPSDRefused     = prometheus.NewDesc("tidewatch_relay_gpsd_clients_refused_total", "gpsd JSON clients refused (too many connections).", nil, nil)
	mGPSDBadCommands = prometheus.NewDesc("tidewatch_relay_gpsd_bad_requests_total", "Client requests the gpsd JSON port did not understand.", nil, nil)
)

func (c *outputCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mCoTSent, mCoTDropped, mCoTSkipped, mCoTErrors, mCoTReconnects, mCoTConnected,
		mRelayLines, mRelayDropped, mRelayClients, mRelayAccepted, mRelayRefused, mRelaySlow, mRelayUDPErr,
		mGPSDMessages, mGPSDUndecodable, mGPSDClients, mGPSDSlow, mGPSDRefused, mGPSDBadCommands} {
		ch <- d
	}
}

func (c *outputCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for i, s := range c.cot {
		st, name := s.Stats(), c.cotNames[i]
		counter(mCoTSent, float64(st.Sent), name)
		counter(mCoTDropped, float64(st.Dropped), name)
		counter(mCoTSkipped, float64(st.RateLimited), name, "rate_limited")
		counter(mCoTSkipped, float64(st.Filtered), name, "filtered")
		counter(mCoTSkipped, float64(st.Withheld), name, "withheld")
		counter(mCoTSkipped, float64(st.Invalid), name, "invalid")
		counter(mCoTErrors, float64(st.WriteErrors), name)
		counter(mCoTReconnects, float64(st.Reconnects), name)
		up := 0.0
		if st.Connected {
			up = 1
		}
		gauge(mCoTConnected, up, name)
	}
	if c.relay == nil {
		return
	}
	counter(mRelayDropped, float64(c.relay.dropped.Load()))
	if g := c.relay.g; g != nil {
		st := g.Stats()
		counter(mGPSDMessages, float64(st.Messages))
		counter(mGPSDUndecodable, float64(st.Undecodable))
		gauge(mGPSDClients, float64(st.Clients))
		counter(mGPSDSlow, float64(st.SlowDropped))
		counter(mGPSDRefused, float64(st.Refused))
		counter(mGPSDBadCommands, float64(st.BadCommands))
	}
	if c.relay.r == nil {
		return
	}
	st := c.relay.r.Stats()
	counter(mRelayLines, float64(st.Relayed), "relayed")
	counter(mRelayLines, float64(st.NotAIS), "not_ais")
	counter(mRelayLines, float64(st.Filtered), "filtered_source")
	counter(mRelayLines, float64(st.OutsideBBox), "outside_bbox")
	counter(mRelayLines, float64(st.Withheld), "withheld")
	gauge(mRelayClients, float64(st.Clients))
	counter(mRelayAccepted, float64(st.Accepted))
	counter(mRelayRefused, float64(st.Refused))
	counter(mRelaySlow, float64(st.SlowDropped))
	counter(mRelayUDPErr, float64(st.UDPErrors))
}

// outputs returns the collector of the node's outputs.
func (n *Node) outputs() *outputCollector {
	c := &outputCollector{cot: n.cot, relay: n.relay}
	for _, o := range n.cfg.CoT {
		c.cotNames = append(c.cotNames, o.Network+":"+o.Address)
	}
	return c
}
