package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

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
	return domain.Debtor{ID: r.ID, Kind: r.Kind, Name: r.Name, IDMasked: r.IDMasked, VillageID: deref(r.VillageID),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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
	row := debtorRow{ID: d.ID, Kind: d.Kind, Name: d.Name, IDMasked: d.IDMasked, VillageID: nullable(d.VillageID), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.Debtor{}, translate(err, "debtor %q", d.Name)
	}
	return row.domain(), nil
}

// GetDebtor implements domain.CaseStore.
func (s *CaseStore) GetDebtor(ctx context.Context, id string) (domain.Debtor, error) {
	var row debtorRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Debtor{}, translate(err, "debtor %s", id)
	}
	return row.domain(), nil
}

// CreateCase implements domain.CaseStore.
func (s *CaseStore) CreateCase(ctx context.Context, c domain.Case) (domain.Case, error) {
	now := s.now().UTC()
	if c.ID == "" {
		c.ID = s.id()
	}
	if c.Status == "" {
		c.Status = "open"
	}
	if c.Category == "" {
		c.Category = "ordinary"
	}
	c.CreatedAt, c.UpdatedAt = now, now
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := caseRow{ID: c.ID, Number: c.Number, Category: c.Category, Status: c.Status, AmountDueFen: c.AmountDueFen,
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
	return c, translate(err, "case %s", c.Number)
}

// GetCaseByNumber implements domain.CaseStore.
func (s *CaseStore) GetCaseByNumber(ctx context.Context, number string) (domain.Case, error) {
	var row caseRow
	if err := s.db.WithContext(ctx).Where("number = ?", number).Take(&row).Error; err != nil {
		return domain.Case{}, translate(err, "case %s", number)
	}
	var links []caseDebtorRow
	if err := s.db.WithContext(ctx).Where("case_id = ?", row.ID).Find(&links).Error; err != nil {
		return domain.Case{}, translate(err, "debtors of case %s", number)
	}
	c := domain.Case{ID: row.ID, Number: row.Number, Category: row.Category, Status: row.Status, AmountDueFen: row.AmountDueFen,
		AmountRecoveredFen: row.AmountRecoveredFen, CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	for _, l := range links {
		c.DebtorIDs = append(c.DebtorIDs, l.DebtorID)
	}
	return c, nil
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
