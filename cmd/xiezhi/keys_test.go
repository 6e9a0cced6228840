package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/jwtauth"
)

// envOf is a getenv over fixed KEY=value pairs.
func envOf(pairs ...string) func(string) string {
	return func(k string) string {
		for _, e := range pairs {
			if v, ok := strings.CutPrefix(e, k+"="); ok {
				return v
			}
		}
		return ""
	}
}

// runKeys runs "xiezhi keys args..." and returns its stdout, stderr and
// exit status.
func runKeys(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"keys"}, args...), strings.NewReader(""), &out, &errOut, getenv)
	if err != nil {
		code = exitCode(err)
		errOut.WriteString("xiezhi: " + oneLine(err) + "\n") // what main prints
	}
	return out.String(), errOut.String(), code
}

var kidRE = regexp.MustCompile(`[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}`)

// listed parses "keys list" output into kid → [created, status].
func listed(t *testing.T, out string) map[string][2]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !slices.Equal(strings.Fields(lines[0]), []string{"KID", "CREATED", "STATUS"}) {
		t.Fatalf("no KID CREATED STATUS header:\n%s", out)
	}
	rows := map[string][2]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 3 || !kidRE.MatchString(f[0]) {
			break // the notes after the table
		}
		rows[f[0]] = [2]string{f[1], f[2]}
	}
	return rows
}

func created(kid string) string {
	t, _ := time.Parse("20060102T150405Z", kid[:16])
	return t.Format(time.RFC3339)
}

func TestKeysLifecycle(t *testing.T) {
	data := t.TempDir()
	getenv := envOf("XIEZHI_DATA_DIR=" + data)
	dir := filepath.Join(data, "keys")

	out, errOut, code := runKeys(t, getenv, "list")
	if code != 0 || !strings.Contains(out, "no keys in "+dir) {
		t.Fatalf("list before any key: exit %d\n%s%s", code, out, errOut)
	}

	out, errOut, code = runKeys(t, getenv, "rotate")
	first := kidRE.FindString(out)
	if code != 0 || first == "" || !strings.Contains(out, "created key "+first+" in "+dir) || !strings.Contains(out, "it signs now: it is the only key") {
		t.Fatalf("first rotate: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, first+".pem")); err != nil {
		t.Fatal(err)
	}

	// A second key within Activation of the first: no key is old enough,
	// so the oldest keeps signing until the new one is.
	out, errOut, code = runKeys(t, getenv, "rotate")
	second := kidRE.FindString(out)
	if code != 0 || second == "" || second <= first || !strings.Contains(out, "it starts signing at") {
		t.Fatalf("second rotate: exit %d\n%s%s", code, out, errOut)
	}

	out, _, code = runKeys(t, getenv, "list")
	want := map[string][2]string{
		first:  {created(first), "signing"},
		second: {created(second), "pending"},
	}
	if diff := cmp.Diff(want, listed(t, out)); code != 0 || diff != "" {
		t.Errorf("list: exit %d (-want +got):\n%s\n%s", code, diff, out)
	}
	if !strings.Contains(out, "2 key(s) in "+dir) {
		t.Errorf("list notes:\n%s", out)
	}

	steps := []struct {
		args []string
		code int
		want string // in stdout on success, in stderr on failure
	}{
		{[]string{"remove", first}, 1, "is the signing key"},
		{[]string{"remove", second}, 0, "removed pending key " + second + " from " + dir},
		{[]string{"remove", second}, 1, "no key " + second + " in " + dir},
		{[]string{"remove", first}, 1, "is the last key"},
		{[]string{"remove", first, "--force"}, 0, "removed signing key " + first},
		{[]string{"list"}, 0, "no keys in " + dir},
	}
	for _, s := range steps {
		out, errOut, code := runKeys(t, getenv, s.args...)
		got := out
		if s.code != 0 {
			got = errOut
		}
		if code != s.code || !strings.Contains(got, s.want) {
			t.Errorf("keys %v: exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", s.args, code, s.code, s.want, out, errOut)
		}
	}
	for _, kid := range []string{first, second} {
		if _, err := os.Stat(filepath.Join(dir, kid+".pem")); !os.IsNotExist(err) {
			t.Errorf("%s.pem still there: %v", kid, err)
		}
	}
}

// TestKeysStatuses: with an old, an active and a new key, the active one
// signs; removing keys says what changes.
func TestKeysStatuses(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "elsewhere")
	getenv := envOf("XIEZHI_DATA_DIR="+data, "XIEZHI_JWT_KEYS_DIR="+dir)
	now := time.Now()
	old, err := jwtauth.CreateKey(dir, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	active, err := jwtauth.CreateKey(dir, now.Add(-10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runKeys(t, getenv, "rotate")
	fresh := kidRE.FindString(out)
	if code != 0 || fresh == "" || !strings.Contains(out, "until then "+active+" signs") {
		t.Fatalf("rotate: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "keys")); !os.IsNotExist(err) {
		t.Errorf("rotate ignored XIEZHI_JWT_KEYS_DIR: %v", err)
	}

	out, _, _ = runKeys(t, getenv, "list")
	want := map[string][2]string{
		old:    {created(old), "verifying"},
		active: {created(active), "signing"},
		fresh:  {created(fresh), "pending"},
	}
	if diff := cmp.Diff(want, listed(t, out)); diff != "" {
		t.Errorf("list (-want +got):\n%s\n%s", diff, out)
	}
	if got := strings.Fields(strings.Split(out, "\n")[1])[0]; got != fresh {
		t.Errorf("first row %s, want the newest key %s", got, fresh)
	}

	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"remove", old}, []string{"removed verifying key " + old}},
		// flags before the KID; the fresh key signs at once, being the
		// newest and no key being old enough.
		{[]string{"remove", "--force", active}, []string{"removed signing key " + active, "instances now sign with " + fresh}},
	}
	for _, s := range steps {
		out, errOut, code := runKeys(t, getenv, s.args...)
		for _, w := range s.want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("keys %v: exit %d, want %q\nstdout:\n%s\nstderr:\n%s", s.args, code, w, out, errOut)
			}
		}
	}
	set, err := jwtauth.LoadKeys(dir, now)
	if err != nil || len(set.Keys()) != 1 || set.Keys()[0].ID != fresh {
		t.Errorf("left in %s: %v, %v; want only %s", dir, set, err, fresh)
	}
}

func TestKeysUsage(t *testing.T) {
	data := t.TempDir()
	getenv := envOf("XIEZHI_DATA_DIR=" + data)
	if _, err := jwtauth.CreateKey(filepath.Join(data, "keys"), time.Now()); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(data, "precious.pem")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "no subcommand"},
		{[]string{"frobnicate"}, 2, `unknown subcommand "frobnicate"`},
		{[]string{"remove"}, 2, "want exactly one KID"},
		{[]string{"remove", "a", "b"}, 2, "want exactly one KID"},
		{[]string{"remove", "--force"}, 2, "want exactly one KID"},
		{[]string{"remove", "--bogus", "a"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"list", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"rotate", "--log-level", "loud"}, 2, "XIEZHI_LOG_LEVEL"},
		{[]string{"remove", "20250301T080000Z-00000000"}, 1, "no key 20250301T080000Z-00000000 in"},
		{[]string{"remove", "../precious", "--force"}, 1, "no key ../precious in"},
		{[]string{"remove", "--help"}, 2, "-force"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runKeys(t, getenv, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tc.code, tc.want, errOut)
			}
		})
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("remove reached outside the keys dir: %v", err)
	}
}

// TestKeysBadFile: a file that is not a key stops list and remove with an
// error naming it.
func TestKeysBadFile(t *testing.T) {
	data := t.TempDir()
	getenv := envOf("XIEZHI_DATA_DIR=" + data)
	dir := filepath.Join(data, "keys")
	kid, err := jwtauth.CreateKey(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "20250301T080000Z-deadbeef.pem")
	if err := os.WriteFile(bad, []byte("oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list"}, {"remove", kid}} {
		_, errOut, code := runKeys(t, getenv, args...)
		if code != 1 || !strings.Contains(errOut, bad) {
			t.Errorf("keys %v: exit %d, want 1 and an error naming %s:\n%s", args, code, bad, errOut)
		}
	}
}
