package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// gridRow, villageRow, teamRow, teamGridRow and userRow are the table shapes;
// they never leave this package.
type gridRow struct {
	ID        string `gorm:"primaryKey"`
	Code      string
	Name      string
	Pinyin    string
	Kind      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (gridRow) TableName() string { return "grids" }

func (r gridRow) domain() domain.Grid {
	return domain.Grid{ID: r.ID, Code: r.Code, Name: r.Name, Pinyin: r.Pinyin, Kind: r.Kind, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type villageRow struct {
	ID        string `gorm:"primaryKey"`
	GridID    string
	Code      *string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (villageRow) TableName() string { return "villages" }

func (r villageRow) domain() domain.Village {
	v := domain.Village{ID: r.ID, GridID: r.GridID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Code != nil {
		v.Code = *r.Code
	}
	return v
}

type teamRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (teamRow) TableName() string { return "teams" }

type teamGridRow struct {
	TeamID string `gorm:"primaryKey"`
	GridID string `gorm:"primaryKey"`
}

func (teamGridRow) TableName() string { return "team_grids" }

type userRow struct {
	ID                 string `gorm:"primaryKey"`
	Phone              string
	Name               string
	Role               string
	Status             string
	VillageID          *string
	TeamID             *string
	PasswordHash       string
	MustChangePassword bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (userRow) TableName() string { return "users" }

func userToRow(u domain.User) userRow {
	return userRow{
		ID: u.ID, Phone: u.Phone, Name: u.Name, Role: string(u.Role), Status: string(u.Status),
		VillageID: nullable(u.VillageID), TeamID: nullable(u.TeamID),
		PasswordHash: u.PasswordHash, MustChangePassword: u.MustChangePassword,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func (r userRow) domain() domain.User {
	return domain.User{
		ID: r.ID, Phone: r.Phone, Name: r.Name, Role: domain.Role(r.Role), Status: domain.UserStatus(r.Status),
		VillageID: deref(r.VillageID), TeamID: deref(r.TeamID),
		PasswordHash: r.PasswordHash, MustChangePassword: r.MustChangePassword,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// OrgStore implements domain.OrgStore.
type OrgStore struct {
	db  *gorm.DB
	now func() time.Time
	id  func() string
}

var _ domain.OrgStore = (*OrgStore)(nil)

// UpsertGrid implements domain.OrgStore.
func (s *OrgStore) UpsertGrid(ctx context.Context, g domain.Grid) (domain.Grid, error) {
	now := s.now().UTC()
	var out gridRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("code = ?", g.Code).Take(&out).Error
		switch {
		case err == nil:
			out.Name, out.Pinyin, out.Kind, out.UpdatedAt = g.Name, g.Pinyin, g.Kind, now
			return tx.Save(&out).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		out = gridRow{ID: s.id(), Code: g.Code, Name: g.Name, Pinyin: g.Pinyin, Kind: g.Kind, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&out).Error
	})
	return out.domain(), translate(err, "grid %s", g.Code)
}

// UpsertVillage implements domain.OrgStore.
func (s *OrgStore) UpsertVillage(ctx context.Context, v domain.Village) (domain.Village, error) {
	now := s.now().UTC()
	var out villageRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("grid_id = ? AND name = ?", v.GridID, v.Name)
		if v.Code != "" {
			q = tx.Where("code = ?", v.Code)
		}
		err := q.Take(&out).Error
		switch {
		case err == nil:
			out.GridID, out.Name, out.Code, out.UpdatedAt = v.GridID, v.Name, nullable(v.Code), now
			return tx.Save(&out).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		out = villageRow{ID: s.id(), GridID: v.GridID, Code: nullable(v.Code), Name: v.Name, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&out).Error
	})
	return out.domain(), translate(err, "village %s %s", v.Code, v.Name)
}

// ListGrids implements domain.OrgStore.
func (s *OrgStore) ListGrids(ctx context.Context) ([]domain.Grid, error) {
	var rows []gridRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err, "list grids")
	}
	out := make([]domain.Grid, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ListVillages implements domain.OrgStore.
func (s *OrgStore) ListVillages(ctx context.Context, gridID string) ([]domain.Village, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&gridRow{}).Where("id = ?", gridID).Count(&n).Error; err != nil {
		return nil, translate(err, "grid %s", gridID)
	}
	if n == 0 {
		return nil, domain.Errorf(domain.ENotFound, "grid %s", gridID)
	}
	var rows []villageRow
	// Villages without a code sort after those with one, by name.
	if err := s.db.WithContext(ctx).Where("grid_id = ?", gridID).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN code IS NULL THEN 1 ELSE 0 END, code, name"}}).
		Find(&rows).Error; err != nil {
		return nil, translate(err, "villages of grid %s", gridID)
	}
	out := make([]domain.Village, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateTeam implements domain.OrgStore.
func (s *OrgStore) CreateTeam(ctx context.Context, t domain.Team) (domain.Team, error) {
	now := s.now().UTC()
	if t.ID == "" {
		t.ID = s.id()
	}
	t.CreatedAt, t.UpdatedAt = now, now
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&teamRow{ID: t.ID, Name: t.Name, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		for _, g := range t.GridIDs {
			if err := tx.Create(&teamGridRow{TeamID: t.ID, GridID: g}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return t, translate(err, "team %q", t.Name)
}

// ListTeams implements domain.OrgStore.
func (s *OrgStore) ListTeams(ctx context.Context) ([]domain.Team, error) {
	var teams []teamRow
	if err := s.db.WithContext(ctx).Order("name").Find(&teams).Error; err != nil {
		return nil, translate(err, "list teams")
	}
	var links []teamGridRow
	if err := s.db.WithContext(ctx).Order("grid_id").Find(&links).Error; err != nil {
		return nil, translate(err, "list team grids")
	}
	grids := map[string][]string{}
	for _, l := range links {
		grids[l.TeamID] = append(grids[l.TeamID], l.GridID)
	}
	out := make([]domain.Team, len(teams))
	for i, r := range teams {
		out[i] = domain.Team{ID: r.ID, Name: r.Name, GridIDs: grids[r.ID], CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// CreateUser implements domain.OrgStore.
func (s *OrgStore) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	now := s.now().UTC()
	if u.ID == "" {
		u.ID = s.id()
	}
	if u.Status == "" {
		u.Status = domain.UserActive
	}
	u.CreatedAt, u.UpdatedAt = now, now
	row := userToRow(u)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.User{}, translate(err, "user %s", u.Phone)
	}
	return row.domain(), nil
}

// CountUsers implements domain.OrgStore.
func (s *OrgStore) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Count(&n).Error
	return n, translate(err, "count users")
}
