package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
)

// apiDoc is the served OpenAPI document, decoded generically, for
// validating responses against it.
type apiDoc struct {
	*apitest.Doc
}

// loadAPIDoc fetches /openapi.json from srvURL.
func loadAPIDoc(t *testing.T, srvURL string) *apiDoc {
	t.Helper()
	code, _, body := do(t, "GET", srvURL+"/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	d, err := apitest.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	return &apiDoc{d}
}

// responseSchema returns the schema of a 200 response of method path with
// content type ct.
func (d *apiDoc) responseSchema(t *testing.T, method, path, ct string) map[string]any {
	t.Helper()
	s, ok := apitest.Dig(d.Root, "paths", path, strings.ToLower(method), "responses", "200", "content", ct, "schema").(map[string]any)
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
	d.Validate(d.responseSchema(t, method, path, ct), v, "$", &errs)
	for i, e := range errs {
		if i == 10 {
			t.Errorf("%s %s: %d more mismatches", method, path, len(errs)-i)
			break
		}
		t.Errorf("%s %s (%s): %s", method, path, ct, e)
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
			case slices.Contains(apitest.Annotations, k):
				continue
			case !slices.Contains(apitest.Keywords, k):
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
	for name, s := range apitest.Dig(c.doc.Root, "components", "schemas").(map[string]any) {
		walk(s.(map[string]any), "#/components/schemas/"+name)
	}
	for path, ops := range apitest.Dig(c.doc.Root, "paths").(map[string]any) {
		for method, op := range ops.(map[string]any) {
			for _, kind := range []string{"responses", "requestBody"} {
				var bodies []map[string]any
				if kind == "requestBody" {
					if rb, ok := apitest.Dig(op, kind).(map[string]any); ok {
						bodies = append(bodies, rb)
					}
				} else if rs, ok := apitest.Dig(op, kind).(map[string]any); ok {
					for _, r := range rs {
						bodies = append(bodies, r.(map[string]any))
					}
				}
				for _, b := range bodies {
					content, _ := b["content"].(map[string]any)
					for ct, m := range content {
						if s, ok := apitest.Dig(m, "schema").(map[string]any); ok {
							walk(s, fmt.Sprintf("%s %s %s %s", method, path, kind, ct))
						}
						if ev, ok := apitest.Dig(m, "x-events").(map[string]any); ok {
							walk(map[string]any{"x-events": ev}, fmt.Sprintf("%s %s %s", method, path, ct))
						}
					}
				}
			}
		}
	}
}
