package gormstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// transactAttempts is how often a transaction runs at most: InnoDB may
// pick it as a deadlock's victim or give up waiting for a lock, and then
// the whole transaction is run again, which is safe because nothing of it
// was committed.
const transactAttempts = 3

// The MySQL/MariaDB errors after which the transaction is run again.
const (
	erLockWaitTimeout = 1205 // innodb_lock_wait_timeout passed
	erLockDeadlock    = 1213 // chosen as a deadlock's victim; the transaction was rolled back
)

// The MySQL/MariaDB errors that mean "not now" rather than a bug.
const (
	erConCount       = 1040 // too many connections
	erServerShutdown = 1053 // the server is shutting down
)

// transact runs fn in a transaction of db's own connection pool, again
// (up to transactAttempts in all, after a short pause) when the database
// rolled it back for a deadlock or a lock wait timeout. fn must be safe to
// run again: it may have run to the failing statement before. An error
// that says the database cannot be reached is EUnavailable.
func (db *DB) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.gorm.WithContext(ctx).Transaction(fn)
		if !lockLost(err) || attempt == transactAttempts {
			break
		}
		pause := time.Duration(attempt)*20*time.Millisecond + rand.N(20*time.Millisecond) // #nosec G404 -- jitter, not a secret
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
	return outage(err)
}

// lockLost reports whether err is a deadlock or a lock wait timeout.
func lockLost(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == erLockDeadlock || me.Number == erLockWaitTimeout)
}

// outageRetryAfter is what a client is told to wait when the database is
// out of reach: long enough for a restart or a fail-over to be noticed.
const outageRetryAfter = 5 * time.Second

// outage turns an error that says the database cannot be reached or
// cannot take the request now (connection refused or reset, the server
// gone or shutting down, too many connections, a lock lost after all
// attempts) into EUnavailable with a Retry-After, so that the client is
// told to retry (503), not that the server has a bug (500). Other errors
// are returned as they are.
func outage(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.EInternal {
		return err
	}
	if !unreachable(err) {
		return err
	}
	return &domain.Error{Code: domain.EUnavailable, Message: "database: " + err.Error(), Err: err, RetryAfter: outageRetryAfter}
}

// unreachable reports whether err is the database being out of reach or
// refusing work for now.
func unreachable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erConCount, erServerShutdown, erLockDeadlock, erLockWaitTimeout:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &ne)
}
