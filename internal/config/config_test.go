package config

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestLoadPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(Config) string
	}{
		{"defaults are the embedded set-up", nil, nil, func(c Config) string {
			if c.Addr != ":8080" || !c.Embedded() || c.SQLitePath() != "data/xiezhi.db" || c.ObjectsDir() != "data/objects" || !c.LoadDemoData() {
				return "not the embedded default"
			}
			return ""
		}},
		{"environment over default", map[string]string{"XIEZHI_ADDR": "127.0.0.1:9000", "XIEZHI_READ_TIMEOUT": "90s"}, nil, func(c Config) string {
			if c.Addr != "127.0.0.1:9000" || c.ReadTimeout != 90*time.Second {
				return "env ignored"
			}
			return ""
		}},
		{"flag over environment", map[string]string{"XIEZHI_ADDR": "127.0.0.1:9000"}, []string{"--addr", ":7000", "--no-migrate"}, func(c Config) string {
			if c.Addr != ":7000" || !c.NoMigrate {
				return "flag ignored"
			}
			return ""
		}},
		{"mysql turns demo data off by default", map[string]string{"XIEZHI_DATABASE_URL": "u:p@tcp(db:3306)/x"}, nil, func(c Config) string {
			if c.Embedded() || c.LoadDemoData() {
				return "demo data on production"
			}
			return ""
		}},
		{"one worker by default, none on request", nil, []string{"--workers", "0"}, func(c Config) string {
			if c.Workers != 0 || Defaults().Workers != 1 {
				return "--workers 0 ignored, or the default is not 1"
			}
			return ""
		}},
		{"demo data can be forced", map[string]string{"XIEZHI_DATABASE_URL": "u:p@tcp(db:3306)/x", "XIEZHI_DEMO_DATA": "true"}, nil, func(c Config) string {
			if !c.LoadDemoData() {
				return "XIEZHI_DEMO_DATA=true ignored"
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(c); msg != "" {
				t.Errorf("%s: %+v", msg, c)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"bad bool", map[string]string{"XIEZHI_S3_USE_TLS": "yes please"}, nil, []string{`XIEZHI_S3_USE_TLS="yes please": want true or false`}},
		{"bad duration", map[string]string{"XIEZHI_SHUTDOWN_TIMEOUT": "-1s"}, nil, []string{"XIEZHI_SHUTDOWN_TIMEOUT"}},
		{"bad int", map[string]string{"XIEZHI_MAX_HEADER_BYTES": "0"}, nil, []string{"want a positive whole number"}},
		{"negative workers", map[string]string{"XIEZHI_WORKERS": "-1"}, nil, []string{"XIEZHI_WORKERS", "want a whole number, 0 or more"}},
		{"every problem at once", map[string]string{"XIEZHI_S3_ENDPOINT": "minio:9000", "XIEZHI_LOG_LEVEL": "loud", "XIEZHI_DEMO_DATA": "maybe"}, nil,
			[]string{"XIEZHI_S3_ACCESS_KEY and XIEZHI_S3_SECRET_KEY are required", `XIEZHI_LOG_LEVEL="loud"`, `XIEZHI_DEMO_DATA="maybe"`}},
		{"unknown flag", nil, []string{"--colour"}, []string{"flag provided but not defined"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEnvListsEverySetting(t *testing.T) {
	var names []string
	for _, e := range Env() {
		names = append(names, e[0])
	}
	want := []string{"XIEZHI_ADDR", "XIEZHI_DATA_DIR", "XIEZHI_DATABASE_URL", "XIEZHI_S3_ENDPOINT", "XIEZHI_S3_ACCESS_KEY",
		"XIEZHI_S3_SECRET_KEY", "XIEZHI_S3_BUCKET", "XIEZHI_S3_REGION", "XIEZHI_S3_USE_TLS", "XIEZHI_JWT_KEYS_DIR", "XIEZHI_DATA_KEY_FILE", "XIEZHI_JWT_ISSUER", "XIEZHI_JWT_AUDIENCE", "XIEZHI_MAX_PHOTO_BYTES", "XIEZHI_WORKERS", "XIEZHI_NO_MIGRATE", "XIEZHI_DEMO_DATA",
		"XIEZHI_LOG_LEVEL", "XIEZHI_LOG_FORMAT", "XIEZHI_READ_HEADER_TIMEOUT", "XIEZHI_READ_TIMEOUT", "XIEZHI_WRITE_TIMEOUT",
		"XIEZHI_IDLE_TIMEOUT", "XIEZHI_SHUTDOWN_TIMEOUT", "XIEZHI_MAX_HEADER_BYTES", "XIEZHI_MIN_BODY_RATE", "XIEZHI_BODY_RATE_GRACE",
		"XIEZHI_MAX_CONNS_PER_IP"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("settings changed: update README.md's configuration table too (-want +got):\n%s", diff)
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Env() {
		row := "| `" + e[0] + "` | `" + e[1] + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no configuration row starting %s", row)
		}
	}
}
