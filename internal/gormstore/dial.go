// Package gormstore is the relational store of Xiezhi: MySQL 8 / MariaDB
// 10.11+ through gorm.io/driver/mysql for production, and SQLite (pure Go, no
// cgo) for the embedded default. Both run the same versioned SQL from
// migrations/, never AutoMigrate.
package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Dialect names a SQL dialect; it is also the folder name in migrations/.
type Dialect string

// The supported dialects.
const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// DB is an open database of either dialect.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	batch   *sql.DB // MySQL: a small pool that allows several statements per query, for RecordPhoto alone
	dialect Dialect
	where   string // host:port or file path, for messages (never the password)
	now     func() time.Time
	newID   func() string
}

// SetClock replaces the clock and the id generator (tests use it to make
// results predictable). Call it before using the stores.
func (db *DB) SetClock(now func() time.Time, newID func() string) {
	db.now, db.newID = now, newID
}

// NewID returns a new UUIDv7: time-ordered, so new rows go to the end of
// the primary key index.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Transact implements domain.Transactor.
func (db *DB) Transact(ctx context.Context, fn func(domain.Stores) error) error {
	return db.transact(ctx, func(tx *gorm.DB) error {
		return fn(domain.Stores{
			Org:         &OrgStore{db: tx, now: db.now, id: db.newID},
			Sessions:    &SessionStore{db: tx, dialect: db.dialect},
			Throttles:   &ThrottleStore{db: tx, dialect: db.dialect},
			Leads:       &LeadStore{db: tx, dialect: db.dialect},
			Cases:       &CaseStore{db: tx, now: db.now, id: db.newID},
			Audit:       &AuditStore{db: tx, dialect: db.dialect, now: db.now, id: db.newID},
			Jobs:        &JobStore{db: tx, dialect: db.dialect},
			Idempotency: &IdempotencyStore{db: tx},
		})
	})
}

// Org returns the organisation store.
func (db *DB) Org() *OrgStore { return &OrgStore{db: db.gorm, now: db.now, id: db.newID} }

// quietDriver silences the MySQL driver's own stderr logger once: its
// errors reach us as values, and a stray multi-line log at start would hide
// the one-line error we print.
var quietDriver sync.Once

// gormConfig returns a fresh configuration for every Open: gorm.Open keeps
// the dialect's clause builders in it, so one shared value would let a
// MySQL pool and a SQLite pool (as in the tests) overwrite each other's SQL.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		DisableAutomaticPing:   true,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// OpenSQLite opens (creating when missing) the SQLite database at path with
// foreign keys on, WAL journaling, a busy timeout and IMMEDIATE transactions
// so that concurrent writers queue instead of failing.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("database sqlite at %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// SQLite parses the name as a URI: escape what would end the path.
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + q.Encode()
	g, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("database sqlite at %s: %w", path, err)
	}
	db, err := wrap(ctx, g, SQLite, path)
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's nature; a small pool keeps readers
	// concurrent under WAL without piling up lock waits.
	db.sql.SetMaxOpenConns(8)
	return db, nil
}

// OpenMySQL connects to MySQL/MariaDB with the DSN of go-sql-driver/mysql
// (user:pass@tcp(host:3306)/db). It forces what Xiezhi relies on: parsed UTC
// times, utf8mb4 and a dial timeout, and fails with a one-line error when the
// server cannot be reached or refuses the credentials.
func OpenMySQL(ctx context.Context, dsn string) (*DB, error) {
	quietDriver.Do(func() { _ = mysql.SetLogger(log.New(io.Discard, "", 0)) })
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("XIEZHI_DATABASE_URL is not a MySQL DSN (user:pass@tcp(host:3306)/db): %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("XIEZHI_DATABASE_URL names no database (user:pass@tcp(host:3306)/db)")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Params["time_zone"] = "'+00:00'"
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	// Send each statement with its values in one round trip instead of a
	// prepare, an execute and a close (the driver escapes for utf8mb4).
	cfg.InterpolateParams = true
	where := cfg.Addr + "/" + cfg.DBName
	// Opening asks the server's version, so this is where an unreachable
	// server or a bad password shows first.
	g, err := gorm.Open(gmysql.New(gmysql.Config{DSNConfig: cfg}), gormConfig())
	if err != nil {
		return nil, domain.Errorf(domain.EUnavailable, "database mysql at %s: %s", where, shortReason(err))
	}
	db, err := wrap(ctx, g, MySQL, where)
	if err != nil {
		return nil, err
	}
	db.sql.SetMaxOpenConns(32)
	db.sql.SetMaxIdleConns(16)
	db.sql.SetConnMaxLifetime(30 * time.Minute)
	// Recording a photo sends its statements in one batch
	// (LeadStore.RecordPhoto). Only that code, with its fixed SQL, uses
	// this pool: the main pool keeps one statement per query, so that a
	// value that escaped its quoting could never add a statement there.
	bcfg := cfg.Clone()
	bcfg.MultiStatements = true
	connector, err := mysql.NewConnector(bcfg)
	if err != nil {
		_ = db.sql.Close()
		return nil, fmt.Errorf("database mysql at %s: %w", where, err)
	}
	db.batch = sql.OpenDB(connector)
	db.batch.SetMaxOpenConns(8)
	db.batch.SetMaxIdleConns(8)
	db.batch.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}

func wrap(ctx context.Context, g *gorm.DB, d Dialect, where string) (*DB, error) {
	s, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("database %s at %s: %w", d, where, err)
	}
	db := &DB{gorm: g, sql: s, dialect: d, where: where, now: time.Now, newID: NewID}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Name names the backend for logs and readiness.
func (db *DB) Name() string { return string(db.dialect) }

// Ping checks that the database answers. Errors: EUnavailable, with a short
// reason naming where the database is.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return domain.Errorf(domain.EUnavailable, "database %s at %s: %s", db.dialect, db.where, shortReason(err))
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	if db.batch != nil {
		_ = db.batch.Close()
	}
	return db.sql.Close()
}

// SQL returns the underlying pool, for benchmarks and tools.
func (db *DB) SQL() *sql.DB { return db.sql }

// shortReason turns a driver error into a short single-line reason.
func shortReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		msg := op.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1045:
			return "access denied (check the user and password in XIEZHI_DATABASE_URL)"
		case 1049:
			return "unknown database (create it first: CREATE DATABASE ... CHARACTER SET utf8mb4)"
		}
		return me.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
