package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/incident"
)

// IncidentStore is where the API reads and edits incidents and risk
// assessments: the server's incident book, which wraps incident.Store
// (and offers new versions to the partners). Its methods must be safe for
// concurrent use, and its errors wrap incident's sentinels: ErrInvalid
// (a *incident.FieldError names the field: 400), ErrNotFound (404),
// ErrConflict and ErrDeleted (409), ErrForeign (403), ErrTooLarge (413).
// Any other error is internal (500, logged).
type IncidentStore interface {
	// Put creates a record (in.ID empty) or edits one (in.Version the
	// version edited), as incident.Store.Put.
	Put(in incident.Incident, now time.Time) (incident.Incident, error)
	// Delete withdraws a record and returns the deleted version.
	Delete(id string, now time.Time) (incident.Incident, error)
	// Get returns the latest version of a record, a deleted one included.
	Get(id string) (incident.Incident, bool)
	// History returns every version of a record, oldest first; nil for an
	// unknown ID.
	History(id string) []incident.Incident
	// List returns the latest versions that f selects, newest first.
	List(f incident.Filter) []incident.Incident
}

// Limits of the incidents routes.
const (
	// MaxIncidents bounds one /api/v1/incidents answer (default limit
	// DefaultIncidents).
	MaxIncidents     = 10_000
	DefaultIncidents = 500
)

// The media types and file names of the incident exports.
const (
	stixType    = "application/stix+json;version=2.1"
	geojsonType = "application/geo+json"
)

type incidentsResponse struct {
	Incidents []incident.Incident `json:"incidents"`
}

type historyResponse struct {
	Versions []incident.Incident `json:"versions"`
}

// incidentStore returns the store, or the 501 error of a node without one.
func (a *api) incidentStore() (IncidentStore, error) {
	if a.cfg.Incidents == nil {
		return nil, errorf(http.StatusNotImplemented, CodeNotImplemented, "this node keeps no incidents")
	}
	return a.cfg.Incidents, nil
}

// incidents answers GET /api/v1/incidents?kind=&category=&origin=&from=&to=&bbox=&mmsi=&limit=&include_deleted=&format=json|stix|geojson
func (a *api) incidents(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	p := a.params(r)
	var f incident.Filter
	if s := p.get("kind"); s != "" {
		if f.Kind, err = incident.ParseKind(s); err != nil {
			return badParam("kind", "%s: want incident or assessment", clip(s))
		}
	}
	if s := p.get("category"); s != "" {
		if f.Category, err = incident.ParseCategory(s); err != nil {
			return badParam("category", "%s is not a category (%s)", clip(s), categoryList())
		}
	}
	if s := p.get("origin"); s != "" {
		if !incident.ValidNode(s) {
			return badParam("origin", "%s is not a node name", clip(s))
		}
		f.Origin = s
	}
	if t, ok, err := p.time("from"); err != nil {
		return err
	} else if ok {
		f.From = t
	}
	if t, ok, err := p.time("to"); err != nil {
		return err
	} else if ok {
		f.To = t
	}
	if f.From != 0 && f.To != 0 && f.From > f.To {
		return badParam("from", "%v is after to %v", f.From, f.To)
	}
	if f.BBox, err = p.bbox("bbox"); err != nil {
		return err
	}
	if s := p.get("mmsi"); s != "" {
		if f.Vessel, err = parseMMSI(s); err != nil {
			return badParam("mmsi", "%v", err)
		}
	}
	if f.Limit, err = p.limit("limit", DefaultIncidents, MaxIncidents); err != nil {
		return err
	}
	if f.IncludeDeleted, err = p.boolean("include_deleted"); err != nil {
		return err
	}
	format := p.get("format")
	switch format {
	case "", "json", "stix", "geojson":
	default:
		return badParam("format", "%s: want json, stix or geojson", clip(format))
	}
	list := st.List(f)
	if list == nil {
		list = []incident.Incident{}
	}
	switch format {
	case "stix":
		if !incident.ValidNode(a.cfg.NodeName) {
			return errorf(http.StatusNotImplemented, CodeNotImplemented, "STIX export needs the node's name, which this node is not given")
		}
		data, err := incident.STIXBundle(list, incident.STIXOptions{Node: a.cfg.NodeName})
		if err != nil {
			return fmt.Errorf("stix export: %w", err)
		}
		return writeAttachment(w, stixType, "incidents.stix.json", data)
	case "geojson":
		data, err := incident.GeoJSON(list)
		if err != nil {
			return fmt.Errorf("geojson export: %w", err)
		}
		return writeAttachment(w, geojsonType, "incidents.geojson", data)
	}
	return writeJSON(w, http.StatusOK, incidentsResponse{Incidents: list})
}

// incidentDetail answers GET /api/v1/incidents/{id}: the latest version,
// a deleted one included.
func (a *api) incidentDetail(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in, ok := st.Get(id)
	if !ok {
		return notFound("no incident %s", clip(id))
	}
	return writeJSON(w, http.StatusOK, in)
}

// incidentHistory answers GET /api/v1/incidents/{id}/history: every
// version held, oldest first.
func (a *api) incidentHistory(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	vs := st.History(id)
	if len(vs) == 0 {
		return notFound("no incident %s", clip(id))
	}
	return writeJSON(w, http.StatusOK, historyResponse{Versions: vs})
}

// createIncident answers POST /api/v1/incidents: a record without id and
// version. 201 with the stored version and its Location.
func (a *api) createIncident(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	in, err := readIncident(w, r)
	if err != nil {
		return err
	}
	if in.ID != "" {
		return badParam("id", "assigned by the node: leave it out (PUT /api/v1/incidents/{id} edits a record)")
	}
	if in.Version != 0 {
		return badParam("version", "assigned by the node: leave it out")
	}
	out, err := st.Put(in, a.cfg.Now())
	if err != nil {
		return incidentError("create incident", "", err)
	}
	w.Header().Set("Location", "/api/v1/incidents/"+pathEscape(out.ID))
	return writeJSON(w, http.StatusCreated, out)
}

// putIncident answers PUT /api/v1/incidents/{id}: an edit of the version
// named in the body's "version". 200 with the new version.
func (a *api) putIncident(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in, err := readIncident(w, r)
	if err != nil {
		return err
	}
	if in.ID != "" && in.ID != id {
		return badParam("id", "%s differs from the path's %s", clip(in.ID), clip(id))
	}
	if in.Version < 1 {
		return badParam("version", "required: the version this edit is based on")
	}
	in.ID = id
	out, err := st.Put(in, a.cfg.Now())
	if err != nil {
		return incidentError("edit incident", id, err)
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteIncident answers DELETE /api/v1/incidents/{id}: 200 with the
// deleted version.
func (a *api) deleteIncident(w http.ResponseWriter, r *http.Request) error {
	st, err := a.incidentStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	out, err := st.Delete(id, a.cfg.Now())
	if err != nil {
		return incidentError("delete incident", id, err)
	}
	return writeJSON(w, http.StatusOK, out)
}

// readIncident reads a record in the incident package's JSON form from a
// request body of at most MaxBodyBytes.
func readIncident(w http.ResponseWriter, r *http.Request) (incident.Incident, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return incident.Incident{}, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	} else if err != nil {
		return incident.Incident{}, badParam("body", "unreadable")
	}
	var in incident.Incident
	if err := in.UnmarshalJSON(body); err != nil {
		return incident.Incident{}, incidentError("read incident", "", err)
	}
	return in, nil
}

// incidentError maps an error of the incident package to the client's
// error; others are internal.
func incidentError(what, id string, err error) error {
	var fe *incident.FieldError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &fe):
		return badParam(fe.Field, "%s", fe.Reason)
	case errors.As(err, &te) && te.Field != "":
		return badParam(te.Field, "a JSON %s is not valid here", te.Value)
	case errors.Is(err, incident.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the record is too large: %v", err)
	case errors.Is(err, incident.ErrInvalid):
		return badParam("body", "want an incident in JSON: %v", err)
	case errors.Is(err, incident.ErrNotFound):
		return notFound("no incident %s", clip(id))
	case errors.Is(err, incident.ErrConflict):
		return errorf(http.StatusConflict, CodeConflict, "%v: get the latest version and edit that", err)
	case errors.Is(err, incident.ErrDeleted):
		return errorf(http.StatusConflict, CodeConflict, "incident %s is deleted", clip(id))
	case errors.Is(err, incident.ErrForeign):
		return errorf(http.StatusForbidden, CodeForbidden, "incident %s comes from a partner node: only its origin may edit or delete it", clip(id))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// categoryList is the categories, comma-separated.
func categoryList() string {
	var b []byte
	for i, c := range incident.Categories() {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, c...)
	}
	return string(b)
}

// clip quotes a client's string for a message, cut to 80 bytes.
func clip(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:80]) + "..."
	}
	return strconv.Quote(s)
}

// writeAttachment writes an export: data of the media type, to be saved as
// name.
func writeAttachment(w http.ResponseWriter, ctype, name string, data []byte) error {
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return writeBody(w, http.StatusOK, ctype, data)
}
