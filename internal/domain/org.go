package domain

import (
	"context"
	"time"
)

// Role is what a user does in the scheme; it decides what they may see and do.
type Role string

// The roles of docs/architecture.md, "Who sees what".
const (
	RoleAssistant Role = "assistant" // village grid assistant (网格协执员)
	RoleOfficer   Role = "officer"   // enforcement officer (执行干警)
	RoleGridLead  Role = "grid_lead" // grid lead / bureau head
	RoleAdmin     Role = "admin"
	RoleAuditor   Role = "auditor" // read-only, sees the audit log
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAssistant, RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor:
		return true
	}
	return false
}

// Grid is a township (乡镇), the unit that leads are routed by.
type Grid struct {
	ID        string
	Version   int    // bumped by every change; the ETag
	Code      string // 9-digit division code, e.g. 621025101
	Name      string // 榆林子镇
	Pinyin    string // Yulinzi
	Kind      string // "town" or "township"
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Village is an administrative village or community (行政村/社区) of a grid.
type Village struct {
	ID        string
	Version   int
	GridID    string
	Code      string // 12-digit code; empty when not known yet
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Team is an enforcement team (执行团队); it serves one or more grids.
type Team struct {
	ID          string
	Version     int
	Name        string
	GridIDs     []string
	CountyQueue bool // catches leads that match no grid
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// UserStatus says whether a user may sign in.
type UserStatus string

// User statuses.
const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// User is anyone who signs in. Assistants belong to a village, officers and
// grid leads to a team.
type User struct {
	ID                 string
	Version            int
	Phone              string // normalised mainland mobile number, 11 digits
	Name               string
	Role               Role
	Status             UserStatus
	VillageID          string // assistants only
	TeamID             string // officers and grid leads only
	PasswordHash       string
	MustChangePassword bool
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// OrgStore keeps grids, villages, teams and users.
//
// Updates take the version the caller last saw and fail with EPrecondition
// when the row has changed since (optimistic concurrency: ETag / If-Match);
// a version of 0 skips the check. Unique keys (grid code, village code,
// village name within a grid, team name, a grid served by two teams, user
// phone) fail with EConflict; references to missing rows with EValidation.
type OrgStore interface {
	// UpsertGrid creates the grid with g.Code or updates its names; it
	// returns the stored grid.
	UpsertGrid(ctx context.Context, g Grid) (Grid, error)
	// UpsertVillage creates the village (matched by code, or by grid and
	// name when the code is unknown) or updates it.
	UpsertVillage(ctx context.Context, v Village) (Village, error)
	// CreateGrid creates a grid. Errors: EConflict for a taken code.
	CreateGrid(ctx context.Context, g Grid) (Grid, error)
	// UpdateGrid saves g's names and kind. Errors: ENotFound, EPrecondition.
	UpdateGrid(ctx context.Context, g Grid, version int) (Grid, error)
	// GetGrid returns one grid. Errors: ENotFound.
	GetGrid(ctx context.Context, id string) (Grid, error)
	// ListGrids returns all grids ordered by code.
	ListGrids(ctx context.Context) ([]Grid, error)
	// CreateVillage creates a village. Errors: EConflict, EValidation.
	CreateVillage(ctx context.Context, v Village) (Village, error)
	// UpdateVillage saves v's name, code and grid. Errors: ENotFound,
	// EPrecondition, EConflict.
	UpdateVillage(ctx context.Context, v Village, version int) (Village, error)
	// GetVillage returns one village. Errors: ENotFound.
	GetVillage(ctx context.Context, id string) (Village, error)
	// ListVillages returns the villages of a grid ordered by code, then name.
	// Errors: ENotFound when the grid does not exist.
	ListVillages(ctx context.Context, gridID string) ([]Village, error)
	// AllVillages returns every village of every grid.
	AllVillages(ctx context.Context) ([]Village, error)
	// CreateTeam creates a team serving the given grids.
	CreateTeam(ctx context.Context, t Team) (Team, error)
	// UpdateTeam saves t's name, grids and county-queue flag. Errors:
	// ENotFound, EPrecondition, EConflict.
	UpdateTeam(ctx context.Context, t Team, version int) (Team, error)
	// GetTeam returns one team with its grids. Errors: ENotFound.
	GetTeam(ctx context.Context, id string) (Team, error)
	// ListTeams returns all teams with the grids they serve.
	ListTeams(ctx context.Context) ([]Team, error)

	// CreateUser creates a user. Errors: EConflict when the phone is taken.
	CreateUser(ctx context.Context, u User) (User, error)
	// UpdateUser saves every field of u but its id and creation time.
	// Errors: ENotFound, EPrecondition, EConflict.
	UpdateUser(ctx context.Context, u User, version int) (User, error)
	// GetUser returns one user. Errors: ENotFound.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByPhone returns the user with a normalised phone. Errors:
	// ENotFound.
	GetUserByPhone(ctx context.Context, phone string) (User, error)
	// ListUsers returns one page of users matching f, ordered by name then
	// id, and the cursor of the next page ("" on the last).
	ListUsers(ctx context.Context, f UserFilter) ([]User, string, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int64, error)
}

// UserFilter selects users. Empty fields select everything.
type UserFilter struct {
	Roles     []Role
	Status    UserStatus
	GridIDs   []string // assistants living in villages of these grids, officers of teams serving them
	VillageID string
	Query     string // part of the name or the phone
	Limit     int
	Cursor    string // opaque, from the previous page
}

// Stores are the stores one transaction sees.
type Stores struct {
	Org       OrgStore
	Sessions  SessionStore
	Throttles ThrottleStore
	Leads     LeadStore
	Cases     CaseStore
	Audit     AuditStore // append in the same transaction as the change it records
	Jobs      JobStore   // enqueue in the same transaction as the change that calls for the job
	// Idempotency: finish a creating request's record in the transaction of what it created.
	Idempotency IdempotencyStore
}

// Transactor runs fn in one database transaction: everything fn does
// through the given stores commits together or not at all.
type Transactor interface {
	Transact(ctx context.Context, fn func(Stores) error) error
}
