// Package config reads Xiezhi's settings from the environment (XIEZHI_*) and
// from command-line flags; a flag wins over its variable, which wins over the
// built-in default. The defaults are the embedded set-up: SQLite and a photo
// directory under ./data.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of the server. Secret fields are never logged:
// use Redacted for anything printed.
type Config struct {
	Addr    string // listen address
	DataDir string // where the embedded default keeps its database, photos and keys

	DatabaseURL string // MySQL DSN; empty: SQLite at DataDir/xiezhi.db

	S3Endpoint  string // host:port of MinIO / S3; empty: photo directory DataDir/objects
	S3AccessKey string
	S3SecretKey string
	S3Bucket    string
	S3Region    string
	S3UseTLS    bool

	JWTKeysDir  string // Ed25519 signing keys (PEM); empty: DataDir/keys
	DataKeyFile string // the key that seals ID numbers (base64 of 32 bytes); empty: DataDir/data.key
	JWTIssuer   string
	JWTAudience string

	MaxPhotoBytes int64 // largest photo upload
	Workers       int   // background job workers (photo processing) in this process; 0: none

	NoMigrate bool   // do not apply migrations at start
	DemoData  string // "auto", "true" or "false": load demo accounts on first start

	LogLevel  string // debug, info, warn, error
	LogFormat string // json or text

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // whole request, body included: slow uploads need minutes
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	MaxHeaderBytes    int
	MinBodyRate       int           // bytes a second a request body must average after BodyRateGrace; 0: no floor
	BodyRateGrace     time.Duration // how long a body may come slower than that
	MaxConnsPerIP     int           // open connections one client address may hold; 0: no limit
}

// setting describes one configuration variable for flags, help and docs.
type setting struct {
	flag, env, usage string
	value            flag.Value
}

// Defaults returns the embedded default configuration.
func Defaults() Config {
	return Config{
		Addr:              ":8080",
		DataDir:           "./data",
		S3Bucket:          "xiezhi",
		MaxPhotoBytes:     10 << 20,
		Workers:           1,
		JWTIssuer:         "xiezhi",
		JWTAudience:       "xiezhi-api",
		DemoData:          "auto",
		LogLevel:          "info",
		LogFormat:         "json",
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		MinBodyRate:       256,
		BodyRateGrace:     20 * time.Second,
		MaxConnsPerIP:     64,
	}
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "XIEZHI_ADDR", "address to listen on", (*stringValue)(&c.Addr)},
		{"data-dir", "XIEZHI_DATA_DIR", "directory of the embedded SQLite database, photo directory and signing keys", (*stringValue)(&c.DataDir)},
		{"database-url", "XIEZHI_DATABASE_URL", "MySQL/MariaDB DSN (user:pass@tcp(host:3306)/db); empty: SQLite in the data dir", (*stringValue)(&c.DatabaseURL)},
		{"s3-endpoint", "XIEZHI_S3_ENDPOINT", "MinIO/S3 host:port; empty: photo directory in the data dir", (*stringValue)(&c.S3Endpoint)},
		{"s3-access-key", "XIEZHI_S3_ACCESS_KEY", "MinIO/S3 access key", (*stringValue)(&c.S3AccessKey)},
		{"s3-secret-key", "XIEZHI_S3_SECRET_KEY", "MinIO/S3 secret key (prefer the variable: flags show in ps)", (*stringValue)(&c.S3SecretKey)},
		{"s3-bucket", "XIEZHI_S3_BUCKET", "bucket for photos, created when missing", (*stringValue)(&c.S3Bucket)},
		{"s3-region", "XIEZHI_S3_REGION", "S3 region (MinIO ignores it)", (*stringValue)(&c.S3Region)},
		{"s3-use-tls", "XIEZHI_S3_USE_TLS", "talk HTTPS to MinIO/S3", (*boolValue)(&c.S3UseTLS)},
		{"jwt-keys-dir", "XIEZHI_JWT_KEYS_DIR", "directory of Ed25519 signing keys (PEM files); empty: keys/ in the data dir, created on first start of the embedded default", (*stringValue)(&c.JWTKeysDir)},
		{"data-key-file", "XIEZHI_DATA_KEY_FILE", "file holding the data key that encrypts debtors' ID numbers (base64 of 32 random bytes); empty: data.key in the data dir, created on first start of the embedded default", (*stringValue)(&c.DataKeyFile)},
		{"jwt-issuer", "XIEZHI_JWT_ISSUER", "iss of access tokens", (*stringValue)(&c.JWTIssuer)},
		{"jwt-audience", "XIEZHI_JWT_AUDIENCE", "aud of access tokens", (*stringValue)(&c.JWTAudience)},
		{"max-photo-bytes", "XIEZHI_MAX_PHOTO_BYTES", "largest photo upload in bytes, refused with 413 while it streams", (*int64Value)(&c.MaxPhotoBytes)},
		{"workers", "XIEZHI_WORKERS", "background job workers (photo decoding and thumbnails) in this process; 0: none, leave them to `xiezhi worker` processes", (*countValue)(&c.Workers)},
		{"no-migrate", "XIEZHI_NO_MIGRATE", "do not apply database migrations at start", (*boolValue)(&c.NoMigrate)},
		{"demo-data", "XIEZHI_DEMO_DATA", "load demo accounts on first start: auto (only on the embedded SQLite default), true or false", (*stringValue)(&c.DemoData)},
		{"log-level", "XIEZHI_LOG_LEVEL", "debug, info, warn or error", (*stringValue)(&c.LogLevel)},
		{"log-format", "XIEZHI_LOG_FORMAT", "json or text", (*stringValue)(&c.LogFormat)},
		{"read-header-timeout", "XIEZHI_READ_HEADER_TIMEOUT", "time to read request headers", (*durationValue)(&c.ReadHeaderTimeout)},
		{"read-timeout", "XIEZHI_READ_TIMEOUT", "time to read a whole request, body included (slow photo uploads)", (*durationValue)(&c.ReadTimeout)},
		{"write-timeout", "XIEZHI_WRITE_TIMEOUT", "time to write a whole response", (*durationValue)(&c.WriteTimeout)},
		{"idle-timeout", "XIEZHI_IDLE_TIMEOUT", "keep-alive idle time", (*durationValue)(&c.IdleTimeout)},
		{"shutdown-timeout", "XIEZHI_SHUTDOWN_TIMEOUT", "time to drain in-flight requests and background jobs on SIGTERM", (*durationValue)(&c.ShutdownTimeout)},
		{"max-header-bytes", "XIEZHI_MAX_HEADER_BYTES", "largest request header block", (*intValue)(&c.MaxHeaderBytes)},
		{"min-body-rate", "XIEZHI_MIN_BODY_RATE", "bytes a second a request body must average once the grace has passed, or it is cut (slow-body attacks); 0: no floor", (*countValue)(&c.MinBodyRate)},
		{"body-rate-grace", "XIEZHI_BODY_RATE_GRACE", "how long a request body may come slower than the floor", (*durationValue)(&c.BodyRateGrace)},
		{"max-conns-per-ip", "XIEZHI_MAX_CONNS_PER_IP", "open connections one client address may hold (more are closed at once); 0: no limit", (*countValue)(&c.MaxConnsPerIP)},
	}
}

// Load builds the configuration from defaults, then the environment (getenv),
// then the flags in args, registering every setting on fs so that -help lists
// them. Errors name the variable or flag at fault.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	c := Defaults()
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
		fs.Var(s.value, s.flag, s.usage+" ("+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks settings that do not depend on anything outside.
func (c Config) Validate() error {
	var errs []error
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		errs = append(errs, errors.New("XIEZHI_S3_ENDPOINT is set: XIEZHI_S3_ACCESS_KEY and XIEZHI_S3_SECRET_KEY are required"))
	}
	if c.S3Endpoint != "" && c.S3Bucket == "" {
		errs = append(errs, errors.New("XIEZHI_S3_BUCKET must not be empty"))
	}
	switch c.DemoData {
	case "auto", "true", "false":
	default:
		errs = append(errs, fmt.Errorf("XIEZHI_DEMO_DATA=%q: want auto, true or false", c.DemoData))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("XIEZHI_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("XIEZHI_LOG_FORMAT=%q: want json or text", c.LogFormat))
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		errs = append(errs, errors.New("XIEZHI_JWT_ISSUER and XIEZHI_JWT_AUDIENCE must not be empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("XIEZHI_DATA_DIR must not be empty"))
	}
	return errors.Join(errs...)
}

// SQLitePath is the embedded database file.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "xiezhi.db") }

// ObjectsDir is the embedded photo directory.
func (c Config) ObjectsDir() string { return filepath.Join(c.DataDir, "objects") }

// KeysDir is where the token signing keys are.
func (c Config) KeysDir() string {
	if c.JWTKeysDir != "" {
		return c.JWTKeysDir
	}
	return filepath.Join(c.DataDir, "keys")
}

// DataKeyPath is the file of the data key that seals ID numbers.
func (c Config) DataKeyPath() string {
	if c.DataKeyFile != "" {
		return c.DataKeyFile
	}
	return filepath.Join(c.DataDir, "data.key")
}

// Embedded reports whether the database is the embedded SQLite default.
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// LoadDemoData reports whether demo accounts are loaded on first start.
func (c Config) LoadDemoData() bool {
	if c.DemoData == "auto" {
		return c.Embedded()
	}
	return c.DemoData == "true"
}

// Env lists every variable with its flag and usage, for docs and help.
func Env() [][3]string {
	var c Config
	var out [][3]string
	for _, s := range c.settings() {
		out = append(out, [3]string{s.env, "--" + s.flag, s.usage})
	}
	return out
}

// FromEnviron is Load's getenv for the real process environment.
func FromEnviron(key string) string { return os.Getenv(key) }

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(strings.TrimSpace(s)); return nil }
func (v *stringValue) String() string {
	if v == nil {
		return ""
	}
	return string(*v)
}

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string {
	if v == nil {
		return "false"
	}
	return strconv.FormatBool(bool(*v))
}
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return errors.New("want a duration such as 30s or 5m")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string {
	if v == nil {
		return "0s"
	}
	return time.Duration(*v).String()
}

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return errors.New("want a positive whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string {
	if v == nil {
		return "0"
	}
	return strconv.Itoa(int(*v))
}

// countValue is a whole number that may be 0.
type countValue int

func (v *countValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return errors.New("want a whole number, 0 or more")
	}
	*v = countValue(n)
	return nil
}
func (v *countValue) String() string {
	if v == nil {
		return "0"
	}
	return strconv.Itoa(int(*v))
}

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return errors.New("want a positive whole number")
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string {
	if v == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*v), 10)
}
