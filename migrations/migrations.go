// Package migrations embeds the versioned SQL that is the only source of
// Xiezhi's schema: one folder per dialect (mysql, sqlite), files named
// NNNN_description.sql, applied in order and never edited once released.
//
// 0009_baseline.sql is the schema of the first release: it replaced the
// development migrations 0001 to 0009 (kept, for the test that proves the
// two give one schema, in internal/gormstore/testdata/chain0009), and the
// migrator takes a database those migrated as having it. Later changes are
// files on top of it, from 0010_idempotency_outcome; the next is 0011.
//
// Statements are separated by a semicolon at the end of a line. Keep both
// dialects in step: a test checks that they produce the same tables, columns
// and indexes.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
