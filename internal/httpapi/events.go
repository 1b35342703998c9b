package httpapi

import (
	"net/http"
	"strings"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// EventQuery selects events for GET /api/v1/events: the event
// package's filter.
type EventQuery = event.Filter

// EventSource is where the API reads events: the server's event log.
type EventSource interface {
	// Events returns the latest version of each matching event, newest
	// first, at most q.Limit.
	Events(q EventQuery) []event.Event
}

// MaxEvents bounds one events answer.
const MaxEvents = 10_000

type eventsResponse struct {
	Count  int           `json:"count"`
	Events []event.Event `json:"events"`
}

// events answers GET /api/v1/events?type=gap,encounter&mmsi=&from=&to=&bbox=&open=true&limit=
func (a *api) events(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Events == nil {
		return errorf(http.StatusNotImplemented, CodeNotImplemented, "this node does not detect events")
	}
	p := a.params(r)
	var q EventQuery
	if t := p.get("type"); t != "" {
		valid := map[string]bool{}
		for _, name := range event.Types() {
			valid[name] = true
		}
		for _, name := range strings.Split(t, ",") {
			name = strings.TrimSpace(name)
			if !valid[name] {
				return badParam("type", "%q is not an event type (%s)", name, strings.Join(event.Types(), ", "))
			}
			q.Types = append(q.Types, name)
		}
	}
	if s := p.get("mmsi"); s != "" {
		m, err := parseMMSI(s)
		if err != nil {
			return badParam("mmsi", "%v", err)
		}
		q.MMSI = m
	}
	from, to, err := p.window(vessel.TimeOf(a.cfg.Now()), 24*60*60*1e9, 0)
	if err != nil {
		return err
	}
	q.From, q.To = from, to
	if q.BBox, err = p.bbox("bbox"); err != nil {
		return err
	}
	if q.OpenOnly, err = p.boolean("open"); err != nil {
		return err
	}
	if q.Limit, err = p.limit("limit", 1000, MaxEvents); err != nil {
		return err
	}
	evs := a.cfg.Events.Events(q)
	if evs == nil {
		evs = []event.Event{}
	}
	return writeJSON(w, http.StatusOK, eventsResponse{Count: len(evs), Events: evs})
}
