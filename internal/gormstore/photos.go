package gormstore

import (
	"context"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

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
