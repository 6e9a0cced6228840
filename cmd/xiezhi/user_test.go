package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestUserAdd: the first admin of a new deployment, from the command line;
// the password comes from standard input and is checked like any other.
func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "XIEZHI_DATA_DIR" {
			return dir
		}
		return ""
	}
	add := func(stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"user", "add"}, args...), strings.NewReader(stdin), &out, &errOut, getenv)
		return out.String() + errOut.String(), err
	}
	tests := []struct {
		name, stdin string
		args        []string
		ok          bool
		want        string
	}{
		{"admin", "tractor-Gansu-2026\n", []string{"--phone", "+86 138-0013-8000", "--name", "县法院管理员", "--role", "admin", "--password-stdin"}, true, "created admin 县法院管理员 (13800138000)"},
		{"phone taken", "tractor-Gansu-2026\n", []string{"--phone", "13800138000", "--name", "又一个", "--role", "admin", "--password-stdin"}, false, "already exists"},
		{"weak password", "123456\n", []string{"--phone", "13800138001", "--name", "弱", "--role", "admin", "--password-stdin"}, false, "password: too_short"},
		{"no stdin flag", "", []string{"--phone", "13800138002", "--name", "x", "--role", "admin"}, false, "--password-stdin is required"},
		{"bad role and phone", "tractor-Gansu-2026\n", []string{"--phone", "42", "--name", "x", "--role", "king", "--password-stdin"}, false, "phone: invalid, role: invalid"},
		{"unknown village", "tractor-Gansu-2026\n", []string{"--phone", "13800138003", "--name", "x", "--role", "assistant", "--village", "621025199999", "--password-stdin"}, false, "no village with code or id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := add(tc.stdin, tc.args...)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v\n%s", err, tc.ok, out)
			}
			msg := out
			if err != nil {
				msg += oneLine(err)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output %q lacks %q", msg, tc.want)
			}
		})
	}
}
