package domain

import (
	"errors"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a new lead's fields.
const (
	MaxLeadDescription = 2000            // runes of the description
	MaxLeadDebtorName  = 64              // runes of the debtor's name as the reporter gives it
	MaxLeadAccuracyM   = 1e6             // metres of a location's accuracy
	MaxClockDrift      = 5 * time.Minute // how far ahead of the server a phone's clock may be
)

// LocationInput is a location as a writer received it; nil coordinates
// were left out.
type LocationInput struct {
	Lat, Lng  *float64
	AccuracyM *float64
	CRS       string // "" is WGS-84
}

// LeadInput is a new lead as a writer (the intake of assistants' reports,
// answers to assistance requests, imports) received it, with its
// references already looked up: NewLead checks what was given and names
// every bad field, so that no writer skips a rule.
type LeadInput struct {
	ID             string // a lower-case UUID the client chose; "" leaves the lead's ID for the caller to choose
	Kind           string
	DebtorID       string  // as given; "" for none
	Debtor         *Debtor // the debtor DebtorID names; nil when there is none
	DebtorName     string
	CaseNumber     string
	Description    *string // required, may be empty
	VillageID      string  // as given, or the reporter's own village
	Village        *Village
	Location       *LocationInput
	CapturedAt     string // RFC 3339
	Details        map[string]any
	PhotosExpected *int
}

// LeadLimits are the configurable limits NewLead enforces.
type LeadLimits struct {
	MaxPhotos int // photos per lead
}

// NewLead builds a submitted lead of reporter, received at now, from in,
// and returns every bad field at once, in a fixed order (the order of
// leadRules). The lead is good to store only when there are none; its ID
// is "" when in.ID was. Routing (team, priority, location flag) and the
// reference number are the caller's.
func NewLead(reporter Actor, in LeadInput, lim LeadLimits, now time.Time) (Lead, []FieldError) {
	b := leadBuild{in: in, lim: lim, now: now, reporter: reporter, l: Lead{ID: in.ID, ReporterID: reporter.UserID,
		Status: LeadSubmitted, ReceivedAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}}
	for _, rule := range leadRules {
		rule(&b)
	}
	return b.l, b.f
}

// leadBuild is a lead being built by the rules.
type leadBuild struct {
	in       LeadInput
	lim      LeadLimits
	now      time.Time
	reporter Actor
	l        Lead
	f        []FieldError
}

// bad records a bad field, with one parameter when given (name, value).
func (b *leadBuild) bad(field, code string, params ...any) {
	fe := FieldError{Field: field, Code: code}
	if len(params) == 2 {
		fe.Params = map[string]any{params[0].(string): params[1]}
	}
	b.f = append(b.f, fe)
}

// leadRules are the checks of a new lead, each for its fields, in the
// order their errors are reported.
var leadRules = []func(*leadBuild){
	(*leadBuild).id, (*leadBuild).kind, (*leadBuild).description, (*leadBuild).debtor, (*leadBuild).caseNumber,
	(*leadBuild).location, (*leadBuild).capturedAt, (*leadBuild).photos, (*leadBuild).details, (*leadBuild).village,
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidClientID accepts lower-case canonical UUIDs (any version): the ids
// clients choose become object keys, which are lower-case.
func ValidClientID(s string) bool { return uuidPattern.MatchString(s) }

func (b *leadBuild) id() {
	if b.in.ID != "" && !ValidClientID(b.in.ID) {
		b.bad("id", "invalid")
	}
}

func (b *leadBuild) kind() {
	if b.l.Kind = LeadKind(b.in.Kind); !b.l.Kind.Valid() {
		b.bad("kind", "invalid")
	}
}

func (b *leadBuild) description() {
	if b.in.Description == nil {
		b.bad("description", "required")
		return
	}
	if b.l.Description = strings.TrimSpace(*b.in.Description); utf8.RuneCountInString(b.l.Description) > MaxLeadDescription {
		b.bad("description", "too_long", "max", MaxLeadDescription)
	}
}

// debtor takes the reporter's name for the debtor, or else the name of the
// debtor named by id.
func (b *leadBuild) debtor() {
	if b.l.DebtorName = strings.TrimSpace(b.in.DebtorName); utf8.RuneCountInString(b.l.DebtorName) > MaxLeadDebtorName {
		b.bad("debtor_name", "too_long", "max", MaxLeadDebtorName)
	}
	switch d := b.in.Debtor; {
	case b.in.DebtorID == "":
	case d == nil || d.ID != b.in.DebtorID:
		b.bad("debtor_id", "invalid")
	default:
		b.l.DebtorID = d.ID
		if b.l.DebtorName == "" {
			b.l.DebtorName = d.Name
		}
	}
}

func (b *leadBuild) caseNumber() {
	if b.in.CaseNumber == "" {
		return
	}
	cn, err := ParseCaseNumber(b.in.CaseNumber, b.now)
	var de *Error
	switch {
	case errors.As(err, &de) && len(de.Fields) > 0:
		b.f = append(b.f, de.Fields...)
	case err != nil:
		b.bad("case_number", "invalid")
	default:
		b.l.CaseNumber = cn.Canonical()
	}
}

func (b *leadBuild) location() {
	loc := b.in.Location
	if loc == nil {
		return
	}
	b.l.Location = &Location{CRS: CRS(loc.CRS)}
	b.l.Location.Lat = b.coordinate("location.lat", loc.Lat, 90)
	b.l.Location.Lng = b.coordinate("location.lng", loc.Lng, 180)
	if a := loc.AccuracyM; a != nil {
		if math.IsNaN(*a) || *a < 0 || *a > MaxLeadAccuracyM {
			b.bad("location.accuracy_m", "out_of_range")
		} else {
			b.l.Location.AccuracyM = *a
		}
	}
	switch b.l.Location.CRS {
	case "":
		b.l.Location.CRS = WGS84
	case WGS84, GCJ02:
	default:
		b.bad("location.crs", "invalid")
	}
}

// coordinate checks a required coordinate within ±limit degrees.
func (b *leadBuild) coordinate(field string, v *float64, limit float64) float64 {
	switch {
	case v == nil:
		b.bad(field, "required")
	case math.IsNaN(*v) || *v < -limit || *v > limit:
		b.bad(field, "out_of_range")
	default:
		return *v
	}
	return 0
}

func (b *leadBuild) capturedAt() {
	if b.in.CapturedAt == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, b.in.CapturedAt)
	switch {
	case err != nil:
		b.bad("captured_at", "invalid")
	case t.After(b.now.Add(MaxClockDrift)):
		b.bad("captured_at", "in_future")
	default:
		b.l.CapturedAt = t.UTC()
	}
}

func (b *leadBuild) photos() {
	if n := b.in.PhotosExpected; n != nil {
		if *n < 0 || *n > b.lim.MaxPhotos {
			b.bad("photos_expected", "out_of_range")
		} else {
			b.l.PhotosExpected = *n
		}
	}
}

// details checks the kind's extra fields (only of a known kind) and keeps
// a vehicle's normalised plate for duplicate checks.
func (b *leadBuild) details() {
	if !b.l.Kind.Valid() {
		return
	}
	details, fields := ValidateLeadDetails(b.l.Kind, b.in.Details)
	b.f = append(b.f, fields...)
	b.l.Details = details
	if p, ok := details["plate"].(string); ok && b.l.Kind == KindVehicle {
		b.l.Plate = p
	}
}

// village places the lead in the village's grid, where the reporter may
// report (MayReportIn).
func (b *leadBuild) village() {
	switch v := b.in.Village; {
	case b.in.VillageID == "":
		b.bad("village_id", "required")
	case v == nil || v.ID != b.in.VillageID:
		b.bad("village_id", "invalid")
	case !b.reporter.MayReportIn(v.GridID):
		b.bad("village_id", "not_allowed")
	default:
		b.l.VillageID, b.l.GridID = v.ID, v.GridID
	}
}
