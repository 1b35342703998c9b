package apitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Doc is an OpenAPI document, decoded generically, for validating
// responses against it.
type Doc struct {
	// Root is the decoded document.
	Root   map[string]any
	routes *http.ServeMux // the document's paths, to find a request's
}

// Parse decodes an OpenAPI document.
func Parse(doc []byte) (*Doc, error) {
	var root map[string]any
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("apitest: openapi document: %w", err)
	}
	return FromRoot(root), nil
}

// FromRoot is the Doc of a decoded document.
func FromRoot(root map[string]any) *Doc {
	d := &Doc{Root: root, routes: http.NewServeMux()}
	paths, _ := root["paths"].(map[string]any)
	for p := range paths {
		d.routes.Handle(p, http.NotFoundHandler())
	}
	return d
}

// Pattern is the document's path pattern r matches ("" when none does).
func (d *Doc) Pattern(r *http.Request) string {
	_, pattern := d.routes.Handler(r)
	return pattern
}

// Dig follows keys through nested objects of a decoded document (nil
// when one is missing).
func Dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Keywords are the JSON Schema (2020-12) keywords Validate implements;
// Annotations are the ones it ignores by design. A test of the document
// fails when it uses another, so that it never says more than the tests
// check.
var (
	Keywords = []string{"$ref", "type", "const", "enum", "minimum", "maximum", "pattern", "minLength", "maxLength",
		"format", "required", "properties", "additionalProperties", "unevaluatedProperties", "items", "minItems", "maxItems", "allOf", "oneOf"}
	Annotations = []string{"description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly"}
)

// Resolve follows a $ref of the document.
func (d *Doc) Resolve(ref string) (map[string]any, bool) {
	keys := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	rs, ok := Dig(d.Root, keys...).(map[string]any)
	return rs, ok
}

// Validate checks v against the subset of JSON Schema (2020-12) that the
// document uses (Keywords), appending a message for each mismatch to errs,
// at names where v is ("$" for a whole body). Objects are closed by
// additionalProperties: false (or a schema the other members must match),
// or by unevaluatedProperties: false, which admits the properties of the
// schema and of its allOf and oneOf branches (so that Detail can extend
// Summary). "format": "date-time" must be RFC 3339.
func (d *Doc) Validate(s map[string]any, v any, at string, errs *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		rs, ok := d.Resolve(ref)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: unresolved $ref %s", at, ref))
			return
		}
		d.Validate(rs, v, at, errs)
		return
	}
	if ty, ok := s["type"]; ok {
		var types []string
		switch x := ty.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, fmt.Sprint(e))
			}
		}
		if !slices.ContainsFunc(types, func(ty string) bool { return jsonTypeIs(v, ty) }) {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not of type %v", at, Short(v), types))
			return
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		*errs = append(*errs, fmt.Sprintf("%s: %v; want %v", at, Short(v), c))
	}
	if en, ok := s["enum"].([]any); ok && !slices.ContainsFunc(en, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		*errs = append(*errs, fmt.Sprintf("%s: %v not in %v", at, Short(v), en))
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
		d.validateString(s, str, at, errs)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, b := range all {
			d.Validate(b.(map[string]any), v, at, errs)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		var match int
		var first []string
		for i, b := range one {
			var e []string
			d.Validate(b.(map[string]any), v, at, &e)
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
		d.validateObject(s, obj, at, errs)
	}
	if arr, ok := v.([]any); ok {
		if is, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				d.Validate(is, x, fmt.Sprintf("%s[%d]", at, i), errs)
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

func (d *Doc) validateString(s map[string]any, str, at string, errs *[]string) {
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: pattern %s: %v", at, p, err))
		} else if !re.MatchString(str) {
			*errs = append(*errs, fmt.Sprintf("%s: %q does not match %s", at, str, p))
		}
	}
	n := float64(utf8.RuneCountInString(str))
	if m, ok := s["minLength"].(float64); ok && n < m {
		*errs = append(*errs, fmt.Sprintf("%s: %q shorter than %v", at, str, m))
	}
	if m, ok := s["maxLength"].(float64); ok && n > m {
		*errs = append(*errs, fmt.Sprintf("%s: %q longer than %v", at, Short(str), m))
	}
	if s["format"] == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", at, str))
		}
	}
}

func (d *Doc) validateObject(s map[string]any, obj map[string]any, at string, errs *[]string) {
	if req, ok := s["required"].([]any); ok {
		for _, k := range req {
			if _, ok := obj[fmt.Sprint(k)]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s: no %q", at, k))
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if x, ok := obj[k]; ok {
			d.Validate(props[k].(map[string]any), x, at+"."+k, errs)
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
				d.Validate(ap, obj[k], at+"."+k, errs)
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

// knownProperties adds the properties s declares, through $ref, allOf and
// oneOf, to known: the members unevaluatedProperties: false admits.
func (d *Doc) knownProperties(s map[string]any, known map[string]bool) {
	if ref, ok := s["$ref"].(string); ok {
		if rs, ok := d.Resolve(ref); ok {
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

// Short is v for a message, as JSON when it can be, cut to 80 characters.
func Short(v any) string {
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
