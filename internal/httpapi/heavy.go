package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Heavy queries (near, area, track, the picture at a past moment) read
// the store's history and may take long. At most Config.MaxHeavy run at
// once: another gets 429 Too Many Requests with Retry-After at once,
// rather than queueing behind them. Each runs with a time budget
// (Config.HeavyTimeout) passed down into the store's query as a context
// deadline: when it runs out the query stops and the request gets 503
// Service Unavailable with Retry-After. Both are counted in
// tidewatch_api_heavy_refused_total.

// heavyRetryAfter is the Retry-After of a refused heavy query, in seconds.
const heavyRetryAfter = 2

// heavy takes a slot for a heavy query of r and returns its context (with
// the time budget) and the function that gives the slot back; or a 429
// error when every slot is taken.
func (a *api) heavy(w http.ResponseWriter, r *http.Request) (context.Context, func(), error) {
	select {
	case a.heavySlots <- struct{}{}:
	default:
		a.metrics.heavyRefused.WithLabelValues("busy").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(heavyRetryAfter))
		return nil, nil, errorf(http.StatusTooManyRequests, CodeTooManyRequests,
			"%d heavy queries (near, area, track, at=) are running, the most this node runs at once: retry later", cap(a.heavySlots))
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.HeavyTimeout)
	return ctx, func() {
		cancel()
		<-a.heavySlots
	}, nil
}

// heavyErr maps the error of a heavy query: a time budget that ran out is
// 503 with Retry-After; the client going away is nothing to report.
func (a *api) heavyErr(w http.ResponseWriter, r *http.Request, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		a.metrics.heavyRefused.WithLabelValues("timeout").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(heavyRetryAfter))
		return errorf(http.StatusServiceUnavailable, CodeUnavailable,
			"the query took longer than its time budget of %v: narrow the window, the area or the radius", a.cfg.HeavyTimeout.Round(time.Millisecond))
	case r.Context().Err() != nil:
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "the request was cancelled")
	}
	return err
}
