package server

import (
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/share"
)

// partnerInfo lists the partners of the node's registry with their
// certificates' status and their links' counters, for GET
// /api/v1/partners.
func partnerInfo(s *share.Sharer, now func() time.Time) []httpapi.PartnerInfo {
	st := s.Stats()
	var out []httpapi.PartnerInfo
	for _, p := range s.Node().Partners() {
		info := httpapi.PartnerInfo{Name: p.Name, Addr: p.Addr, Fingerprint: p.Fingerprint, Status: p.Status(now()), NotAfter: p.NotAfter,
			Link: map[string]any{}, Inbound: map[string]any{}}
		if l, ok := st.Links[p.Name]; ok {
			info.Link = map[string]any{"connected": l.Connected, "cursor": l.Cursor, "lag": l.Lag, "sent": l.Sent, "acked": l.Acked,
				"reconnects": l.Reconnects, "refusals": l.Refusals, "held": l.Held, "last_error": l.LastError}
			if !l.LastConnect.IsZero() {
				info.Link["last_connect"] = l.LastConnect.UTC()
			}
		}
		if o, ok := st.Outboxes[p.Name]; ok {
			info.Link["pending"] = o.PendingRecords
			info.Link["dropped"] = o.Dropped
		}
		info.Link["queued"] = st.Queued[p.Name]
		if in, ok := st.Inbound.Partners[p.Name]; ok {
			info.Inbound = map[string]any{"active": in.Active, "delivered": in.Delivered, "duplicates": in.Duplicates,
				"redelivered": in.Redelivered, "gaps": in.Gaps, "connections": in.Connections, "refused": in.Refused,
				"protocol_errors": in.ProtocolErrors, "last_error": in.LastError}
		}
		info.Inbound["received"] = st.Received[p.Name]
		out = append(out, info)
	}
	return out
}
