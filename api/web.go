package api

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/web"
)

// consolePaths are the console's screens (web/src/console/router.ts). Each
// answers with the console's index.html, so that a reload or a pasted link
// opens the screen; any other path stays a 404 problem, and /v1, /docs and
// the rest are never shadowed. Keep the list in step with the Vue router and
// with openapi.yaml (tag console).
var consolePaths = []string{"/", "/login", "/leads", "/leads/:lead_id"}

// consoleCSP is the Content-Security-Policy of the web clients: scripts,
// styles, fonts and API calls from this origin only, and no inline script
// or eval. Styles that components set at run time go through the CSSOM
// (element.style), which style-src does not restrict, so no 'unsafe-inline'
// is needed; photos are shown from blob: URLs (they are fetched with the
// bearer token).
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'"

// Cache lifetimes: hashed assets never change under their name; the pages
// that name them must always be fetched afresh.
const (
	assetCache = "public, max-age=31536000, immutable"
	pageCache  = "no-store"
)

// webRoutes serves the built web clients (package web) at /: the console's
// screens and the hashed assets at /assets/{file}.
func webRoutes(r *gin.Engine) {
	dist := web.Dist()
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		panic("web/dist has no index.html; run make web: " + err.Error())
	}
	page := func(c *gin.Context) {
		webHeaders(c, "text/html; charset=utf-8", pageCache)
		http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(index))
	}
	for _, p := range consolePaths {
		r.GET(p, page)
	}
	r.GET("/assets/:file", func(c *gin.Context) {
		name := c.Param("file")
		b, err := fs.ReadFile(dist, "assets/"+name)
		if err != nil || strings.HasPrefix(name, ".") {
			renderProblem(c, domain.Errorf(domain.ENotFound, "no asset %q", name))
			return
		}
		webHeaders(c, contentType(name), assetCache)
		http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(b))
	})
}

// webHeaders sets the type, caching and security headers of a web file.
func webHeaders(c *gin.Context, typ, cache string) {
	h := c.Writer.Header()
	h.Set("Content-Type", typ)
	h.Set("Cache-Control", cache)
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// contentType names the type of an asset by its extension, with the
// types that matter fixed rather than taken from the machine's mime tables.
func contentType(name string) string {
	switch ext := path.Ext(name); ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}
