package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/sealer"
)

const auditUsage = `usage: xiezhi audit verify [flags]     walk the audit log's hash chain and report the first broken link`

// audit runs "xiezhi audit verify": it reads the whole audit log in order and
// checks every entry's hash and link, and the end against the stored head.
// It prints "audit log intact: N entries", or the first broken link (its seq
// and why) and exits 1.
func audit(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, auditUsage)
		if len(args) == 0 {
			return usageError{"audit: no subcommand given"}
		}
		return usageError{fmt.Sprintf("audit: unknown subcommand %q", args[0])}
	}
	cfg, err := loadConfig("audit verify", args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Audit().VerifyAudit(ctx)
	var broken *domain.BrokenChain
	if errors.As(err, &broken) {
		fmt.Fprintf(stdout, "audit log BROKEN at seq %d: %s\n", broken.Seq, broken.Reason)
		return errors.New("the audit log has been tampered with")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return nil
}

// openSealer loads the data key that seals ID numbers. The embedded default
// makes it on first start; production must be given one, so that instances
// never each invent a key of their own (and rows sealed by one could not be
// read by another).
func openSealer(cfg config.Config, log *slog.Logger) (*sealer.Sealer, error) {
	path := cfg.DataKeyPath()
	key, err := sealer.LoadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !cfg.Embedded() {
			return nil, fmt.Errorf("no data key at %s: create one with `%s` and point XIEZHI_DATA_KEY_FILE at it (see docs/operations.md)", path, sealer.HowToCreate)
		}
		if err := sealer.CreateKeyFile(path); err != nil {
			return nil, err
		}
		log.Warn("data key created: back it up, losing it loses the debtors' ID numbers", "file", path)
		key, err = sealer.LoadKey(path)
	}
	if err != nil {
		return nil, err
	}
	return sealer.New(key)
}
