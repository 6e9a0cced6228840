package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code is a stable, machine-readable error code. Clients switch on it; it
// appears as `code` in every problem response, so a code once published never
// changes meaning.
type Code string

// The error codes. The HTTP layer maps each to exactly one status (see
// api/problem.go); adding a code means adding it there and to openapi.yaml.
const (
	EInvalid          Code = "invalid_request"          // malformed request: bad JSON, bad header
	EValidation       Code = "validation_failed"        // well-formed, but fields break the rules
	EUnauthorized     Code = "unauthorized"             // no or bad credentials
	EForbidden        Code = "forbidden"                // the role may not do this at all
	EPasswordChange   Code = "password_change_required" // set a new password first (after a reset)
	ENotFound         Code = "not_found"                // missing, or outside the caller's scope
	EMethodNotAllowed Code = "method_not_allowed"       // the route exists, the method does not
	EConflict         Code = "conflict"                 // state or uniqueness conflict
	EPrecondition     Code = "precondition_failed"      // stale If-Match
	ETooLarge         Code = "payload_too_large"        // body over its cap
	EUnsupportedMedia Code = "unsupported_media_type"   // body type not accepted
	ETooManyRequests  Code = "too_many_requests"        // throttled
	EUnavailable      Code = "unavailable"              // a dependency is down; retry later
	EPhotoProcessing  Code = "photo_processing"         // the photo's thumbnail is not made yet; retry shortly
	EInternal         Code = "internal"                 // a bug or an unexpected failure
)

// FieldError says what is wrong with one field of a request. Field is the
// JSON path of the field as the client sent it (for example "location.lat");
// Code is a stable reason such as "required" or "too_long"; Params carry the
// values a message needs (for example {"max": 2000}).
type FieldError struct {
	Field  string
	Code   string
	Params map[string]any
}

// Error is the one error type of Xiezhi. Message is for operators and logs
// (English, may name ids); the HTTP layer shows clients a localized text
// chosen by Code, never Message for EInternal.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error // the cause, if any; never shown to clients

	// RetryAfter, on ETooManyRequests, EUnavailable and EPhotoProcessing,
	// tells the client when to try again (the Retry-After header).
	RetryAfter time.Duration
}

// Error implements the error interface: the code, the message and the
// cause, unless the message already ends with it (as Errorf's do).
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && !strings.HasSuffix(e.Message, e.Err.Error()) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A %w
// verb in format also records the wrapped error as the cause.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap returns an *Error with the given code whose message is the formatted
// text and whose cause is err (shown after the message by Error).
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Invalid returns a validation error listing every bad field at once.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EValidation, Message: "request has invalid fields", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
