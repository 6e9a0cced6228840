package gormstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// gridRow, villageRow, teamRow, teamGridRow and userRow are the table shapes;
// they never leave this package.
type gridRow struct {
	ID        string `gorm:"primaryKey"`
	Version   int
	Code      string
	Name      string
	Pinyin    string
	Kind      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (gridRow) TableName() string { return "grids" }

func (r gridRow) domain() domain.Grid {
	return domain.Grid{ID: r.ID, Version: r.Version, Code: r.Code, Name: r.Name, Pinyin: r.Pinyin, Kind: r.Kind, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type villageRow struct {
	ID        string `gorm:"primaryKey"`
	Version   int
	GridID    string
	Code      *string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (villageRow) TableName() string { return "villages" }

func (r villageRow) domain() domain.Village {
	v := domain.Village{ID: r.ID, Version: r.Version, GridID: r.GridID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Code != nil {
		v.Code = *r.Code
	}
	return v
}

type teamRow struct {
	ID          string `gorm:"primaryKey"`
	Version     int
	Name        string
	CountyQueue bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (teamRow) TableName() string { return "teams" }

type teamGridRow struct {
	TeamID string `gorm:"primaryKey"`
	GridID string `gorm:"primaryKey"`
}

func (teamGridRow) TableName() string { return "team_grids" }

type userRow struct {
	ID                 string `gorm:"primaryKey"`
	Version            int
	Phone              string
	Name               string
	Role               string
	Status             string
	VillageID          *string
	TeamID             *string
	PasswordHash       string
	MustChangePassword bool
	PasswordChangedAt  *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (userRow) TableName() string { return "users" }

func userToRow(u domain.User) userRow {
	return userRow{
		ID: u.ID, Version: u.Version, Phone: u.Phone, Name: u.Name, Role: string(u.Role), Status: string(u.Status),
		VillageID: nullable(u.VillageID), TeamID: nullable(u.TeamID),
		PasswordHash: u.PasswordHash, MustChangePassword: u.MustChangePassword,
		PasswordChangedAt: nullableTime(u.PasswordChangedAt),
		CreatedAt:         u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func (r userRow) domain() domain.User {
	return domain.User{
		ID: r.ID, Version: r.Version, Phone: r.Phone, Name: r.Name, Role: domain.Role(r.Role), Status: domain.UserStatus(r.Status),
		VillageID: deref(r.VillageID), TeamID: deref(r.TeamID),
		PasswordHash: r.PasswordHash, MustChangePassword: r.MustChangePassword,
		PasswordChangedAt: derefTime(r.PasswordChangedAt),
		CreatedAt:         r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
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

func nullableTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
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
			if out.Name == g.Name && out.Pinyin == g.Pinyin && out.Kind == g.Kind {
				return nil
			}
			out.Name, out.Pinyin, out.Kind, out.UpdatedAt = g.Name, g.Pinyin, g.Kind, now
			out.Version++
			return tx.Save(&out).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		out = gridRow{ID: s.id(), Version: 1, Code: g.Code, Name: g.Name, Pinyin: g.Pinyin, Kind: g.Kind, CreatedAt: now, UpdatedAt: now}
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
			if out.GridID == v.GridID && out.Name == v.Name && deref(out.Code) == v.Code {
				return nil
			}
			out.GridID, out.Name, out.Code, out.UpdatedAt = v.GridID, v.Name, nullable(v.Code), now
			out.Version++
			return tx.Save(&out).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		out = villageRow{ID: s.id(), Version: 1, GridID: v.GridID, Code: nullable(v.Code), Name: v.Name, CreatedAt: now, UpdatedAt: now}
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

// CreateGrid implements domain.OrgStore.
func (s *OrgStore) CreateGrid(ctx context.Context, g domain.Grid) (domain.Grid, error) {
	now := s.now().UTC()
	row := gridRow{ID: s.id(), Version: 1, Code: g.Code, Name: g.Name, Pinyin: g.Pinyin, Kind: g.Kind, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.Grid{}, translate(err, "grid %s", g.Code)
	}
	return row.domain(), nil
}

// UpdateGrid implements domain.OrgStore.
func (s *OrgStore) UpdateGrid(ctx context.Context, g domain.Grid, version int) (domain.Grid, error) {
	err := s.update(ctx, &gridRow{}, "grid", g.ID, version, map[string]any{"name": g.Name, "pinyin": g.Pinyin, "kind": g.Kind})
	if err != nil {
		return domain.Grid{}, err
	}
	return s.GetGrid(ctx, g.ID)
}

// GetGrid implements domain.OrgStore.
func (s *OrgStore) GetGrid(ctx context.Context, id string) (domain.Grid, error) {
	var row gridRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Grid{}, translate(err, "grid %s", id)
	}
	return row.domain(), nil
}

// CreateVillage implements domain.OrgStore.
func (s *OrgStore) CreateVillage(ctx context.Context, v domain.Village) (domain.Village, error) {
	now := s.now().UTC()
	row := villageRow{ID: s.id(), Version: 1, GridID: v.GridID, Code: nullable(v.Code), Name: v.Name, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.Village{}, translate(err, "village %q", v.Name)
	}
	return row.domain(), nil
}

// UpdateVillage implements domain.OrgStore.
func (s *OrgStore) UpdateVillage(ctx context.Context, v domain.Village, version int) (domain.Village, error) {
	err := s.update(ctx, &villageRow{}, "village", v.ID, version, map[string]any{"name": v.Name, "code": nullable(v.Code), "grid_id": v.GridID})
	if err != nil {
		return domain.Village{}, err
	}
	return s.GetVillage(ctx, v.ID)
}

// GetVillage implements domain.OrgStore.
func (s *OrgStore) GetVillage(ctx context.Context, id string) (domain.Village, error) {
	var row villageRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Village{}, translate(err, "village %s", id)
	}
	return row.domain(), nil
}

// AllVillages implements domain.OrgStore.
func (s *OrgStore) AllVillages(ctx context.Context) ([]domain.Village, error) {
	var rows []villageRow
	if err := s.db.WithContext(ctx).Order("grid_id, name").Find(&rows).Error; err != nil {
		return nil, translate(err, "list villages")
	}
	out := make([]domain.Village, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// update applies changes to one row when its version matches (0: any),
// bumping the version and updated_at; it tells a missing row (ENotFound)
// from a changed one (EPrecondition).
func (s *OrgStore) update(ctx context.Context, model any, what, id string, version int, changes map[string]any) error {
	changes["version"] = gorm.Expr("version + 1")
	changes["updated_at"] = s.now().UTC()
	q := s.db.WithContext(ctx).Model(model).Where("id = ?", id)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	res := q.Updates(changes)
	if res.Error != nil {
		return translate(res.Error, "update %s %s", what, id)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return translate(err, "%s %s", what, id)
	}
	if n == 0 {
		return domain.Errorf(domain.ENotFound, "%s %s", what, id)
	}
	return domain.Errorf(domain.EPrecondition, "%s %s changed since version %d", what, id, version)
}

// CreateTeam implements domain.OrgStore.
func (s *OrgStore) CreateTeam(ctx context.Context, t domain.Team) (domain.Team, error) {
	now := s.now().UTC()
	if t.ID == "" {
		t.ID = s.id()
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := oneCountyQueue(tx, t); err != nil {
			return err
		}
		if err := tx.Create(&teamRow{ID: t.ID, Version: 1, Name: t.Name, CountyQueue: t.CountyQueue, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		return linkGrids(tx, t.ID, t.GridIDs)
	})
	if err != nil {
		return domain.Team{}, translate(err, "team %q", t.Name)
	}
	return s.GetTeam(ctx, t.ID)
}

// UpdateTeam implements domain.OrgStore.
func (s *OrgStore) UpdateTeam(ctx context.Context, t domain.Team, version int) (domain.Team, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := oneCountyQueue(tx, t); err != nil {
			return err
		}
		inner := &OrgStore{db: tx, now: s.now, id: s.id}
		if err := inner.update(ctx, &teamRow{}, "team", t.ID, version, map[string]any{"name": t.Name, "county_queue": t.CountyQueue}); err != nil {
			return err
		}
		if err := tx.Where("team_id = ?", t.ID).Delete(&teamGridRow{}).Error; err != nil {
			return err
		}
		return linkGrids(tx, t.ID, t.GridIDs)
	})
	if err != nil {
		return domain.Team{}, translate(err, "team %s", t.ID)
	}
	return s.GetTeam(ctx, t.ID)
}

// oneCountyQueue refuses a second team with the county queue.
func oneCountyQueue(tx *gorm.DB, t domain.Team) error {
	if !t.CountyQueue {
		return nil
	}
	var n int64
	if err := tx.Model(&teamRow{}).Where("county_queue = ? AND id <> ?", true, t.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return domain.Errorf(domain.EConflict, "another team already has the county queue")
	}
	return nil
}

func linkGrids(tx *gorm.DB, teamID string, gridIDs []string) error {
	for _, g := range gridIDs {
		if err := tx.Create(&teamGridRow{TeamID: teamID, GridID: g}).Error; err != nil {
			return err
		}
	}
	return nil
}

// GetTeam implements domain.OrgStore.
func (s *OrgStore) GetTeam(ctx context.Context, id string) (domain.Team, error) {
	var row teamRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Team{}, translate(err, "team %s", id)
	}
	var links []teamGridRow
	if err := s.db.WithContext(ctx).Where("team_id = ?", id).Order("grid_id").Find(&links).Error; err != nil {
		return domain.Team{}, translate(err, "grids of team %s", id)
	}
	t := row.domain()
	for _, l := range links {
		t.GridIDs = append(t.GridIDs, l.GridID)
	}
	return t, nil
}

func (r teamRow) domain() domain.Team {
	return domain.Team{ID: r.ID, Version: r.Version, Name: r.Name, CountyQueue: r.CountyQueue, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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
		out[i] = r.domain()
		out[i].GridIDs = grids[r.ID]
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
	u.Version, u.CreatedAt, u.UpdatedAt = 1, now, now
	row := userToRow(u)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.User{}, translate(err, "user %s", u.Phone)
	}
	return row.domain(), nil
}

// UpdateUser implements domain.OrgStore.
func (s *OrgStore) UpdateUser(ctx context.Context, u domain.User, version int) (domain.User, error) {
	err := s.update(ctx, &userRow{}, "user", u.ID, version, map[string]any{
		"phone": u.Phone, "name": u.Name, "role": string(u.Role), "status": string(u.Status),
		"village_id": nullable(u.VillageID), "team_id": nullable(u.TeamID),
		"password_hash": u.PasswordHash, "must_change_password": u.MustChangePassword,
		"password_changed_at": nullableTime(u.PasswordChangedAt),
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.GetUser(ctx, u.ID)
}

// GetUser implements domain.OrgStore.
func (s *OrgStore) GetUser(ctx context.Context, id string) (domain.User, error) {
	var row userRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.User{}, translate(err, "user %s", id)
	}
	return row.domain(), nil
}

// GetUserByPhone implements domain.OrgStore.
func (s *OrgStore) GetUserByPhone(ctx context.Context, phone string) (domain.User, error) {
	var row userRow
	if err := s.db.WithContext(ctx).Where("phone = ?", phone).Take(&row).Error; err != nil {
		return domain.User{}, translate(err, "user with phone %s", domain.MaskPhone(phone))
	}
	return row.domain(), nil
}

// userCursor is the keyset position after which the next page starts.
type userCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// userPages orders users by name.
var userPages = keyset[userRow, userCursor]{
	columns: []string{"name", "id"},
	at:      func(r userRow) userCursor { return userCursor{Name: r.Name, ID: r.ID} },
	values:  func(c userCursor) []any { return []any{c.Name, c.ID} },
}

// ListUsers implements domain.OrgStore with keyset pagination on
// (name, id): pages stay fast and stable however deep the client goes.
func (s *OrgStore) ListUsers(ctx context.Context, f domain.UserFilter) ([]domain.User, string, error) {
	q := s.db.WithContext(ctx).Model(&userRow{})
	if len(f.Roles) > 0 {
		roles := make([]string, len(f.Roles))
		for i, r := range f.Roles {
			roles[i] = string(r)
		}
		q = q.Where("role IN ?", roles)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.VillageID != "" {
		q = q.Where("village_id = ?", f.VillageID)
	}
	if f.GridIDs != nil {
		q = q.Where("(village_id IN (?) OR team_id IN (?))",
			s.db.Model(&villageRow{}).Select("id").Where("grid_id IN ?", nonEmpty(f.GridIDs)),
			s.db.Model(&teamGridRow{}).Select("team_id").Where("grid_id IN ?", nonEmpty(f.GridIDs)))
	}
	if f.Query != "" {
		like := "%" + escapeLike(f.Query) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR phone LIKE ? ESCAPE '!')", like, like)
	}
	rows, next, err := userPages.list(q, f.Cursor, f.Limit, "list users")
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// nonEmpty keeps "IN ()" out of SQL: an empty scope matches nothing.
func nonEmpty(ids []string) []string {
	if len(ids) == 0 {
		return []string{""}
	}
	return ids
}

// escapeLike escapes LIKE wildcards with '!' (the same on both dialects).
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// CountUsers implements domain.OrgStore.
func (s *OrgStore) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Count(&n).Error
	return n, translate(err, "count users")
}
