package ctxio_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/zhengning-court/xiezhi/internal/ctxio"
)

func TestReader(t *testing.T) {
	broken := errors.New("connection reset")
	tests := []struct {
		name    string
		r       io.Reader
		cancel  bool
		wantErr error  // Err and errors.Is(PutError)
		wantPut string // PutError's text, "" for nil
	}{
		{name: "a whole body", r: strings.NewReader("photo")},
		{name: "a body that fails", r: iotest.ErrReader(broken), wantErr: broken, wantPut: "put k: read body: connection reset"},
		{name: "a request that ended", r: strings.NewReader("photo"), cancel: true, wantErr: context.Canceled, wantPut: "put k: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			c := ctxio.NewReader(ctx, tt.r)
			b, _ := io.ReadAll(c)
			if tt.wantErr == nil && string(b) != "photo" {
				t.Errorf("read %q", b)
			}
			if !errors.Is(c.Err(), tt.wantErr) || (tt.wantErr == nil) != (c.Err() == nil) {
				t.Errorf("Err() = %v, want %v", c.Err(), tt.wantErr)
			}
			got := c.PutError("k")
			if tt.wantPut == "" && got != nil || tt.wantPut != "" && (got == nil || got.Error() != tt.wantPut || !errors.Is(got, tt.wantErr)) {
				t.Errorf("PutError = %v, want %q", got, tt.wantPut)
			}
		})
	}
}
