package gormstore

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

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

// keyset is the keyset pagination of one list over rows R with cursors C:
// the columns it is ordered by (unique together, the last usually the id),
// all ascending or all descending, the cursor of a row, and the column
// values a cursor holds, in the columns' order.
type keyset[R, C any] struct {
	columns []string
	desc    bool
	at      func(R) C     // the position of a row: the next page starts after it
	values  func(C) []any // the cursor's values of columns
}

// order is the ORDER BY of the keyset.
func (k keyset[R, C]) order() string {
	dir := ""
	if k.desc {
		dir = " DESC"
	}
	return strings.Join(k.columns, dir+", ") + dir
}

// after restricts q to the rows after the cursor c in the keyset's order:
// "a < ?" for one column, "(a > ? OR (a = ? AND b > ?))" for two, and so on.
func (k keyset[R, C]) after(q *gorm.DB, c C) *gorm.DB {
	op := " > ?"
	if k.desc {
		op = " < ?"
	}
	vals := k.values(c)
	var or []string
	var args []any
	for i, col := range k.columns {
		and := ""
		for j := range i {
			and += k.columns[j] + " = ? AND "
			args = append(args, vals[j])
		}
		args = append(args, vals[i])
		if i == 0 {
			or = append(or, col+op)
		} else {
			or = append(or, "("+and+col+op+")")
		}
	}
	if len(or) == 1 {
		return q.Where(or[0], args...)
	}
	return q.Where("("+strings.Join(or, " OR ")+")", args...)
}

// list reads one page of q: at most limit rows (1..200, 50 when out of
// range) after cursor (none when empty), and the cursor of the next page
// ("" on the last). A cursor not made here is EValidation on "cursor";
// what names the list in a storage error.
func (k keyset[R, C]) list(q *gorm.DB, cursor string, limit int, what string) ([]R, string, error) {
	limit = pageLimit(limit)
	if cursor != "" {
		var c C
		if err := decodeCursor(cursor, &c); err != nil {
			return nil, "", err
		}
		q = k.after(q, c)
	}
	var rows []R
	if err := q.Order(k.order()).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "%s", what)
	}
	rows, next := k.cut(rows, limit)
	return rows, next, nil
}

// cut keeps the first limit of up to limit+1 rows and returns the cursor
// of the next page when there was one more.
func (k keyset[R, C]) cut(rows []R, limit int) ([]R, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeCursor(k.at(rows[limit-1]))
}

// pageLimit is the page size asked for, or 50 when out of 1..200.
func pageLimit(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}
