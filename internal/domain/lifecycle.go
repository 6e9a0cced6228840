package domain

import "slices"

// transitions is the lead lifecycle of docs/architecture.md, "Lead lifecycle": from each status, the
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

// RejectReason is why a lead was rejected (docs/architecture.md, "Lead lifecycle").
type RejectReason string

// The rejection reasons.
const (
	RejectOutOfScope      RejectReason = "out_of_scope"
	RejectExemptProperty  RejectReason = "exempt_property"
	RejectInsufficient    RejectReason = "insufficient"
	RejectUnrelatedDebtor RejectReason = "unrelated_debtor"
	RejectOther           RejectReason = "other"
)

// RejectReasons lists the rejection reasons.
var RejectReasons = []RejectReason{RejectOutOfScope, RejectExemptProperty, RejectInsufficient, RejectUnrelatedDebtor, RejectOther}

// Valid reports whether r is a known rejection reason.
func (r RejectReason) Valid() bool { return slices.Contains(RejectReasons, r) }

// Measure is an enforcement measure an officer records on measures_taken.
type Measure string

// The measures.
const (
	MeasureSeal           Measure = "seal"            // 查封
	MeasureSeize          Measure = "seize"           // 扣押
	MeasureFreeze         Measure = "freeze"          // 冻结
	MeasureTransfer       Measure = "transfer"        // 划拨
	MeasureWithholdIncome Measure = "withhold_income" // 扣留收入
	MeasureSummons        Measure = "summons"         // 拘传
	MeasurePoliceControl  Measure = "police_control"  // 临控
	MeasureAuction        Measure = "auction"         // 拍卖
	MeasureInKind         Measure = "in_kind"         // 以物抵债
	MeasureSettlement     Measure = "settlement"      // 和解
	MeasureOther          Measure = "other"
)

// Measures lists the measures.
var Measures = []Measure{MeasureSeal, MeasureSeize, MeasureFreeze, MeasureTransfer, MeasureWithholdIncome, MeasureSummons,
	MeasurePoliceControl, MeasureAuction, MeasureInKind, MeasureSettlement, MeasureOther}

// Valid reports whether m is a known measure.
func (m Measure) Valid() bool { return slices.Contains(Measures, m) }
