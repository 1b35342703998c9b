package incident_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

var stixOpts = incident.STIXOptions{Node: "IN-IFC-IOR", Name: "Information Fusion Centre - Indian Ocean Region"}

func TestSTIXGolden(t *testing.T) {
	b, err := incident.STIXBundle(samples(), stixOpts)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "bundle.golden.json", b)
	checkBundle(t, b)
}

func TestSTIXDeterministic(t *testing.T) {
	a, err := incident.STIXBundle(samples(), stixOpts)
	if err != nil {
		t.Fatal(err)
	}
	rev := samples()
	slices.Reverse(rev)
	b, err := incident.STIXBundle(rev, stixOpts)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("the bundle depends on the order of the records")
	}
	// Another version of a record is another bundle, with the same object IDs.
	next := samples()
	next[0].Version, next[0].Updated = 3, next[0].Updated+60_000
	c, err := incident.STIXBundle(next, stixOpts)
	if err != nil {
		t.Fatal(err)
	}
	if bundleID(t, a) == bundleID(t, c) {
		t.Error("a new version gives the same bundle ID")
	}
	if !slices.Equal(objectIDs(t, a), objectIDs(t, c)) {
		t.Error("a new version changes object IDs")
	}
}

func TestSTIXContent(t *testing.T) {
	del := piracy()
	del.Deleted = true
	b, err := incident.STIXBundle([]incident.Incident{del, assessment(), fishing()}, stixOpts)
	if err != nil {
		t.Fatal(err)
	}
	objs := checkBundle(t, b)
	byID := map[string]map[string]any{}
	count := map[string]int{}
	for _, o := range objs {
		byID[o["id"].(string)] = o
		count[o["type"].(string)]++
	}
	// Two incidents, one report; three locations (a point; an area; a
	// point and an area); the node's and the partner's identities and
	// three vessels; three markings; located-at and related-to, three each
	// for the two incidents.
	want := map[string]int{"incident": 2, "report": 1, "location": 4, "identity": 5, "marking-definition": 3, "relationship": 3 + 3}
	for typ, n := range want {
		if count[typ] != n {
			t.Errorf("%d objects of type %s; want %d", count[typ], typ, n)
		}
	}
	inc := byID[piracy().ID]
	if inc == nil {
		t.Fatal("no incident object with the record's ID")
	}
	if inc["name"] != piracy().Title || inc["description"] != hostile || inc["revoked"] != true {
		t.Errorf("incident = %v", inc)
	}
	if refs := inc["object_marking_refs"].([]any); len(refs) != 1 || refs[0] != incident.STIXMarkingID(incident.TLPAmber) {
		t.Errorf("incident marked %v", refs)
	}
	if inc["created"] != "2025-09-03T05:00:00.000Z" || inc["modified"] != "2025-09-03T06:30:00.125Z" {
		t.Errorf("incident times %v, %v", inc["created"], inc["modified"])
	}
	rep := byID["report--"+strings.TrimPrefix(assessment().ID, "incident--")]
	if rep == nil || rep["published"] != "2025-08-28T10:00:00.000Z" {
		t.Fatalf("report = %v", rep)
	}
	loc := byID[rep["object_refs"].([]any)[0].(string)]
	if loc["type"] != "location" || loc["x_tidewatch_geometry"] == nil {
		t.Fatalf("report's location = %v", loc)
	}
	// The centroid of the Gulf of Aden box, and a radius that covers it.
	if lat, lon := loc["latitude"].(float64), loc["longitude"].(float64); lat < 12.9 || lat > 13.1 || lon < 46.9 || lon > 47.1 {
		t.Errorf("centroid %v,%v; want about 13,47", lat, lon)
	}
	if p := loc["precision"].(float64); p < 440e3 || p > 500e3 {
		t.Errorf("precision %v m; want about 470 km", p)
	}
	// The antimeridian area: centroid near 180, not near 0.
	for _, o := range objs {
		if g, ok := o["x_tidewatch_geometry"].(map[string]any); ok && g["type"] == "MultiPolygon" {
			if lon := o["longitude"].(float64); lon < 165 || lon > 178 {
				t.Errorf("centroid of the Pacific areas at longitude %v; want about 171", lon)
			}
		}
	}
	// Every marking definition is the official TLP 2.0 one.
	official := map[string]string{
		"TLP:CLEAR":        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"TLP:GREEN":        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"TLP:AMBER":        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		"TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"TLP:RED":          "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	for i := range 5 {
		tl := incident.TLP(i)
		if incident.STIXMarkingID(tl) != official[tl.String()] {
			t.Errorf("STIXMarkingID(%v) = %s", tl, incident.STIXMarkingID(tl))
		}
	}
	for _, o := range objs {
		if o["type"] == "marking-definition" && official[o["name"].(string)] != o["id"] {
			t.Errorf("marking %v", o)
		}
	}
	if strings.Contains(string(b), "<script>") {
		t.Error("markup not escaped in the bundle")
	}
}

func TestSTIXRefuses(t *testing.T) {
	if _, err := incident.STIXBundle(samples(), incident.STIXOptions{}); !errors.Is(err, incident.ErrOptions) {
		t.Errorf("no node: %v", err)
	}
	draftRec := piracy()
	draftRec.ID = ""
	if _, err := incident.STIXBundle([]incident.Incident{draftRec}, stixOpts); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("record without ID: %v", err)
	}
	if _, err := incident.STIXBundle([]incident.Incident{piracy(), piracy()}, stixOpts); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("record twice: %v", err)
	}
	bad := piracy()
	bad.TLP = 9
	if _, err := incident.STIXBundle([]incident.Incident{bad}, stixOpts); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("invalid record: %v", err)
	}
}

// The structural validator: what STIX 2.1 requires of the objects the
// bundle uses.
var (
	stixIDRe   = regexp.MustCompile(`^([a-z][a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	stixTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	propRe     = regexp.MustCompile(`^[a-z0-9_]{2,250}$`)
	required   = map[string][]string{
		"identity":           {"name"},
		"incident":           {"name"},
		"report":             {"name", "published", "object_refs"},
		"location":           {},
		"relationship":       {"relationship_type", "source_ref", "target_ref"},
		"marking-definition": {"name", "extensions"},
	}
	common = []string{"type", "spec_version", "id", "created"}
	known  = map[string]bool{ // standard properties; others must be x_ custom ones
		"type": true, "spec_version": true, "id": true, "created": true, "modified": true, "created_by_ref": true,
		"revoked": true, "object_marking_refs": true, "name": true, "description": true, "identity_class": true,
		"report_types": true, "published": true, "object_refs": true, "latitude": true, "longitude": true,
		"precision": true, "relationship_type": true, "source_ref": true, "target_ref": true, "extensions": true,
	}
)

func checkBundle(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var bundle struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	if bundle.Type != "bundle" || !stixIDRe.MatchString(bundle.ID) || !strings.HasPrefix(bundle.ID, "bundle--") {
		t.Errorf("bundle type %q id %q", bundle.Type, bundle.ID)
	}
	ids := map[string]string{}
	for _, o := range bundle.Objects {
		id, _ := o["id"].(string)
		typ, _ := o["type"].(string)
		if m := stixIDRe.FindStringSubmatch(id); m == nil || m[1] != typ {
			t.Errorf("object id %q of type %q", id, typ)
		}
		if _, dup := ids[id]; dup {
			t.Errorf("id %s twice", id)
		}
		ids[id] = typ
	}
	ref := func(o map[string]any, key string, v any, wantType string) {
		s, _ := v.(string)
		typ, ok := ids[s]
		if !ok {
			t.Errorf("%s: %s %q does not resolve in the bundle", o["id"], key, v)
		} else if wantType != "" && typ != wantType {
			t.Errorf("%s: %s %q is a %s; want %s", o["id"], key, s, typ, wantType)
		}
	}
	for _, o := range bundle.Objects {
		typ := o["type"].(string)
		req, ok := required[typ]
		if !ok {
			t.Errorf("unexpected object type %q", typ)
			continue
		}
		must := append(slices.Clone(common), req...)
		if typ != "marking-definition" {
			must = append(must, "modified")
		}
		for _, k := range must {
			if _, ok := o[k]; !ok {
				t.Errorf("%s: no %s", o["id"], k)
			}
		}
		if o["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", o["id"], o["spec_version"])
		}
		for k, v := range o {
			if !known[k] && !strings.HasPrefix(k, "x_tidewatch_") || !propRe.MatchString(k) {
				t.Errorf("%s: property %q is neither standard nor x_tidewatch_", o["id"], k)
			}
			switch k {
			case "created", "modified", "published", "x_tidewatch_start", "x_tidewatch_end":
				s, _ := v.(string)
				if !stixTimeRe.MatchString(s) {
					t.Errorf("%s: %s %q is not a timestamp with milliseconds", o["id"], k, v)
				}
			case "created_by_ref":
				ref(o, k, v, "identity")
			case "source_ref", "target_ref":
				ref(o, k, v, "")
			case "object_marking_refs":
				for _, r := range v.([]any) {
					ref(o, k, r, "marking-definition")
				}
			case "object_refs":
				if len(v.([]any)) == 0 {
					t.Errorf("%s: empty object_refs", o["id"])
				}
				for _, r := range v.([]any) {
					ref(o, k, r, "")
				}
			}
		}
		if c, m := o["created"], o["modified"]; m != nil && m.(string) < c.(string) {
			t.Errorf("%s: modified %v before created %v", o["id"], m, c)
		}
		switch typ {
		case "location":
			lat, ok1 := o["latitude"].(float64)
			lon, ok2 := o["longitude"].(float64)
			if !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
				t.Errorf("%s: latitude %v longitude %v", o["id"], o["latitude"], o["longitude"])
			}
		case "relationship":
			if rt := o["relationship_type"]; rt != "located-at" && rt != "related-to" {
				t.Errorf("%s: relationship_type %v", o["id"], rt)
			}
			if rt := o["relationship_type"]; rt == "located-at" && ids[o["target_ref"].(string)] != "location" {
				t.Errorf("%s: located-at a %s", o["id"], ids[o["target_ref"].(string)])
			}
		case "marking-definition":
			ext, _ := o["extensions"].(map[string]any)
			e, _ := ext["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"].(map[string]any)
			if e["extension_type"] != "property-extension" || e["tlp_2_0"] == nil {
				t.Errorf("%s: extensions %v", o["id"], o["extensions"])
			}
		}
	}
	return bundle.Objects
}

func bundleID(t *testing.T, b []byte) string {
	var v struct{ ID string }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func objectIDs(t *testing.T, b []byte) []string {
	var v struct{ Objects []struct{ ID string } }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range v.Objects {
		out = append(out, o.ID)
	}
	return out
}
