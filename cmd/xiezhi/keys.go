package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zhengning-court/xiezhi/internal/jwtauth"
)

const keysUsage = `usage: xiezhi keys rotate [flags]            add a key; it signs once 2 minutes old
       xiezhi keys list [flags]              show each key and whether it signs
       xiezhi keys remove KID [--force] [flags]
                                             delete a key; its tokens stop verifying`

// Key statuses shown by "xiezhi keys list".
const (
	statusSigning   = "signing"   // signs new tokens now
	statusPending   = "pending"   // newer than the signing key, not yet active
	statusVerifying = "verifying" // older than the signing key: only verifies
)

// keys runs "xiezhi keys rotate|list|remove", which manage the Ed25519
// token signing keys in the keys directory (XIEZHI_JWT_KEYS_DIR, else
// keys/ in the data dir). Running instances pick up changes within a
// minute; see package jwtauth for the rotation rule.
func keys(_ context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return usageError{"keys: no subcommand given"}
	}
	switch args[0] {
	case "rotate":
		return keysRotate(args[1:], stdout, stderr, getenv)
	case "list":
		return keysList(args[1:], stdout, stderr, getenv)
	case "remove":
		return keysRemove(args[1:], stdout, stderr, getenv)
	}
	fmt.Fprintln(stderr, keysUsage)
	return usageError{fmt.Sprintf("keys: unknown subcommand %q", args[0])}
}

// keysRotate creates a key and says when it starts signing.
func keysRotate(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := loadConfig("keys rotate", args, stderr, getenv)
	if err != nil {
		return err
	}
	dir, now := cfg.KeysDir(), time.Now()
	kid, err := jwtauth.CreateKey(dir, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created key %s in %s\n", kid, dir)
	set, err := jwtauth.LoadKeys(dir, now)
	if err != nil {
		return fmt.Errorf("the new key is in place, but the directory does not load: %w", err)
	}
	if set.Signing().ID == kid {
		fmt.Fprintln(stdout, "it signs now: it is the only key")
		return nil
	}
	fmt.Fprintf(stdout, "it starts signing at %s (once %v old); every instance accepts its tokens before then\n",
		fmtTime(keyCreated(set, kid).Add(jwtauth.Activation)), jwtauth.Activation)
	old := set.Signing().ID
	fmt.Fprintf(stdout, "until then %s signs; remove it (xiezhi keys remove %s) once the tokens it signed have expired\n", old, old)
	return nil
}

// keysList prints every key with its status.
func keysList(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := loadConfig("keys list", args, stderr, getenv)
	if err != nil {
		return err
	}
	dir, now := cfg.KeysDir(), time.Now()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) { //nolint:gosec // the configured keys directory
		fmt.Fprintf(stdout, "no keys in %s (run xiezhi keys rotate to create one)\n", dir)
		return nil
	}
	set, err := jwtauth.LoadKeys(dir, now)
	if err != nil {
		return err
	}
	all := set.Keys()
	if len(all) == 0 {
		fmt.Fprintf(stdout, "no keys in %s (run xiezhi keys rotate to create one)\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "KID\tCREATED\tSTATUS\n")
	for _, k := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, fmtTime(k.Created), status(set, k))
	}
	_ = tw.Flush()
	for _, k := range all {
		if status(set, k) == statusPending {
			fmt.Fprintf(stdout, "%s starts signing at %s\n", k.ID, fmtTime(k.Created.Add(jwtauth.Activation)))
		}
	}
	fmt.Fprintf(stdout, "%d key(s) in %s\n", len(all), dir)
	return nil
}

// keysRemove deletes one key file, refusing the signing key and the last
// key unless forced.
func keysRemove(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var (
		flags *flag.FlagSet
		force *bool
		kid   string
	)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") { // KID before the flags
		kid, args = args[0], args[1:]
	}
	cfg, err := loadConfigWith("keys remove", args, stderr, getenv, func(fs *flag.FlagSet) {
		flags = fs
		force = fs.Bool("force", false, "remove the key even when it is the signing key or the last key")
	})
	if err != nil {
		return err
	}
	rest := flags.Args()
	if kid == "" && len(rest) > 0 { // KID after the flags
		kid, rest = rest[0], rest[1:]
	}
	if kid == "" || len(rest) > 0 {
		fmt.Fprintln(stderr, keysUsage)
		return usageError{"keys remove: want exactly one KID"}
	}

	dir, now := cfg.KeysDir(), time.Now()
	set, err := jwtauth.LoadKeys(dir, now)
	if err != nil {
		return err
	}
	all := set.Keys()
	i := slices.IndexFunc(all, func(k jwtauth.Key) bool { return k.ID == kid })
	if i < 0 { // also keeps a "KID" like ../x from naming a file outside dir
		return fmt.Errorf("no key %s in %s (see xiezhi keys list)", kid, dir)
	}
	was := status(set, all[i])
	switch {
	case len(all) == 1 && !*force:
		return fmt.Errorf("%s is the last key in %s: instances need a key to sign; run xiezhi keys rotate first, or use --force", kid, dir)
	case was == statusSigning && !*force:
		return fmt.Errorf("%s is the signing key: run xiezhi keys rotate first and remove it once the new key signs (after %v) and its tokens have expired; or use --force", kid, jwtauth.Activation)
	}
	if err := os.Remove(filepath.Join(dir, kid+".pem")); err != nil { //nolint:gosec // kid is a key just loaded from dir
		return fmt.Errorf("remove key: %w", err)
	}
	fmt.Fprintf(stdout, "removed %s key %s from %s; instances refuse its tokens from their next reload (within %v)\n",
		was, kid, dir, jwtauth.ReloadEvery)
	after, err := jwtauth.LoadKeys(dir, now)
	if err != nil {
		return err
	}
	switch next := after.Signing().ID; {
	case next == "":
		fmt.Fprintf(stdout, "no key is left in %s: running instances keep the keys they loaded until they stop\n", dir)
	case was == statusSigning:
		fmt.Fprintf(stdout, "instances now sign with %s\n", next)
	}
	return nil
}

// status is what a key does in set: the signing key signs, newer keys are
// pending, older keys only verify.
func status(set *jwtauth.KeySet, k jwtauth.Key) string {
	signing := set.Signing()
	switch {
	case k.ID == signing.ID:
		return statusSigning
	case k.ID > signing.ID: // key IDs sort by creation time
		return statusPending
	}
	return statusVerifying
}

// keyCreated returns the creation time of key kid of set.
func keyCreated(set *jwtauth.KeySet, kid string) time.Time {
	for _, k := range set.Keys() {
		if k.ID == kid {
			return k.Created
		}
	}
	return time.Time{}
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
