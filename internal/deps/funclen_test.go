package deps

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"testing"
)

// maxFuncLines is the longest a function or method of the packages in
// shortFuncs may be: end line minus start line of its declaration.
const maxFuncLines = 100

// shortFuncs lists the packages held to maxFuncLines (issue 12): the node's
// assembly and the command line, where long functions hid the steps.
var shortFuncs = []string{"internal/server", "cmd/tidewatch"}

func TestFunctionLength(t *testing.T) {
	seen := 0
	for _, p := range listPackages(t) {
		rel := relPath(p.ImportPath)
		if !slices.Contains(shortFuncs, rel) {
			continue
		}
		seen++
		fset := token.NewFileSet()
		for _, f := range p.GoFiles {
			file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
				if n := end.Line - start.Line; n > maxFuncLines {
					t.Errorf("%s:%d: %s is %d lines, more than %d", start.Filename, start.Line, funcName(fn), n, maxFuncLines)
				}
			}
		}
	}
	if seen != len(shortFuncs) {
		t.Fatalf("go list found %d of the %d packages in shortFuncs", seen, len(shortFuncs))
	}
}

// funcName is a declaration's name, with its receiver type for a method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if g, ok := typ.(*ast.IndexExpr); ok {
		typ = g.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
