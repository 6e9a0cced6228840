// Package docsui serves the browsable API reference at /docs: an HTML page
// and the Redoc viewer script, both built into the binary so that the page
// works on a court network with no internet access and sends nothing to
// other hosts.
//
// The script is the unchanged bundles/redoc.standalone.js of the npm package
// redoc (see THIRD_PARTY.md); scripts/update-redoc.sh replaces it.
package docsui

import (
	_ "embed"
	"html"
)

// RedocVersion is the version of the npm package redoc whose standalone
// bundle Script returns. scripts/update-redoc.sh rewrites it.
const RedocVersion = "3.0.1"

// ScriptPath is where the router serves Script; Page loads it from there.
const ScriptPath = "/docs/redoc.standalone.js"

//go:embed redoc.standalone.js
var script []byte

// csp allows the page to load only from its own origin. Redoc injects its
// styles at run time (style-src 'unsafe-inline') and shows the spec's images
// as data: URLs. Anything else is refused, which is what keeps the page
// offline: the bundle would otherwise fetch a Redocly logo from a CDN.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'"

// Page returns the reference page that renders the OpenAPI document at
// specURL (normally "/openapi.yaml") with the script at ScriptPath.
//
// Redoc is configured through the attributes of its <redoc> element:
// telemetry off (Redoc 3 reports usage to Redocly by default), the download
// button shown and pointing at specURL. Redoc 3 loads no web fonts; the
// Content-Security-Policy refuses any request to another host all the same.
func Page(specURL string) []byte {
	u := html.EscapeString(specURL)
	return []byte(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="` + csp + `">
<meta name="referrer" content="no-referrer">
<title>Xiezhi 协执 API 参考</title>
<style>body{margin:0;padding:0}</style>
</head>
<body>
<redoc spec-url="` + u + `" download-urls="` + u + `" hide-download-buttons="false" disable-telemetry="true"></redoc>
<noscript>
<p>本页需要启用 JavaScript 才能浏览 API 参考。也可直接下载 <a href="` + u + `">OpenAPI 文档</a>。</p>
<p>This page needs JavaScript. The <a href="` + u + `">OpenAPI document</a> can be read without it.</p>
</noscript>
<script type="module" src="` + ScriptPath + `"></script>
</body>
</html>
`)
}

// Script returns the Redoc standalone bundle, an ES module, to be served at
// ScriptPath as text/javascript. The slice is shared: do not modify it.
func Script() []byte {
	return script
}
