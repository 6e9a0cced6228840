package intake

import (
	"context"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// validate looks up what the submission refers to (its debtor, its
// village: the reporter's own by default) and builds the lead with
// domain.NewLead, which checks every field at once. The lead's id is the
// client's or a new one.
func (s *Service) validate(ctx context.Context, a domain.Actor, in SubmitInput, now time.Time) (domain.Lead, error) {
	li := domain.LeadInput{ID: in.ID, Kind: in.Kind, DebtorID: in.DebtorID, DebtorName: in.DebtorName, CaseNumber: in.CaseNumber,
		Description: in.Description, VillageID: in.VillageID, CapturedAt: in.CapturedAt, Details: in.Details, PhotosExpected: in.PhotosExpected}
	if loc := in.Location; loc != nil {
		li.Location = &domain.LocationInput{Lat: loc.Lat, Lng: loc.Lng, AccuracyM: loc.AccuracyM, CRS: loc.CRS}
	}
	if in.DebtorID != "" {
		d, err := s.cases.GetDebtor(ctx, in.DebtorID)
		switch {
		case domain.IsCode(err, domain.ENotFound):
		case err != nil:
			return domain.Lead{}, err
		case a.SeesDebtor(d): // a debtor outside the caller's scope is named as a missing one: debtor_id invalid
			li.Debtor = &d
		}
	}
	if li.VillageID == "" {
		li.VillageID = a.VillageID
	}
	if li.VillageID != "" {
		v, err := s.village(ctx, li.VillageID)
		switch {
		case domain.IsCode(err, domain.ENotFound):
		case err != nil:
			return domain.Lead{}, err
		default:
			li.Village = &v
		}
	}
	l, fields := domain.NewLead(a, li, domain.LeadLimits{MaxPhotos: s.cfg.MaxPhotos}, now)
	if l.ID == "" {
		l.ID = s.newID()
	}
	if len(fields) > 0 {
		return l, domain.Invalid(fields...)
	}
	return l, nil
}

// isUUID accepts the ids a client may choose (domain.ValidClientID).
func isUUID(s string) bool { return domain.ValidClientID(s) }
