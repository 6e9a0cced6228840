package gormstore

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// translate maps driver and GORM errors to domain codes; what has no domain
// meaning is wrapped with context and stays EInternal.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.Errorf(domain.ENotFound, "%s: not found", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.EConflict, "%s: already exists: %w", what, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.EValidation, "%s: refers to something that does not exist: %w", what, err)
	}
	if unreachable(err) {
		return outage(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}
