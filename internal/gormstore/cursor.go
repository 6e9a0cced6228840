package gormstore

import (
	"encoding/base64"
	"encoding/json"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// encodeCursor makes an opaque page cursor of a keyset position.
func encodeCursor(v any) string {
	b, _ := json.Marshal(v) //nolint:errchkjson // plain structs of strings
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor back; anything not made by encodeCursor is a
// validation error on the cursor field.
func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return domain.Invalid(domain.FieldError{Field: "cursor", Code: "invalid"})
	}
	return nil
}
