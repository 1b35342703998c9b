package webui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeTool returns node and checks that app/node_modules holds the
// package the test needs (pkg, e.g. "typescript"). It skips only where
// node is missing; with node but without the packages it fails and says
// how to install them (bash internal/webui/app/install.sh, which CI runs).
func nodeTool(t *testing.T, pkg string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node: the map's TypeScript is not checked")
	}
	if _, err := os.Stat(filepath.Join("app", "node_modules", pkg, "package.json")); err != nil {
		t.Fatalf("app/node_modules/%s is missing: run bash internal/webui/app/install.sh (npm ci in internal/webui/app)", pkg)
	}
	return node
}

// typeCheck runs tsc --noEmit on the app whose tsconfig.json is in dir and
// returns its output and whether it passed.
func typeCheck(t *testing.T, node, dir string) (string, bool) {
	t.Helper()
	tsc, err := filepath.Abs(filepath.Join("app", "node_modules", "typescript", "bin", "tsc"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, tsc, "--noEmit", "-p", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("tsc: %v\n%s", ctx.Err(), out)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("tsc: %v", err)
	}
	return string(out), err == nil
}

// TestTypeCheck type-checks the map's TypeScript (strict, against
// api-types.d.ts, which go generate ./internal/httpapi writes from
// openapi.json): a change of the API's shape that the map's code does not
// follow fails here.
func TestTypeCheck(t *testing.T) {
	node := nodeTool(t, "typescript")
	if out, ok := typeCheck(t, node, "app"); !ok {
		t.Fatalf("tsc --noEmit found type errors in the map:\n%s", out)
	}
}

// TestTypeCheckCatchesDrift proves that the type check sees the contract:
// a copy of the sources checks clean, and the same copy with one field of
// api-types.d.ts renamed or retyped (as a change of openapi.json would
// regenerate it) fails, naming a module that uses the field.
func TestTypeCheckCatchesDrift(t *testing.T) {
	node := nodeTool(t, "typescript")
	types, err := os.ReadFile("app/src/api-types.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string // in api-types.d.ts, within the interface named
		iface    string
		wantFile string // a module that must be reported
	}{
		{"contact field renamed", "  sensor: \"radar\" | \"satellite\";", "  sensor_kind: \"radar\" | \"satellite\";", "Contact", "contactmodel.ts"},
		{"event field renamed", "  start: string;", "  started: string;", "Event", "notify.ts"},
		{"ticket renamed", "  ticket: string;", "  token: string;", "StreamTicket", "api.ts"},
		{"vessel field renamed", "  time: string | null;", "  reported: string | null;", "SummaryFields", "vessel.ts"},
		{"session field renamed", "  zone_editing: boolean;", "  zones_editable: boolean;", "Session", "main.ts"},
		{"incident field retyped", "  title: string;", "  title: string[];", "Incident", "incidents.ts"},
	}
	copyApp := func(t *testing.T, apiTypes string) string {
		dir := t.TempDir()
		abs, err := filepath.Abs("app")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(abs, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"tsconfig.json"} {
			copyFile(t, filepath.Join("app", f), filepath.Join(dir, f))
		}
		ents, err := os.ReadDir("app/src")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				copyFile(t, filepath.Join("app", "src", e.Name()), filepath.Join(dir, "src", e.Name()))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "src", "api-types.d.ts"), []byte(apiTypes), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("unchanged", func(t *testing.T) {
		if out, ok := typeCheck(t, node, copyApp(t, string(types))); !ok {
			t.Fatalf("the unchanged copy fails the type check:\n%s", out)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drifted, ok := replaceInInterface(string(types), tt.iface, tt.old, tt.new)
			if !ok {
				t.Fatalf("api-types.d.ts: interface %s has no line %q (update the test to the document)", tt.iface, tt.old)
			}
			out, ok := typeCheck(t, node, copyApp(t, drifted))
			if ok {
				t.Fatalf("tsc passed with %s.%s changed to %q: the map does not see the contract", tt.iface, strings.TrimSpace(tt.old), strings.TrimSpace(tt.new))
			}
			if !strings.Contains(out, "src/"+tt.wantFile) {
				t.Errorf("tsc failed but named no error in %s:\n%s", tt.wantFile, out)
			}
		})
	}
}

// replaceInInterface replaces the first line old inside the body of
// "export interface name {" with new.
func replaceInInterface(src, name, old, new string) (string, bool) {
	start := strings.Index(src, "export interface "+name+" {")
	if start < 0 {
		return "", false
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		return "", false
	}
	body := src[start : start+end]
	i := strings.Index(body, old+"\n")
	if i < 0 {
		return "", false
	}
	return src[:start+i] + new + src[start+i+len(old):], true
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
