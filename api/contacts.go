package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Upload caps of the import endpoints.
const (
	maxContactBook = 5 << 20
	maxVillageList = 1 << 20
)

// uploadFormat tells the spreadsheet format from the Content-Type.
func uploadFormat(c *gin.Context) (contactbook.Format, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch {
	case err != nil:
	case mt == "text/csv":
		return contactbook.CSV, nil
	case mt == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return contactbook.XLSX, nil
	}
	return "", domain.Errorf(domain.EUnsupportedMedia, "content type %q: send text/csv or an .xlsx workbook", c.GetHeader("Content-Type"))
}

// dryRun reads the dry_run query parameter.
func dryRun(c *gin.Context) (bool, error) {
	v := c.Query("dry_run")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, domain.Invalid(domain.FieldError{Field: "dry_run", Code: "invalid"})
	}
	return b, nil
}

// limitedBody caps the upload; reading past the cap fails with an error
// that tooLarge recognises.
func limitedBody(c *gin.Context, max int64) io.Reader {
	return http.MaxBytesReader(c.Writer, c.Request.Body, max)
}

// tooLarge turns a cut-off upload into a 413.
func tooLarge(err error, max int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return domain.Errorf(domain.ETooLarge, "upload over %d bytes", max)
	}
	return err
}

type reportRowJSON struct {
	Line   int     `json:"line"`
	Action string  `json:"action"`
	Name   string  `json:"name"`
	Phone  *string `json:"phone"`
	Code   *string `json:"code"`
}

type reportJSON struct {
	DryRun    bool            `json:"dry_run"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rows      []reportRowJSON `json:"rows"`
}

// importAssistants handles POST /v1/assistants/import.
func (h *handlers) importAssistants(c *gin.Context) (response, error) {
	format, err := uploadFormat(c)
	if err != nil {
		return response{}, err
	}
	dry, err := dryRun(c)
	if err != nil {
		return response{}, err
	}
	rep, err := h.o.Contacts.Import(c.Request.Context(), actor(c), limitedBody(c, maxContactBook), format, dry)
	if err != nil {
		return response{}, tooLarge(err, maxContactBook)
	}
	out := reportJSON{DryRun: rep.DryRun, Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged, Rows: make([]reportRowJSON, len(rep.Rows))}
	for i, r := range rep.Rows {
		out.Rows[i] = reportRowJSON{Line: r.Line, Action: string(r.Action), Name: r.Name, Phone: optional(r.Phone)}
	}
	return ok(out), nil
}

// importVillages handles POST /v1/grids/{grid_id}/villages/import.
func (h *handlers) importVillages(c *gin.Context) (response, error) {
	if f, err := uploadFormat(c); err != nil || f != contactbook.CSV {
		return response{}, domain.Errorf(domain.EUnsupportedMedia, "send the village list as text/csv")
	}
	dry, err := dryRun(c)
	if err != nil {
		return response{}, err
	}
	rep, err := h.o.Org.ImportVillages(c.Request.Context(), actor(c), c.Param("grid_id"), limitedBody(c, maxVillageList), dry)
	if err != nil {
		return response{}, tooLarge(err, maxVillageList)
	}
	out := reportJSON{DryRun: rep.DryRun, Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged, Rows: make([]reportRowJSON, len(rep.Rows))}
	for i, r := range rep.Rows {
		out.Rows[i] = reportRowJSON{Line: r.Line, Action: r.Action, Name: r.Name, Code: optional(r.Code)}
	}
	return ok(out), nil
}

// exportAssistants handles GET /v1/assistants/export: the grid's
// assistants as CSV or XLSX, streamed as they are read. It renders itself
// (a gin.HandlerFunc, not a handlerFunc): the body is written row by row,
// after the status, so a failure half-way can only cut it short.
func (h *handlers) exportAssistants(c *gin.Context) {
	format := contactbook.Format(c.DefaultQuery("format", "csv"))
	var fields []domain.FieldError
	if !format.Valid() {
		fields = append(fields, domain.FieldError{Field: "format", Code: "invalid"})
	}
	gridID := c.Query("grid_id")
	if gridID == "" {
		fields = append(fields, domain.FieldError{Field: "grid_id", Code: "required"})
	}
	if len(fields) > 0 {
		renderProblem(c, domain.Invalid(fields...))
		return
	}
	entries, finished, err := h.o.Contacts.Export(c.Request.Context(), actor(c), gridID)
	if err != nil {
		renderProblem(c, err)
		return
	}
	name := "assistants-" + gridID + contactbook.FileExtension(format)
	c.Header("Content-Type", contactbook.ContentType(format))
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	write := contactbook.WriteCSV
	if format == contactbook.XLSX {
		write = contactbook.WriteXLSX
	}
	err = write(c.Writer, entries)
	if err == nil {
		err = finished()
	}
	if err != nil {
		// The status is out; all that is left is to log and cut the body short.
		loggerFrom(c).Error("export failed mid-stream", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}
