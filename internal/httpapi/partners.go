package httpapi

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// PartnerInfo is one partner node as GET /api/v1/partners shows it: what
// the node's policy and the partner's certificate say, and the state of
// the links with it.
type PartnerInfo struct {
	Name        string `json:"name"`
	Addr        string `json:"addr"`
	Fingerprint string `json:"fingerprint"`
	// Status is the partner certificate's: "active", "revoked", "expired"
	// or "not yet valid".
	Status string `json:"status"`
	// NotAfter is when the partner's certificate expires; the zero time
	// when unknown (shown as null).
	NotAfter time.Time `json:"not_after"`
	// Link is the outbound link's counters as the server gives them
	// (connected, lag, sent, acked, last_error, …), and Inbound those of
	// the partner's link to this node; nil shows as {}. Values must
	// encode as JSON.
	Link    map[string]any `json:"link"`
	Inbound map[string]any `json:"inbound"`
}

// partnerJSON is the JSON form of a PartnerInfo.
type partnerJSON struct {
	Name        string         `json:"name"`
	Addr        string         `json:"addr"`
	Fingerprint string         `json:"fingerprint"`
	Status      string         `json:"status"`
	NotAfter    *time.Time     `json:"not_after"`
	Link        map[string]any `json:"link"`
	Inbound     map[string]any `json:"inbound"`
}

type partnersResponse struct {
	Partners []partnerJSON `json:"partners"`
}

// partners answers GET /api/v1/partners (admin): the partner nodes by
// name, with their links.
func (a *api) partners(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Partners == nil {
		return errorf(http.StatusNotImplemented, CodeNotImplemented, "this node shares with no partners")
	}
	list := a.cfg.Partners()
	out := partnersResponse{Partners: make([]partnerJSON, len(list))}
	for i, p := range list {
		j := partnerJSON{Name: p.Name, Addr: p.Addr, Fingerprint: p.Fingerprint, Status: p.Status,
			Link: p.Link, Inbound: p.Inbound}
		if !p.NotAfter.IsZero() {
			t := p.NotAfter.UTC()
			j.NotAfter = &t
		}
		if j.Link == nil {
			j.Link = map[string]any{}
		}
		if j.Inbound == nil {
			j.Inbound = map[string]any{}
		}
		out.Partners[i] = j
	}
	slices.SortStableFunc(out.Partners, func(x, y partnerJSON) int { return cmp.Compare(x.Name, y.Name) })
	return writeJSON(w, http.StatusOK, out)
}
