package domain

import (
	"slices"
	"testing"
)

var allStatuses = []LeadStatus{LeadSubmitted, LeadNeedsInfo, LeadAccepted, LeadVerified, LeadMeasuresTaken, LeadClosed,
	LeadRejected, LeadDuplicate, LeadUnsubstantiated, LeadWithdrawn}

// TestEveryTransition checks the whole from × to table against docs/architecture.md, "Lead lifecycle".
func TestEveryTransition(t *testing.T) {
	legal := map[[2]LeadStatus]bool{}
	for _, p := range [][2]LeadStatus{
		{LeadSubmitted, LeadAccepted}, {LeadSubmitted, LeadNeedsInfo}, {LeadSubmitted, LeadRejected}, {LeadSubmitted, LeadDuplicate}, {LeadSubmitted, LeadWithdrawn},
		{LeadNeedsInfo, LeadSubmitted}, {LeadNeedsInfo, LeadWithdrawn}, {LeadNeedsInfo, LeadRejected},
		{LeadAccepted, LeadVerified}, {LeadAccepted, LeadUnsubstantiated},
		{LeadVerified, LeadMeasuresTaken}, {LeadVerified, LeadClosed},
		{LeadMeasuresTaken, LeadClosed},
		{LeadClosed, LeadAccepted},
	} {
		legal[p] = true
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			if got := CanTransition(from, to); got != legal[[2]LeadStatus{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
	for _, end := range []LeadStatus{LeadRejected, LeadDuplicate, LeadUnsubstantiated, LeadWithdrawn} {
		if len(transitions[end]) != 0 || end.Open() {
			t.Errorf("%s is not terminal", end)
		}
	}
}

func TestWhoTriages(t *testing.T) {
	tests := []struct {
		from, to LeadStatus
		role     Role
		assignee bool
		want     bool
	}{
		{LeadSubmitted, LeadAccepted, RoleOfficer, false, true},
		{LeadSubmitted, LeadWithdrawn, RoleOfficer, false, false}, // the reporter's move
		{LeadNeedsInfo, LeadSubmitted, RoleGridLead, false, false},
		{LeadSubmitted, LeadAccepted, RoleAssistant, false, false},
		{LeadSubmitted, LeadAccepted, RoleAuditor, false, false},
		{LeadAccepted, LeadVerified, RoleOfficer, false, false}, // not the assignee
		{LeadAccepted, LeadVerified, RoleOfficer, true, true},
		{LeadAccepted, LeadVerified, RoleGridLead, false, true},
		{LeadVerified, LeadClosed, RoleAdmin, false, true},
		{LeadClosed, LeadAccepted, RoleOfficer, true, false}, // reopen: grid lead only
		{LeadClosed, LeadAccepted, RoleAdmin, false, false},
		{LeadClosed, LeadAccepted, RoleGridLead, false, true},
		{LeadRejected, LeadAccepted, RoleGridLead, false, false},
	}
	for _, tc := range tests {
		if got := MayTriage(tc.from, tc.to, tc.role, tc.assignee); got != tc.want {
			t.Errorf("MayTriage(%s→%s, %s, assignee %v) = %v", tc.from, tc.to, tc.role, tc.assignee, got)
		}
	}
	if got := TriageMoves(LeadSubmitted, RoleOfficer, false); !slices.Equal(got, []LeadStatus{LeadAccepted, LeadNeedsInfo, LeadRejected, LeadDuplicate}) {
		t.Errorf("TriageMoves(submitted, officer) = %v", got)
	}
	if got := TriageMoves(LeadAccepted, RoleOfficer, false); len(got) != 0 {
		t.Errorf("an officer who is not the assignee may move an accepted lead: %v", got)
	}
}
