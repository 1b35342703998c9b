package apitest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// errorResponse is the answer of a path the document does not have (404)
// or of a method it does not list for a path (405): the handler's JSON
// error.
func errorResponse() map[string]any {
	return map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
}

// Check returns how a response of method to the document's path pattern
// ("" when no path matches, see Pattern) differs from the document: an
// undocumented status, a content type not listed, a body where none is
// documented, or a JSON body that does not match the schema. A body with
// a Content-Encoding (gzip, zstd) is uncompressed first.
func (d *Doc) Check(method, pattern string, code int, hdr http.Header, body []byte) []string {
	var resp map[string]any
	switch op, _ := Dig(d.Root, "paths", pattern, strings.ToLower(method)).(map[string]any); {
	case pattern == "":
		if code != http.StatusNotFound {
			return []string{fmt.Sprintf("a path openapi.json does not have answers %d; want 404", code)}
		}
		resp = errorResponse()
	case op == nil:
		if code != http.StatusMethodNotAllowed {
			return []string{fmt.Sprintf("openapi.json has no %s %s, which answers %d; want 405", method, pattern, code)}
		}
		resp = errorResponse()
	default:
		r, ok := Dig(op, "responses", strconv.Itoa(code)).(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("status %d is not documented for %s %s", code, method, pattern)}
		}
		if ref, ok := r["$ref"].(string); ok {
			if r, ok = d.Resolve(ref); !ok {
				return []string{"unresolved " + ref}
			}
		}
		resp = r
	}
	body, err := uncompress(hdr.Get("Content-Encoding"), body)
	if err != nil {
		return []string{err.Error()}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 && code != http.StatusNotModified {
			return []string{fmt.Sprintf("a body (%s) where openapi.json documents none: %s", hdr.Get("Content-Type"), Short(string(body)))}
		}
		return nil
	}
	if method == "HEAD" {
		return nil
	}
	ct := hdr.Get("Content-Type")
	media, ok := matchMedia(content, ct)
	if !ok {
		return []string{fmt.Sprintf("Content-Type %q is not one of those documented (%v)", ct, keysOf(content))}
	}
	if len(body) == 0 {
		return []string{fmt.Sprintf("an empty body where openapi.json documents %s", ct)}
	}
	mt := MediaType(ct)
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("the %s body is not JSON: %v", ct, err)}
	}
	schema, ok := media["schema"].(map[string]any)
	if !ok {
		return nil
	}
	var errs []string
	d.Validate(schema, v, "$", &errs)
	return errs
}

// CheckEvent checks one event of the live stream of pattern (its text
// without the blank line that ends it): its name must be one of the
// stream's x-events and its data the JSON of that schema. A comment (the
// heartbeat) passes.
func (d *Doc) CheckEvent(pattern string, ev []byte) []string {
	name, data := "message", ""
	for line := range strings.SplitSeq(string(ev), "\n") {
		switch {
		case strings.HasPrefix(line, ":"), line == "":
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		case strings.HasPrefix(line, "id:"), strings.HasPrefix(line, "retry:"):
		default:
			return []string{fmt.Sprintf("line %q is not an SSE field", line)}
		}
	}
	if data == "" && name == "message" {
		return nil // a comment (heartbeat)
	}
	events, _ := Dig(d.Root, "paths", pattern, "get", "responses", "200", "content", "text/event-stream", "x-events").(map[string]any)
	s, ok := events[name].(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("event %q is not in the x-events of %s (%v)", name, pattern, keysOf(events))}
	}
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return []string{fmt.Sprintf("event %s: data %q is not JSON: %v", name, Short(data), err)}
	}
	var errs []string
	d.Validate(s, v, name, &errs)
	return errs
}

// eventName is the name of a stream event ("message" when none).
func eventName(ev []byte) string {
	for line := range bytes.SplitSeq(ev, []byte("\n")) {
		if n, ok := bytes.CutPrefix(line, []byte("event:")); ok {
			return string(bytes.TrimSpace(n))
		}
	}
	return "message"
}

// matchMedia finds the media type of content a Content-Type matches:
// the same type, with every parameter the document names (version=2.1).
func matchMedia(content map[string]any, ct string) (map[string]any, bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, false
	}
	for key, m := range content {
		kt, kp, err := mime.ParseMediaType(key)
		if err != nil || kt != mt {
			continue
		}
		ok := true
		for k, v := range kp {
			ok = ok && params[k] == v
		}
		if ok {
			mm, _ := m.(map[string]any)
			return mm, true
		}
	}
	return nil, false
}

// MediaType is the media type of a Content-Type, without parameters.
func MediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

func uncompress(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %v", err)
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("zstd body: %v", err)
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
}

func keysOf(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
