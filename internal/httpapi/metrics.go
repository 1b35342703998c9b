package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the API's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  http.Handler

	ticketsRefused prometheus.Counter     // stream tickets not minted: too many outstanding
	streamsRevoked prometheus.Counter     // streams closed because their token was revoked or expired
	heavyRefused   *prometheus.CounterVec // heavy queries refused, by reason: busy, timeout
}

// register registers c with reg, or returns the collector already
// registered under the same descriptors (a second handler on one
// registry shares the counters).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
	}
	return c
}

func newMetrics(reg *prometheus.Registry, hub *Hub) *metrics {
	m := &metrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidewatch_api_requests_total",
			Help: "HTTP API requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"})),
		latency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tidewatch_api_request_duration_seconds",
			Help:    "HTTP API request latency by route pattern and method (the live stream is left out).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"})),
		handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		ticketsRefused: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tidewatch_api_stream_tickets_refused_total",
			Help: "Stream tickets not minted because too many were outstanding.",
		})),
		streamsRevoked: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tidewatch_api_stream_revoked_total",
			Help: "Live streams closed because their token was revoked or expired.",
		})),
		heavyRefused: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidewatch_api_heavy_refused_total",
			Help: "Heavy queries (near, area, track, the picture at a past moment) refused: busy (the concurrency limit, 429) or timeout (the time budget ran out, 503).",
		}, []string{"reason"})),
	}
	counter := func(name, help string, f func(HubStats) float64) {
		register(reg, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(hub.Stats()) }))
	}
	register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tidewatch_api_stream_clients", Help: "Live-stream clients connected."},
		func() float64 { return float64(hub.Stats().Clients) }))
	counter("tidewatch_api_stream_updates_total", "Picture updates published to the live stream.", func(s HubStats) float64 { return float64(s.Published) })
	counter("tidewatch_api_stream_lagged_total", "Times a live-stream client fell too far behind and skipped ahead.", func(s HubStats) float64 { return float64(s.Lagged) })
	counter("tidewatch_api_stream_dropped_total", "Live-stream clients dropped because their connection did not take data in time.", func(s HubStats) float64 { return float64(s.Dropped) })
	return m
}

func (m *metrics) observe(route, method string, code int, d time.Duration, stream bool) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	if !stream {
		m.latency.WithLabelValues(route, method).Observe(d.Seconds())
	}
}
