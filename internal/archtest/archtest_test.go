package archtest

import (
	"bufio"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// layer is where a package sits; see the package comment.
type layer int

const (
	useCase layer = iota // the default
	root
	httpAPI
	domain
	adapter
	testSupport
)

func (l layer) String() string {
	return [...]string{"use case", "composition root", "api", "domain", "adapter", "test support"}[l]
}

// layers places the packages that are not use cases, by module-relative
// path; a path ending in "/..." covers the folder and everything below it.
// The first match wins, so api/apitest comes before api/....
var layers = []struct {
	path  string
	layer layer
}{
	{"cmd/...", root},
	{"internal/app/...", root},
	{"api/apitest", testSupport},
	{"internal/testenv", testSupport},
	{"internal/backendtest", testSupport},
	{"internal/objectstoretest", testSupport},
	{"internal/usecasetest", testSupport},
	{"api/...", httpAPI},
	{"internal/domain/...", domain},
	{"internal/gormstore", adapter},
	{"internal/localdir", adapter},
	{"internal/miniostore", adapter},
	{"internal/jwtauth", adapter},
	{"migrations", adapter},
}

// forbidden lists imports and the layers that may not have them. A path
// covers the package and those below it (gorm.io covers gorm.io/gorm);
// "./" starts a path inside this module. The domain is stricter still: see
// domainImport.
var forbidden = []struct {
	path string
	in   []layer
	why  string
}{
	{"gorm.io", []layer{httpAPI, useCase, domain}, "GORM belongs to the store (internal/gormstore)"},
	{"database/sql", []layer{httpAPI, useCase, domain}, "SQL belongs to the store (internal/gormstore)"},
	{"github.com/go-sql-driver/mysql", []layer{httpAPI, useCase, domain}, "database drivers belong to the store"},
	{"github.com/glebarez/sqlite", []layer{httpAPI, useCase, domain}, "database drivers belong to the store"},
	{"github.com/glebarez/go-sqlite", []layer{httpAPI, useCase, domain}, "database drivers belong to the store"},
	{"modernc.org/sqlite", []layer{httpAPI, useCase, domain}, "database drivers belong to the store"},
	{"github.com/mattn/go-sqlite3", []layer{httpAPI, useCase, domain}, "database drivers belong to the store"},
	{"github.com/minio/minio-go", []layer{httpAPI, useCase, domain}, "minio-go belongs to the object store (internal/miniostore)"},
	{"github.com/golang-jwt/jwt", []layer{httpAPI, useCase, domain}, "JWTs belong to internal/jwtauth, behind domain.TokenIssuer and TokenVerifier"},
	{"github.com/gin-gonic", []layer{useCase, domain, adapter}, "Gin belongs to the HTTP layer (api)"},
	{"github.com/gin-contrib", []layer{useCase, domain, adapter}, "Gin belongs to the HTTP layer (api)"},
	{"net/http", []layer{useCase, domain}, "a use case speaks no HTTP: status codes and bodies are the api's"},
	{"./api", []layer{useCase, domain, adapter}, "only the composition roots (cmd, internal/app) see the HTTP layer"},
	{"./internal/gormstore", []layer{httpAPI, useCase, domain}, "adapters are wired in cmd or internal/app and reached through domain interfaces"},
	{"./internal/localdir", []layer{httpAPI, useCase, domain}, "adapters are wired in cmd or internal/app and reached through domain interfaces"},
	{"./internal/miniostore", []layer{httpAPI, useCase, domain}, "adapters are wired in cmd or internal/app and reached through domain interfaces"},
	{"./internal/jwtauth", []layer{httpAPI, useCase, domain}, "adapters are wired in cmd or internal/app and reached through domain interfaces"},
	{"./migrations", []layer{httpAPI, useCase, domain}, "the schema is the store's"},
	{"./api/apitest", []layer{root, httpAPI, useCase, domain, adapter}, "test support is for _test.go files"},
	{"./internal/testenv", []layer{root, httpAPI, useCase, domain, adapter}, "test support is for _test.go files"},
	{"./internal/backendtest", []layer{root, httpAPI, useCase, domain, adapter}, "test support is for _test.go files"},
	{"./internal/objectstoretest", []layer{root, httpAPI, useCase, domain, adapter}, "test support is for _test.go files"},
	{"./internal/usecasetest", []layer{root, httpAPI, useCase, domain, adapter}, "test support is for _test.go files"},
}

// exceptions are imports that break a rule today and are being removed.
// The test fails when one is no longer needed, so that the list only
// shrinks: delete the line then.
var exceptions = map[string]string{}

// goFile is one non-test Go file and what it imports.
type goFile struct {
	rel     string // slash path from the module root
	pkg     string // module-relative package path, "." for the root
	imports []string
}

// TestLayers fails for every import a package's layer forbids.
func TestLayers(t *testing.T) {
	dir, module := moduleRoot(t)
	files := goFiles(t, dir)
	if len(files) < 50 {
		t.Fatalf("found %d Go files under %s; is that the module?", len(files), dir)
	}
	used := map[string]bool{}
	for _, f := range files {
		l := layerOf(f.pkg)
		for _, imp := range f.imports {
			why := check(l, module, imp)
			if why == "" {
				continue
			}
			key := f.pkg + " imports " + strings.TrimPrefix(imp, module+"/")
			if _, ok := exceptions[key]; ok {
				used[key] = true
				continue
			}
			t.Errorf("%s (%s) imports %q: %s", f.rel, l, imp, why)
		}
	}
	for key := range exceptions {
		if !used[key] {
			t.Errorf("exception %q is no longer needed: delete it from internal/archtest", key)
		}
	}
}

// TestRules checks the rules themselves on imports that must and must not
// pass, so that a rule that matches nothing cannot go unnoticed.
func TestRules(t *testing.T) {
	const m = "example.org/x"
	tests := []struct {
		pkg, imp string
		ok       bool
	}{
		{"api", "gorm.io/gorm", false},
		{"api", m + "/internal/gormstore", false},
		{"api/docsui", m + "/internal/jwtauth", false},
		{"api", "database/sql", false},
		{"api", "github.com/minio/minio-go/v7", false},
		{"api", "github.com/golang-jwt/jwt/v5", false},
		{"api", "github.com/gin-gonic/gin", true},
		{"api", m + "/internal/intake", true},
		{"api", m + "/internal/domain", true},
		{"api", m + "/internal/testenv", false},
		{"api/apitest", m + "/internal/testenv", true},
		{"internal/intake", "github.com/gin-gonic/gin", false},
		{"internal/intake", "net/http", false},
		{"internal/intake", "net/http/httptest", false},
		{"internal/intake", "gorm.io/gorm/clause", false},
		{"internal/intake", "github.com/glebarez/sqlite", false},
		{"internal/intake", m + "/api", false},
		{"internal/intake", m + "/internal/miniostore", false},
		{"internal/intake", m + "/internal/contactbook", true},
		{"internal/intake", "net", true},
		{"internal/brandnew", "gorm.io/gorm", false},
		{"internal/brandnew", m + "/internal/domain", true},
		{"internal/domain", "fmt", true},
		{"internal/domain", "net/http", false},
		{"internal/domain", "golang.org/x/text/unicode/norm", false},
		{"internal/domain", m + "/internal/password", false},
		{"internal/domain/policy", m + "/internal/domain", true},
		{"internal/gormstore", "gorm.io/gorm", true},
		{"internal/gormstore", m + "/migrations", true},
		{"internal/gormstore", "github.com/gin-gonic/gin", false},
		{"internal/gormstore", m + "/api", false},
		{"internal/gormstore", m + "/internal/backendtest", false},
		{"cmd/xiezhi", m + "/internal/gormstore", true},
		{"cmd/xiezhi", m + "/internal/testenv", false},
		{"internal/app", "gorm.io/gorm", true},
		{"internal/app", m + "/api", true},
		{"apix", "gorm.io/gorm", false}, // not api/...: a use case
		{"internal/gormstorex", "gorm.io/gorm", false},
	}
	for _, tc := range tests {
		why := check(layerOf(tc.pkg), m, tc.imp)
		if (why == "") != tc.ok {
			t.Errorf("%s (%s) importing %s: allowed %v, want %v (%s)", tc.pkg, layerOf(tc.pkg), tc.imp, why == "", tc.ok, why)
		}
	}
}

// check says why a package of layer l may not import imp, or "" when it may.
func check(l layer, module, imp string) string {
	if l == testSupport {
		return ""
	}
	for _, f := range forbidden {
		p := f.path
		if rel, ok := strings.CutPrefix(p, "./"); ok {
			p = module + "/" + rel
		}
		if imp != p && !strings.HasPrefix(imp, p+"/") {
			continue
		}
		for _, in := range f.in {
			if in == l {
				return f.why
			}
		}
	}
	if l == domain && !domainImport(module, imp) {
		return "the domain imports the standard library and itself only"
	}
	return ""
}

// domainImport reports whether internal/domain may import imp: a standard
// library package (no dot in its first element) or internal/domain/....
func domainImport(module, imp string) bool {
	d := module + "/internal/domain"
	if imp == d || strings.HasPrefix(imp, d+"/") {
		return true
	}
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".") && imp != module && !strings.HasPrefix(imp, module+"/")
}

// layerOf places a module-relative package path.
func layerOf(pkg string) layer {
	for _, x := range layers {
		if dir, ok := strings.CutSuffix(x.path, "/..."); ok {
			if pkg == dir || strings.HasPrefix(pkg, dir+"/") {
				return x.layer
			}
		} else if pkg == x.path {
			return x.layer
		}
	}
	return useCase
}

// moduleRoot finds go.mod above the test's directory and reads the module
// path from it.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(m), `"`)
				}
			}
			t.Fatalf("%s/go.mod names no module", dir)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// goFiles parses the imports of every non-test Go file under dir, whatever
// its build constraints (a file behind a tag counts too), skipping testdata,
// hidden folders, node_modules and nested modules.
func goFiles(t *testing.T, dir string) []goFile {
	t.Helper()
	fset := token.NewFileSet()
	var out []goFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != dir && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		g := goFile{rel: rel, pkg: path.Dir(rel)}
		for _, s := range f.Imports {
			imp, err := strconv.Unquote(s.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %w", rel, s.Path.Value, err)
			}
			g.imports = append(g.imports, imp)
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}
