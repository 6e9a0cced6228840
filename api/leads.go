package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/intake"
)

type locationJSON struct {
	Lat       float64  `json:"lat"`
	Lng       float64  `json:"lng"`
	AccuracyM *float64 `json:"accuracy_m"`
	CRS       string   `json:"crs"`
}

type duplicateJSON struct {
	LeadID string `json:"lead_id"`
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

// leadJSON is a lead as the API shows it. The officer-only fields are left
// out for the reporter.
type leadJSON struct {
	ID                 string           `json:"id"`
	Ref                string           `json:"ref"`
	Kind               string           `json:"kind"`
	Status             string           `json:"status"`
	Priority           string           `json:"priority"`
	GridID             string           `json:"grid_id"`
	VillageID          string           `json:"village_id"`
	TeamID             *string          `json:"team_id"`
	ReporterID         string           `json:"reporter_id"`
	DebtorID           *string          `json:"debtor_id"`
	DebtorName         *string          `json:"debtor_name"`
	CaseNumber         *string          `json:"case_number"`
	Description        string           `json:"description"`
	Location           *locationJSON    `json:"location"`
	CapturedAt         *time.Time       `json:"captured_at"`
	ReceivedAt         time.Time        `json:"received_at"`
	Details            map[string]any   `json:"details"`
	PhotosExpected     int              `json:"photos_expected"`
	PhotosReceived     int              `json:"photos_received"`
	CreatedAt          time.Time        `json:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
	LocationFlag       *string          `json:"location_flag,omitempty"`
	PossibleDuplicates *[]duplicateJSON `json:"possible_duplicates,omitempty"`
	*officerLeadJSON
}

// officerLeadJSON are the triage fields only the enforcement team sees.
type officerLeadJSON struct {
	AssigneeID         *string    `json:"assignee_id"`
	DueAt              *time.Time `json:"due_at"`
	Overdue            bool       `json:"overdue"`
	RejectReason       *string    `json:"reject_reason"`
	DuplicateOf        *string    `json:"duplicate_of"`
	Measure            *string    `json:"measure"`
	MeasureDate        *string    `json:"measure_date"`
	Outcome            *string    `json:"outcome"`
	AmountRecoveredFen *int64     `json:"amount_recovered_fen"`
}

func toLeadJSON(v intake.LeadView) leadJSON {
	l := v.Lead
	j := leadJSON{
		ID: l.ID, Ref: l.Ref, Kind: string(l.Kind), Status: string(l.Status), Priority: "normal",
		GridID: l.GridID, VillageID: l.VillageID, TeamID: optional(l.TeamID), ReporterID: l.ReporterID,
		DebtorID: optional(l.DebtorID), DebtorName: optional(l.DebtorName), CaseNumber: optional(l.CaseNumber),
		Description: l.Description, ReceivedAt: l.ReceivedAt.UTC(), Details: l.Details,
		PhotosExpected: l.PhotosExpected, PhotosReceived: l.PhotosReceived, CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(),
	}
	if l.Priority == domain.PriorityUrgent {
		j.Priority = "urgent"
	}
	if j.Details == nil {
		j.Details = map[string]any{}
	}
	if loc := l.Location; loc != nil {
		j.Location = &locationJSON{Lat: loc.Lat, Lng: loc.Lng, CRS: string(loc.CRS)}
		if loc.AccuracyM > 0 {
			acc := loc.AccuracyM
			j.Location.AccuracyM = &acc
		}
	}
	if !l.CapturedAt.IsZero() {
		t := l.CapturedAt.UTC()
		j.CapturedAt = &t
	}
	if v.Officer {
		j.LocationFlag = optional(l.LocationFlag)
		dups := make([]duplicateJSON, len(v.Duplicates))
		for i, d := range v.Duplicates {
			dups[i] = duplicateJSON{LeadID: d.LeadID, Ref: d.Ref, Reason: d.Reason}
		}
		j.PossibleDuplicates = &dups
		o := &officerLeadJSON{AssigneeID: optional(l.AssigneeID), Overdue: l.Overdue(v.Now), RejectReason: optional(string(l.RejectReason)),
			DuplicateOf: optional(l.DuplicateOf), Measure: optional(string(l.Measure)), MeasureDate: optional(l.MeasureDate),
			Outcome: optional(l.Outcome), AmountRecoveredFen: l.AmountRecoveredFen}
		if !l.DueAt.IsZero() {
			d := l.DueAt.UTC()
			o.DueAt = &d
		}
		j.officerLeadJSON = o
	}
	return j
}

// leadInputJSON is the body of POST /v1/leads.
type leadInputJSON struct {
	ID          string  `json:"id"`
	Kind        string  `json:"kind"`
	DebtorID    string  `json:"debtor_id"`
	DebtorName  string  `json:"debtor_name"`
	CaseNumber  string  `json:"case_number"`
	Description *string `json:"description"`
	VillageID   string  `json:"village_id"`
	Location    *struct {
		Lat       *float64 `json:"lat"`
		Lng       *float64 `json:"lng"`
		AccuracyM *float64 `json:"accuracy_m"`
		CRS       string   `json:"crs"`
	} `json:"location"`
	CapturedAt     string         `json:"captured_at"`
	Details        map[string]any `json:"details"`
	PhotosExpected *int           `json:"photos_expected"`
}

// canonicalHash is the SHA-256 of the body re-encoded with sorted keys, so
// that a retry that serialises the same fields differently still matches.
func canonicalHash(body []byte) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return hashHex(b), nil
}

// createLead handles POST /v1/leads: exactly once, by idempotency key or
// client-chosen id.
func (h *handlers) createLead(c *gin.Context) (response, error) {
	raw, err := readJSONBody(c)
	if err != nil {
		return response{}, err
	}
	var in leadInputJSON
	if err := decodeJSON(raw, &in); err != nil {
		return response{}, err
	}
	hash, err := canonicalHash(raw)
	if err != nil {
		return response{}, domain.Errorf(domain.EInvalid, "malformed JSON: %v", err)
	}
	a := actor(c)
	sub := intake.SubmitInput{ID: in.ID, Kind: in.Kind, DebtorID: in.DebtorID, DebtorName: in.DebtorName, CaseNumber: in.CaseNumber,
		Description: in.Description, VillageID: in.VillageID, CapturedAt: in.CapturedAt, Details: in.Details, PhotosExpected: in.PhotosExpected}
	if in.Location != nil {
		sub.Location = &intake.LocationInput{Lat: in.Location.Lat, Lng: in.Location.Lng, AccuracyM: in.Location.AccuracyM, CRS: in.Location.CRS}
	}
	run := func(ctx context.Context, key *domain.IdempotencyKey) (creation, error) {
		v, isNew, err := h.o.Intake.Submit(ctx, a, sub, hash, key)
		return creation{answer: leadAnswer(v, isNew), id: v.Lead.ID, created: isNew}, err
	}
	replay := func(id string, wasNew bool) (response, error) {
		v, err := h.o.Intake.Lead(c.Request.Context(), a, id)
		return leadAnswer(v, wasNew), err
	}
	return h.exactlyOnce(c, "POST /v1/leads", hash, run, replay)
}

// leadAnswer is the answer to a submission: 201 with its Location for a new
// lead, 200 for one that its client id already named.
func leadAnswer(v intake.LeadView, isNew bool) response {
	if isNew {
		return created("/v1/leads/"+v.Lead.ID, v.Lead.Version, toLeadJSON(v))
	}
	return versioned(http.StatusOK, v.Lead.Version, toLeadJSON(v))
}

// readJSONBody reads a capped JSON body, checking its content type.
func readJSONBody(c *gin.Context) ([]byte, error) {
	if err := jsonContentType(c); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, domain.Errorf(domain.ETooLarge, "JSON body over %d bytes", maxJSONBody)
	}
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "read body: %v", err)
	}
	return b, nil
}

// getLead handles GET /v1/leads/{lead_id}.
func (h *handlers) getLead(c *gin.Context) (response, error) {
	v, err := h.o.Intake.Lead(c.Request.Context(), actor(c), c.Param("lead_id"))
	return versioned(http.StatusOK, v.Lead.Version, toLeadJSON(v)), err
}

// listLeads handles GET /v1/leads: an assistant's own leads, or the
// team's queue with its filters and counts per status.
func (h *handlers) listLeads(c *gin.Context) (response, error) {
	q, err := leadQuery(c)
	if err != nil {
		return response{}, err
	}
	views, next, counts, err := h.o.Intake.Leads(c.Request.Context(), actor(c), q)
	out := page("leads", listOf(views, toLeadJSON), next)
	byStatus := map[string]int64{}
	for st, n := range counts {
		byStatus[string(st)] = n
	}
	out["counts"] = byStatus
	return ok(out), err
}

// leadQuery reads the queue's filters, shared by the list and its export.
func leadQuery(c *gin.Context) (intake.Query, error) {
	var fields []domain.FieldError
	q := intake.Query{GridID: c.Query("grid_id"), VillageID: c.Query("village_id"), Assignee: c.Query("assignee"), Text: c.Query("q"), Cursor: c.Query("cursor")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			fields = append(fields, domain.FieldError{Field: "limit", Code: "out_of_range"})
		}
		q.Limit = n
	}
	for _, s := range splitQuery(c.QueryArray("status")) {
		q.Statuses = append(q.Statuses, domain.LeadStatus(s))
	}
	for _, k := range splitQuery(c.QueryArray("kind")) {
		q.Kinds = append(q.Kinds, domain.LeadKind(k))
	}
	for name, dst := range map[string]*time.Time{"received_from": &q.From, "received_to": &q.To} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				fields = append(fields, domain.FieldError{Field: name, Code: "invalid"})
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*bool{"overdue": &q.Overdue, "flagged": &q.Flagged} {
		if v := c.Query(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				fields = append(fields, domain.FieldError{Field: name, Code: "invalid"})
			}
			*dst = b
		}
	}
	if len(fields) > 0 {
		return q, domain.Invalid(fields...)
	}
	return q, nil
}

// splitQuery accepts repeated parameters and comma-separated lists alike.
func splitQuery(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

type eventJSON struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	FromStatus *string   `json:"from_status"`
	ToStatus   *string   `json:"to_status"`
	Note       *string   `json:"note"`
	Public     bool      `json:"public"`
	ActorRole  string    `json:"actor_role"`
	At         time.Time `json:"at"`
}

// leadEvents handles GET /v1/leads/{lead_id}/events.
func (h *handlers) leadEvents(c *gin.Context) (response, error) {
	evs, err := h.o.Intake.Events(c.Request.Context(), actor(c), c.Param("lead_id"))
	return ok(gin.H{"events": listOf(evs, toEventJSON)}), err
}

func toEventJSON(e domain.LeadEvent) eventJSON {
	return eventJSON{ID: e.ID, Type: e.Type, FromStatus: optional(string(e.FromStatus)), ToStatus: optional(string(e.ToStatus)),
		Note: optional(e.Note), Public: e.Public, ActorRole: string(e.ActorRole), At: e.At.UTC()}
}

// withdrawLeadInputJSON is the body of POST /v1/leads/{lead_id}/withdraw.
type withdrawLeadInputJSON struct {
	Reason string `json:"reason"`
}

// withdrawLead handles POST /v1/leads/{lead_id}/withdraw; the body (a
// reason) is optional.
func (h *handlers) withdrawLead(c *gin.Context) (response, error) {
	var in withdrawLeadInputJSON
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return response{}, err
		}
	}
	version, err := ifMatch(c)
	if err != nil {
		return response{}, err
	}
	l, err := h.o.Intake.Withdraw(c.Request.Context(), actor(c), c.Param("lead_id"), in.Reason, version)
	return h.leadResponse(c, l, err)
}

// answerLeadInputJSON is the body of POST /v1/leads/{lead_id}/answer.
type answerLeadInputJSON struct {
	Text           string `json:"text"`
	PhotosExpected *int   `json:"photos_expected"`
}

// answerLead handles POST /v1/leads/{lead_id}/answer.
func (h *handlers) answerLead(c *gin.Context, in answerLeadInputJSON) (response, error) {
	l, err := h.o.Intake.Answer(c.Request.Context(), actor(c), c.Param("lead_id"), in.Text, in.PhotosExpected)
	return h.leadResponse(c, l, err)
}

// leadResponse answers a lead as the caller sees it, with its ETag, or the
// error of the call that changed it.
func (h *handlers) leadResponse(c *gin.Context, l domain.Lead, err error) (response, error) {
	if err != nil {
		return response{}, err
	}
	v, err := h.o.Intake.View(c.Request.Context(), actor(c), l)
	return versioned(http.StatusOK, l.Version, toLeadJSON(v)), err
}

type wantedJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	MaskedID     string   `json:"masked_id"`
	VillageID    *string  `json:"village_id"`
	VillageName  *string  `json:"village_name"`
	HelpfulKinds []string `json:"helpful_kinds"`
}

// wanted handles GET /v1/wanted.
func (h *handlers) wanted(c *gin.Context) (response, error) {
	ds, err := h.o.Intake.Wanted(c.Request.Context(), actor(c))
	return ok(gin.H{"debtors": listOf(ds, toWantedJSON)}).header("Cache-Control", "private, no-cache"), err
}

func toWantedJSON(d intake.WantedDebtor) wantedJSON {
	kinds := make([]string, len(d.HelpfulKinds))
	for j, k := range d.HelpfulKinds {
		kinds[j] = string(k)
	}
	return wantedJSON{ID: d.Debtor.ID, Name: d.Debtor.Name, Kind: d.Debtor.Kind, MaskedID: d.Debtor.IDMasked,
		VillageID: optional(d.Debtor.VillageID), VillageName: optional(d.VillageName), HelpfulKinds: kinds}
}

// contentDigest reads the SHA-256 a client claims for an upload from
// Content-Digest or Repr-Digest (RFC 9530: sha-256=:<base64>:). Other
// algorithms are ignored; a malformed sha-256 value is an error.
func contentDigest(c *gin.Context) ([]byte, error) {
	for _, name := range []string{"Content-Digest", "Repr-Digest"} {
		for _, part := range strings.Split(c.GetHeader(name), ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(alg, "sha-256") {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(strings.Trim(val, ":"))
			if err != nil || len(b) != 32 || !strings.HasPrefix(val, ":") || !strings.HasSuffix(val, ":") {
				return nil, domain.Invalid(domain.FieldError{Field: name, Code: "invalid"})
			}
			return b, nil
		}
	}
	return nil, nil
}

// exportLeads handles GET /v1/leads/export: the queue view with the same
// filters as GET /v1/leads, as CSV or XLSX, streamed. It renders itself (a
// gin.HandlerFunc, not a handlerFunc): rows are written as they are read,
// after the status, so a failure half-way can only cut the body short.
func (h *handlers) exportLeads(c *gin.Context) {
	q, err := leadQuery(c)
	if err != nil {
		renderProblem(c, err)
		return
	}
	format := contactbook.Format(c.DefaultQuery("format", "csv"))
	if !format.Valid() {
		renderProblem(c, domain.Invalid(domain.FieldError{Field: "format", Code: "invalid"}))
		return
	}
	rows, finished, err := h.o.Intake.Export(c.Request.Context(), actor(c), q)
	if err != nil {
		renderProblem(c, err)
		return
	}
	c.Header("Content-Type", contactbook.ContentType(format))
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "leads" + contactbook.FileExtension(format)}))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	write := intake.QueueTable.WriteCSV
	if format == contactbook.XLSX {
		write = intake.QueueTable.WriteXLSX
	}
	err = write(c.Writer, rows)
	if err == nil {
		err = finished()
	}
	if err != nil {
		loggerFrom(c).Error("export failed mid-stream", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}
