package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"testing"
)

// MigrateFS applies the migrations of fsys (laid out as migrations.FS) for
// tests that build a database the way an older binary did.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	return db.migrate(ctx, fsys)
}

// OldChain holds the development migrations 0001–0009 that the baseline
// replaced, as they were released (mysql/ and sqlite/).
var OldChain = os.DirFS("testdata/chain0009")

// BaselineVersion is the version of the baseline migration.
const BaselineVersion = baselineVersion

// TestSquashedChecksums: the history the migrator recognises is that of the
// old files, name and checksum, on both dialects.
func TestSquashedChecksums(t *testing.T) {
	for _, d := range []Dialect{MySQL, SQLite} {
		entries, err := fs.ReadDir(OldChain, string(d))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(squashed) {
			t.Fatalf("%s: %d old files, %d squashed migrations", d, len(entries), len(squashed))
		}
		for i, e := range entries {
			b, err := fs.ReadFile(OldChain, path.Join(string(d), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			want := squashed[i]
			if got := e.Name(); got != fmt.Sprintf("%04d_%s.sql", i+1, want.name) {
				t.Errorf("%s: file %s, squashed says %04d_%s", d, got, i+1, want.name)
			}
			if hex.EncodeToString(sum[:]) != want.checksum(d) {
				t.Errorf("%s/%s: checksum %x, squashed says %s", d, e.Name(), sum, want.checksum(d))
			}
		}
	}
}
