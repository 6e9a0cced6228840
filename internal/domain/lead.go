package domain

import (
	"context"
	"slices"
	"time"
)

// LeadStatus is where a lead is in its lifecycle (docs/architecture.md, "Lead lifecycle").
type LeadStatus string

// The lead statuses.
const (
	LeadSubmitted       LeadStatus = "submitted"
	LeadNeedsInfo       LeadStatus = "needs_info"
	LeadAccepted        LeadStatus = "accepted"
	LeadVerified        LeadStatus = "verified"
	LeadMeasuresTaken   LeadStatus = "measures_taken"
	LeadClosed          LeadStatus = "closed"
	LeadRejected        LeadStatus = "rejected"
	LeadDuplicate       LeadStatus = "duplicate"
	LeadUnsubstantiated LeadStatus = "unsubstantiated"
	LeadWithdrawn       LeadStatus = "withdrawn"
)

// LeadStatuses lists every status, in lifecycle order.
var LeadStatuses = []LeadStatus{LeadSubmitted, LeadNeedsInfo, LeadAccepted, LeadVerified, LeadMeasuresTaken, LeadClosed,
	LeadRejected, LeadDuplicate, LeadUnsubstantiated, LeadWithdrawn}

// Valid reports whether s is a known status.
func (s LeadStatus) Valid() bool {
	switch s {
	case LeadSubmitted, LeadNeedsInfo, LeadAccepted, LeadVerified, LeadMeasuresTaken, LeadClosed,
		LeadRejected, LeadDuplicate, LeadUnsubstantiated, LeadWithdrawn:
		return true
	}
	return false
}

// Open reports whether the lead is still being worked on (not in an end
// state).
func (s LeadStatus) Open() bool {
	switch s {
	case LeadClosed, LeadRejected, LeadDuplicate, LeadUnsubstantiated, LeadWithdrawn:
		return false
	}
	return true
}

// TakesPhotos reports whether the reporter may still add photos.
func (s LeadStatus) TakesPhotos() bool { return slices.Contains(photoStatuses, s) }

// photoStatuses are the statuses of a lead that takes photos.
var photoStatuses = []LeadStatus{LeadSubmitted, LeadNeedsInfo}

// PhotoStatuses returns the statuses in which a lead takes photos (see
// TakesPhotos), for stores that check them in a query.
func PhotoStatuses() []LeadStatus { return slices.Clone(photoStatuses) }

// Priority orders the queue: a lower number comes first. It is stored as
// the number.
type Priority int

// The priorities.
const (
	PriorityUrgent Priority = 0 // urgent kinds, green-channel (livelihood) cases
	PriorityNormal Priority = 1
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == PriorityUrgent || p == PriorityNormal }

// PriorityOf is the priority of a lead of kind k, about a case of category
// c ("" when it names none): urgent for urgent kinds and for the green
// channel of livelihood cases.
func PriorityOf(k LeadKind, c CaseCategory) Priority {
	if k.Urgent() || c.GreenChannel() {
		return PriorityUrgent
	}
	return PriorityNormal
}

// CRS is the coordinate system of a location.
type CRS string

// Coordinate systems: WGS-84 from GPS, GCJ-02 from Chinese map SDKs.
const (
	WGS84 CRS = "wgs84"
	GCJ02 CRS = "gcj02"
)

// Location is where something was seen.
type Location struct {
	Lat, Lng  float64
	AccuracyM float64 // 0: unknown
	CRS       CRS
}

// Location flags for the officer: accepted, but worth a look.
const (
	FlagOutsideCounty = "outside_county"
	FlagOutsideGrid   = "outside_grid"
)

// Lead is an asset or whereabouts tip from an assistant.
type Lead struct {
	ID             string
	Ref            string // human reference, ZN-2026-000123
	ReporterID     string
	GridID         string
	VillageID      string
	TeamID         string // "" = the county-level queue with no team
	Kind           LeadKind
	Status         LeadStatus
	Priority       Priority
	DebtorID       string
	DebtorName     string
	CaseNumber     string // canonical
	Description    string
	Location       *Location
	LocationFlag   string
	CapturedAt     time.Time // device time; zero when not given
	ReceivedAt     time.Time // server time; orders first reporters and never changes
	Details        map[string]any
	Plate          string // normalised plate of a vehicle lead, for duplicate checks
	PhotosExpected int
	PhotosReceived int
	ContentHash    string // hash of what the client sent, to recognise a resubmission

	// Triage.
	AssigneeID         string
	DueAt              time.Time // verification deadline, set on acceptance
	RejectReason       RejectReason
	DuplicateOf        string
	Measure            Measure
	MeasureDate        string // YYYY-MM-DD
	Outcome            string
	AmountRecoveredFen *int64
	AcceptedAt         time.Time // first acceptance; zero before
	ClosedAt           time.Time // the last closing while closed; zero otherwise

	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Overdue reports whether the verification deadline has passed at now
// while the lead still awaits verification.
func (l Lead) Overdue(now time.Time) bool {
	return !l.DueAt.IsZero() && now.After(l.DueAt) && l.Status == LeadAccepted
}

// Duplicate reasons.
const (
	DupSameDebtorKind = "same_debtor_kind"
	DupSamePlate      = "same_plate"
	DupSamePhoto      = "same_photo"
)

// PossibleDuplicate names an earlier lead a lead may repeat.
type PossibleDuplicate struct {
	LeadID, Ref, Reason string
	// The other lead's scope, for SeesDuplicates (not shown).
	GridID, TeamID, ReporterID string
}

// PhotoProcessing is how far a stored photo has been processed: decoded
// to prove it is an image, and its thumbnail made. Its size, EXIF time and
// GPS are read from the header while the upload streams, before this.
type PhotoProcessing string

// Photo processing states.
const (
	// PhotoPending: stored; a background job will decode it and make the
	// thumbnail.
	PhotoPending PhotoProcessing = "pending"
	// PhotoDone: decoded, the thumbnail made.
	PhotoDone PhotoProcessing = "done"
	// PhotoFailed: well-formed as a file, but its pixel data does not
	// decode (ProcessingError says why). The photo is kept as evidence,
	// without a thumbnail.
	PhotoFailed PhotoProcessing = "failed"
	// PhotoUnsupported: a well-formed image the server cannot decode
	// (HEIC, an arithmetic-coded JPEG, an animated WebP). Kept as
	// evidence, without a thumbnail.
	PhotoUnsupported PhotoProcessing = "unsupported"
)

// Reasons a photo's processing failed (Photo.ProcessingError).
const (
	PhotoCorrupt       = "corrupt_image"   // the pixel data does not decode
	PhotoTooManyPixels = "too_many_pixels" // more pixels than the server decodes
	PhotoJobFailed     = "job_failed"      // the job kept failing (storage, database); an operator may retry it
)

// Photo is one image of a lead. The original bytes are kept unchanged.
type Photo struct {
	ID              string
	LeadID          string
	ObjectKey       string
	ThumbKey        string // "" while pending, and when no thumbnail could be made
	SHA256          string
	ContentType     string
	Size            int64
	Width           int
	Height          int
	TakenAt         time.Time // EXIF; zero when absent
	GPS             *Location // EXIF; nil when absent
	Processing      PhotoProcessing
	ProcessingError string // with PhotoFailed: PhotoCorrupt, PhotoTooManyPixels or PhotoJobFailed
	CreatedAt       time.Time
}

// LeadEvent is one entry of a lead's timeline.
type LeadEvent struct {
	ID         string
	LeadID     string
	ActorID    string
	ActorRole  Role
	Type       string // submitted, withdrawn, answered, photo_added, status_changed, comment, needs_info
	FromStatus LeadStatus
	ToStatus   LeadStatus
	Note       string
	Public     bool // visible to the reporter
	At         time.Time
}

// LeadFilter selects leads for a list.
type LeadFilter struct {
	ReporterID string   // only this reporter's
	GridIDs    []string // only these grids (nil: all)…
	TeamID     string   // …or this team's queue (the county queue holds other grids' leads)
	Statuses   []LeadStatus
	Kinds      []LeadKind
	GridID     string // one grid
	VillageID  string
	AssigneeID string // "" any; see Unassigned
	Unassigned bool
	From, To   time.Time // received in [From, To)
	Overdue    bool      // accepted and past due at Now
	Flagged    bool      // has possible duplicates
	Text       string    // in the description, debtor name or reference
	Now        time.Time
	Queue      bool // order by priority, then oldest first (officers); else newest first
	Limit      int
	Cursor     string
}

// Debtor kinds.
const (
	DebtorPerson  = "person"  // resident ID number (GB 11643)
	DebtorCompany = "company" // unified social credit code (GB 32100)
)

// Debtor is a judgment debtor (被执行人). The ID number is kept only sealed
// (IDCipher) with its keyed blind index (IDIndex) and a masked form; the
// clear number never reaches the store.
type Debtor struct {
	ID        string
	Version   int
	Kind      string // DebtorPerson or DebtorCompany
	Name      string
	IDMasked  string
	IDCipher  []byte // sealed ID number; nil when not known
	IDIndex   string // blind index of the normalised ID number; "" when not known
	VillageID string
	GridID    string // the village's grid, filled on reads; "" without a village
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CaseCategory is the kind of an enforcement case (docs/architecture.md, "The domain").
type CaseCategory string

// The case categories.
const (
	CaseOrdinary         CaseCategory = "ordinary"
	CaseLivelihood       CaseCategory = "livelihood" // 涉民生: wages, support, traffic-accident and work-injury compensation; green channel
	CaseCriminalProperty CaseCategory = "criminal_property"
	CaseFinancialNPA     CaseCategory = "financial_npa"
)

// Valid reports whether c is a known category.
func (c CaseCategory) Valid() bool {
	switch c {
	case CaseOrdinary, CaseLivelihood, CaseCriminalProperty, CaseFinancialNPA:
		return true
	}
	return false
}

// GreenChannel reports whether leads about a case of the category are
// urgent (livelihood cases).
func (c CaseCategory) GreenChannel() bool { return c == CaseLivelihood }

// CaseStatus is whether a case is still being enforced.
type CaseStatus string

// The case statuses.
const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// Valid reports whether s is a known case status.
func (s CaseStatus) Valid() bool { return s == CaseOpen || s == CaseClosed }

// Case is an enforcement case (执行案件).
type Case struct {
	ID                 string
	Version            int
	Number             string // canonical 案号
	Category           CaseCategory
	Status             CaseStatus
	AmountDueFen       int64
	AmountRecoveredFen int64
	DebtorIDs          []string
	GridIDs            []string // grids of the debtors' villages, filled on reads: the case's scope
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// CaseFilter selects cases for a list, newest first.
type CaseFilter struct {
	GridIDs  []string     // cases with a debtor in these grids (nil: all)
	Status   CaseStatus   // "": any
	Category CaseCategory // "": any
	DebtorID string
	Limit    int
	Cursor   string
}

// DebtorFilter selects debtors for a list, by name.
type DebtorFilter struct {
	GridIDs []string // debtors of villages of these grids (nil: all)
	IDIndex string   // exact look-up by blind index
	Query   string   // part of the name
	Limit   int
	Cursor  string
}

// PhotoRecord is what one stored photo adds to the database: the photo
// counted on its lead (photos_received + 1, photos_expected at least that,
// a new version), its record, the job that will process it (none when Job
// is nil), its timeline event, and the other leads with a photo of the
// same SHA-256 noted as possible duplicates of its lead.
type PhotoRecord struct {
	Photo     Photo
	Job       *Job
	Event     LeadEvent
	MaxPhotos int          // the lead takes a photo while it has fewer than this
	Statuses  []LeadStatus // and while its status is one of these
	At        time.Time    // the lead's new updated_at
}

// LeadStore keeps leads, their photos, timeline and duplicates, the
// and the reference counter.
type LeadStore interface {
	// EnsureRefYear creates the reference counter of year if missing, in a
	// statement of its own (outside the lead's transaction, so that two
	// first leads of a year cannot deadlock on it).
	EnsureRefYear(ctx context.Context, year int) error
	// NextRef takes the next reference number of year, unique under
	// concurrency, in a short transaction of its own (call it after
	// EnsureRefYear, before the lead's transaction). A lead that then fails
	// to be stored leaves its number unused: references are gap-free as long
	// as submissions succeed, which is enough to read them over the phone.
	NextRef(ctx context.Context, year int) (int, error)
	// CreateLead stores a new lead. Errors: EConflict (id or ref taken).
	CreateLead(ctx context.Context, l Lead) error
	// GetLead returns one lead. Errors: ENotFound.
	GetLead(ctx context.Context, id string) (Lead, error)
	// UpdateLead saves status, photo counts and the other mutable fields
	// when the version matches (0: any). Errors: ENotFound, EPrecondition.
	UpdateLead(ctx context.Context, l Lead, version int) (Lead, error)
	// ListLeads returns a page of leads, newest received first, or in queue
	// order (priority, then oldest) with f.Queue.
	ListLeads(ctx context.Context, f LeadFilter) ([]Lead, string, error)
	// CountLeads counts the leads of the filter by status (the status
	// filter itself is ignored, so that every tab shows its count).
	CountLeads(ctx context.Context, f LeadFilter) (map[LeadStatus]int64, error)
	// FindOpenLeads returns open leads received since since with the debtor
	// and kind, or with the plate (either may be empty), excluding id.
	FindOpenLeads(ctx context.Context, excludeID, debtorID string, kind LeadKind, plate string, since time.Time) ([]Lead, error)
	// AddDuplicates records possible duplicates of a lead.
	AddDuplicates(ctx context.Context, leadID string, d []PossibleDuplicate) error
	// Duplicates lists the possible duplicates of a lead.
	Duplicates(ctx context.Context, leadID string) ([]PossibleDuplicate, error)
	// DuplicatesOf lists the possible duplicates of several leads at once
	// (a page of the queue), by lead id.
	DuplicatesOf(ctx context.Context, leadIDs []string) (map[string][]PossibleDuplicate, error)
	// AddEvent appends to a lead's timeline.
	AddEvent(ctx context.Context, e LeadEvent) error
	// Events returns a lead's timeline, oldest first; publicOnly for the reporter.
	Events(ctx context.Context, leadID string, publicOnly bool) ([]LeadEvent, error)
	// GetPhoto returns one photo of a lead. Errors: ENotFound.
	GetPhoto(ctx context.Context, leadID, photoID string) (Photo, error)
	// Photos lists a lead's photos, oldest first.
	Photos(ctx context.Context, leadID string) ([]Photo, error)
	// RecordPhoto writes a PhotoRecord in one transaction: all of it or,
	// on an error, none of it (inside a caller's transaction it joins that
	// one, whose rollback undoes a failure). The photo is counted on its lead first, in
	// one statement that checks the lead still takes photos, so that
	// concurrent photos of one lead take turns and the one past MaxPhotos
	// is refused. Errors: ENotFound (no such lead), EConflict (the photo
	// id is taken, or the lead takes no more photos).
	RecordPhoto(ctx context.Context, r PhotoRecord) error
	// UpdatePhotoProcessing records the outcome of processing a photo: its
	// state and reason, thumbnail key, size, EXIF time and GPS. Errors:
	// ENotFound.
	UpdatePhotoProcessing(ctx context.Context, p Photo) error
}

// CaseStore keeps debtors and cases (the parts intake needs).
type CaseStore interface {
	// CreateDebtor stores a debtor. Errors: EConflict.
	CreateDebtor(ctx context.Context, d Debtor) (Debtor, error)
	// GetDebtor returns one debtor. Errors: ENotFound.
	GetDebtor(ctx context.Context, id string) (Debtor, error)
	// CreateCase stores a case with its debtors. Errors: EConflict.
	CreateCase(ctx context.Context, c Case) (Case, error)
	// GetCaseByNumber returns the case with a canonical number. Errors: ENotFound.
	GetCaseByNumber(ctx context.Context, number string) (Case, error)
	// WantedDebtors returns the debtors living in villages of the grids
	// that have at least one open case.
	WantedDebtors(ctx context.Context, gridIDs []string) ([]Debtor, error)

	// UpdateDebtor saves kind, name, village and the sealed ID when the
	// version matches (0: any). Errors: ENotFound, EPrecondition, EConflict
	// (the ID number belongs to another debtor), EValidation (no village).
	UpdateDebtor(ctx context.Context, d Debtor, version int) (Debtor, error)
	// ListDebtors returns a page of debtors by name, and the cursor of the
	// next page ("" on the last). Errors: EValidation (cursor).
	ListDebtors(ctx context.Context, f DebtorFilter) ([]Debtor, string, error)
	// GetCase returns one case with its debtors and their grids. Errors:
	// ENotFound.
	GetCase(ctx context.Context, id string) (Case, error)
	// UpdateCase saves number, category, status and amounts when the
	// version matches (0: any). Errors: ENotFound, EPrecondition, EConflict
	// (number taken).
	UpdateCase(ctx context.Context, c Case, version int) (Case, error)
	// ListCases returns a page of cases, newest first, and the cursor of
	// the next page. Errors: EValidation (cursor).
	ListCases(ctx context.Context, f CaseFilter) ([]Case, string, error)
	// LinkDebtor links a debtor to a case (linking twice is no change) and
	// bumps the case's version. It reports whether the link is new.
	// Errors: ENotFound (case), EValidation (no such debtor).
	LinkDebtor(ctx context.Context, caseID, debtorID string) (bool, error)
}
