// Package ctxio has the reader both object stores (localdir, miniostore)
// read request bodies through: it stops when the request's context ends,
// and keeps the body's own error apart from the error of the destination.
package ctxio

import (
	"context"
	"fmt"
	"io"
)

// Reader stops reading once its context is done and remembers the first
// error of the reader it wraps (io.EOF is no error).
type Reader struct {
	ctx context.Context
	r   io.Reader
	err error
}

// NewReader reads r until ctx is done.
func NewReader(ctx context.Context, r io.Reader) *Reader { return &Reader{ctx: ctx, r: r} }

// Read implements io.Reader.
func (c *Reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// Err is the first error the reading met: the context's or the wrapped
// reader's; nil when it only ever ended with io.EOF.
func (c *Reader) Err() error { return c.err }

// PutError is the error of a put of key that copied from the reader: the
// context's end when it ended, else the body's failure ("read body"), or
// nil when the body did not fail.
func (c *Reader) PutError(key string) error {
	switch {
	case c.err == nil:
		return nil
	case c.ctx.Err() != nil:
		return fmt.Errorf("put %s: %w", key, c.ctx.Err())
	}
	return fmt.Errorf("put %s: read body: %w", key, c.err)
}
