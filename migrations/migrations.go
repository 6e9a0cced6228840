// Package migrations embeds the versioned SQL that is the only source of
// Xiezhi's schema: one folder per dialect (mysql, sqlite), files named
// NNNN_description.sql, applied in order and never edited once released.
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
