package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// schemaAt returns the schema a ContractType.Where names.
func (c *contract) schemaAt(where string) (map[string]any, error) {
	if strings.HasPrefix(where, "#/") {
		s, ok := c.doc.Resolve(where)
		if !ok {
			return nil, fmt.Errorf("openapi.json has no %s", where)
		}
		return s, nil
	}
	f := strings.Fields(where)
	if len(f) != 4 {
		return nil, fmt.Errorf("%q: want METHOD PATH STATUS|request CONTENT-TYPE", where)
	}
	op := apitest.Dig(c.doc.Root, "paths", f[1], strings.ToLower(f[0]))
	var body any
	if f[2] == "request" {
		body = apitest.Dig(op, "requestBody")
	} else {
		body = apitest.Dig(op, "responses", f[2])
		if ref, ok := apitest.Dig(body, "$ref").(string); ok {
			body, _ = c.doc.Resolve(ref)
		}
	}
	s, ok := apitest.Dig(body, "content", f[3], "schema").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi.json has no schema for %s", where)
	}
	return s, nil
}

// flat is a schema with its $ref followed and its allOf branches merged.
type flat struct {
	types      []string // "type", one or a list; nil when not given
	props      map[string]map[string]any
	required   map[string]bool
	items      map[string]any
	constValue any
	oneOf      []map[string]any
}

func (c *contract) flatten(s map[string]any) flat {
	f := flat{props: map[string]map[string]any{}, required: map[string]bool{}}
	var add func(s map[string]any)
	add = func(s map[string]any) {
		if ref, ok := s["$ref"].(string); ok {
			if rs, ok := c.doc.Resolve(ref); ok {
				add(rs)
			}
			return
		}
		switch ty := s["type"].(type) {
		case string:
			f.types = append(f.types, ty)
		case []any:
			for _, e := range ty {
				f.types = append(f.types, e.(string))
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, p := range props {
				f.props[k] = p.(map[string]any)
			}
		}
		if req, ok := s["required"].([]any); ok {
			for _, k := range req {
				f.required[k.(string)] = true
			}
		}
		if it, ok := s["items"].(map[string]any); ok {
			f.items = it
		}
		if cv, ok := s["const"]; ok {
			f.constValue = cv
		}
		if one, ok := s["oneOf"].([]any); ok {
			for _, b := range one {
				f.oneOf = append(f.oneOf, b.(map[string]any))
			}
		}
		if all, ok := s["allOf"].([]any); ok {
			for _, b := range all {
				add(b.(map[string]any))
			}
		}
	}
	add(s)
	slices.Sort(f.types)
	f.types = slices.Compact(f.types)
	return f
}

// jsonField is a member encoding/json writes for a struct field.
type jsonField struct {
	name      string
	goName    string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the members encoding/json writes for struct type t,
// embedded structs inlined.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, jsonFields(et)...)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{name: name, goName: sf.Name, typ: sf.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
	return out
}

var (
	marshalerType = reflect.TypeFor[json.Marshaler]()
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
)

// jsonKind is the JSON Schema type encoding/json writes for t ("" when
// any: an interface, a json.RawMessage, or a type with its own
// MarshalJSON, which the value checks cover).
func jsonKind(t reflect.Type) string {
	switch {
	case t == timeType:
		return "string"
	case t == rawType, t.Implements(marshalerType), reflect.PointerTo(t).Implements(marshalerType):
		return ""
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return ""
}

// compareType reports how the JSON Go type t writes differs from schema
// s: a member one has and the other has not, a member written always
// that is not required (or one left out when empty that is), a type
// that differs, null that one allows and the other not. request relaxes
// required: a request body's required members are the handler's rule.
func (c *contract) compareType(t reflect.Type, s map[string]any, at string, request bool, errs *[]string) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	kind := jsonKind(t)
	if kind == "" {
		return
	}
	f := c.flatten(s)
	if len(f.oneOf) > 0 {
		// One Go type for several schemas (a feature that is a line or a
		// point): it must match one of them.
		var closest []string
		for i, b := range f.oneOf {
			var e []string
			c.compareType(t, b, at, request, &e)
			if len(e) == 0 {
				return
			}
			if i == 0 || len(e) < len(closest) {
				closest = e
			}
		}
		*errs = append(*errs, closest...)
		return
	}
	if types := slices.DeleteFunc(slices.Clone(f.types), func(s string) bool { return s == "null" }); len(types) > 0 && !slices.Equal(types, []string{kind}) {
		*errs = append(*errs, fmt.Sprintf("%s: Go %s writes %s; openapi.json says %v", at, t, kind, f.types))
		return
	}
	switch kind {
	case "array":
		if f.items != nil {
			c.compareType(t.Elem(), f.items, at+"[]", request, errs)
		}
	case "object":
		if t.Kind() != reflect.Struct {
			return
		}
		fields := jsonFields(t)
		seen := map[string]bool{}
		for _, fd := range fields {
			seen[fd.name] = true
			where := at + "." + fd.name
			ps, ok := f.props[fd.name]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s: Go %s.%s writes %q, which openapi.json does not document", where, t, fd.goName, fd.name))
				continue
			}
			if !request {
				switch req := f.required[fd.name]; {
				case !fd.omitempty && !req:
					*errs = append(*errs, fmt.Sprintf("%s: Go %s.%s is always written; openapi.json does not list %q in required", where, t, fd.goName, fd.name))
				case fd.omitempty && req:
					*errs = append(*errs, fmt.Sprintf("%s: Go %s.%s is omitted when empty (omitempty); openapi.json requires %q", where, t, fd.goName, fd.name))
				}
			}
			pf := c.flatten(ps)
			nullable := slices.Contains(pf.types, "null")
			canNull := fd.typ.Kind() == reflect.Pointer && !fd.omitempty
			if jsonKind(derefType(fd.typ)) != "" && len(pf.types) > 0 {
				switch {
				case canNull && !nullable:
					*errs = append(*errs, fmt.Sprintf("%s: Go %s.%s (%s) may write null; openapi.json's type %v has no null", where, t, fd.goName, fd.typ, pf.types))
				case nullable && !canNull && fd.typ.Kind() != reflect.Slice && fd.typ.Kind() != reflect.Map && fd.typ.Kind() != reflect.Interface:
					*errs = append(*errs, fmt.Sprintf("%s: openapi.json allows null, which Go %s.%s (%s) never writes", where, t, fd.goName, fd.typ))
				}
			}
			c.compareType(fd.typ, ps, where, request, errs)
		}
		for _, k := range slices.Sorted(maps.Keys(f.props)) {
			if !seen[k] {
				*errs = append(*errs, fmt.Sprintf("%s.%s: openapi.json documents %q, which Go %s does not write", at, k, k, t))
			}
		}
	}
}

func derefType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// TestContractGoTypes compares the Go types of the API's JSON with
// openapi.json, member by member: a field added to one and not the
// other, a type changed, omitempty against required, or a pointer
// against null fails with the field named.
func TestContractGoTypes(t *testing.T) {
	c := newContract(t)
	for _, ct := range httpapi.ContractTypes() {
		s, err := c.schemaAt(ct.Where)
		if err != nil {
			t.Error(err)
			continue
		}
		var errs []string
		c.compareType(ct.Type, s, "$", strings.Contains(ct.Where, " request "), &errs)
		for _, e := range errs {
			t.Errorf("%s (%s): %s", ct.Where, ct.Type, e)
		}
	}
}

// contractValues are the JSON the API writes with MarshalJSON methods of
// other packages (events, incidents, zones) or its own (contacts): each
// value has every member set, so its JSON has every member the type can
// write, and those must be the schema's properties, and valid.
func contractValues() []struct {
	where string
	value any
} {
	str := func(s string) *string { return &s }
	_ = str
	start := vessel.TimeOf(time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC))
	area := geo.MultiPolygon{{Outer: geo.Ring{{Lat: 29, Lon: -95}, {Lat: 29, Lon: -94}, {Lat: 30, Lon: -94}, {Lat: 29, Lon: -95}}}}
	ev := event.Event{ID: "ev-1", Type: "encounter", Start: start, End: start + 3600_000, Lat: 29.5, Lon: -94.5,
		Vessels: []vessel.MMSI{366999999, 367000000}, Zone: "Galveston", Preset: "gfw", Origin: "partner",
		Params: map[string]float64{"max_distance_m": 500}, Measures: map[string]float64{"duration_s": 3600},
		Evidence: []vessel.Position{{MMSI: 366999999, Time: start, Lat: 29.5, Lon: -94.5, SOG: vessel.SpeedKnots(1), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}},
		Severity: 0.5, Reasons: []string{"night"}, Version: 2, Retracted: true}
	in := incident.Incident{ID: "incident--4a7e1d5c-0000-4000-8000-000000000001", Version: 1, Kind: incident.KindIncident,
		Category: incident.Category("piracy_armed_robbery"), Title: "boarding", Narrative: "text", Start: start, End: start + 60_000,
		Lat: 29.5, Lon: -94.5, HasPoint: true, Area: area, Vessels: []vessel.MMSI{366999999}, Events: []string{"ev-1"},
		Source: "master", Origin: "IN-IFC-IOR", TLP: incident.TLPAmber, ReleasableTo: []string{"FR"},
		Created: start, Updated: start, Deleted: true}
	contact := httpapi.Contact{Time: start, Lat: 29.5, Lon: -94.5, Sensor: "radar", Source: "radar-1", Target: "12", Scene: "s1",
		MMSI: 366999999, Score: 0.9, Held: true, Track: 3, Confirmed: true, Doubtful: true, Episode: "ev-2",
		HasMotion: true, SpeedKn: 10, CourseDeg: 90, LengthM: 120,
		Candidates: []httpapi.ContactCandidate{{MMSI: 366999999, Score: 0.9, DistM: 10, D2: 1, AgeS: 5}}}
	zone := event.Zone{Name: "Galveston", Area: area, Properties: map[string]any{"name": "Galveston", "owner": "ops"}}
	return []struct {
		where string
		value any
	}{
		{"#/components/schemas/Event", ev},
		{"#/components/schemas/Incident", in},
		{"#/components/schemas/Contact", contact},
		{"#/components/schemas/ZoneFeature", zone.Feature()},
		{"GET /api/v1/zones 200 application/geo+json", event.ZonesGeoJSON([]event.Zone{zone})},
	}
}

// TestContractGoValues: the JSON of fully set values of the types with
// their own MarshalJSON has exactly the schema's properties, and is
// valid.
func TestContractGoValues(t *testing.T) {
	c := newContract(t)
	for _, cv := range contractValues() {
		s, err := c.schemaAt(cv.where)
		if err != nil {
			t.Error(err)
			continue
		}
		data, err := json.Marshal(cv.value)
		if err != nil {
			t.Fatalf("%s: %v", cv.where, err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		var errs []string
		c.doc.Validate(s, v, "$", &errs)
		for _, e := range errs {
			t.Errorf("%s (%T): %s", cv.where, cv.value, e)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			continue
		}
		props := c.flatten(s).props
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: openapi.json documents %q, which %T does not write even with every field set", cv.where, k, cv.value)
			}
		}
	}
}

// TestContractCovers: every JSON body of openapi.json, response or
// request, has a Go type or value in the contract tests, so that a new
// route cannot leave its schema unchecked. The exceptions are bodies
// written by other packages whose formats are standards (STIX, the
// exports) or free-form (the OpenAPI document itself).
func TestContractCovers(t *testing.T) {
	c := newContract(t)
	covered := map[string]bool{}
	for _, ct := range httpapi.ContractTypes() {
		covered[ct.Where] = true
	}
	for _, cv := range contractValues() {
		covered[cv.where] = true
	}
	external := map[string]string{
		"GET /api/v1/incidents 200 application/stix+json;version=2.1": "a STIX 2.1 bundle (incident.STIXBundle)",
		"GET /api/v1/incidents 200 application/geo+json":              "incident.GeoJSON",
		"GET /api/v1/export 200 application/geo+json":                 "package export",
		"GET /api/v1/contacts 200 application/geo+json":               "a FeatureCollection of the contacts (Contact's schema is checked)",
		"GET /openapi.json 200 application/json":                      "this document",
	}
	for path, ops := range apitest.Dig(c.doc.Root, "paths").(map[string]any) {
		for method, op := range ops.(map[string]any) {
			m := strings.ToUpper(method)
			check := func(where string, schema any) {
				if covered[where] || external[where] != "" {
					return
				}
				if ref, ok := apitest.Dig(schema, "$ref").(string); ok && covered[ref] {
					return
				}
				t.Errorf("%s: no Go type in ContractTypes (export_test.go) or contractValues checks this body", where)
			}
			for status, r := range apitest.Dig(op, "responses").(map[string]any) {
				if ref, ok := apitest.Dig(r, "$ref").(string); ok {
					if ref == "#/components/responses/Error" && covered["#/components/schemas/Error"] {
						continue
					}
					r, _ = c.doc.Resolve(ref)
				}
				content, _ := apitest.Dig(r, "content").(map[string]any)
				for ct, media := range content {
					if mt := apitest.MediaType(ct); mt == "application/json" || strings.HasSuffix(mt, "+json") {
						check(fmt.Sprintf("%s %s %s %s", m, path, status, ct), apitest.Dig(media, "schema"))
					}
				}
			}
			content, _ := apitest.Dig(op, "requestBody", "content").(map[string]any)
			for ct, media := range content {
				check(fmt.Sprintf("%s %s request %s", m, path, ct), apitest.Dig(media, "schema"))
			}
		}
	}
}
