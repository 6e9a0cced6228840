package gormstore

import (
	"context"
	"fmt"
	"time"
)

// baselineVersion is the version of migrations/<dialect>/0009_baseline.sql:
// the schema of the first release, which replaced the development
// migrations 0001 to 0009. It keeps the number of the last file it replaced,
// so that a database migrated by those files is at the same version, and
// the next migration is 0010.
const baselineVersion = 9

// squashedMigration is one development migration the baseline replaced.
type squashedMigration struct {
	name, mysql, sqlite string // the name, and the file's checksum per dialect
}

// squashed are the development migrations 0001 to 0009, by version - 1, with
// the checksums schema_migrations holds for them. A database whose history
// is exactly these has the baseline's schema (TestBaselineIsTheOldChain
// proves it on both dialects from the old files in testdata/chain0009), so
// Migrate rewrites its bookkeeping to the baseline instead of failing on
// migrations it does not know.
var squashed = []squashedMigration{
	{"organisation", "e5a06b960f3d016f84175b176a034726839788e26ba8676fe548d599b304a214", "68cddb1c9c3fcd24581185aedacd8ad282afb534d76ffb9bab3ccff2bc10fc9b"},
	{"accounts", "3376f502279bab3549c94fd43a53d35d0210a4a4ece52fac117f859e008cecfa", "5b57b6b71ab7fd85b2ca088006bc9001562099a08ca295b5c04a4215094da903"},
	{"leads", "48244f92bde745958cff16cde821bcefb34ff71b1ffff55af11c4cce4a4d30ec", "89600de996e9d9de2aca721d5c2244b56828f3b1e7180fea7f98bccbf171f0fa"},
	{"triage", "e7c90d6094813fc3427e7a799e0b7c998dbf0b094f9e47c031bc5034d57342f7", "aeab8d26c44430b2eb027a0868618ce933fe1d7fe119a37a246a1ef86f23de3f"},
	{"cases_audit", "cc8020a89f9665c824923f10a003b029a27e3983ef8e3fa57b8543ed22043c16", "ee45fe14947a617bc0b024e3b58f4c26b0d21edac72b3f6fa5bdba1f3c2324ab"},
	{"queue", "a4f8239882b9832c739fccf8f964c2105204d15db73eb08d31713af2d1011591", "a4f8239882b9832c739fccf8f964c2105204d15db73eb08d31713af2d1011591"},
	{"queue_scale", "e35fc65c96e7eb85b37d230321f60e6d458532091a464ca0a602b65a0c87210b", "8f8dfb71d55935a57febf03712c5f15884e6255ab200c9996e3ecb77f99f22d0"},
	{"jobs", "ac468e8e26c2559787525a64a7c9c3d428e859f4eb0471e8a6e0bbc41ac601e3", "133980f51931809a8a8362a31ed94a4413ca8d26931a8475518c051b5b4dc662"},
	{"no_triggers", "bae9507b1991172705d5eb21e7f73dbc6d227403b4ac88d8219578e5a5d48e5e", "bae9507b1991172705d5eb21e7f73dbc6d227403b4ac88d8219578e5a5d48e5e"},
}

// hasBaseline reports whether a set of migration files starts with the
// baseline (the test that runs the old chain reads one that does not).
func hasBaseline(all []migrationFile) bool {
	return len(all) > 0 && all[0].Version == baselineVersion && all[0].Name == "baseline"
}

// unsquash replaces, in the rows of schema_migrations, the complete
// development history 0001–0009 by one row for the baseline (checksum
// baseline's, applied when 0009 was), and reports whether it did. Rows above
// the baseline pass through. A part of that history, or a row below the
// baseline that is not in it, is an error: such a database cannot be
// brought to the baseline by bookkeeping.
func (db *DB) unsquash(rows []appliedRow, baseline migrationFile) ([]appliedRow, bool, error) {
	var old, rest []appliedRow
	for _, r := range rows {
		if r.Version < baselineVersion || (r.Version == baselineVersion && r.Name != baseline.Name) {
			old = append(old, r)
		} else {
			rest = append(rest, r)
		}
	}
	if len(old) == 0 {
		return rows, false, nil
	}
	var appliedAt time.Time
	for i, r := range old {
		if r.Version != i+1 || r.Name != squashed[i].name || r.Checksum != squashed[i].checksum(db.dialect) {
			return nil, false, fmt.Errorf("schema_migrations has %04d_%s, which is not the development migration of that number that 0009_baseline replaced: migrate this database with the build that created it, or recreate it", r.Version, r.Name)
		}
		appliedAt = r.AppliedAt
	}
	if len(old) < len(squashed) {
		last := old[len(old)-1]
		return nil, false, fmt.Errorf("database was migrated up to %04d_%s by a development build; migrations 0001–0009 are squashed into 0009_baseline since: finish them with a build from before the squash (docs/operations.md, \"Migrations\"), or recreate the database", last.Version, last.Name)
	}
	b := appliedRow{Version: baselineVersion, Name: baseline.Name, Checksum: baseline.Checksum, AppliedAt: appliedAt}
	return append([]appliedRow{b}, rest...), true, nil
}

func (m squashedMigration) checksum(d Dialect) string {
	if d == MySQL {
		return m.mysql
	}
	return m.sqlite
}

// recordBaseline rewrites the development history 0001–0009 in
// schema_migrations as the baseline, in one transaction: the row of 0009
// becomes the baseline's (keeping when it was applied), those below go.
func (db *DB) recordBaseline(ctx context.Context, baseline migrationFile) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record the baseline: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version < ?", baselineVersion); err != nil {
		return fmt.Errorf("record the baseline: %w", err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE schema_migrations SET name = ?, checksum = ? WHERE version = ?", baseline.Name, baseline.Checksum, baselineVersion)
	if err != nil {
		return fmt.Errorf("record the baseline: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("record the baseline: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("record the baseline: %d rows of version %d", n, baselineVersion)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record the baseline: %w", err)
	}
	return nil
}
