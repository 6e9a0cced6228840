// Package cases is the use case of enforcement cases (执行案件) and judgment
// debtors (被执行人): officers, grid leads and administrators create and edit
// them, link debtors to cases, and see a debtor's full ID number only
// through an audited call with a reason. ID numbers are sealed before they
// reach the store and masked in everything this package returns.
//
// Every change is written to the audit log in the transaction that makes
// it.
package cases

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Sealer seals ID numbers at rest and makes their blind index
// (internal/sealer implements it).
type Sealer interface {
	Seal(plaintext, aad string) ([]byte, error)
	Open(sealed []byte, aad string) (string, error)
	Index(normalised string) string
}

// Service implements cases and debtors.
type Service struct {
	tx     domain.AuditTransactor
	cases  domain.CaseStore
	audit  domain.AuditStore
	org    domain.OrgStore
	sealer Sealer
	now    func() time.Time
	newID  func() string
}

// New returns the service.
func New(tx domain.AuditTransactor, cases domain.CaseStore, audit domain.AuditStore, org domain.OrgStore, s Sealer, now func() time.Time, newID func() string) *Service {
	return &Service{tx: tx, cases: cases, audit: audit, org: org, sealer: s, now: now, newID: newID}
}

// Limits of the text fields.
const (
	maxName         = 128
	minUnmaskReason = 5
	maxUnmaskReason = 500
)

// mayRead lets the roles that manage cases, and those who audit them, read
// cases and debtors (docs/architecture.md, "Who sees what": auditors read everything).
func mayRead(a domain.Actor) error { return a.Authorize(domain.ActCaseRead) }

// scoped reads one case or debtor with get and hides it, as ENotFound
// naming what, when the actor does not see it.
func scoped[T any](ctx context.Context, get func(context.Context, string) (T, error), sees func(T) bool, what, id string) (T, error) {
	v, err := get(ctx, id)
	if err != nil {
		return v, err
	}
	if !sees(v) {
		var zero T
		return zero, domain.Errorf(domain.ENotFound, "%s %s", what, id)
	}
	return v, nil
}

// conflict explains an EConflict of the store with msg.
func conflict(err error, msg string) error {
	if domain.IsCode(err, domain.EConflict) {
		return domain.Wrap(domain.EConflict, err, "%s", msg)
	}
	return err
}

// aad binds a sealed ID number to its debtor.
func aad(debtorID string) string { return "debtor:" + debtorID }

// record appends an audit entry of the actor.
func record(ctx context.Context, st domain.AuditedStores, a domain.Actor, action, subjectType, subjectID string, detail map[string]any) error {
	_, err := st.Audit.AppendAudit(ctx, domain.AuditEntry{ActorID: a.UserID, ActorRole: a.Role, Action: action,
		SubjectType: subjectType, SubjectID: subjectID, Detail: domain.AuditDetail(detail)})
	return err
}

// ---- Cases ----

// CaseInput is a new case, or the changes to one (nil: keep).
type CaseInput struct {
	Number             *string
	Category           *domain.CaseCategory
	Status             *domain.CaseStatus
	AmountDueFen       *int64
	AmountRecoveredFen *int64
	DebtorIDs          []string // creation only
}

// CreateCase creates a case. Officers and grid leads must name at least
// one debtor of their grids (a case is in scope through its debtors).
// Errors: EForbidden, EValidation, EConflict (number taken).
func (s *Service) CreateCase(ctx context.Context, a domain.Actor, in CaseInput) (domain.Case, error) {
	if err := a.Authorize(domain.ActCaseManage); err != nil {
		return domain.Case{}, err
	}
	c := domain.Case{ID: s.newID(), Category: domain.CaseOrdinary, Status: domain.CaseOpen}
	fields := s.applyCase(&c, in, true)
	seen := map[string]bool{}
	for i, id := range in.DebtorIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := s.cases.GetDebtor(ctx, id)
		switch {
		case domain.IsCode(err, domain.ENotFound) || err == nil && !a.SeesDebtor(d):
			fields = append(fields, domain.FieldError{Field: "debtor_ids[" + strconv.Itoa(i) + "]", Code: "unknown"})
			continue
		case err != nil:
			return domain.Case{}, err
		}
		c.DebtorIDs = append(c.DebtorIDs, id)
	}
	if len(in.DebtorIDs) == 0 && !a.CountyScope() {
		fields = append(fields, domain.FieldError{Field: "debtor_ids", Code: "required"})
	}
	if len(fields) > 0 {
		return domain.Case{}, domain.Invalid(fields...)
	}
	var out domain.Case
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		var err error
		if out, err = st.Cases.CreateCase(ctx, c); err != nil {
			return caseConflict(err)
		}
		return record(ctx, st, a, domain.AuditCaseCreate, "case", out.ID, map[string]any{
			"case_number": out.Number, "category": out.Category, "status": out.Status,
			"amount_due_fen": out.AmountDueFen, "amount_recovered_fen": out.AmountRecoveredFen, "debtor_ids": out.DebtorIDs,
		})
	})
	return out, err
}

// UpdateCase changes a case when version (0: any) is current. Errors:
// EForbidden, ENotFound (also out of scope), EValidation, EConflict,
// EPrecondition.
func (s *Service) UpdateCase(ctx context.Context, a domain.Actor, id string, in CaseInput, version int) (domain.Case, error) {
	if err := a.Authorize(domain.ActCaseManage); err != nil {
		return domain.Case{}, err
	}
	var out domain.Case
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		c, err := scoped(ctx, st.Cases.GetCase, a.SeesCase, "case", id)
		if err != nil {
			return err
		}
		before := c
		if fields := s.applyCase(&c, in, false); len(fields) > 0 {
			return domain.Invalid(fields...)
		}
		if version > 0 && c.Version != version {
			return domain.Errorf(domain.EPrecondition, "case %s is at version %d", id, c.Version)
		}
		if out, err = st.Cases.UpdateCase(ctx, c, c.Version); err != nil {
			return caseConflict(err)
		}
		return record(ctx, st, a, domain.AuditCaseUpdate, "case", id, caseChanges(before, out))
	})
	return out, err
}

// caseChanges lists what changed, as {"field": [from, to]}.
func caseChanges(b, c domain.Case) map[string]any {
	m := map[string]any{}
	add := func(k string, from, to any) {
		if from != to {
			m[k] = []any{from, to}
		}
	}
	add("case_number", b.Number, c.Number)
	add("category", b.Category, c.Category)
	add("status", b.Status, c.Status)
	add("amount_due_fen", b.AmountDueFen, c.AmountDueFen)
	add("amount_recovered_fen", b.AmountRecoveredFen, c.AmountRecoveredFen)
	return m
}

// applyCase validates in and sets it on c, returning every bad field.
func (s *Service) applyCase(c *domain.Case, in CaseInput, create bool) []domain.FieldError {
	var f []domain.FieldError
	switch {
	case in.Number != nil:
		n, err := domain.ParseCaseNumber(*in.Number, s.now())
		var de *domain.Error
		switch {
		case errors.As(err, &de):
			f = append(f, de.Fields...)
		case !n.Enforcement():
			f = append(f, domain.FieldError{Field: domain.CaseNumberField, Code: "not_enforcement"})
		default:
			c.Number = n.Canonical()
		}
	case create:
		f = append(f, domain.FieldError{Field: domain.CaseNumberField, Code: "required"})
	}
	if in.Category != nil {
		if !in.Category.Valid() {
			f = append(f, domain.FieldError{Field: "category", Code: "invalid"})
		}
		c.Category = *in.Category
	}
	if in.Status != nil {
		if !in.Status.Valid() {
			f = append(f, domain.FieldError{Field: "status", Code: "invalid"})
		}
		c.Status = *in.Status
	}
	if in.AmountDueFen != nil {
		if *in.AmountDueFen < 0 {
			f = append(f, domain.FieldError{Field: "amount_due_fen", Code: "out_of_range"})
		}
		c.AmountDueFen = *in.AmountDueFen
	}
	if in.AmountRecoveredFen != nil {
		if *in.AmountRecoveredFen < 0 {
			f = append(f, domain.FieldError{Field: "amount_recovered_fen", Code: "out_of_range"})
		}
		c.AmountRecoveredFen = *in.AmountRecoveredFen
	}
	return f
}

// caseConflict names the field of a taken case number.
func caseConflict(err error) error { return conflict(err, "case number taken") }

// Case returns one case. Errors: EForbidden, ENotFound (also out of scope).
func (s *Service) Case(ctx context.Context, a domain.Actor, id string) (domain.Case, error) {
	if err := mayRead(a); err != nil {
		return domain.Case{}, err
	}
	return scoped(ctx, s.cases.GetCase, a.SeesCase, "case", id)
}

// CaseQuery filters a case list.
type CaseQuery struct {
	Status   domain.CaseStatus   // "": any
	Category domain.CaseCategory // "": any
	DebtorID string
	Limit    int
	Cursor   string
}

// Cases returns a page of the cases in the actor's scope, newest first.
// Errors: EForbidden, EValidation.
func (s *Service) Cases(ctx context.Context, a domain.Actor, q CaseQuery) ([]domain.Case, string, error) {
	if err := mayRead(a); err != nil {
		return nil, "", err
	}
	var f []domain.FieldError
	if q.Status != "" && !q.Status.Valid() {
		f = append(f, domain.FieldError{Field: "status", Code: "invalid"})
	}
	if q.Category != "" && !q.Category.Valid() {
		f = append(f, domain.FieldError{Field: "category", Code: "invalid"})
	}
	if len(f) > 0 {
		return nil, "", domain.Invalid(f...)
	}
	filter := domain.CaseFilter{Status: q.Status, Category: q.Category, DebtorID: q.DebtorID, Limit: q.Limit, Cursor: q.Cursor}
	filter.GridIDs = a.GridScope()
	return s.cases.ListCases(ctx, filter)
}

// LinkDebtor links a debtor to a case. Errors: EForbidden, ENotFound (case
// missing or out of scope), EValidation (debtor missing or out of scope),
// EPrecondition.
func (s *Service) LinkDebtor(ctx context.Context, a domain.Actor, caseID, debtorID string, version int) (domain.Case, error) {
	if err := a.Authorize(domain.ActCaseManage); err != nil {
		return domain.Case{}, err
	}
	if debtorID == "" {
		return domain.Case{}, domain.Invalid(domain.FieldError{Field: "debtor_id", Code: "required"})
	}
	var out domain.Case
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		c, err := scoped(ctx, st.Cases.GetCase, a.SeesCase, "case", caseID)
		if err != nil {
			return err
		}
		if version > 0 && c.Version != version {
			return domain.Errorf(domain.EPrecondition, "case %s is at version %d", caseID, c.Version)
		}
		d, err := st.Cases.GetDebtor(ctx, debtorID)
		if domain.IsCode(err, domain.ENotFound) || err == nil && !a.SeesDebtor(d) {
			return domain.Invalid(domain.FieldError{Field: "debtor_id", Code: "unknown"})
		}
		if err != nil {
			return err
		}
		added, err := st.Cases.LinkDebtor(ctx, caseID, debtorID)
		if err != nil {
			return err
		}
		if out, err = st.Cases.GetCase(ctx, caseID); err != nil || !added {
			return err
		}
		return record(ctx, st, a, domain.AuditCaseLink, "case", caseID, map[string]any{"debtor_id": debtorID})
	})
	return out, err
}

// ---- Debtors ----

// DebtorInput is a new debtor, or the changes to one (nil: keep). An ID
// number is checked against the kind: a resident ID for a person, a
// unified social credit code for a company.
type DebtorInput struct {
	Kind      *string
	Name      *string
	IDNumber  *string
	VillageID *string // "" clears (administrators only)
}

// CreateDebtor creates a debtor. Officers and grid leads name a village of
// their grids. Errors: EForbidden, EValidation, EConflict (a debtor with
// the ID number exists).
func (s *Service) CreateDebtor(ctx context.Context, a domain.Actor, in DebtorInput) (domain.Debtor, error) {
	if err := a.Authorize(domain.ActCaseManage); err != nil {
		return domain.Debtor{}, err
	}
	d := domain.Debtor{ID: s.newID()}
	if err := s.applyDebtor(ctx, a, &d, in, true); err != nil {
		return domain.Debtor{}, err
	}
	var out domain.Debtor
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		var err error
		if out, err = st.Cases.CreateDebtor(ctx, d); err != nil {
			return debtorConflict(err)
		}
		return record(ctx, st, a, domain.AuditDebtorCreate, "debtor", out.ID, map[string]any{
			"kind": out.Kind, "name": out.Name, "id_masked": out.IDMasked, "village_id": out.VillageID,
		})
	})
	return out, err
}

// UpdateDebtor changes a debtor when version (0: any) is current. Errors:
// EForbidden, ENotFound (also out of scope), EValidation, EConflict,
// EPrecondition.
func (s *Service) UpdateDebtor(ctx context.Context, a domain.Actor, id string, in DebtorInput, version int) (domain.Debtor, error) {
	if err := a.Authorize(domain.ActCaseManage); err != nil {
		return domain.Debtor{}, err
	}
	var out domain.Debtor
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		d, err := scoped(ctx, st.Cases.GetDebtor, a.SeesDebtor, "debtor", id)
		if err != nil {
			return err
		}
		before := d
		if err := s.applyDebtor(ctx, a, &d, in, false); err != nil {
			return err
		}
		if version > 0 && d.Version != version {
			return domain.Errorf(domain.EPrecondition, "debtor %s is at version %d", id, d.Version)
		}
		if out, err = st.Cases.UpdateDebtor(ctx, d, d.Version); err != nil {
			return debtorConflict(err)
		}
		changes := map[string]any{}
		for k, v := range map[string][2]string{
			"kind": {before.Kind, out.Kind}, "name": {before.Name, out.Name},
			"id_masked": {before.IDMasked, out.IDMasked}, "village_id": {before.VillageID, out.VillageID},
		} {
			if v[0] != v[1] {
				changes[k] = v
			}
		}
		if before.IDIndex != out.IDIndex {
			changes["id_number_changed"] = true
		}
		return record(ctx, st, a, domain.AuditDebtorUpdate, "debtor", id, changes)
	})
	return out, err
}

// applyDebtor validates in and sets it on d, sealing a new ID number.
func (s *Service) applyDebtor(ctx context.Context, a domain.Actor, d *domain.Debtor, in DebtorInput, create bool) error {
	var f []domain.FieldError
	bad := func(field, code string) { f = append(f, domain.FieldError{Field: field, Code: code}) }
	kindChanged := false
	switch {
	case in.Kind != nil:
		if *in.Kind != domain.DebtorPerson && *in.Kind != domain.DebtorCompany {
			bad("kind", "invalid")
		}
		kindChanged = *in.Kind != d.Kind
		d.Kind = *in.Kind
	case create:
		bad("kind", "required")
	}
	switch {
	case in.Name != nil:
		name := strings.TrimSpace(*in.Name)
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			bad("name", "required")
		case n > maxName:
			f = append(f, domain.FieldError{Field: "name", Code: "too_long", Params: map[string]any{"max": maxName}})
		}
		d.Name = name
	case create:
		bad("name", "required")
	}
	switch {
	case in.IDNumber != nil && (d.Kind == domain.DebtorPerson || d.Kind == domain.DebtorCompany):
		var norm, code string
		if d.Kind == domain.DebtorPerson {
			norm, code = domain.ValidResidentID(*in.IDNumber, s.now())
		} else {
			norm, code = domain.ValidCreditCode(*in.IDNumber)
		}
		if code != "" {
			bad("id_number", code)
			break
		}
		sealed, err := s.sealer.Seal(norm, aad(d.ID))
		if err != nil {
			return err
		}
		d.IDCipher, d.IDIndex, d.IDMasked = sealed, s.sealer.Index(norm), domain.MaskID(norm)
	case in.IDNumber != nil: // a bad kind is reported already
	case create || kindChanged && d.IDIndex != "":
		// A kind changes only with the number that goes with it.
		bad("id_number", "required")
	}
	switch {
	case in.VillageID != nil && *in.VillageID != "":
		v, err := s.org.GetVillage(ctx, *in.VillageID)
		switch {
		case domain.IsCode(err, domain.ENotFound):
			bad("village_id", "unknown_village")
		case err != nil:
			return err
		case !a.SeesGrid(v.GridID):
			bad("village_id", "other_grid")
		default:
			d.VillageID, d.GridID = v.ID, v.GridID
		}
	case (in.VillageID != nil || create) && !a.CountyScope():
		// Officers keep sight of a debtor through its village.
		bad("village_id", "required")
	case in.VillageID != nil:
		d.VillageID, d.GridID = "", ""
	}
	if len(f) > 0 {
		return domain.Invalid(f...)
	}
	return nil
}

// debtorConflict explains a taken ID number.
func debtorConflict(err error) error { return conflict(err, "a debtor with this ID number exists") }

// Debtor returns one debtor. Errors: EForbidden, ENotFound (also out of
// scope).
func (s *Service) Debtor(ctx context.Context, a domain.Actor, id string) (domain.Debtor, error) {
	if err := mayRead(a); err != nil {
		return domain.Debtor{}, err
	}
	return scoped(ctx, s.cases.GetDebtor, a.SeesDebtor, "debtor", id)
}

// DebtorQuery filters a debtor list.
type DebtorQuery struct {
	IDNumber string // exact: a resident ID or credit code
	Query    string // part of the name
	Limit    int
	Cursor   string
}

// Debtors returns a page of the debtors in the actor's scope, by name.
// Errors: EForbidden, EValidation.
func (s *Service) Debtors(ctx context.Context, a domain.Actor, q DebtorQuery) ([]domain.Debtor, string, error) {
	if err := mayRead(a); err != nil {
		return nil, "", err
	}
	f := domain.DebtorFilter{Query: strings.TrimSpace(q.Query), Limit: q.Limit, Cursor: q.Cursor}
	if q.IDNumber != "" {
		norm, code := domain.ValidResidentID(q.IDNumber, s.now())
		if code != "" {
			if norm, code = domain.ValidCreditCode(q.IDNumber); code != "" {
				return nil, "", domain.Invalid(domain.FieldError{Field: "id_number", Code: "invalid"})
			}
		}
		f.IDIndex = s.sealer.Index(norm)
	}
	f.GridIDs = a.GridScope()
	return s.cases.ListDebtors(ctx, f)
}

// Unmask returns a debtor's full ID number and writes the call, with the
// reason, to the audit log; the number is shown only if the entry is
// stored. Errors: EForbidden, ENotFound (also out of scope, or no number
// on record), EValidation (reason).
func (s *Service) Unmask(ctx context.Context, a domain.Actor, id, reason string) (string, error) {
	if err := a.Authorize(domain.ActDebtorUnmask); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", domain.Invalid(domain.FieldError{Field: "reason", Code: "required"})
	case n < minUnmaskReason:
		return "", domain.Invalid(domain.FieldError{Field: "reason", Code: "too_short", Params: map[string]any{"min": minUnmaskReason}})
	case n > maxUnmaskReason:
		return "", domain.Invalid(domain.FieldError{Field: "reason", Code: "too_long", Params: map[string]any{"max": maxUnmaskReason}})
	}
	var number string
	err := s.tx.TransactAudited(ctx, func(st domain.AuditedStores) error {
		d, err := scoped(ctx, st.Cases.GetDebtor, a.SeesDebtor, "debtor", id)
		if err != nil {
			return err
		}
		if len(d.IDCipher) == 0 {
			return domain.Errorf(domain.ENotFound, "debtor %s has no ID number on record", id)
		}
		if number, err = s.sealer.Open(d.IDCipher, aad(d.ID)); err != nil {
			return domain.Wrap(domain.EInternal, err, "open the ID number of debtor %s", id)
		}
		return record(ctx, st, a, domain.AuditDebtorUnmask, "debtor", id, map[string]any{"reason": reason, "id_masked": d.IDMasked})
	})
	if err != nil {
		return "", err
	}
	return number, nil
}

// ---- Audit log ----

// Audit returns a page of the audit log, newest first. Errors: EForbidden,
// EValidation.
func (s *Service) Audit(ctx context.Context, a domain.Actor, f domain.AuditFilter) ([]domain.AuditEntry, string, error) {
	if err := a.Authorize(domain.ActAuditRead); err != nil {
		return nil, "", err
	}
	return s.audit.ListAudit(ctx, f)
}
