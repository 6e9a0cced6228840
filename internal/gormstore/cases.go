package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type debtorRow struct {
	ID        string `gorm:"primaryKey"`
	Kind      string
	Name      string
	IDMasked  string  `gorm:"column:id_masked"`
	IDCipher  []byte  `gorm:"column:id_cipher"`
	IDIndex   *string `gorm:"column:id_index"`
	VillageID *string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (debtorRow) TableName() string { return "debtors" }

func (r debtorRow) domain() domain.Debtor {
	return domain.Debtor{ID: r.ID, Version: r.Version, Kind: r.Kind, Name: r.Name, IDMasked: r.IDMasked, IDCipher: r.IDCipher,
		IDIndex: deref(r.IDIndex), VillageID: deref(r.VillageID), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// debtorGridRow is a debtor read with its village's grid.
type debtorGridRow struct {
	ID        string
	Kind      string
	Name      string
	IDMasked  string  `gorm:"column:id_masked"`
	IDCipher  []byte  `gorm:"column:id_cipher"`
	IDIndex   *string `gorm:"column:id_index"`
	VillageID *string
	GridID    *string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (r debtorGridRow) domain() domain.Debtor {
	d := debtorRow{ID: r.ID, Kind: r.Kind, Name: r.Name, IDMasked: r.IDMasked, IDCipher: r.IDCipher, IDIndex: r.IDIndex,
		VillageID: r.VillageID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}.domain()
	d.GridID = deref(r.GridID)
	return d
}

type caseRow struct {
	ID                 string `gorm:"primaryKey"`
	Number             string
	Category           string
	Status             string
	AmountDueFen       int64
	AmountRecoveredFen int64
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (caseRow) TableName() string { return "cases" }

func (r caseRow) domain() domain.Case {
	return domain.Case{ID: r.ID, Version: r.Version, Number: r.Number, Category: domain.CaseCategory(r.Category), Status: domain.CaseStatus(r.Status), AmountDueFen: r.AmountDueFen,
		AmountRecoveredFen: r.AmountRecoveredFen, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type caseDebtorRow struct {
	CaseID   string `gorm:"primaryKey"`
	DebtorID string `gorm:"primaryKey"`
}

func (caseDebtorRow) TableName() string { return "case_debtors" }

// CaseStore implements domain.CaseStore.
type CaseStore struct {
	db  *gorm.DB
	now func() time.Time
	id  func() string
}

var _ domain.CaseStore = (*CaseStore)(nil)

// Cases returns the case and debtor store.
func (db *DB) Cases() *CaseStore { return &CaseStore{db: db.gorm, now: db.now, id: db.newID} }

// CreateDebtor implements domain.CaseStore.
func (s *CaseStore) CreateDebtor(ctx context.Context, d domain.Debtor) (domain.Debtor, error) {
	now := s.now().UTC()
	if d.ID == "" {
		d.ID = s.id()
	}
	row := debtorRow{ID: d.ID, Kind: d.Kind, Name: d.Name, IDMasked: d.IDMasked, IDCipher: d.IDCipher, IDIndex: nullable(d.IDIndex),
		VillageID: nullable(d.VillageID), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.Debtor{}, translate(err, "debtor %q", d.Name)
	}
	return s.GetDebtor(ctx, d.ID)
}

// debtors selects debtors with the grid of their village.
func (s *CaseStore) debtors(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("debtors").Select("debtors.*, villages.grid_id AS grid_id").
		Joins("LEFT JOIN villages ON villages.id = debtors.village_id")
}

// GetDebtor implements domain.CaseStore.
func (s *CaseStore) GetDebtor(ctx context.Context, id string) (domain.Debtor, error) {
	var row debtorGridRow
	if err := s.debtors(ctx).Where("debtors.id = ?", id).Take(&row).Error; err != nil {
		return domain.Debtor{}, translate(err, "debtor %s", id)
	}
	return row.domain(), nil
}

// UpdateDebtor implements domain.CaseStore.
func (s *CaseStore) UpdateDebtor(ctx context.Context, d domain.Debtor, version int) (domain.Debtor, error) {
	err := s.update(ctx, &debtorRow{}, "debtor", d.ID, version, map[string]any{
		"kind": d.Kind, "name": d.Name, "id_masked": d.IDMasked, "id_cipher": d.IDCipher, "id_index": nullable(d.IDIndex),
		"village_id": nullable(d.VillageID),
	})
	if err != nil {
		return domain.Debtor{}, err
	}
	return s.GetDebtor(ctx, d.ID)
}

// debtorCursor is the keyset position of a debtor list.
type debtorCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// debtorPages orders debtors by name.
var debtorPages = keyset[debtorGridRow, debtorCursor]{
	columns: []string{"debtors.name", "debtors.id"},
	at:      func(r debtorGridRow) debtorCursor { return debtorCursor{Name: r.Name, ID: r.ID} },
	values:  func(c debtorCursor) []any { return []any{c.Name, c.ID} },
}

// ListDebtors implements domain.CaseStore with keyset pagination on (name, id).
func (s *CaseStore) ListDebtors(ctx context.Context, f domain.DebtorFilter) ([]domain.Debtor, string, error) {
	q := s.debtors(ctx)
	if f.GridIDs != nil {
		q = q.Where("villages.grid_id IN ?", nonEmpty(f.GridIDs))
	}
	if f.IDIndex != "" {
		q = q.Where("debtors.id_index = ?", f.IDIndex)
	}
	if f.Query != "" {
		q = q.Where("debtors.name LIKE ? ESCAPE '!'", "%"+escapeLike(f.Query)+"%")
	}
	rows, next, err := debtorPages.list(q, f.Cursor, f.Limit, "list debtors")
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.Debtor, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// CreateCase implements domain.CaseStore. Called outside a transaction, it
// opens its own, so that the case and its links are stored together.
func (s *CaseStore) CreateCase(ctx context.Context, c domain.Case) (domain.Case, error) {
	now := s.now().UTC()
	if c.ID == "" {
		c.ID = s.id()
	}
	if c.Status == "" {
		c.Status = domain.CaseOpen
	}
	if c.Category == "" {
		c.Category = domain.CaseOrdinary
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, now, now
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := caseRow{ID: c.ID, Number: c.Number, Category: string(c.Category), Status: string(c.Status), AmountDueFen: c.AmountDueFen,
			AmountRecoveredFen: c.AmountRecoveredFen, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for _, d := range c.DebtorIDs {
			if err := tx.Create(&caseDebtorRow{CaseID: c.ID, DebtorID: d}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return domain.Case{}, translate(err, "case %s", c.Number)
	}
	return s.GetCase(ctx, c.ID)
}

// GetCase implements domain.CaseStore.
func (s *CaseStore) GetCase(ctx context.Context, id string) (domain.Case, error) {
	var row caseRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Case{}, translate(err, "case %s", id)
	}
	out, err := s.withDebtors(ctx, []caseRow{row})
	if err != nil {
		return domain.Case{}, err
	}
	return out[0], nil
}

// GetCaseByNumber implements domain.CaseStore.
func (s *CaseStore) GetCaseByNumber(ctx context.Context, number string) (domain.Case, error) {
	var row caseRow
	if err := s.db.WithContext(ctx).Where("number = ?", number).Take(&row).Error; err != nil {
		return domain.Case{}, translate(err, "case %s", number)
	}
	out, err := s.withDebtors(ctx, []caseRow{row})
	if err != nil {
		return domain.Case{}, err
	}
	return out[0], nil
}

// withDebtors converts case rows, adding their debtors and those debtors'
// grids in one query.
func (s *CaseStore) withDebtors(ctx context.Context, rows []caseRow) ([]domain.Case, error) {
	out := make([]domain.Case, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	at := map[string]int{}
	for i, r := range rows {
		out[i] = r.domain()
		ids[i] = r.ID
		at[r.ID] = i
	}
	var links []struct {
		CaseID   string
		DebtorID string
		GridID   *string
	}
	err := s.db.WithContext(ctx).Table("case_debtors").
		Select("case_debtors.case_id, case_debtors.debtor_id, villages.grid_id").
		Joins("JOIN debtors ON debtors.id = case_debtors.debtor_id").
		Joins("LEFT JOIN villages ON villages.id = debtors.village_id").
		Where("case_debtors.case_id IN ?", ids).
		Order("case_debtors.case_id, case_debtors.debtor_id").Scan(&links).Error
	if err != nil {
		return nil, translate(err, "debtors of cases")
	}
	for _, l := range links {
		c := &out[at[l.CaseID]]
		c.DebtorIDs = append(c.DebtorIDs, l.DebtorID)
		if g := deref(l.GridID); g != "" && !contains(c.GridIDs, g) {
			c.GridIDs = append(c.GridIDs, g)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UpdateCase implements domain.CaseStore.
func (s *CaseStore) UpdateCase(ctx context.Context, c domain.Case, version int) (domain.Case, error) {
	err := s.update(ctx, &caseRow{}, "case", c.ID, version, map[string]any{
		"number": c.Number, "category": string(c.Category), "status": string(c.Status),
		"amount_due_fen": c.AmountDueFen, "amount_recovered_fen": c.AmountRecoveredFen,
	})
	if err != nil {
		return domain.Case{}, err
	}
	return s.GetCase(ctx, c.ID)
}

// caseCursor is the keyset position of a case list, newest first.
type caseCursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

// casePages orders cases newest first.
var casePages = keyset[caseRow, caseCursor]{
	columns: []string{"created_at", "id"},
	desc:    true,
	at:      func(r caseRow) caseCursor { return caseCursor{At: r.CreatedAt.UTC(), ID: r.ID} },
	values:  func(c caseCursor) []any { return []any{c.At.UTC(), c.ID} },
}

// ListCases implements domain.CaseStore with keyset pagination on
// (created_at, id) descending.
func (s *CaseStore) ListCases(ctx context.Context, f domain.CaseFilter) ([]domain.Case, string, error) {
	q := s.db.WithContext(ctx).Model(&caseRow{})
	if f.GridIDs != nil {
		q = q.Where("id IN (?)", s.db.Table("case_debtors").Select("case_debtors.case_id").
			Joins("JOIN debtors ON debtors.id = case_debtors.debtor_id").
			Joins("JOIN villages ON villages.id = debtors.village_id").
			Where("villages.grid_id IN ?", nonEmpty(f.GridIDs)))
	}
	if f.DebtorID != "" {
		q = q.Where("id IN (?)", s.db.Model(&caseDebtorRow{}).Select("case_id").Where("debtor_id = ?", f.DebtorID))
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Category != "" {
		q = q.Where("category = ?", string(f.Category))
	}
	rows, next, err := casePages.list(q, f.Cursor, f.Limit, "list cases")
	if err != nil {
		return nil, "", err
	}
	out, err := s.withDebtors(ctx, rows)
	return out, next, err
}

// LinkDebtor implements domain.CaseStore.
func (s *CaseStore) LinkDebtor(ctx context.Context, caseID, debtorID string) (bool, error) {
	if _, err := s.GetDebtor(ctx, debtorID); err != nil {
		if domain.IsCode(err, domain.ENotFound) {
			return false, domain.Invalid(domain.FieldError{Field: "debtor_id", Code: "unknown"})
		}
		return false, err
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&caseDebtorRow{CaseID: caseID, DebtorID: debtorID})
	if res.Error != nil {
		return false, translate(res.Error, "link debtor %s to case %s", debtorID, caseID)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	return true, s.update(ctx, &caseRow{}, "case", caseID, 0, map[string]any{})
}

// WantedDebtors implements domain.CaseStore.
func (s *CaseStore) WantedDebtors(ctx context.Context, gridIDs []string) ([]domain.Debtor, error) {
	var rows []debtorRow
	err := s.db.WithContext(ctx).Model(&debtorRow{}).
		Where("village_id IN (?)", s.db.Model(&villageRow{}).Select("id").Where("grid_id IN ?", nonEmpty(gridIDs))).
		Where("id IN (?)", s.db.Table("case_debtors cd").Select("cd.debtor_id").Joins("JOIN cases c ON c.id = cd.case_id").Where("c.status = ?", "open")).
		Order("name, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "wanted debtors")
	}
	out := make([]domain.Debtor, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// update applies changes to one row when its version matches (0: any),
// bumping the version and updated_at, as OrgStore.update does.
func (s *CaseStore) update(ctx context.Context, model any, what, id string, version int, changes map[string]any) error {
	return (&OrgStore{db: s.db, now: s.now, id: s.id}).update(ctx, model, what, id, version, changes)
}
