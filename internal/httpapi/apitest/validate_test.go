package apitest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
)

// TestSchemaValidator: the validator used on responses catches what it
// must, so a response test that passes means something.
func TestSchemaValidator(t *testing.T) {
	d := apitest.FromRoot(map[string]any{"components": map[string]any{"schemas": map[string]any{
		"P": map[string]any{"type": "object", "required": []any{"track"}, "properties": map[string]any{
			"track": map[string]any{"type": "integer", "minimum": 0.0, "maximum": 255.0},
			"name":  map[string]any{"type": []any{"string", "null"}},
			"sel":   map[string]any{"type": "string", "pattern": "^(all|main)$"},
			"kind":  map[string]any{"enum": []any{"a", "b"}},
		}}}}})
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
		d.Validate(s, v, "$", &errs)
		if len(errs) != c.bad {
			t.Errorf("%s: %d mismatches %q; want %d", c.body, len(errs), errs, c.bad)
		}
	}
}

// TestSchemaValidatorClosed: closed objects, allOf extension, oneOf and
// date-time.
func TestSchemaValidatorClosed(t *testing.T) {
	d := apitest.FromRoot(map[string]any{"components": map[string]any{"schemas": map[string]any{
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
	}}})
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
		d.Validate(map[string]any{"$ref": "#/components/schemas/" + c.schema}, v, "$", &errs)
		if len(errs) != c.bad {
			t.Errorf("%s %s: %d mismatches %q; want %d", c.schema, c.body, len(errs), errs, c.bad)
		}
	}
}

// TestContractCheck: the response check fails what it must: a path or
// status the document does not have, a content type it does not list, a
// body where it documents none, a member missing, of the wrong type, or
// undocumented in a closed object.
func TestContractCheck(t *testing.T) {
	d := apitest.Load(t)
	js := http.Header{"Content-Type": {"application/json"}}
	session := `{"role":"read","name":"reader","zone_editing":false}`
	for _, tc := range []struct {
		method, path string
		code         int
		hdr          http.Header
		body         string
		bad          bool
	}{
		{"GET", "/api/v1/session", 200, js, session, false},
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader"}`, true},                            // zone_editing missing
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader","zone_editing":"no"}`, true},        // a wrong type
		{"GET", "/api/v1/session", 200, js, `{"role":"read","name":"reader","zone_editing":false,"x":1}`, true}, // undocumented
		{"GET", "/api/v1/session", 200, http.Header{"Content-Type": {"text/html"}}, session, true},
		{"GET", "/api/v1/session", 418, js, session, true},
		{"GET", "/api/v1/nothing", 404, js, `{"error":{"code":"not_found","message":"no"}}`, false},
		{"GET", "/api/v1/nothing", 200, js, `{}`, true},
		{"PATCH", "/api/v1/session", 405, js, `{"error":{"code":"method_not_allowed","message":"no"}}`, false},
		{"PATCH", "/api/v1/session", 200, js, session, true},
		{"DELETE", "/api/v1/tokens/x", 204, http.Header{}, "", false},
		{"DELETE", "/api/v1/tokens/x", 204, js, `{}`, true},
		{"GET", "/api/v1/session", 401, js, `{"error":{"code":"unauthorized"}}`, true},
	} {
		r, _ := http.NewRequest(tc.method, "http://x"+tc.path, nil)
		errs := d.Check(tc.method, d.Pattern(r), tc.code, tc.hdr, []byte(tc.body))
		if got := len(errs) > 0; got != tc.bad {
			t.Errorf("%s %s %d %s: mismatches %q; want some: %v", tc.method, tc.path, tc.code, tc.body, errs, tc.bad)
		}
	}
}
