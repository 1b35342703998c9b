package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
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

// validate checks v against the subset of JSON Schema (2020-12) that
// openapi.json uses: $ref, type (one or a list), const, enum, properties,
// required, items, minimum, maximum and pattern.
func (d *apiDoc) validate(s map[string]any, v any, at string, errs *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		keys := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
		rs, ok := dig(d.root, keys...).(map[string]any)
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
			*errs = append(*errs, fmt.Sprintf("%s: %v is not of type %v", at, v, types))
			return
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		*errs = append(*errs, fmt.Sprintf("%s: %v; want %v", at, v, c))
	}
	if en, ok := s["enum"].([]any); ok && !slices.ContainsFunc(en, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		*errs = append(*errs, fmt.Sprintf("%s: %v not in %v", at, v, en))
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
	}
	if obj, ok := v.(map[string]any); ok {
		if req, ok := s["required"].([]any); ok {
			for _, k := range req {
				if _, ok := obj[k.(string)]; !ok {
					*errs = append(*errs, fmt.Sprintf("%s: no %q", at, k))
				}
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, ps := range props {
				if x, ok := obj[k]; ok {
					d.validate(ps.(map[string]any), x, at+"."+k, errs)
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
	}
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
