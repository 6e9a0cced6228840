package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type auditRow struct {
	Seq         int64 `gorm:"primaryKey;autoIncrement:false"`
	ID          string
	At          time.Time
	ActorID     string
	ActorRole   string
	Action      string
	SubjectType string
	SubjectID   string
	Detail      string
	PrevHash    string
	Hash        string
}

func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) domain() domain.AuditEntry {
	return domain.AuditEntry{Seq: r.Seq, ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, ActorRole: domain.Role(r.ActorRole),
		Action: r.Action, SubjectType: r.SubjectType, SubjectID: r.SubjectID, Detail: r.Detail, PrevHash: r.PrevHash, Hash: r.Hash}
}

type auditHeadRow struct {
	ID       int `gorm:"primaryKey;autoIncrement:false"`
	LastSeq  int64
	LastHash string
}

func (auditHeadRow) TableName() string { return "audit_head" }

// AuditStore implements domain.AuditStore.
type AuditStore struct {
	db      *gorm.DB
	dialect Dialect
	now     func() time.Time
	id      func() string
}

var _ domain.AuditStore = (*AuditStore)(nil)

// Audit returns the audit store. Appends made through it outside
// TransactAudited run in a transaction of their own.
func (db *DB) Audit() *AuditStore {
	return &AuditStore{db: db.gorm, dialect: db.dialect, now: db.now, id: db.newID}
}

// TransactAudited implements domain.AuditTransactor.
func (db *DB) TransactAudited(ctx context.Context, fn func(domain.AuditedStores) error) error {
	return db.transact(ctx, func(tx *gorm.DB) error {
		return fn(domain.AuditedStores{
			Org:   &OrgStore{db: tx, now: db.now, id: db.newID},
			Cases: &CaseStore{db: tx, now: db.now, id: db.newID},
			Audit: &AuditStore{db: tx, dialect: db.dialect, now: db.now, id: db.newID},
		})
	})
}

// AppendAudit implements domain.AuditStore. The UPDATE of the one head row
// takes its write lock (InnoDB row lock; SQLite's IMMEDIATE transactions
// hold the database write lock already), so concurrent appends wait for one
// another and every entry links to the one committed before it.
func (s *AuditStore) AppendAudit(ctx context.Context, e domain.AuditEntry) (domain.AuditEntry, error) {
	var out domain.AuditEntry
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&auditHeadRow{}).Where("id = ?", 1).Update("last_seq", gorm.Expr("last_seq + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("audit head row missing: the migrations create it")
		}
		var head auditHeadRow
		if err := forUpdate(tx, s.dialect).Where("id = ?", 1).Take(&head).Error; err != nil {
			return err
		}
		if e.ID == "" {
			e.ID = s.id()
		}
		if e.At.IsZero() {
			e.At = s.now()
		}
		if e.Detail == "" {
			e.Detail = "{}"
		}
		// Microseconds: what DATETIME(6) keeps, so the hash verifies after a round trip.
		e.At = e.At.UTC().Truncate(time.Microsecond)
		e.Seq, e.PrevHash = head.LastSeq, head.LastHash
		e.Hash = domain.AuditHash(e.PrevHash, e)
		row := auditRow{Seq: e.Seq, ID: e.ID, At: e.At, ActorID: e.ActorID, ActorRole: string(e.ActorRole), Action: e.Action,
			SubjectType: e.SubjectType, SubjectID: e.SubjectID, Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&auditHeadRow{}).Where("id = ?", 1).Update("last_hash", e.Hash).Error; err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, translate(err, "append audit entry %s", e.Action)
}

// auditCursor is the keyset position of an audit list, newest first.
type auditCursor struct {
	Seq int64 `json:"s"`
}

// auditPages orders the audit log newest first.
var auditPages = keyset[auditRow, auditCursor]{
	columns: []string{"seq"},
	desc:    true,
	at:      func(r auditRow) auditCursor { return auditCursor{Seq: r.Seq} },
	values:  func(c auditCursor) []any { return []any{c.Seq} },
}

// ListAudit implements domain.AuditStore with keyset pagination on seq.
func (s *AuditStore) ListAudit(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEntry, string, error) {
	q := s.db.WithContext(ctx).Model(&auditRow{})
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	rows, next, err := auditPages.list(q, f.Cursor, f.Limit, "list audit entries")
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// auditBatch is how many entries VerifyAudit reads at a time.
const auditBatch = 1000

// VerifyAudit walks the whole chain in seq order and checks it against
// the stored head. It returns the number of entries checked; a broken chain
// is a *domain.BrokenChain naming the first broken link.
func (s *AuditStore) VerifyAudit(ctx context.Context) (int64, error) {
	var head auditHeadRow
	if err := s.db.WithContext(ctx).Where("id = ?", 1).Take(&head).Error; err != nil {
		return 0, translate(err, "audit head")
	}
	var c domain.AuditChecker
	after := int64(-1)
	for {
		var rows []auditRow
		if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(auditBatch).Find(&rows).Error; err != nil {
			return 0, translate(err, "read audit log")
		}
		for _, r := range rows {
			if err := c.Next(r.domain()); err != nil {
				return 0, err
			}
		}
		if len(rows) < auditBatch {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	return c.End(domain.AuditHead{Seq: head.LastSeq, Hash: head.LastHash})
}
