package domain

import "slices"

// Actor is who is calling: the signed-in user with the scope their role and
// membership give them. The HTTP layer builds it from a verified token and
// the user's current record; use cases pass it to the policy for every
// decision.
type Actor struct {
	UserID    string
	SessionID string
	Role      Role
	VillageID string   // assistants
	TeamID    string   // officers and grid leads
	GridIDs   []string // the grids in scope: an assistant's own, a team's served grids
	AllGrids  bool     // admins and auditors see every grid

	// MustChangePassword is set after an admin reset: until the user sets
	// a new password, only their own account routes answer.
	MustChangePassword bool
}

// Action is something a role may or may not do at all. Whether the actor may
// do it to one particular resource is the scope check (scope.go).
type Action string

// The actions of the policy. Keep the table in policy below complete: an
// action missing from it is denied to everyone.
const (
	ActOrgRead        Action = "org.read"        // list grids, villages, teams
	ActOrgManage      Action = "org.manage"      // create and edit grids, villages, teams; import villages
	ActUserRead       Action = "user.read"       // read any account
	ActUserManage     Action = "user.manage"     // create, edit, disable, enable, reset passwords
	ActAssistantRead  Action = "assistant.read"  // assistants of grids in scope, with phone numbers
	ActContactsImport Action = "contacts.import" // bulk import of the contact book
	ActContactsExport Action = "contacts.export" // export assistants of a grid
	ActAuditRead      Action = "audit.read"      // the audit log
	ActSessionsOwn    Action = "sessions.own"    // read and end one's own sessions, change one's password
	ActWantedListRead Action = "wanted.read"     // the wanted list of one's own grid
	ActLeadSubmit     Action = "lead.submit"     // submit a lead
	ActLeadTriage     Action = "lead.triage"     // move leads of grids in scope through the lifecycle
	ActLeadReroute    Action = "lead.reroute"    // re-route a lead to another grid
	ActLeadReopen     Action = "lead.reopen"     // reopen a closed lead
	ActLeadDirect     Action = "lead.direct"     // assign leads to others, take them from their assignee, carry leads one is not assigned
	ActLeadAnyVillage Action = "lead.anyvillage" // report a lead for a village outside one's own grid
	ActLeadHold       Action = "lead.hold"       // be a lead's assignee
	ActLeadReadAll    Action = "lead.read"       // read leads of grids in scope (not only one's own)
	ActDebtorUnmask   Action = "debtor.unmask"   // see a full ID number, with a logged reason
	ActCaseManage     Action = "case.manage"     // create and edit cases and debtors
	ActCaseRead       Action = "case.read"       // read cases and debtors of grids in scope
)

// policy is the one table of who may do what (docs/architecture.md, "Who sees what"). Deny by default.
var policy = map[Action][]Role{
	ActOrgRead:        {RoleAssistant, RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor},
	ActOrgManage:      {RoleAdmin},
	ActUserRead:       {RoleAdmin, RoleAuditor},
	ActUserManage:     {RoleAdmin},
	ActAssistantRead:  {RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor},
	ActContactsImport: {RoleAdmin},
	ActContactsExport: {RoleOfficer, RoleGridLead, RoleAdmin},
	ActAuditRead:      {RoleAdmin, RoleAuditor},
	ActSessionsOwn:    {RoleAssistant, RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor},
	ActWantedListRead: {RoleAssistant},
	ActLeadSubmit:     {RoleAssistant, RoleOfficer, RoleGridLead},
	ActLeadTriage:     {RoleOfficer, RoleGridLead, RoleAdmin},
	ActLeadReroute:    {RoleGridLead, RoleAdmin},
	ActLeadReopen:     {RoleGridLead},
	ActLeadDirect:     {RoleGridLead, RoleAdmin},
	ActLeadAnyVillage: {RoleOfficer, RoleGridLead},
	ActLeadHold:       {RoleOfficer, RoleGridLead},
	ActLeadReadAll:    {RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor},
	ActDebtorUnmask:   {RoleOfficer, RoleGridLead, RoleAdmin},
	ActCaseManage:     {RoleOfficer, RoleGridLead, RoleAdmin},
	ActCaseRead:       {RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor}, // auditors read everything
}

// Can reports whether the actor's role may do act at all.
func (a Actor) Can(act Action) bool { return slices.Contains(policy[act], a.Role) }

// Authorize returns EForbidden when the actor's role may not do act at all.
// Use it before anything is looked up, so a forbidden caller learns nothing.
func (a Actor) Authorize(act Action) error {
	if a.Can(act) {
		return nil
	}
	return Errorf(EForbidden, "role %q may not %s", a.Role, act)
}
