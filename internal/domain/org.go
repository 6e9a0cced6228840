package domain

import (
	"context"
	"time"
)

// Role is what a user does in the scheme; it decides what they may see and do.
type Role string

// The roles of DESIGN §3.
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
	GridID    string
	Code      string // 12-digit code; empty when not known yet
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Team is an enforcement team (执行团队); it serves one or more grids.
type Team struct {
	ID        string
	Name      string
	GridIDs   []string
	CreatedAt time.Time
	UpdatedAt time.Time
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
	Phone              string // normalised mainland mobile number, 11 digits
	Name               string
	Role               Role
	Status             UserStatus
	VillageID          string // assistants only
	TeamID             string // officers and grid leads only
	PasswordHash       string
	MustChangePassword bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// OrgStore keeps grids, villages, teams and users.
type OrgStore interface {
	// UpsertGrid creates the grid with g.Code or updates its names; it
	// returns the stored grid.
	UpsertGrid(ctx context.Context, g Grid) (Grid, error)
	// UpsertVillage creates the village (matched by grid and code, or by grid
	// and name when the code is unknown) or updates it.
	UpsertVillage(ctx context.Context, v Village) (Village, error)
	// ListGrids returns all grids ordered by code.
	ListGrids(ctx context.Context) ([]Grid, error)
	// ListVillages returns the villages of a grid ordered by code, then name.
	// Errors: ENotFound when the grid does not exist.
	ListVillages(ctx context.Context, gridID string) ([]Village, error)
	// CreateTeam creates a team serving the given grids.
	CreateTeam(ctx context.Context, t Team) (Team, error)
	// ListTeams returns all teams with the grids they serve.
	ListTeams(ctx context.Context) ([]Team, error)
	// CreateUser creates a user. Errors: EConflict when the phone is taken.
	CreateUser(ctx context.Context, u User) (User, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int64, error)
}

// Stores are the stores one transaction sees.
type Stores struct {
	Org OrgStore
}

// Transactor runs fn in one database transaction: everything fn does
// through the given stores commits together or not at all.
type Transactor interface {
	Transact(ctx context.Context, fn func(Stores) error) error
}
