package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

//go:generate go test -run TestAPITypesGenerated -update .

var updateGenerated = flag.Bool("update", false, "rewrite the generated files (the web map's api-types.d.ts)")

// apiTypesFile is the web map's TypeScript declarations of the API,
// generated from openapi.json.
const apiTypesFile = "../webui/app/src/api-types.d.ts"

// TestAPITypesGenerated fails when the checked-in api-types.d.ts is not
// what openapi.json generates; -update (or go generate) rewrites it.
func TestAPITypesGenerated(t *testing.T) {
	got, err := generateTS(httpapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if *updateGenerated {
		if err := os.WriteFile(apiTypesFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(apiTypesFile)
	if err != nil {
		t.Fatalf("%v: run go generate ./internal/httpapi", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: openapi.json changed; run go generate ./internal/httpapi (go test ./internal/httpapi -run TestAPITypesGenerated -update)", apiTypesFile)
	}
}

// TestGenerateTS: the generator's translation of the schema keywords.
func TestGenerateTS(t *testing.T) {
	doc := `{"paths":{"/x/{id}":{"get":{"operationId":"getX","responses":{"200":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/X"}}}},
		"404":{"content":{"application/json":{"schema":{"type":"string"}}}}}},
		"put":{"operationId":"put_x","requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"a b":{"type":"integer"}}}}}},"responses":{"204":{"description":"none"}}}}},
		"components":{"schemas":{"X":{"type":"object","description":"An X.","required":["id","kind"],"properties":{
			"id":{"type":"integer","description":"its id"},
			"kind":{"enum":["a","b"]},
			"name":{"type":["string","null"]},
			"tags":{"type":"array","items":{"type":["string","null"]}},
			"m":{"type":"object","additionalProperties":{"type":"number"}},
			"c":{"const":"Feature"},
			"any":{}},"additionalProperties":false},
		"Y":{"allOf":[{"$ref":"#/components/schemas/X"},{"type":"object","properties":{"y":{"type":"boolean"}}}]},
		"Z":{"oneOf":[{"$ref":"#/components/schemas/X"},{"type":"object"}]}}}}`
	out, err := generateTS([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/** An X. */\nexport interface X {\n",
		"  /** its id */\n  id: number;\n",
		`  kind: "a" | "b";` + "\n",
		"  name?: string | null;\n",
		"  tags?: (string | null)[];\n",
		"  m?: { [key: string]: number };\n",
		`  c?: "Feature";` + "\n",
		"  any?: unknown;\n",
		"export type Y = X & {\n  y?: boolean;\n};\n",
		"export type Z = X | { [key: string]: unknown };\n",
		"export type GetXResponse = X;\n",
		"export interface PutXRequest {\n  \"a b\"?: number;\n  [key: string]: unknown;\n}\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("generated TypeScript lacks\n%s\nin\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "404") {
		t.Errorf("an error response got a type:\n%s", out)
	}
}

// node is a JSON value with the members of objects in document order.
type jnode struct {
	keys []string
	obj  map[string]*jnode
	arr  []*jnode
	val  any // string, float64, bool or nil for scalars
	kind byte
}

func (n *jnode) get(k string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	return n.obj[k]
}

func (n *jnode) str() string {
	if n == nil {
		return ""
	}
	s, _ := n.val.(string)
	return s
}

func parseJNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &jnode{kind: '{', obj: map[string]*jnode{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			v, err := parseJNode(dec)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.obj[k] = v
		}
		_, err := dec.Token()
		return n, err
	case json.Delim('['):
		n := &jnode{kind: '['}
		for dec.More() {
			v, err := parseJNode(dec)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		_, err := dec.Token()
		return n, err
	}
	return &jnode{kind: 'v', val: tok}, nil
}

// generateTS writes the TypeScript declarations of an OpenAPI document:
// a type per component schema, and per operation the type of its
// successful JSON response(s) (OperationResponse, with the media type's
// name for a second one: TrackGeoJSONResponse) and of its JSON request
// body (OperationRequest), and StreamEvents, the data of each event of
// the live stream by name.
func generateTS(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	root, err := parseJNode(dec)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("openapi.json: data after the document")
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by go generate ./internal/httpapi from internal/httpapi/openapi.json. DO NOT EDIT.\n\n")
	b.WriteString("// The types of the tidewatch API (/api/v1) for the web map: a type per\n// schema of openapi.json, and per operation its response and request.\n")
	schemas := root.get("components").get("schemas")
	if schemas != nil {
		for _, name := range schemas.keys {
			b.WriteString("\n")
			declare(&b, name, schemas.obj[name])
		}
	}
	paths := root.get("paths")
	if paths == nil {
		return b.Bytes(), nil
	}
	for _, p := range paths.keys {
		ops := paths.obj[p]
		for _, m := range ops.keys {
			op := ops.obj[m]
			id := op.get("operationId").str()
			if id == "" {
				continue
			}
			base := pascal(id)
			if rs := op.get("responses"); rs != nil {
				for _, st := range rs.keys {
					if !strings.HasPrefix(st, "2") {
						continue
					}
					content := rs.obj[st].get("content")
					if content == nil {
						continue
					}
					first := true
					for _, ct := range content.keys {
						if !isJSONMedia(ct) {
							continue
						}
						s := content.obj[ct].get("schema")
						if s == nil {
							continue
						}
						name := base + "Response"
						if !first {
							name = base + mediaName(ct) + "Response"
						}
						first = false
						if schemas.get(name) != nil {
							if s.get("$ref").str() == "#/components/schemas/"+name {
								continue // the schema of that name is the type
							}
							name += "Body"
						}
						b.WriteString(fmt.Sprintf("\n/** %s %s: %s */\n", strings.ToUpper(m), p, st))
						declareNoDoc(&b, name, s)
					}
					if ev := content.get("text/event-stream").get("x-events"); ev != nil {
						b.WriteString(fmt.Sprintf("\n/** %s %s: the data of each event of the stream, by event name */\n", strings.ToUpper(m), p))
						b.WriteString("export interface StreamEvents {\n")
						for _, k := range ev.keys {
							b.WriteString("  " + propName(k) + ": " + tsType(ev.obj[k], "  ") + ";\n")
						}
						b.WriteString("}\n")
					}
				}
			}
			if content := op.get("requestBody").get("content"); content != nil {
				keys := slices.Clone(content.keys)
				slices.SortStableFunc(keys, func(a, b string) int {
					return boolInt(a != "application/json") - boolInt(b != "application/json")
				})
				for _, ct := range keys {
					if s := content.obj[ct].get("schema"); isJSONMedia(ct) && s != nil {
						name := base + "Request"
						if schemas.get(name) != nil {
							if s.get("$ref").str() == "#/components/schemas/"+name {
								break // the schema of that name is the type
							}
							name += "Body"
						}
						b.WriteString(fmt.Sprintf("\n/** %s %s: the request body */\n", strings.ToUpper(m), p))
						declareNoDoc(&b, name, s)
						break
					}
				}
			}
		}
	}
	return b.Bytes(), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isJSONMedia(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// mediaName names a media type in a type name: application/geo+json is
// GeoJSON, application/stix+json STIX, the project's own
// application/vnd.tidewatch.compact+json Compact.
func mediaName(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	sub := strings.TrimSuffix(mt[strings.Index(mt, "/")+1:], "+json")
	if own, ok := strings.CutPrefix(sub, "vnd.tidewatch."); ok {
		return pascal(own)
	}
	switch sub {
	case "geo":
		return "GeoJSON"
	case "json":
		return "JSON"
	}
	return strings.ToUpper(sub)
}

// pascal turns an operationId (vessels, vesselDetail, put_x) into a type
// name (Vessels, VesselDetail, PutX).
func pascal(id string) string {
	var out []rune
	up := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		out = append(out, r)
	}
	return string(out)
}

func declare(b *bytes.Buffer, name string, s *jnode) {
	comment(b, s.get("description").str(), "")
	declareNoDoc(b, name, s)
}

// declareNoDoc writes an interface for a plain object schema, else a
// type alias.
func declareNoDoc(b *bytes.Buffer, name string, s *jnode) {
	if s.get("properties") != nil && s.get("allOf") == nil && s.get("oneOf") == nil && s.get("$ref") == nil {
		b.WriteString("export interface " + name + " " + objectType(s, "", true) + "\n")
		return
	}
	b.WriteString("export type " + name + " = " + tsType(s, "") + ";\n")
}

func comment(b *bytes.Buffer, text, indent string) {
	if text == "" {
		return
	}
	text = strings.ReplaceAll(text, "*/", "* /")
	b.WriteString(indent + "/** " + text + " */\n")
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func propName(k string) string {
	if identifier.MatchString(k) {
		return k
	}
	q, _ := json.Marshal(k)
	return string(q)
}

// tsType is the TypeScript type of a schema.
func tsType(s *jnode, indent string) string {
	if s == nil {
		return "unknown"
	}
	if ref := s.get("$ref").str(); ref != "" {
		return ref[strings.LastIndex(ref, "/")+1:]
	}
	if c := s.get("const"); c != nil {
		return literal(c)
	}
	if en := s.get("enum"); en != nil {
		var parts []string
		for _, e := range en.arr {
			parts = append(parts, literal(e))
		}
		return strings.Join(parts, " | ")
	}
	if all := s.get("allOf"); all != nil {
		var parts []string
		for _, b := range all.arr {
			if b.get("properties") != nil && b.get("$ref") == nil {
				// An extension: the schema that has the allOf says
				// whether other members are allowed.
				parts = append(parts, objectType(b, indent, false))
				continue
			}
			parts = append(parts, paren(tsType(b, indent)))
		}
		return strings.Join(parts, " & ")
	}
	if one := s.get("oneOf"); one != nil {
		var parts []string
		for _, b := range one.arr {
			parts = append(parts, tsType(b, indent))
		}
		return strings.Join(parts, " | ")
	}
	var types []string
	switch ty := s.get("type"); {
	case ty == nil:
		if s.get("properties") != nil {
			types = []string{"object"}
		}
	case ty.kind == '[':
		for _, e := range ty.arr {
			types = append(types, e.str())
		}
	default:
		types = []string{ty.str()}
	}
	if len(types) == 0 {
		return "unknown"
	}
	var parts []string
	for _, ty := range types {
		switch ty {
		case "string":
			parts = append(parts, "string")
		case "integer", "number":
			parts = append(parts, "number")
		case "boolean":
			parts = append(parts, "boolean")
		case "null":
			parts = append(parts, "null")
		case "array":
			parts = append(parts, paren(tsType(s.get("items"), indent))+"[]")
		case "object":
			parts = append(parts, objectType(s, indent, true))
		default:
			parts = append(parts, "unknown")
		}
	}
	return strings.Join(parts, " | ")
}

// paren puts a union or intersection in parentheses.
func paren(t string) string {
	if strings.ContainsAny(t, "|&") && !strings.HasPrefix(t, "{") {
		return "(" + t + ")"
	}
	return t
}

func literal(n *jnode) string {
	data, _ := json.Marshal(n.val)
	return string(data)
}

// objectType is the TypeScript of an object schema: its properties
// (optional unless required), then an index signature when other
// members are allowed (and index is true: not in an allOf branch).
func objectType(s *jnode, indent string, index bool) string {
	props := s.get("properties")
	ap := s.get("additionalProperties")
	closed := ap != nil && ap.kind == 'v' && ap.val == false
	if ue := s.get("unevaluatedProperties"); ue != nil && ue.kind == 'v' && ue.val == false {
		closed = true
	}
	extra := ""
	switch {
	case ap != nil && ap.kind == '{':
		extra = tsType(ap, indent+"  ")
	case !closed:
		extra = "unknown"
	}
	if !index {
		extra = ""
	}
	if props == nil || len(props.keys) == 0 {
		if extra == "" {
			return "Record<string, never>"
		}
		return "{ [key: string]: " + extra + " }"
	}
	required := map[string]bool{}
	for _, r := range s.get("required").arrOrNil() {
		required[r.str()] = true
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	in := indent + "  "
	for _, k := range props.keys {
		p := props.obj[k]
		comment(&b, p.get("description").str(), in)
		opt := "?"
		if required[k] {
			opt = ""
		}
		b.WriteString(in + propName(k) + opt + ": " + tsType(p, in) + ";\n")
	}
	if extra != "" {
		b.WriteString(in + "[key: string]: " + extra + ";\n")
	}
	b.WriteString(indent + "}")
	return b.String()
}

func (n *jnode) arrOrNil() []*jnode {
	if n == nil {
		return nil
	}
	return n.arr
}

// TestAPITypesCompile type-checks the generated declarations with the
// TypeScript compiler when tsc is on the PATH (npm install -g typescript).
func TestAPITypesCompile(t *testing.T) {
	tsc, err := exec.LookPath("tsc")
	if err != nil {
		t.Skip("no tsc")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, tsc, "--noEmit", "--strict", apiTypesFile).CombinedOutput(); err != nil {
		t.Errorf("tsc %s: %v\n%s", apiTypesFile, err, out)
	}
}
