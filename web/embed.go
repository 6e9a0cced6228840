// Package web holds Xiezhi's web clients as built by Vite (web/dist), embedded
// in the binary so that `make run` needs nothing but Go. The sources are in
// web/src; `make web` rebuilds dist/ from them and CI checks that the
// committed build matches (docs/console.md).
package web

import (
	"embed"
	"io/fs"
)

// all: keeps files whose names start with "_" or ".", which Vite may emit.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built files, rooted at dist/: index.html (the console)
// and assets/ (hashed file names).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}
