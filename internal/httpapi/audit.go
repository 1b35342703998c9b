package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// AuditLog is where the API reads the audit log of partner sharing (the
// server passes bind.Audit of its *audit.Log). Query must be safe for
// concurrent use, return entries newest first, and wrap ErrClosed when
// the log is closed.
type AuditLog interface {
	Query(f AuditFilter) ([]AuditEntry, error)
}

// AuditDirection says whether an audited item was sent, received or
// refused.
type AuditDirection string

// The directions.
const (
	AuditSent     AuditDirection = "sent"
	AuditReceived AuditDirection = "received"
	AuditRefused  AuditDirection = "refused" // an item our policy denied, or a peer refused
)

// AuditEntry is one audited item of partner sharing.
type AuditEntry struct {
	Time      time.Time
	Direction AuditDirection
	Partner   string
	Kind      string // "position", "static", "event", "incident", "assessment", "link"
	Key       string // the item: an MMSI, event ID, incident ID…
	Seq       uint64 // outbox/link sequence number, 0 when none
	Rule      string // the policy rule that allowed or denied it, or the reason
	Origin    string // the node that produced the item
}

// AuditFilter selects audit entries. Empty strings and zero times match
// everything; From is inclusive, To exclusive; Limit is the most entries
// returned.
type AuditFilter struct {
	Partner, Kind, Key, Origin string
	Direction                  AuditDirection
	From, To                   time.Time
	Limit                      int
}

// Limits of GET /api/v1/audit.
const (
	// MaxAuditEntries bounds one answer (default limit
	// DefaultAuditEntries).
	MaxAuditEntries     = 100_000
	DefaultAuditEntries = 1000
)

// auditEntry is the JSON form of an AuditEntry.
type auditEntry struct {
	Time      time.Time      `json:"time"`
	Direction AuditDirection `json:"direction"`
	Partner   string         `json:"partner"`
	Kind      string         `json:"kind"`
	Key       string         `json:"key"`
	Seq       uint64         `json:"seq"`
	Rule      string         `json:"rule"`
	Origin    string         `json:"origin"`
}

type auditResponse struct {
	Entries []auditEntry `json:"entries"`
}

// auditQuery answers GET /api/v1/audit?partner=&direction=&kind=&key=&origin=&from=&to=&limit=
// (admin): the entries of the sharing audit log that match, newest first.
func (a *api) auditQuery(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Audit == nil {
		return errorf(http.StatusNotImplemented, CodeNotImplemented, "this node keeps no sharing audit log")
	}
	p := a.params(r)
	f := AuditFilter{
		Partner: p.get("partner"), Kind: p.get("kind"), Key: p.get("key"), Origin: p.get("origin"),
	}
	switch d := AuditDirection(p.get("direction")); d {
	case "", AuditSent, AuditReceived, AuditRefused:
		f.Direction = d
	default:
		return badParam("direction", "%s: want sent, received or refused", clip(string(d)))
	}
	if t, ok, err := p.time("from"); err != nil {
		return err
	} else if ok {
		f.From = t.Std()
	}
	if t, ok, err := p.time("to"); err != nil {
		return err
	} else if ok {
		f.To = t.Std()
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return badParam("from", "%v is after to %v", f.From.Format(time.RFC3339Nano), f.To.Format(time.RFC3339Nano))
	}
	var err error
	if f.Limit, err = p.limit("limit", DefaultAuditEntries, MaxAuditEntries); err != nil {
		return err
	}
	entries, err := a.cfg.Audit.Query(f)
	if errors.Is(err, ErrClosed) {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "the audit log is closed")
	} else if err != nil {
		return fmt.Errorf("query audit log: %w", err)
	}
	out := auditResponse{Entries: make([]auditEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = auditEntry{
			Time: e.Time.UTC(), Direction: e.Direction, Partner: e.Partner, Kind: e.Kind,
			Key: e.Key, Seq: e.Seq, Rule: e.Rule, Origin: e.Origin,
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
