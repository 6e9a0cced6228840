package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/intake"
)

type photoJSON struct {
	ID           string     `json:"id"`
	LeadID       string     `json:"lead_id"`
	ContentType  string     `json:"content_type"`
	Size         int64      `json:"size"`
	SHA256       string     `json:"sha256"`
	Width        int        `json:"width"`
	Height       int        `json:"height"`
	TakenAt      *time.Time `json:"taken_at"`
	GPS          *gpsJSON   `json:"gps"`
	HasThumbnail bool       `json:"has_thumbnail"`
	// Processing is pending, done, failed or unsupported; ProcessingError
	// says why it failed (null otherwise).
	Processing      string    `json:"processing"`
	ProcessingError *string   `json:"processing_error"`
	CreatedAt       time.Time `json:"created_at"`
}

type gpsJSON struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

func toPhotoJSON(p domain.Photo) photoJSON {
	j := photoJSON{ID: p.ID, LeadID: p.LeadID, ContentType: p.ContentType, Size: p.Size, SHA256: p.SHA256,
		Width: p.Width, Height: p.Height, HasThumbnail: p.ThumbKey != "", Processing: string(p.Processing), CreatedAt: p.CreatedAt.UTC()}
	if p.ProcessingError != "" {
		e := p.ProcessingError
		j.ProcessingError = &e
	}
	if !p.TakenAt.IsZero() {
		t := p.TakenAt.UTC()
		j.TakenAt = &t
	}
	if p.GPS != nil {
		j.GPS = &gpsJSON{Lat: p.GPS.Lat, Lng: p.GPS.Lng}
	}
	return j
}

// strictLength fails a read that goes past the declared Content-Length, so
// a body longer than it said is refused rather than cut silently.
type strictLength struct {
	r    io.Reader
	left int64
}

var errLongerThanDeclared = errors.New("body longer than its Content-Length")

func (s *strictLength) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if s.left < 0 {
		return n, errLongerThanDeclared
	}
	return n, err
}

// putPhoto handles PUT /v1/leads/{lead_id}/photos/{photo_id}: the body
// streams to the object store, never whole in memory.
func (h *handlers) putPhoto(c *gin.Context) (response, error) {
	digest, err := contentDigest(c)
	if err != nil {
		return response{}, err
	}
	var body io.Reader = c.Request.Body
	if c.Request.ContentLength >= 0 {
		body = &strictLength{r: body, left: c.Request.ContentLength}
	}
	p, isNew, err := h.o.Intake.AddPhoto(c.Request.Context(), actor(c), intake.PhotoUpload{
		LeadID: c.Param("lead_id"), PhotoID: c.Param("photo_id"), Body: body, ContentLength: c.Request.ContentLength, Digest: digest,
	})
	if errors.Is(err, errLongerThanDeclared) {
		err = domain.Errorf(domain.EInvalid, "the body is longer than its Content-Length")
	}
	r := response{status: http.StatusOK, body: toPhotoJSON(p), etag: `"` + p.SHA256 + `"`}
	if isNew {
		r.status, r.location = http.StatusCreated, "/v1/leads/"+p.LeadID+"/photos/"+p.ID
	}
	return r, err
}

// listPhotos handles GET /v1/leads/{lead_id}/photos.
func (h *handlers) listPhotos(c *gin.Context) (response, error) {
	ps, err := h.o.Intake.Photos(c.Request.Context(), actor(c), c.Param("lead_id"))
	return ok(gin.H{"photos": listOf(ps, toPhotoJSON)}), err
}

// getPhoto handles GET /v1/leads/{lead_id}/photos/{photo_id} and its
// /thumbnail: streamed from the object store, only to those who may see
// the lead. Photos never change, so the ETag is their digest. The
// thumbnail of a photo still being processed is a 409 photo_processing
// with Retry-After. It renders itself (a gin.HandlerFunc): the body is
// copied from the object store as it is read, not built in memory.
func (h *handlers) getPhoto(thumbnail bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, rc, info, err := h.o.Intake.OpenPhoto(c.Request.Context(), actor(c), c.Param("lead_id"), c.Param("photo_id"), thumbnail)
		if err != nil {
			renderProblem(c, err)
			return
		}
		defer rc.Close()
		tag := `"` + p.SHA256 + `"`
		contentType := p.ContentType
		if thumbnail {
			tag, contentType = `"`+info.SHA256+`"`, "image/jpeg"
		}
		c.Header("ETag", tag)
		c.Header("Cache-Control", "private, max-age=86400, immutable")
		c.Header("X-Content-Type-Options", "nosniff")
		for _, t := range strings.Split(c.GetHeader("If-None-Match"), ",") {
			if strings.TrimPrefix(strings.TrimSpace(t), "W/") == tag {
				c.Status(http.StatusNotModified)
				return
			}
		}
		c.Header("Content-Type", contentType)
		c.Header("Content-Length", strconv.FormatInt(info.Size, 10))
		c.Status(http.StatusOK)
		if _, err := io.Copy(c.Writer, rc); err != nil {
			loggerFrom(c).Warn("photo stream cut short", "photo", p.ID, "error", err.Error())
		}
	}
}
