package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// apiDoc is the served OpenAPI document, decoded generically, for
// validating responses against it.
type apiDoc struct {
	root map[string]any
}

// loadAPIDoc fetches /openapi.json from srvURL.
func loadAPIDoc(t *testing.T, srvURL string) *apiDoc {
	t.Helper()
	code, _, body := do(t, "GET", srvURL+"/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	var root map[string]any
	if err := json.Unmarshal(body, &root); err != nil {
		t.Fatal(err)
	}
	return &apiDoc{root: root}
}

// responseSchema returns the schema of a 200 response of method path with
// content type ct.
func (d *apiDoc) responseSchema(t *testing.T, method, path, ct string) map[string]any {
	t.Helper()
	s, ok := dig(d.root, "paths", path, strings.ToLower(method), "responses", "200", "content", ct, "schema").(map[string]any)
	if !ok {
		t.Fatalf("openapi.json: no %s schema for 200 of %s %s", ct, method, path)
	}
	return s
}

// checkResponse validates body against the 200 response schema of
// method path for ct, reporting every mismatch.
func (d *apiDoc) checkResponse(t *testing.T, method, path, ct string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var errs []string
	d.validate(d.responseSchema(t, method, path, ct), v, "$", &errs)
	for i, e := range errs {
		if i == 10 {
			t.Errorf("%s %s: %d more mismatches", method, path, len(errs)-i)
			break
		}
		t.Errorf("%s %s (%s): %s", method, path, ct, e)
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// schemaKeywords are the JSON Schema (2020-12) keywords validate
// implements; annotations are the ones it ignores by design.
// TestSchemaKeywordsKnown fails when openapi.json uses another, so that the
// document never says more than the tests check.
var (
	schemaKeywords = []string{"$ref", "type", "const", "enum", "minimum", "maximum", "pattern", "minLength", "maxLength",
		"format", "required", "properties", "additionalProperties", "unevaluatedProperties", "items", "minItems", "maxItems", "allOf", "oneOf"}
	schemaAnnotations = []string{"description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly"}
)

// resolve follows a $ref of the document.
func (d *apiDoc) resolve(ref string) (map[string]any, bool) {
	keys := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	rs, ok := dig(d.root, keys...).(map[string]any)
	return rs, ok
}

// validate checks v against the subset of JSON Schema (2020-12) that
// openapi.json uses (schemaKeywords). Objects are closed by
// additionalProperties: false (or a schema the other members must match),
// or by unevaluatedProperties: false, which admits the properties of the
// schema and of its allOf and oneOf branches (so that Detail can extend
// Summary). "format": "date-time" must be RFC 3339.
func (d *apiDoc) validate(s map[string]any, v any, at string, errs *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		rs, ok := d.resolve(ref)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: unresolved $ref %s", at, ref))
			return
		}
		d.validate(rs, v, at, errs)
		return
	}
	if ty, ok := s["type"]; ok {
		var types []string
		switch x := ty.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, e.(string))
			}
		}
		if !slices.ContainsFunc(types, func(ty string) bool { return jsonTypeIs(v, ty) }) {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not of type %v", at, short(v), types))
			return
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		*errs = append(*errs, fmt.Sprintf("%s: %v; want %v", at, short(v), c))
	}
	if en, ok := s["enum"].([]any); ok && !slices.ContainsFunc(en, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		*errs = append(*errs, fmt.Sprintf("%s: %v not in %v", at, short(v), en))
	}
	if n, ok := v.(float64); ok {
		if m, ok := s["minimum"].(float64); ok && n < m {
			*errs = append(*errs, fmt.Sprintf("%s: %v below the minimum %v", at, n, m))
		}
		if m, ok := s["maximum"].(float64); ok && n > m {
			*errs = append(*errs, fmt.Sprintf("%s: %v above the maximum %v", at, n, m))
		}
	}
	if str, ok := v.(string); ok {
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			*errs = append(*errs, fmt.Sprintf("%s: %q does not match %s", at, str, p))
		}
		n := float64(utf8.RuneCountInString(str))
		if m, ok := s["minLength"].(float64); ok && n < m {
			*errs = append(*errs, fmt.Sprintf("%s: %q shorter than %v", at, str, m))
		}
		if m, ok := s["maxLength"].(float64); ok && n > m {
			*errs = append(*errs, fmt.Sprintf("%s: %q longer than %v", at, short(str), m))
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				*errs = append(*errs, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", at, str))
			}
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, b := range all {
			d.validate(b.(map[string]any), v, at, errs)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		var match int
		var first []string
		for i, b := range one {
			var e []string
			d.validate(b.(map[string]any), v, at, &e)
			if len(e) == 0 {
				match++
			} else if i == 0 || len(e) < len(first) {
				first = e
			}
		}
		if match != 1 {
			*errs = append(*errs, fmt.Sprintf("%s: matches %d of the %d oneOf schemas; want 1 (closest: %v)", at, match, len(one), first))
		}
	}
	if obj, ok := v.(map[string]any); ok {
		if req, ok := s["required"].([]any); ok {
			for _, k := range req {
				if _, ok := obj[k.(string)]; !ok {
					*errs = append(*errs, fmt.Sprintf("%s: no %q", at, k))
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if x, ok := obj[k]; ok {
				d.validate(props[k].(map[string]any), x, at+"."+k, errs)
			}
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				for _, k := range slices.Sorted(maps.Keys(obj)) {
					if _, ok := props[k]; !ok {
						*errs = append(*errs, fmt.Sprintf("%s: undocumented member %q (the object is closed)", at, k))
					}
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				if _, ok := props[k]; !ok {
					d.validate(ap, obj[k], at+"."+k, errs)
				}
			}
		}
		if ue, ok := s["unevaluatedProperties"].(bool); ok && !ue {
			known := map[string]bool{}
			d.knownProperties(s, known)
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				if !known[k] {
					*errs = append(*errs, fmt.Sprintf("%s: undocumented member %q (the object is closed)", at, k))
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if is, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				d.validate(is, x, fmt.Sprintf("%s[%d]", at, i), errs)
			}
		}
		if m, ok := s["minItems"].(float64); ok && float64(len(arr)) < m {
			*errs = append(*errs, fmt.Sprintf("%s: %d items, fewer than %v", at, len(arr), m))
		}
		if m, ok := s["maxItems"].(float64); ok && float64(len(arr)) > m {
			*errs = append(*errs, fmt.Sprintf("%s: %d items, more than %v", at, len(arr), m))
		}
	}
}

// knownProperties adds the properties s declares, through $ref, allOf and
// oneOf, to known: the members unevaluatedProperties: false admits.
func (d *apiDoc) knownProperties(s map[string]any, known map[string]bool) {
	if ref, ok := s["$ref"].(string); ok {
		if rs, ok := d.resolve(ref); ok {
			d.knownProperties(rs, known)
		}
		return
	}
	props, _ := s["properties"].(map[string]any)
	for k := range props {
		known[k] = true
	}
	for _, key := range []string{"allOf", "oneOf"} {
		list, _ := s[key].([]any)
		for _, b := range list {
			d.knownProperties(b.(map[string]any), known)
		}
	}
}

// short is v for a message, cut to 80 characters.
func short(v any) string {
	s := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func jsonTypeIs(v any, ty string) bool {
	switch ty {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return false
}

// TestSchemaValidator: the validator used on responses catches what it
// must, so a response test that passes means something.
func TestSchemaValidator(t *testing.T) {
	d := &apiDoc{root: map[string]any{"components": map[string]any{"schemas": map[string]any{
		"P": map[string]any{"type": "object", "required": []any{"track"}, "properties": map[string]any{
			"track": map[string]any{"type": "integer", "minimum": 0.0, "maximum": 255.0},
			"name":  map[string]any{"type": []any{"string", "null"}},
			"sel":   map[string]any{"type": "string", "pattern": "^(all|main)$"},
			"kind":  map[string]any{"enum": []any{"a", "b"}},
		}}}}}}
	s := map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/P"}}
	for _, c := range []struct {
		body string
		bad  int
	}{
		{`[{"track":1,"name":null,"sel":"main","kind":"a"}]`, 0},
		{`[{"track":1,"name":"x"},{"track":0}]`, 0},
		{`[{"name":"x"}]`, 1},
		{`[{"track":1.5}]`, 1},
		{`[{"track":256}]`, 1},
		{`[{"track":-1}]`, 1},
		{`[{"track":1,"name":3}]`, 1},
		{`[{"track":1,"sel":"some"}]`, 1},
		{`[{"track":1,"kind":"c"}]`, 1},
		{`{"track":1}`, 1},
		{`[{"track":"1"},{"track":2,"name":false}]`, 2},
	} {
		var v any
		if err := json.Unmarshal([]byte(c.body), &v); err != nil {
			t.Fatal(err)
		}
		var errs []string
		d.validate(s, v, "$", &errs)
		if len(errs) != c.bad {
			t.Errorf("%s: %d mismatches %q; want %d", c.body, len(errs), errs, c.bad)
		}
	}
}

// TestSchemaKeywordsKnown: every keyword of every schema in openapi.json
// is one validate implements or an annotation, so that the document
// never promises more than the tests check.
func TestSchemaKeywordsKnown(t *testing.T) {
	c := newContract(t)
	var walk func(s map[string]any, at string)
	walk = func(s map[string]any, at string) {
		for k, v := range s {
			switch {
			case strings.HasPrefix(k, "x-"):
				if m, ok := v.(map[string]any); ok && k == "x-events" {
					for name, e := range m {
						walk(e.(map[string]any), at+".x-events."+name)
					}
				}
				continue
			case slices.Contains(schemaAnnotations, k):
				continue
			case !slices.Contains(schemaKeywords, k):
				t.Errorf("%s: keyword %q is not checked by validate", at, k)
			}
			switch k {
			case "properties":
				for name, p := range v.(map[string]any) {
					walk(p.(map[string]any), at+".properties."+name)
				}
			case "items", "additionalProperties":
				if m, ok := v.(map[string]any); ok {
					walk(m, at+"."+k)
				}
			case "allOf", "oneOf":
				for i, b := range v.([]any) {
					walk(b.(map[string]any), fmt.Sprintf("%s.%s[%d]", at, k, i))
				}
			}
		}
	}
	for name, s := range dig(c.doc.root, "components", "schemas").(map[string]any) {
		walk(s.(map[string]any), "#/components/schemas/"+name)
	}
	for path, ops := range dig(c.doc.root, "paths").(map[string]any) {
		for method, op := range ops.(map[string]any) {
			for _, kind := range []string{"responses", "requestBody"} {
				var bodies []map[string]any
				if kind == "requestBody" {
					if rb, ok := dig(op, kind).(map[string]any); ok {
						bodies = append(bodies, rb)
					}
				} else if rs, ok := dig(op, kind).(map[string]any); ok {
					for _, r := range rs {
						bodies = append(bodies, r.(map[string]any))
					}
				}
				for _, b := range bodies {
					content, _ := b["content"].(map[string]any)
					for ct, m := range content {
						if s, ok := dig(m, "schema").(map[string]any); ok {
							walk(s, fmt.Sprintf("%s %s %s %s", method, path, kind, ct))
						}
						if ev, ok := dig(m, "x-events").(map[string]any); ok {
							walk(map[string]any{"x-events": ev}, fmt.Sprintf("%s %s %s", method, path, ct))
						}
					}
				}
			}
		}
	}
}

// TestSchemaValidatorClosed: closed objects, allOf extension, oneOf and
// date-time.
func TestSchemaValidatorClosed(t *testing.T) {
	d := &apiDoc{root: map[string]any{"components": map[string]any{"schemas": map[string]any{
		"Base": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "integer"}}},
		"Closed": map[string]any{"type": "object", "properties": map[string]any{
			"t": map[string]any{"type": "string", "format": "date-time"}}, "additionalProperties": false},
		"Ext": map[string]any{"allOf": []any{map[string]any{"$ref": "#/components/schemas/Base"},
			map[string]any{"type": "object", "properties": map[string]any{"b": map[string]any{"type": "boolean"}}}},
			"unevaluatedProperties": false},
		"Either": map[string]any{"oneOf": []any{
			map[string]any{"type": "object", "required": []any{"a"}, "properties": map[string]any{"a": map[string]any{"const": "x"}}, "additionalProperties": false},
			map[string]any{"type": "object", "required": []any{"b"}, "properties": map[string]any{"b": map[string]any{"type": "integer"}}, "additionalProperties": false},
		}},
	}}}}
	for _, c := range []struct {
		schema, body string
		bad          int
	}{
		{"Closed", `{"t":"2022-01-03T00:00:00Z"}`, 0},
		{"Closed", `{"t":"2022-01-03 00:00"}`, 1},
		{"Closed", `{"t":"2022-01-03T00:00:00Z","u":1}`, 1},
		{"Base", `{"a":1,"u":1}`, 0},
		{"Ext", `{"a":1,"b":true}`, 0},
		{"Ext", `{"a":1,"b":true,"c":null}`, 1},
		{"Ext", `{"a":"1"}`, 1},
		{"Either", `{"a":"x"}`, 0},
		{"Either", `{"b":2}`, 0},
		{"Either", `{"a":"x","b":2}`, 1},
		{"Either", `{}`, 1},
	} {
		var v any
		if err := json.Unmarshal([]byte(c.body), &v); err != nil {
			t.Fatal(err)
		}
		var errs []string
		d.validate(map[string]any{"$ref": "#/components/schemas/" + c.schema}, v, "$", &errs)
		if len(errs) != c.bad {
			t.Errorf("%s %s: %d mismatches %q; want %d", c.schema, c.body, len(errs), errs, c.bad)
		}
	}
}
