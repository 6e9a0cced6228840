package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a production function may be, from its func
// line to its closing brace.
const maxFuncLines = 80

// longFuncWhy is the phrase a longer function's doc comment must contain,
// followed by the reason.
const longFuncWhy = "over 80 lines on purpose"

// TestFunctionLength fails for every production function over maxFuncLines
// whose doc comment does not say why it is one function.
func TestFunctionLength(t *testing.T) {
	dir, _ := moduleRoot(t)
	files := goFiles(t, dir)
	fset := token.NewFileSet()
	checked := 0
	for _, g := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, filepath.FromSlash(g.rel)), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			checked++
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > maxFuncLines && (fd.Doc == nil || !strings.Contains(fd.Doc.Text(), longFuncWhy)) {
				t.Errorf("%s: %s is %d lines (at most %d, or say in its comment that it is %s, and why)",
					g.rel, fd.Name.Name, n, maxFuncLines, longFuncWhy)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("checked %d functions; is that the whole module?", checked)
	}
}
