package gormstore

import (
	"context"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// CountPhoto implements domain.LeadStore. photos_expected is assigned
// first: MySQL evaluates later assignments with the new values of earlier
// ones, SQLite with the old ones, and this order gives the same on both.
func (s *LeadStore) CountPhoto(ctx context.Context, leadID string, maxPhotos int, statuses []domain.LeadStatus, at time.Time) error {
	greatest := "GREATEST"
	if s.dialect == SQLite {
		greatest = "MAX" // SQLite's scalar max of several arguments
	}
	states := make([]string, len(statuses))
	for i, st := range statuses {
		states[i] = string(st)
	}
	res := s.db.WithContext(ctx).Exec("UPDATE leads SET photos_expected = "+greatest+"(photos_expected, photos_received + 1), "+
		"photos_received = photos_received + 1, version = version + 1, updated_at = ? "+
		"WHERE id = ? AND photos_received < ? AND status IN ?", at.UTC(), leadID, maxPhotos, states)
	if res.Error != nil {
		return translate(res.Error, "count a photo on lead %s", leadID)
	}
	if res.RowsAffected == 0 {
		if _, err := s.GetLead(ctx, leadID); err != nil {
			return err
		}
		return domain.Errorf(domain.EConflict, "lead %s takes no more photos (it has %d, or is no longer open for them)", leadID, maxPhotos)
	}
	return nil
}

// UpdatePhotoProcessing implements domain.LeadStore. It writes the fields
// processing may fill in, whatever they were: running it twice with the
// same outcome changes nothing.
func (s *LeadStore) UpdatePhotoProcessing(ctx context.Context, p domain.Photo) error {
	set := map[string]any{
		"processing":       string(p.Processing),
		"processing_error": nullable(p.ProcessingError),
		"thumb_key":        nullable(p.ThumbKey),
		"width":            p.Width,
		"height":           p.Height,
		"taken_at":         nullableTime(p.TakenAt),
		"gps_lat":          nil,
		"gps_lng":          nil,
	}
	if p.GPS != nil {
		set["gps_lat"], set["gps_lng"] = p.GPS.Lat, p.GPS.Lng
	}
	res := s.db.WithContext(ctx).Model(&photoRow{}).Where("id = ? AND lead_id = ?", p.ID, p.LeadID).Updates(set)
	if err := res.Error; err != nil {
		return translate(err, "photo %s of lead %s", p.ID, p.LeadID)
	}
	if res.RowsAffected == 0 {
		// MySQL counts changed rows only: an update that changes nothing
		// (a job run twice) affects none, so look before saying not found.
		if _, err := s.GetPhoto(ctx, p.LeadID, p.ID); err != nil {
			return err
		}
	}
	return nil
}
