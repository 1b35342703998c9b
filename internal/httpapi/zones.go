package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// ZoneEditor is where the API reads and edits the zones of zone entry and
// exit events: the server's zone store. Its methods must be safe for
// concurrent use.
type ZoneEditor interface {
	// Zones returns the zones, in the order GET /api/v1/zones lists them.
	Zones() []event.Zone
	// PutZone creates the zone named z.Name, or replaces the zone of that
	// name.
	PutZone(z event.Zone) error
	// DeleteZone deletes the zone with the name; the error wraps
	// ErrZoneNotFound when there is none.
	DeleteZone(name string) error
}

// ZoneCreator may be implemented by a ZoneEditor to create zones
// atomically: CreateZone stores z unless a zone of its name exists, and
// then returns an error wrapping ErrZoneExists. Without it, POST
// /api/v1/zones checks Zones() and then calls PutZone, so that of two
// concurrent creations of one name both may succeed, the later replacing
// the earlier.
type ZoneCreator interface {
	CreateZone(z event.Zone) error
}

// zoneRequest is the body of POST /api/v1/zones and PUT
// /api/v1/zones/{name} (openapi.json ZoneFeature).
type zoneRequest struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// Sentinel errors of a ZoneEditor.
var (
	// ErrZoneNotFound is wrapped by ZoneEditor.DeleteZone for a name no
	// zone has (404).
	ErrZoneNotFound = errors.New("httpapi: no such zone")
	// ErrZoneExists is wrapped by ZoneCreator.CreateZone for a name a zone
	// has already (409).
	ErrZoneExists = errors.New("httpapi: zone exists")
	// ErrZoneInvalid may be wrapped by ZoneEditor.PutZone and
	// ZoneCreator.CreateZone to refuse a zone the API's checks let
	// through: the client gets 400 with the error's text. So does an
	// error wrapping geo.ErrInvalidGeometry. Other errors are internal
	// (500, logged).
	ErrZoneInvalid = errors.New("httpapi: zone refused")
)

// Limits of the zones admins write.
const (
	// MaxZoneName bounds a zone's name, in characters after trimming.
	MaxZoneName = 128
	// MaxZoneProperties bounds the members of a zone's properties, and
	// MaxZonePropertyBytes their JSON text.
	MaxZoneProperties    = 64
	MaxZonePropertyBytes = 16 << 10
)

// CodeConflict is the error code of 409: a zone of that name exists.
const CodeConflict = "conflict"

// zoneList returns the zones: the editor's, else Config.Zones.
func (a *api) zoneList() []event.Zone {
	if a.cfg.ZoneEditor != nil {
		return a.cfg.ZoneEditor.Zones()
	}
	return a.cfg.Zones
}

// zones answers GET /api/v1/zones: the node's zones for zone entry and
// exit events, as a GeoJSON FeatureCollection of MultiPolygons with their
// properties (and "name").
func (a *api) zones(w http.ResponseWriter, r *http.Request) error {
	return writeJSONType(w, http.StatusOK, "application/geo+json", event.ZonesGeoJSON(a.zoneList()))
}

// editor returns the zone editor, or the 501 error of a node without one.
func (a *api) editor() (ZoneEditor, error) {
	if a.cfg.ZoneEditor == nil {
		return nil, errorf(http.StatusNotImplemented, CodeNotImplemented, "the zones of this node are read-only (set from its configuration)")
	}
	return a.cfg.ZoneEditor, nil
}

// createZone answers POST /api/v1/zones: a GeoJSON Feature with a Polygon
// or MultiPolygon and properties.name. 201 with the stored feature; 409
// when a zone has the name.
func (a *api) createZone(w http.ResponseWriter, r *http.Request) error {
	ed, err := a.editor()
	if err != nil {
		return err
	}
	z, err := readZone(w, r, "")
	if err != nil {
		return err
	}
	if c, ok := ed.(ZoneCreator); ok {
		err = c.CreateZone(z)
	} else if findZone(ed.Zones(), z.Name) >= 0 {
		err = ErrZoneExists
	} else {
		err = ed.PutZone(z)
	}
	if errors.Is(err, ErrZoneExists) {
		return errorf(http.StatusConflict, CodeConflict, "a zone named %q exists: PUT /api/v1/zones/{name} replaces it", z.Name)
	} else if refused(err) {
		return badParam("zone", "%v", err)
	} else if err != nil {
		return fmt.Errorf("create zone: %w", err)
	}
	w.Header().Set("Location", "/api/v1/zones/"+pathEscape(z.Name))
	return writeJSONType(w, http.StatusCreated, "application/geo+json", z.Feature())
}

// putZone answers PUT /api/v1/zones/{name}: it creates or replaces the
// zone. A properties.name other than {name} renames the zone {name},
// which must exist, to a name no other zone has.
func (a *api) putZone(w http.ResponseWriter, r *http.Request) error {
	ed, err := a.editor()
	if err != nil {
		return err
	}
	name, err := zoneName(r.PathValue("name"))
	if err != nil {
		return badParam("name", "%v", err)
	}
	z, err := readZone(w, r, name)
	if err != nil {
		return err
	}
	if z.Name != name {
		zones := ed.Zones()
		if findZone(zones, name) < 0 {
			return notFound("no zone %q to rename", name)
		}
		if findZone(zones, z.Name) >= 0 {
			return errorf(http.StatusConflict, CodeConflict, "cannot rename %q: a zone named %q exists", name, z.Name)
		}
	}
	if err := ed.PutZone(z); refused(err) {
		return badParam("zone", "%v", err)
	} else if err != nil {
		return fmt.Errorf("put zone: %w", err)
	}
	if z.Name != name {
		// The renamed zone is stored first, so that a failure here
		// leaves both rather than neither.
		if err := ed.DeleteZone(name); err != nil && !errors.Is(err, ErrZoneNotFound) {
			return fmt.Errorf("rename zone: %w", err)
		}
	}
	return writeJSONType(w, http.StatusOK, "application/geo+json", z.Feature())
}

// deleteZone answers DELETE /api/v1/zones/{name}: 204, or 404.
func (a *api) deleteZone(w http.ResponseWriter, r *http.Request) error {
	ed, err := a.editor()
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := ed.DeleteZone(name); errors.Is(err, ErrZoneNotFound) {
		return notFound("no zone %q", name)
	} else if err != nil {
		return fmt.Errorf("delete zone: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// refused reports whether an editor's error refuses the zone itself.
func refused(err error) bool {
	return errors.Is(err, ErrZoneInvalid) || errors.Is(err, geo.ErrInvalidGeometry)
}

func findZone(zones []event.Zone, name string) int {
	for i, z := range zones {
		if z.Name == name {
			return i
		}
	}
	return -1
}

// pathEscape escapes a name for a path segment.
func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// zoneName validates a zone name and returns it trimmed: valid UTF-8, 1 to
// MaxZoneName characters, no control characters.
func zoneName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("required: a non-blank string")
	}
	if n := utf8.RuneCountInString(s); n > MaxZoneName {
		return "", fmt.Errorf("%d characters; at most %d", n, MaxZoneName)
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' || c == utf8.RuneError {
			return "", fmt.Errorf("control character %U", c)
		}
	}
	return s, nil
}

// readZone reads a zone from a request body: a GeoJSON Feature whose
// geometry is a Polygon or MultiPolygon with at most MaxPolygonPoints
// positions, closed rings of three or more distinct positions, and
// properties.name a valid zone name. An absent name takes def (PUT's path
// name) when def is not "".
func readZone(w http.ResponseWriter, r *http.Request, def string) (event.Zone, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return event.Zone{}, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	} else if err != nil {
		return event.Zone{}, badParam("body", "unreadable")
	}
	const want = `want a GeoJSON Feature {"type":"Feature","geometry":{"type":"Polygon","coordinates":[...]},"properties":{"name":"..."}}`
	var top zoneRequest
	if err := json.Unmarshal(body, &top); err != nil {
		return event.Zone{}, badParam("body", "%s: %v", want, err)
	}
	if top.Type != "Feature" {
		return event.Zone{}, badParam("type", "%q: %s", top.Type, want)
	}
	if len(top.Geometry) == 0 || string(top.Geometry) == "null" {
		return event.Zone{}, badParam("geometry", "required: a Polygon or MultiPolygon")
	}
	if len(top.Properties) > MaxZonePropertyBytes {
		return event.Zone{}, badParam("properties", "more than %d bytes", MaxZonePropertyBytes)
	}
	var props map[string]any
	if len(top.Properties) > 0 {
		if err := json.Unmarshal(top.Properties, &props); err != nil {
			return event.Zone{}, badParam("properties", "want an object: %v", err)
		}
	}
	if len(props) > MaxZoneProperties {
		return event.Zone{}, badParam("properties", "%d members; at most %d", len(props), MaxZoneProperties)
	}
	var gt struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(top.Geometry, &gt); err != nil {
		return event.Zone{}, badParam("geometry", "want a GeoJSON geometry object: %v", err)
	}
	if gt.Type != "Polygon" && gt.Type != "MultiPolygon" {
		return event.Zone{}, badParam("geometry", "type %q: want Polygon or MultiPolygon", gt.Type)
	}
	feats, err := geo.ReadGeoJSONLimits(bytes.NewReader(top.Geometry), geo.GeoJSONLimits{MaxBytes: MaxBodyBytes, MaxFeatures: 1, MaxPoints: MaxPolygonPoints})
	if err != nil {
		var fe *geo.FeatureError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		return event.Zone{}, badParam("geometry", "%v", err)
	}
	if len(feats) != 1 || len(feats[0].Geometry) == 0 {
		return event.Zone{}, badParam("geometry", "no polygon in it")
	}
	area := feats[0].Geometry
	for i, pg := range area {
		rings := append([]geo.Ring{pg.Outer}, pg.Holes...)
		for j, ring := range rings {
			if distinct(ring) < 3 {
				return event.Zone{}, badParam("geometry", "polygon %d ring %d: fewer than 3 distinct positions", i, j)
			}
		}
	}
	raw, hasName := props["name"]
	name, isString := raw.(string)
	switch {
	case !hasName && def != "":
		name = def
	case !hasName || raw == nil:
		return event.Zone{}, badParam("properties.name", "required: a non-blank string")
	case !isString:
		return event.Zone{}, badParam("properties.name", "want a string")
	}
	if name, err = zoneName(name); err != nil {
		return event.Zone{}, badParam("properties.name", "%v", err)
	}
	if props == nil {
		props = map[string]any{}
	}
	props["name"] = name
	return event.Zone{Name: name, Area: area, Properties: props}, nil
}

// distinct counts the distinct positions of a ring, up to 3.
func distinct(r geo.Ring) int {
	var seen []geo.Point
	for _, p := range r {
		dup := false
		for _, q := range seen {
			if p == q {
				dup = true
				break
			}
		}
		if !dup {
			seen = append(seen, p)
			if len(seen) == 3 {
				break
			}
		}
	}
	return len(seen)
}
