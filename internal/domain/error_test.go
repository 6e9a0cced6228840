package domain

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorText(t *testing.T) {
	cause := errors.New("disk full")
	tests := []struct {
		name string
		err  error
		want string
		code Code
	}{
		{"Errorf with cause", Errorf(EUnavailable, "store photo %s: %w", "p1", cause), "unavailable: store photo p1: disk full", EUnavailable},
		{"Errorf without cause", Errorf(ENotFound, "lead %s", "l1"), "not_found: lead l1", ENotFound},
		{"Wrap", Wrap(EInvalid, cause, "put %s", "k"), "invalid_request: put k: disk full", EInvalid},
		{"wrapped again", fmt.Errorf("outer: %w", Errorf(EConflict, "phone taken")), "outer: conflict: phone taken", EConflict},
		{"plain error", cause, "disk full", EInternal},
		{"nil", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err != nil && tc.err.Error() != tc.want {
				t.Errorf("Error() = %q, want %q", tc.err.Error(), tc.want)
			}
			if got := ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
		})
	}
	if !errors.Is(Errorf(EUnavailable, "x: %w", cause), cause) || !errors.Is(Wrap(EInvalid, cause, "x"), cause) {
		t.Error("the cause is not reachable with errors.Is")
	}
	inv := Invalid(FieldError{Field: "a", Code: "required"}, FieldError{Field: "b", Code: "too_long"})
	if inv.Code != EValidation || len(inv.Fields) != 2 {
		t.Errorf("Invalid = %+v", inv)
	}
}
