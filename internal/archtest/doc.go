// Package archtest holds the test that keeps Xiezhi's layers apart:
//
//	cmd, internal/app → api → use cases → internal/domain ← adapters
//
// It has no code of its own; archtest_test.go parses the import lines of
// every non-test Go file of the module and fails, naming the file and the
// import, when a package imports what its layer may not. A package's layer
// comes from its path:
//
//   - composition roots, cmd/... and internal/app/...: may import anything;
//     they build the application from its parts.
//   - api/... (but api/apitest): the HTTP layer. No adapter of ours
//     (gormstore, localdir, miniostore, jwtauth, migrations), no GORM,
//     minio-go, golang-jwt, database/sql or database driver: it reaches
//     storage and tokens only through the interfaces of internal/domain.
//   - internal/domain/...: the standard library and itself only, and not
//     net/http or database/sql.
//   - adapters, internal/gormstore, internal/localdir, internal/miniostore,
//     internal/jwtauth and migrations: may import their technology, but not
//     api or gin.
//   - test support, internal/testenv, internal/backendtest,
//     internal/objectstoretest, internal/usecasetest and api/apitest:
//     anything, but only _test.go files may import them.
//   - every other package is a use case (intake, triage, cases, ...) or a
//     library beside them (contactbook's codecs, imaging, password, ...):
//     none of the above adapters, no api, gin, GORM, minio-go, golang-jwt,
//     database/sql, database driver or net/http. A new package is in this
//     layer unless it is added to one of the lists, so it is covered by
//     default.
//
// _test.go files are not checked: a use case's tests may run it on a real
// store. Checking direct imports is enough: every package outside the
// composition roots is under a rule, and the packages that may import a
// technology (adapters, test support) may themselves be imported only by
// roots, other adapters and tests.
//
// golangci-lint's depguard (.golangci.yml) states the same rules, so that an
// editor shows them; this test is the one `make test` runs.
//
// funclen_test.go keeps functions short: a production function over 80
// lines fails unless its doc comment says it is "over 80 lines on purpose"
// and why.
package archtest
