package server

import (
	"log/slog"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/share"
)

// IncidentBook is the node's incidents and risk assessments: the durable
// store (package incident), with every new version offered to the
// partners, whose policies and the record's marking decide who gets it.
// Safe for concurrent use.
type IncidentBook struct {
	store  *incident.Store
	sharer *share.Sharer // nil when the node does not share
	log    *slog.Logger
}

var _ httpapi.IncidentStore = (*IncidentBook)(nil)

// Put creates or edits a record (see incident.Store.Put) and offers the
// new version to the partners.
func (b *IncidentBook) Put(in incident.Incident, now time.Time) (incident.Incident, error) {
	out, err := b.store.Put(in, now)
	if err != nil {
		return out, err
	}
	b.offer(out)
	return out, nil
}

// Delete withdraws a record; partners that had it learn of the withdrawal.
func (b *IncidentBook) Delete(id string, now time.Time) (incident.Incident, error) {
	out, err := b.store.Delete(id, now)
	if err != nil {
		return out, err
	}
	b.offer(out)
	return out, nil
}

// offer queues the record for the partners. The record is stored
// whatever happens here: a failure to sync the outboxes is logged (the
// next commit retries it), not returned, so that nobody saves the record
// again.
func (b *IncidentBook) offer(in incident.Incident) {
	if b.sharer == nil {
		return
	}
	b.sharer.Offer(share.Envelope{Kind: share.KindIncident, Incident: in})
	if err := b.sharer.Commit(); err != nil && b.log != nil {
		b.log.Error("sharing an incident", "id", in.ID, "err", err)
	}
}

// Get returns the latest version of a record.
func (b *IncidentBook) Get(id string) (incident.Incident, bool) { return b.store.Get(id) }

// History returns every version of a record, oldest first.
func (b *IncidentBook) History(id string) []incident.Incident { return b.store.History(id) }

// List returns the records f selects, newest first.
func (b *IncidentBook) List(f incident.Filter) []incident.Incident { return b.store.List(f) }

// PutReplicated stores a change the cluster's control log ordered (see
// incident.Store.PutReplicated) and offers the new version to this
// node's partners.
func (b *IncidentBook) PutReplicated(in incident.Incident, now time.Time, create bool) (incident.Incident, error) {
	out, err := b.store.PutReplicated(in, now, create)
	if err != nil {
		return out, err
	}
	b.offer(out)
	return out, nil
}
