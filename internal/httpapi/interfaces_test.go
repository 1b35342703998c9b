package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/store"
)

// The server's concrete types satisfy the interfaces the API reads.
var (
	_ httpapi.History  = (*store.DB)(nil)
	_ httpapi.Picture  = (*fusion.Picture)(nil)
	_ httpapi.AuditLog = (*audit.Log)(nil)
)

// TestNoConcreteDependencies: the API's code names none of the concrete
// types of the store, the picture or the audit log (it may use their
// value types: positions, states, filters); it reads them through the
// interfaces of interfaces.go, which the server fills.
func TestNoConcreteDependencies(t *testing.T) {
	concrete := map[string][]string{"store": {"DB"}, "fusion": {"Picture"}, "audit": {"Log"}}
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
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n++
		ast.Inspect(f, func(node ast.Node) bool {
			sel, ok := node.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok {
				for _, ty := range concrete[pkg.Name] {
					if sel.Sel.Name == ty {
						t.Errorf("%s: uses %s.%s; read it through an interface of the package", fset.Position(sel.Pos()), pkg.Name, ty)
					}
				}
			}
			return true
		})
	}
	if n == 0 {
		t.Fatal("no source files")
	}
}
