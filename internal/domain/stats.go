package domain

import (
	"context"
	"time"
)

// StatsFilter selects what the results statistics count.
type StatsFilter struct {
	GridIDs  []string  // only these grids (nil: every grid; empty: none)
	From, To time.Time // received (or closed) in [From, To)
	Now      time.Time // for what is overdue now
}

// GridLeadCount is the number of leads of one grid, status and kind
// received in the range.
type GridLeadCount struct {
	GridID string
	Status LeadStatus
	Kind   LeadKind
	N      int64
}

// ReceivedLeads summarises the leads received in a range, per grid: how
// many by status and kind, and how long they took to be accepted and
// closed.
type ReceivedLeads struct {
	Counts []GridLeadCount // by grid, status and kind; combinations without leads left out
	// ToAccept: per grid, the whole seconds from receipt to first
	// acceptance of each lead that was ever accepted, in no order.
	ToAccept map[string][]int64
	// ToClose: per grid, the whole seconds from receipt to last closing of
	// each lead that is closed now, in no order.
	ToClose map[string][]int64
}

// AssistantActivity is what one assistant supplied in the range, and what
// became of it.
type AssistantActivity struct {
	UserID             string
	Name               string
	Status             UserStatus
	VillageID          string
	VillageName        string
	GridID             string
	GridName           string
	Supplied           int64 // leads received in the range
	Accepted           int64 // of those, accepted or beyond now
	Duplicates         int64 // of those, duplicates now
	AmountRecoveredFen int64 // of their leads closed in the range
}

// StatsStore aggregates leads for the results of the enforcement scheme.
// Nothing here is paged: the answers are per grid and per assistant, a
// few hundred rows in a county.
type StatsStore interface {
	// Received summarises the leads received in [f.From, f.To) of f's
	// grids, in one pass over them.
	Received(ctx context.Context, f StatsFilter) (ReceivedLeads, error)
	// OverdueCounts counts, per grid of f, the leads accepted and past
	// their deadline at f.Now, whenever they were received.
	OverdueCounts(ctx context.Context, f StatsFilter) (map[string]int64, error)
	// RecoveredByGrid sums, per grid of f, the amount recovered by the
	// leads that are closed now and were (last) closed in [f.From, f.To).
	RecoveredByGrid(ctx context.Context, f StatsFilter) (map[string]int64, error)
	// AssistantActivity returns every assistant living in a village of f's
	// grids with what they supplied in [f.From, f.To), in no particular
	// order.
	AssistantActivity(ctx context.Context, f StatsFilter) ([]AssistantActivity, error)
}

// AcceptedOrBeyond are the statuses of a lead that was accepted: it is in
// the team's hands, or the team has verified, acted on, closed or found it
// unsubstantiated (a reopened lead is accepted again).
var AcceptedOrBeyond = []LeadStatus{LeadAccepted, LeadVerified, LeadMeasuresTaken, LeadClosed, LeadUnsubstantiated}

// Decided reports whether the team has decided on the lead: everything
// but waiting for the team (submitted), for the reporter (needs_info), or
// withdrawn by the reporter before a decision.
func (s LeadStatus) Decided() bool {
	return s.Valid() && s != LeadSubmitted && s != LeadNeedsInfo && s != LeadWithdrawn
}
