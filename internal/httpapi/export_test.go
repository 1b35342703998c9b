package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// RouteTable returns the method and pattern of every route New registers,
// for the OpenAPI drift test.
func RouteTable() [][2]string {
	var out [][2]string
	for _, rt := range routes() {
		out = append(out, [2]string{rt.method, rt.pattern})
	}
	return out
}

// NewHoldingHeavy is New, and a function that takes one heavy-query slot
// (as a running query would) and returns the function that gives it back.
func NewHoldingHeavy(cfg Config) (http.Handler, func() func()) {
	a, h := newAPI(cfg)
	return h, func() func() {
		a.heavySlots <- struct{}{}
		return func() { <-a.heavySlots }
	}
}

// VesselsJSON returns the answer listing list (sorted) as of ref as the
// API writes it (appendVessels) and as encoding/json writes the
// vesselsResponse of Summaries, for the equivalence tests.
func VesselsJSON(list []Update, ref vessel.Time, limit int) (fast, std []byte, err error) {
	resp := vesselsResponse{Time: ref.String(), Count: len(list), Vessels: make([]Summary, 0, min(len(list), limit))}
	all := list
	if len(list) > limit {
		list, resp.Truncated = list[:limit], true
	}
	for i := range list {
		resp.Vessels = append(resp.Vessels, summaryOf(&list[i], ref))
	}
	std, err = json.Marshal(resp)
	return appendVessels(nil, all, ref, limit), std, err
}

// SummaryJSON returns the JSON of u's summary as appendSummary writes it
// and as encoding/json writes summaryOf.
func SummaryJSON(u Update, ref vessel.Time) (fast, std []byte, err error) {
	s := summaryOf(&u, ref)
	std, err = json.Marshal(s)
	return appendSummary(nil, &u, ref), std, err
}
