package deps

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tidewatch/tidewatch"

// allowed lists, for every package of the module, the in-module packages it
// may import directly. Dependencies flow one way: geo/nmea/ais at the bottom,
// cmd/tidewatch at the top. Siblings do not import each other.
var allowed = map[string][]string{
	"internal/ais":              {},
	"internal/asterix":          {},
	"internal/geo":              {},
	"internal/nmea":             {},
	"internal/deps":             {},
	"internal/aistest":          {},                   // test helpers: imported only by _test.go files
	"internal/httpapi/apitest":  {"internal/httpapi"}, // test helpers (the API contract's checks): imported only by _test.go files
	"internal/vessel":           {},
	"internal/mmsitable":        {},
	"internal/record":           {},
	"internal/record/crashtest": {"internal/record"}, // test helpers (the crash-point loop): imported only by _test.go files
	"internal/ingest":           {"internal/nmea", "internal/ais", "internal/vessel"},
	"internal/fusion":           {"internal/vessel", "internal/geo", "internal/mmsitable"},
	"internal/store":            {"internal/vessel", "internal/geo", "internal/record"},
	"internal/simulate":         {"internal/vessel", "internal/geo", "internal/ais"},
	"internal/sensor":           {"internal/vessel", "internal/geo", "internal/nmea", "internal/asterix"},
	"internal/recorder":         {"internal/vessel", "internal/fusion", "internal/store"},
	"internal/export":           {"internal/vessel", "internal/geo", "internal/store"},
	"internal/event":            {"internal/vessel", "internal/geo", "internal/record", "internal/mmsitable"},
	"internal/contact":          {"internal/vessel", "internal/geo", "internal/record"},
	"internal/cot":              {"internal/vessel"},
	"internal/relay":            {"internal/vessel", "internal/nmea", "internal/ais"},
	// httpapi depends on small interfaces it owns (interfaces.go) and
	// plain values, never on the components that hold the data (store,
	// fusion, export, audit: package bind adapts those). What it may
	// import: vessel and geo, the leaf value types every answer is made
	// of (positions, static data, points); event, whose Event and Zone
	// values the events and zones routes serve as they are; record, the
	// portable file layer the tokens file is written with; incident
	// (still): its Incident values, their JSON, STIX and GeoJSON forms
	// and sentinels are the incidents routes' body (the IncidentStore
	// interface is httpapi's own).
	"internal/httpapi": {"internal/vessel", "internal/geo", "internal/event", "internal/incident", "internal/record"},
	// bind adapts the components to httpapi's interfaces: the server and
	// the API's tests use it.
	"internal/httpapi/bind": {"internal/httpapi", "internal/vessel", "internal/geo", "internal/fusion", "internal/store",
		"internal/export", "internal/audit"},
	"internal/webui":    {},
	"internal/basemap":  {},
	"internal/incident": {"internal/vessel", "internal/geo", "internal/record"},
	"internal/policy":   {"internal/vessel", "internal/geo", "internal/event", "internal/incident"},
	"internal/identity": {"internal/record"},
	"internal/outbox":   {"internal/record"},
	"internal/audit":    {"internal/record"},
	"internal/link":     {"internal/record"},
	"internal/cluster":  {"internal/record"},
	"internal/share": {"internal/vessel", "internal/event", "internal/incident", "internal/policy", "internal/identity",
		"internal/outbox", "internal/audit", "internal/link"},
	"internal/server": {"internal/nmea", "internal/ingest", "internal/vessel", "internal/geo", "internal/fusion",
		"internal/store", "internal/recorder", "internal/event", "internal/httpapi", "internal/webui", "internal/simulate",
		"internal/incident", "internal/policy", "internal/identity", "internal/share", "internal/cot", "internal/contact", "internal/sensor", "internal/asterix", "internal/cluster",
		"internal/export", "internal/record", "internal/relay", "internal/basemap", "internal/ais", "internal/httpapi/bind"},
	"cmd/tidewatch": {"internal/ingest", "internal/ais", "internal/asterix", "internal/sensor", "internal/vessel", "internal/fusion",
		"internal/store", "internal/geo", "internal/simulate", "internal/recorder", "internal/event", "internal/server",
		"internal/identity", "internal/policy", "internal/incident", "internal/audit", "internal/export", "internal/contact", "internal/record", "internal/basemap"},
}

// mustNot lists, for some packages, imports the style guide rules out
// whatever the table above says, so that widening the table is caught:
// httpapi reads the node's data through interfaces it owns.
var mustNot = map[string][]string{
	"internal/httpapi": {"internal/store", "internal/fusion", "internal/export", "internal/audit", "internal/ingest",
		"internal/server", "internal/share", "internal/recorder"},
}

func TestMustNotImport(t *testing.T) {
	for rel, never := range mustNot {
		for _, dep := range never {
			if slices.Contains(allowed[rel], dep) {
				t.Errorf("the import table allows %s to import %s, which it must not", rel, dep)
			}
		}
	}
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			if slices.Contains(mustNot[rel], strings.TrimPrefix(imp, module+"/")) {
				t.Errorf("%s imports %s, which it must not", rel, imp)
			}
		}
	}
}

// testHelpers are the packages of test helpers: they may import testing,
// and only _test.go files may import them.
var testHelpers = []string{"internal/aistest", "internal/httpapi/apitest", "internal/record/crashtest"}

// mayUseNetwork lists the packages allowed to import net or net/http.
var mayUseNetwork = []string{"internal/ingest", "cmd/tidewatch", "internal/httpapi", "internal/httpapi/apitest", "internal/webui", "internal/server",
	"internal/link", "internal/share", "internal/cluster", "internal/cot", "internal/relay"}

// mayStartGoroutines lists the packages whose non-test code may contain go
// statements (components with Run/Close). Core logic is synchronous.
var mayStartGoroutines = []string{"internal/ingest", "internal/store", "internal/httpapi", "internal/server",
	"internal/link", "internal/share", "internal/cluster", "internal/cot", "internal/relay"}

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// relPath is an import path relative to the module.
func relPath(importPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(importPath, module), "/")
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < len(allowed) {
		t.Fatalf("go list found %d packages, fewer than the %d in the table", len(pkgs), len(allowed))
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		ok, known := allowed[rel]
		if !known {
			t.Errorf("package %s is not in the import-rule table of deps_test.go", rel)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				dep := strings.TrimPrefix(imp, module+"/")
				if slices.Contains(testHelpers, dep) {
					t.Errorf("%s imports the test helpers of %s in non-test code", rel, dep)
				} else if !slices.Contains(ok, dep) {
					t.Errorf("%s imports %s, which the rules do not allow", rel, dep)
				}
			case imp == "net" || imp == "net/http" || strings.HasPrefix(imp, "net/http/"):
				if !slices.Contains(mayUseNetwork, rel) {
					t.Errorf("%s imports %s; only %v may use the network", rel, imp, mayUseNetwork)
				}
			case imp == "flag":
				if rel != "cmd/tidewatch" {
					t.Errorf("%s imports flag; only cmd/tidewatch reads the command line", rel)
				}
			case imp == "testing" && !slices.Contains(testHelpers, rel):
				t.Errorf("%s imports testing in non-test code", rel)
			}
		}
	}
}

func TestNoGoroutinesInCore(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if slices.Contains(mayStartGoroutines, rel) || strings.HasPrefix(rel, "cmd/") {
			continue
		}
		fset := token.NewFileSet()
		for _, f := range p.GoFiles {
			file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					t.Errorf("%s: go statement in %s, a synchronous core package", fset.Position(g.Pos()), rel)
				}
				return true
			})
		}
	}
}
