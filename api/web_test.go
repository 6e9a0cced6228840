package api_test

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/web"
)

// TestConsolePages: every screen of the console answers with its index.html,
// uncached, under the strict policy; paths that are not screens stay 404
// problems and the API and docs are not shadowed.
func TestConsolePages(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/login", "/leads", "/leads/0195a3c4-7d2e-7b3f-8c4a-2f6e9d1b5a70", "/leads?status=submitted"} {
		t.Run(path, func(t *testing.T) {
			rec := w.do(get(path))
			if rec.Code != http.StatusOK || rec.Body.String() != string(index) {
				t.Fatalf("GET %s = %d %.80q, want the console's index.html", path, rec.Code, rec.Body)
			}
			h := rec.Header()
			if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
				if strings.Contains(csp, bad) {
					t.Errorf("CSP %q allows %q", csp, bad)
				}
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("security headers: %v", h)
			}
		})
	}
	for _, path := range []string{"/leads/a/b", "/index.html", "/queue", "/app", "/assets/..%2findex.html"} {
		t.Run("404 "+path, func(t *testing.T) {
			wantProblem(t, w.client.DoOutsideSpec(get(path)), http.StatusNotFound, "not_found")
		})
	}
	wantProblem(t, w.do(get("/assets/console-00000000.js")), http.StatusNotFound, "not_found")
	// The API and the documents keep their own answers.
	if rec := w.do(get("/v1/leads")); rec.Code != http.StatusUnauthorized {
		t.Errorf("/v1/leads = %d, want 401", rec.Code)
	}
	if rec := w.do(get("/docs")); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "redoc") {
		t.Errorf("/docs = %d", rec.Code)
	}
}

// TestConsoleAssets: the files index.html names are served with their types
// and cached for a year; no inline script is in the page.
func TestConsoleAssets(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).Match(index) {
		t.Errorf("index.html has an inline script:\n%s", index)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllSubmatch(index, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d assets:\n%s", len(refs), index)
	}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	seen := map[string]bool{}
	for _, m := range refs {
		path := string(m[1])
		ext := path[strings.LastIndex(path, "."):]
		seen[ext] = true
		rec := w.do(get(path))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d", path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != types[ext] {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, types[ext])
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", path, got)
		}
		if !regexp.MustCompile(`-[A-Za-z0-9_-]{8}\.[a-z0-9]+$`).MatchString(path) {
			t.Errorf("%s has no content hash in its name", path)
		}
	}
	if !seen[".js"] || !seen[".css"] {
		t.Errorf("index.html names no script or no style sheet: %v", seen)
	}
}
