package domain

import "slices"

// The scope rules: whether an actor whose role may do something at all
// (Can, Authorize) may do it to one particular grid, lead, debtor or case.
// Every use case asks these questions here rather than comparing grids,
// teams and roles itself, so a new use case (assistance requests, rounds,
// webhooks) gets the same answers by calling them. Out of scope is
// reported as ENotFound by the caller (InScope), so that a resource in
// another grid looks the same as a missing one.
//
// Scope comes from the actor: GridIDs are the grids in scope (an
// assistant's own, the grids a team serves), TeamID the team whose queue
// they work (the county queue holds the leads of grids no team serves),
// AllGrids the county scope of admins and auditors.

// SeesGrid reports whether the grid is in the actor's scope. An empty grid
// id is in nobody's scope but the county's.
func (a Actor) SeesGrid(gridID string) bool {
	return a.AllGrids || (gridID != "" && slices.Contains(a.GridIDs, gridID))
}

// InScope returns ENotFound, naming what was asked for, when the resource's
// grid is outside the actor's scope: out-of-scope resources must look the
// same as missing ones (no existence oracle).
func (a Actor) InScope(gridID, what, id string) error {
	if a.SeesGrid(gridID) {
		return nil
	}
	return Errorf(ENotFound, "%s %s", what, id)
}

// CountyScope reports whether the actor sees every grid (admins and
// auditors). Only they see what belongs to no grid (a debtor without a
// village, a case without debtors), so only they may create such things.
func (a Actor) CountyScope() bool { return a.AllGrids }

// GridScope returns the grids a store filter should be limited to: nil
// (no limit) for the county scope, else a copy of the actor's grids (none
// at all for an actor without grids).
func (a Actor) GridScope() []string {
	if a.AllGrids {
		return nil
	}
	return append([]string{}, a.GridIDs...)
}

// ServesLead reports whether the lead is in the actor's working scope,
// whatever the role: its grid is in scope, or it is in the queue of the
// actor's team (the county queue holds other grids' leads). Ask SeesLead,
// WorksOnLead or MovesLead, which add the role.
func (a Actor) ServesLead(l Lead) bool {
	return a.SeesGrid(l.GridID) || a.TeamID != "" && l.TeamID == a.TeamID
}

// QueueScope is ServesLead as a store filter (LeadFilter.GridIDs and
// TeamID): the leads of these grids or of this team's queue; nil and ""
// (no limit) for the county scope.
func (a Actor) QueueScope() (gridIDs []string, teamID string) {
	if a.AllGrids {
		return nil, ""
	}
	return a.GridScope(), a.TeamID
}

// SeesLead reports whether the actor may see the lead: its reporter, or a
// role that reads leads (ActLeadReadAll) that serves it (ServesLead).
func (a Actor) SeesLead(l Lead) bool {
	return l.ReporterID == a.UserID || a.Can(ActLeadReadAll) && a.ServesLead(l)
}

// SeesUser reports whether the actor may learn of the user: themselves, a
// member of their own team, or anyone for the county scope. An officer
// naming an officer of another team learns no more than from a missing id.
func (a Actor) SeesUser(u User) bool {
	return a.AllGrids || u.ID == a.UserID || a.TeamID != "" && u.TeamID == a.TeamID
}

// SeesDuplicates returns the possible duplicates whose other lead the
// actor may see (SeesLead): a duplicate of another grid is neither named
// nor counted, so that it tells nothing of what happens there.
func (a Actor) SeesDuplicates(ds []PossibleDuplicate) []PossibleDuplicate {
	var out []PossibleDuplicate
	for _, d := range ds {
		if a.SeesLead(Lead{GridID: d.GridID, TeamID: d.TeamID, ReporterID: d.ReporterID}) {
			out = append(out, d)
		}
	}
	return out
}

// SeesTriage reports whether the actor sees the enforcement team's side of
// leads: the officer-only fields (assignee, deadline, possible duplicates,
// location flag), the internal part of the timeline, and the queue rather
// than only their own leads. The reporter of a lead sees none of it unless
// their role gives it.
func (a Actor) SeesTriage() bool { return a.Can(ActLeadReadAll) }

// WorksOnLead reports whether the actor may act on the lead as the
// enforcement team (comment, assign, link, re-route): a triaging role
// (ActLeadTriage) that serves it. Being its reporter gives nothing here.
func (a Actor) WorksOnLead(l Lead) bool { return a.Can(ActLeadTriage) && a.ServesLead(l) }

// MovesLead reports whether the lead is in the actor's scope for moving it
// through the lifecycle (which moves: MayMove): WorksOnLead, except that
// the reporter of a lead moves it only when its grid is in their scope,
// not for its being in their team's queue.
func (a Actor) MovesLead(l Lead) bool {
	if l.ReporterID == a.UserID && !a.SeesGrid(l.GridID) {
		return false
	}
	return a.WorksOnLead(l)
}

// Assignee reports whether the actor is the lead's assignee.
func (a Actor) Assignee(l Lead) bool { return l.AssigneeID != "" && l.AssigneeID == a.UserID }

// MayAssign reports whether the actor may give the lead to assigneeID: a
// role that directs the team's work (ActLeadDirect) gives any lead to
// anyone; another triaging role only takes an unassigned lead for itself.
// Scope (WorksOnLead) and whether the assignee may hold the lead are the
// caller's to check.
func (a Actor) MayAssign(l Lead, assigneeID string) bool {
	if !a.Can(ActLeadTriage) {
		return false
	}
	return a.Can(ActLeadDirect) || assigneeID == a.UserID && l.AssigneeID == ""
}

// MayHoldLead reports whether the user may be given the lead: an active
// user of a role that holds leads (ActLeadHold) in the team whose queue
// holds it. The code is "" when they may, else the assignee_id field error:
// "invalid" (inactive, or a role that holds no leads) or "other_team".
func (u User) MayHoldLead(l Lead) (code string) {
	switch {
	case u.Status != UserActive || !(Actor{Role: u.Role}).Can(ActLeadHold):
		return "invalid"
	case u.TeamID == "" || u.TeamID != l.TeamID:
		return "other_team"
	}
	return ""
}

// MayMove reports whether the actor may move the lead to status to, as the
// enforcement team: the lifecycle allows it and it is not a move only the
// reporter makes; any triaging role takes a lead from the queue (accept,
// ask, reject, mark duplicate); from acceptance on, the assignee or a role
// that directs (ActLeadDirect) carries it through; only ActLeadReopen
// reopens a closed lead. Scope is MovesLead's.
func (a Actor) MayMove(l Lead, to LeadStatus) bool { return a.mayMove(l.Status, to, a.Assignee(l)) }

// Moves returns the statuses the actor may move the lead to (MayMove), in
// lifecycle order: the answer a refused move names as allowed.
func (a Actor) Moves(l Lead) []LeadStatus { return a.moves(l.Status, a.Assignee(l)) }

func (a Actor) mayMove(from, to LeadStatus, assignee bool) bool {
	if !CanTransition(from, to) || reporterMoves[[2]LeadStatus{from, to}] || !a.Can(ActLeadTriage) {
		return false
	}
	switch from {
	case LeadSubmitted, LeadNeedsInfo:
		return true
	case LeadClosed:
		return a.Can(ActLeadReopen)
	}
	return assignee || a.Can(ActLeadDirect)
}

func (a Actor) moves(from LeadStatus, assignee bool) []LeadStatus {
	var out []LeadStatus
	for _, to := range transitions[from] {
		if a.mayMove(from, to, assignee) {
			out = append(out, to)
		}
	}
	return out
}

// MayReportIn reports whether the actor may report a lead for a village
// of the grid: a role that submits leads, for its own grids, or anywhere
// with ActLeadAnyVillage (officers and grid leads report what they see on
// their rounds).
func (a Actor) MayReportIn(gridID string) bool {
	return a.Can(ActLeadSubmit) && (a.Can(ActLeadAnyVillage) || a.SeesGrid(gridID))
}

// SeesDebtor reports whether the debtor is in the actor's scope: the grid
// of the debtor's village (a debtor without a village only for the county
// scope).
func (a Actor) SeesDebtor(d Debtor) bool { return a.SeesGrid(d.GridID) }

// SeesCase reports whether the case is in the actor's scope: one of its
// debtors lives in a grid the actor sees (a case without debtors only for
// the county scope).
func (a Actor) SeesCase(c Case) bool {
	return a.AllGrids || slices.ContainsFunc(c.GridIDs, a.SeesGrid)
}
