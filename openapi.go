// Package xiezhi is the root of the module. It holds what must sit beside
// the files it embeds: the OpenAPI contract.
package xiezhi

import _ "embed"

// OpenAPI is openapi.yaml, the API contract (OpenAPI 3.0), exactly as
// committed. The server serves it at /openapi.yaml and the HTTP tests
// (api/apitest) validate every response against it. It lives in the root
// package because go:embed cannot reach files above a package's directory.
// Treat it as read-only.
//
//go:embed openapi.yaml
var OpenAPI []byte
