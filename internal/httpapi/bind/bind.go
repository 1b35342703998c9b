// Package bind adapts the node's concrete components to the small
// interfaces package httpapi owns, so that httpapi imports none of them:
// History wraps a *store.DB, Picture a *fusion.Picture, Exporter the
// store's exports (package export), Audit an *audit.Log. It converts
// their values to httpapi's plain data types and their sentinel errors to
// httpapi's (export.ErrTooMany wraps as httpapi.ErrTooMany,
// audit.ErrClosed as httpapi.ErrClosed). It owns no state: each adapter
// is a thin value around the component, safe for concurrent use as the
// component is.
//
// # Usage
//
//	api := httpapi.New(httpapi.Config{DB: bind.History(db), Picture: bind.Picture(pic),
//		Export: bind.Exporter(db), Audit: bind.Audit(auditLog), ...})
//
// The server and the API's tests use it; nothing else needs it.
package bind

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// History returns db as the API's history (Config.DB).
func History(db *store.DB) httpapi.History { return history{db} }

type history struct{ *store.DB }

// NearContext is store.DB.NearContext with the API's values.
func (h history) NearContext(ctx context.Context, c geo.Point, radius float64, from, to vessel.Time, flagged bool) ([]httpapi.Approach, error) {
	res, err := h.DB.NearContext(ctx, c, radius, from, to, store.NearOptions{Flagged: flagged})
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.Approach, len(res))
	for i := range res {
		out[i] = httpapi.Approach(res[i]) // the same fields: a change to either fails to compile here
	}
	return out, nil
}

// AreaContext is store.DB.AreaContext with the API's values.
func (h history) AreaContext(ctx context.Context, area geo.MultiPolygon, from, to vessel.Time, flagged bool) ([]httpapi.AreaHit, error) {
	res, err := h.DB.AreaContext(ctx, area, from, to, flagged)
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.AreaHit, len(res))
	for i := range res {
		out[i] = httpapi.AreaHit(res[i])
	}
	return out, nil
}

// AtContext is store.DB.AtContext with the API's values.
func (h history) AtContext(ctx context.Context, t vessel.Time, maxAge vessel.Time, withStaticOnly bool) ([]httpapi.VesselAt, error) {
	res, err := h.DB.AtContext(ctx, t, maxAge, withStaticOnly)
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.VesselAt, len(res))
	for i := range res {
		out[i] = httpapi.VesselAt(res[i])
	}
	return out, nil
}

// Picture returns pic as the API's live picture (Config.Picture).
func Picture(pic *fusion.Picture) httpapi.Picture { return picture{pic} }

type picture struct{ p *fusion.Picture }

// LiveVessel returns the API's view of a vessel's state.
func LiveVessel(s *fusion.State) httpapi.LiveVessel {
	return httpapi.LiveVessel{MMSI: s.MMSI, Position: s.Position, Located: s.Located, LastHeard: s.LastHeard,
		Static: s.Static, Conflict: s.Conflict, Alt: s.Alt,
		Positions: s.Positions, Flagged: s.Flagged, Duplicates: s.Duplicates}
}

// Update returns the live stream's update for a vessel's state
// (httpapi.UpdateOf of its LiveVessel).
func Update(s *fusion.State) httpapi.Update {
	v := LiveVessel(s)
	return httpapi.UpdateOf(&v)
}

func (p picture) Vessel(m vessel.MMSI) (httpapi.LiveVessel, bool) {
	s, ok := p.p.Vessel(m)
	if !ok {
		return httpapi.LiveVessel{}, false
	}
	return LiveVessel(&s), true
}

func (p picture) Range(f func(*httpapi.LiveVessel) bool) {
	var v httpapi.LiveVessel
	p.p.Range(func(s *fusion.State) bool {
		v = LiveVessel(s)
		return f(&v)
	})
}

func (p picture) Stations() []httpapi.Station {
	st := p.p.Stations()
	out := make([]httpapi.Station, len(st))
	for i := range st {
		s := &st[i]
		out[i] = httpapi.Station{MMSI: s.MMSI, Position: s.Position, Located: s.Located, LastHeard: s.LastHeard,
			Static: s.Static, Reports: s.Reports}
	}
	return out
}

func (p picture) Version() uint64 { return p.p.Version() }

func (p picture) MainTrack(pts []vessel.Position) uint8 { return fusion.MainTrack(pts) }

// Exporter returns the exports of db (package export) as the API's
// Exporter (Config.Export).
func Exporter(db *store.DB) httpapi.Exporter { return exporter{db} }

type exporter struct{ db *store.DB }

func (e exporter) Prepare(ctx context.Context, q httpapi.ExportQuery) (httpapi.ExportPlan, error) {
	plan, err := export.Prepare(ctx, e.db, export.Query(q))
	if err != nil {
		return nil, tooMany(err)
	}
	return exportPlan{plan}, nil
}

// tooMany wraps export.ErrTooMany as httpapi.ErrTooMany too.
func tooMany(err error) error {
	if errors.Is(err, export.ErrTooMany) {
		return fmt.Errorf("%w: %w", httpapi.ErrTooMany, err)
	}
	return err
}

type exportPlan struct{ p *export.Plan }

func (p exportPlan) Scan(ctx context.Context, f func(r *httpapi.ExportRow) error) error {
	return p.p.Scan(ctx, func(r *export.Row) error { return f((*httpapi.ExportRow)(r)) })
}

func (e exporter) Writer(format string, w io.Writer) httpapi.RowWriter {
	switch format {
	case "geoparquet":
		return rowWriter[*export.GeoParquetWriter]{export.NewGeoParquetWriter(w, export.GeoParquetOptions{})}
	case "csv":
		return rowWriter[*export.CSVWriter]{export.NewCSVWriter(w)}
	default:
		return rowWriter[*export.GeoJSONWriter]{export.NewGeoJSONWriter(w)}
	}
}

type rowWriter[W interface {
	Write(*export.Row) error
	Close() error
}] struct{ w W }

func (r rowWriter[W]) Write(row *httpapi.ExportRow) error { return r.w.Write((*export.Row)(row)) }
func (r rowWriter[W]) Close() error                       { return r.w.Close() }

// Audit returns l as the API's audit log (Config.Audit).
func Audit(l *audit.Log) httpapi.AuditLog { return auditLog{l} }

type auditLog struct{ l *audit.Log }

func (a auditLog) Query(f httpapi.AuditFilter) ([]httpapi.AuditEntry, error) {
	entries, err := a.l.Query(audit.Filter{Partner: f.Partner, Kind: f.Kind, Key: f.Key, Origin: f.Origin,
		Direction: audit.Direction(f.Direction), From: f.From, To: f.To, Limit: f.Limit})
	if errors.Is(err, audit.ErrClosed) {
		return nil, fmt.Errorf("%w: %w", httpapi.ErrClosed, err)
	} else if err != nil {
		return nil, err
	}
	out := make([]httpapi.AuditEntry, len(entries))
	for i, e := range entries {
		out[i] = httpapi.AuditEntry{Time: e.Time, Direction: httpapi.AuditDirection(e.Direction), Partner: e.Partner,
			Kind: e.Kind, Key: e.Key, Seq: e.Seq, Rule: e.Rule, Origin: e.Origin}
	}
	return out, nil
}
