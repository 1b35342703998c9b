package httpapi_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNoConcreteDependencies: the API's code imports none of the packages
// that hold the node's data (the store, the picture, the exports, the
// audit log); it reads them through the interfaces and plain values of
// interfaces.go, which the server fills through package bind. (The
// import table of internal/deps enforces it for the whole module; this
// names the file.)
func TestNoConcreteDependencies(t *testing.T) {
	const module = "github.com/tidewatch/tidewatch/internal/"
	forbidden := []string{"store", "fusion", "export", "audit"}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, pkg := range forbidden {
				if path == module+pkg {
					t.Errorf("%s: imports %s; read it through an interface of interfaces.go", fset.Position(imp.Pos()), path)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no source files")
	}
}
