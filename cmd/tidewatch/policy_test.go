package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	example := filepath.Join("..", "..", "internal", "policy", "testdata", "in-ifc.json")
	code, out, stderr := runCmd(t, "", "policy", "check", example)
	if code != 0 {
		t.Fatalf("policy check of the example: exit %d, %s", code, stderr)
	}
	for _, want := range []string{
		"valid; node IN-IFC, 2 partner(s)",
		"partner JP-JCG",
		"ior  bbox [20, -40, 130, 30.5]",
		"karwar_naval_base  bbox [74, 14.7, 74.4, 14.95]",
		"allow  cargo vessel (type 70) at the centre of include area ior",
		"deny   cargo vessel (type 70) at the centre of exclude area karwar_naval_base (14.8250, 74.2000)  [JP-JCG.exclude_areas]",
		"deny   military vessel (type 35) at the centre of include area ior (-4.7500, 75.0000)  [JP-JCG.exclude_vessels.ship_types]",
		"deny   vessel of unknown type (no static report yet) at the centre of include area ior (-4.7500, 75.0000)  [JP-JCG.unknown_type]",
		"partner LK-MRCC",
		"precision_m: 1000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	dir := t.TempDir()
	for _, tt := range []struct {
		name, file string
		code       int
		want       string
	}{
		{"edge across 200 degrees", `{"version":1,"node":"IN-IFC","areas":{"wide":{"geometry":{"type":"Polygon","coordinates":[[[-100,-60],[100,-60],[100,60],[-100,60],[-100,-60]]]}}},
			"partners":{"JP-JCG":{"share":{"positions":true},"exclude_areas":["wide"]}}}`, 1,
			"areas.wide.geometry.coordinates[0][1]: the edge from vertex 0 [-100, -60] to vertex 1 [100, -60] spans 200° of longitude"},
		{"unknown ship type", `{"version":1,"node":"IN-IFC","partners":{"JP-JCG":{"exclude_vessels":{"ship_types":["navy"]}}}}`, 1,
			`partner "JP-JCG": exclude_vessels.ship_types[0]: unknown ship type category "navy"`},
		{"bad unknown_type", `{"version":1,"node":"IN-IFC","partners":{"JP-JCG":{"unknown_type":"maybe"}}}`, 1,
			`partner "JP-JCG": unknown_type: "maybe"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runCmd(t, "", "policy", "check", path)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", code, stderr, out, tt.code, tt.want)
			}
		})
	}
	if code, _, _ := runCmd(t, "", "policy", "check"); code != 2 {
		t.Errorf("policy check without FILE: exit %d; want 2", code)
	}
	if code, _, stderr := runCmd(t, "", "policy", "check", filepath.Join(dir, "missing.json")); code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// TestReadmePolicyExample checks that the full example of the README's
// policy section is a valid policy.
func TestReadmePolicyExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "### The policy file")
	if i < 0 {
		t.Fatal("README.md has no policy file section")
	}
	start := strings.Index(s[i:], "```json\n")
	if start < 0 {
		t.Fatal("the policy file section has no JSON example")
	}
	rest := s[i+start+len("```json\n"):]
	example := rest[:strings.Index(rest, "```")]
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCmd(t, "", "policy", "check", path); code != 0 || !strings.Contains(out, "partner LK-MRCC") {
		t.Errorf("policy check of the README example: exit %d, %s %s", code, stderr, out)
	}
}
