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

// TriageMoves returns the statuses a role may move a lead to from its
// status, given whether the caller is its assignee: Actor.Moves for a
// caller known only by role.
func TriageMoves(from LeadStatus, role Role, assignee bool) []LeadStatus {
	return Actor{Role: role}.moves(from, assignee)
}

// MayTriage reports whether a role may move a lead from → to, given
// whether the caller is its assignee: Actor.MayMove for a caller known only
// by role.
func MayTriage(from, to LeadStatus, role Role, assignee bool) bool {
	return Actor{Role: role}.mayMove(from, to, assignee)
}

// Rejection reasons (DESIGN §2).
var RejectReasons = []string{"out_of_scope", "exempt_property", "insufficient", "unrelated_debtor", "other"}

// Measures an officer records on measures_taken (查封, 扣押, 冻结, 划拨,
// 扣留收入, 拘传, 临控, 拍卖, 以物抵债, 和解, other).
var Measures = []string{"seal", "seize", "freeze", "transfer", "withhold_income", "summons", "police_control", "auction", "in_kind", "settlement", "other"}
