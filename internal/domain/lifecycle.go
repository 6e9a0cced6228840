package domain

import "slices"

// transitions is the lead lifecycle of DESIGN §2: from each status, the
// statuses a lead may move to. Withdrawing and answering are the
// reporter's; the rest belong to the enforcement team.
var transitions = map[LeadStatus][]LeadStatus{
	LeadSubmitted:     {LeadAccepted, LeadNeedsInfo, LeadRejected, LeadDuplicate, LeadWithdrawn},
	LeadNeedsInfo:     {LeadSubmitted, LeadWithdrawn, LeadRejected},
	LeadAccepted:      {LeadVerified, LeadUnsubstantiated},
	LeadVerified:      {LeadMeasuresTaken, LeadClosed},
	LeadMeasuresTaken: {LeadClosed},
	LeadClosed:        {LeadAccepted}, // reopen, grid lead only
}

// reporterMoves are the transitions only the reporter makes (through the
// withdraw and answer endpoints).
var reporterMoves = map[[2]LeadStatus]bool{
	{LeadSubmitted, LeadWithdrawn}: true,
	{LeadNeedsInfo, LeadWithdrawn}: true,
	{LeadNeedsInfo, LeadSubmitted}: true,
}

// CanTransition reports whether the lifecycle allows from → to at all.
func CanTransition(from, to LeadStatus) bool { return slices.Contains(transitions[from], to) }

// TriageMoves returns the statuses the enforcement team may move a lead to
// from its status, given the caller's role and whether they are its
// assignee: the answer a 409 names as allowed.
func TriageMoves(from LeadStatus, role Role, assignee bool) []LeadStatus {
	var out []LeadStatus
	for _, to := range transitions[from] {
		if reporterMoves[[2]LeadStatus{from, to}] {
			continue
		}
		if MayTriage(from, to, role, assignee) {
			out = append(out, to)
		}
	}
	return out
}

// MayTriage decides who moves a lead: any officer, grid lead or admin of
// its grid takes it from the queue (accept, ask, reject, mark duplicate);
// from acceptance on, the assignee or a grid lead (or admin) carries it
// through; only a grid lead reopens a closed lead.
func MayTriage(from, to LeadStatus, role Role, assignee bool) bool {
	if !CanTransition(from, to) || reporterMoves[[2]LeadStatus{from, to}] {
		return false
	}
	switch role {
	case RoleOfficer, RoleGridLead, RoleAdmin:
	default:
		return false
	}
	switch from {
	case LeadSubmitted, LeadNeedsInfo:
		return true
	case LeadClosed:
		return role == RoleGridLead
	}
	return assignee || role == RoleGridLead || role == RoleAdmin
}

// Rejection reasons (DESIGN §2).
var RejectReasons = []string{"out_of_scope", "exempt_property", "insufficient", "unrelated_debtor", "other"}

// Measures an officer records on measures_taken (查封, 扣押, 冻结, 划拨,
// 扣留收入, 拘传, 临控, 拍卖, 以物抵债, 和解, other).
var Measures = []string{"seal", "seize", "freeze", "transfer", "withhold_income", "summons", "police_control", "auction", "in_kind", "settlement", "other"}
