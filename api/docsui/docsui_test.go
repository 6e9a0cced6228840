package docsui

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	page := string(Page("/openapi.yaml"))

	for _, want := range []string{
		`<html lang="zh-CN">`,
		`<title>Xiezhi 协执 API 参考</title>`,
		`<script type="module" src="/docs/redoc.standalone.js"></script>`,
		`spec-url="/openapi.yaml"`,
		`download-urls="/openapi.yaml"`,
		`hide-download-buttons="false"`,
		`disable-telemetry="true"`,
		`http-equiv="Content-Security-Policy"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("Page lacks %s:\n%s", want, page)
		}
	}

	// Nothing may come from another host: every src/href is a path on this
	// server, and the CSP names no host.
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
			t.Errorf("Page references %q, which is not a path on this server", m[1])
		}
	}
	if strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("the Content-Security-Policy allows other hosts: %s", csp)
	}
	if strings.Contains(page, "fonts.googleapis") || strings.Contains(page, "<link") {
		t.Errorf("Page loads a stylesheet or font:\n%s", page)
	}
}

func TestPageEscapesSpecURL(t *testing.T) {
	page := string(Page(`/x"><script>alert(1)</script>`))
	if strings.Contains(page, "<script>alert") {
		t.Errorf("Page does not escape the spec URL:\n%s", page)
	}
	if !strings.Contains(page, `spec-url="/x&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("Page does not carry the escaped spec URL:\n%s", page)
	}
}

func TestScript(t *testing.T) {
	s := Script()
	// The real bundle is about 2 MB; a stub, an npm error page or a Git LFS
	// pointer is far smaller.
	if len(s) < 1<<20 {
		t.Fatalf("Script is %d bytes; want the Redoc standalone bundle (over 1 MiB)", len(s))
	}
	head := s[:min(len(s), 300)]
	if !bytes.HasPrefix(s, []byte("/**")) || !bytes.Contains(head, []byte("@license MIT")) {
		t.Errorf("Script does not start with the Redoc bundle's licence header:\n%s", head)
	}
	if !bytes.Contains(head, []byte("Version: "+RedocVersion)) {
		t.Errorf("Script's header does not say Version: %s (update RedocVersion with scripts/update-redoc.sh):\n%s", RedocVersion, head)
	}
	// Page loads it with type="module" and relies on it to render <redoc>.
	tail := s[max(0, len(s)-300):]
	if !bytes.Contains(tail, []byte("export{")) {
		t.Errorf("Script does not end as an ES module (Page loads it with type=\"module\"):\n%s", tail)
	}
	if !bytes.Contains(s, []byte("spec-url")) {
		t.Errorf("Script does not read the <redoc spec-url> attribute that Page uses")
	}
}
