package domain

import (
	"fmt"
	"slices"
	"testing"
)

// roles are the roles of the scope tables, in the order of their letters:
// Assistant, Officer, Grid lead, aDmin, aUditor.
var roles = []Role{RoleAssistant, RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor}

const roleLetters = "AOGDU"

// actorOf is the caller "me" of a role as accounts builds it: an assistant
// of village v1 in grid g1; an officer or grid lead of team t1 serving g1;
// an admin or auditor with the county scope.
func actorOf(r Role) Actor {
	a := Actor{UserID: "me", Role: r}
	switch r {
	case RoleAssistant:
		a.VillageID, a.GridIDs = "v1", []string{"g1"}
	case RoleOfficer, RoleGridLead:
		a.TeamID, a.GridIDs = "t1", []string{"g1"}
	default:
		a.AllGrids = true
	}
	return a
}

// letters renders which roles answer yes, like "-OGD-".
func letters(yes func(Actor) bool) string {
	b := []byte("-----")
	for i, r := range roles {
		if yes(actorOf(r)) {
			b[i] = roleLetters[i]
		}
	}
	return string(b)
}

// The scopes a lead can be in, seen from "me".
var (
	leadOwnGrid      = Lead{ID: "l1", ReporterID: "other", GridID: "g1", TeamID: "t1", Status: LeadSubmitted} // another assistant's lead of my grid
	leadOtherGrid    = Lead{ID: "l2", ReporterID: "other", GridID: "g2", TeamID: "t2", Status: LeadSubmitted} // another grid, another team
	leadTeamQueue    = Lead{ID: "l3", ReporterID: "other", GridID: "g3", TeamID: "t1", Status: LeadSubmitted} // the county queue my team works
	leadCountyQueue  = Lead{ID: "l4", ReporterID: "other", GridID: "g4", TeamID: "", Status: LeadSubmitted}   // the county queue with no team
	leadMineOwnGrid  = Lead{ID: "l5", ReporterID: "me", GridID: "g1", TeamID: "t1", Status: LeadSubmitted}    // my own report, my grid
	leadMineElse     = Lead{ID: "l6", ReporterID: "me", GridID: "g2", TeamID: "t2", Status: LeadSubmitted}    // my own report, elsewhere
	leadMineQueue    = Lead{ID: "l7", ReporterID: "me", GridID: "g3", TeamID: "t1", Status: LeadSubmitted}    // my own report, in my team's queue
	leadAssignedMe   = Lead{ID: "l8", ReporterID: "other", GridID: "g1", TeamID: "t1", Status: LeadAccepted, AssigneeID: "me"}
	leadAssignedElse = Lead{ID: "l9", ReporterID: "other", GridID: "g1", TeamID: "t1", Status: LeadAccepted, AssigneeID: "other"}
)

// TestLeadScope is the whole table of the lead questions: every role ×
// every scope a lead can be in.
func TestLeadScope(t *testing.T) {
	type question struct {
		name string
		ask  func(Actor, Lead) bool
	}
	questions := []question{
		{"ServesLead", Actor.ServesLead},
		{"SeesLead", Actor.SeesLead},
		{"WorksOnLead", Actor.WorksOnLead},
		{"MovesLead", Actor.MovesLead},
		{"Assignee", Actor.Assignee},
		{"MayAssign(me)", func(a Actor, l Lead) bool { return a.MayAssign(l, "me") }},
		{"MayAssign(other)", func(a Actor, l Lead) bool { return a.MayAssign(l, "other") }},
	}
	leads := []struct {
		name string
		lead Lead
	}{
		{"own grid", leadOwnGrid}, {"other grid", leadOtherGrid}, {"team queue", leadTeamQueue},
		{"county queue", leadCountyQueue}, {"mine, own grid", leadMineOwnGrid}, {"mine, elsewhere", leadMineElse},
		{"mine, team queue", leadMineQueue}, {"assigned to me", leadAssignedMe}, {"assigned to other", leadAssignedElse},
	}
	// want[question][lead] in the order above.
	want := map[string][]string{
		//                   own grid other   team q  county  mine g1 mine g2 mine q  to me   to other
		"ServesLead":       {"AOGDU", "---DU", "-OGDU", "---DU", "AOGDU", "---DU", "-OGDU", "AOGDU", "AOGDU"},
		"SeesLead":         {"-OGDU", "---DU", "-OGDU", "---DU", "AOGDU", "AOGDU", "AOGDU", "-OGDU", "-OGDU"},
		"WorksOnLead":      {"-OGD-", "---D-", "-OGD-", "---D-", "-OGD-", "---D-", "-OGD-", "-OGD-", "-OGD-"},
		"MovesLead":        {"-OGD-", "---D-", "-OGD-", "---D-", "-OGD-", "---D-", "---D-", "-OGD-", "-OGD-"},
		"Assignee":         {"-----", "-----", "-----", "-----", "-----", "-----", "-----", "AOGDU", "-----"},
		"MayAssign(me)":    {"-OGD-", "-OGD-", "-OGD-", "-OGD-", "-OGD-", "-OGD-", "-OGD-", "--GD-", "--GD-"},
		"MayAssign(other)": {"--GD-", "--GD-", "--GD-", "--GD-", "--GD-", "--GD-", "--GD-", "--GD-", "--GD-"},
	}
	if len(want) != len(questions) {
		t.Fatalf("want has %d questions, the test asks %d", len(want), len(questions))
	}
	for _, q := range questions {
		if len(want[q.name]) != len(leads) {
			t.Fatalf("%s: %d answers for %d leads", q.name, len(want[q.name]), len(leads))
		}
		for i, l := range leads {
			got := letters(func(a Actor) bool { return q.ask(a, l.lead) })
			if got != want[q.name][i] {
				t.Errorf("%s(%s) = %s, want %s", q.name, l.name, got, want[q.name][i])
			}
		}
	}
	// The assistant's "assigned to me" is only the comparison of ids:
	// MayAssign and MayMove still refuse a role that does not triage.
	if a := actorOf(RoleAssistant); a.MayMove(leadAssignedMe, LeadVerified) {
		t.Error("an assistant assigned a lead may move it")
	}
}

// TestOtherScopes covers the grid, debtor, case and reporting questions
// for every role.
func TestOtherScopes(t *testing.T) {
	tests := []struct {
		name string
		ask  func(Actor) bool
		want string
	}{
		{"SeesGrid(own)", func(a Actor) bool { return a.SeesGrid("g1") }, "AOGDU"},
		{"SeesGrid(other)", func(a Actor) bool { return a.SeesGrid("g2") }, "---DU"},
		{"SeesGrid(none)", func(a Actor) bool { return a.SeesGrid("") }, "---DU"},
		{"InScope(own)", func(a Actor) bool { return a.InScope("g1", "grid", "g1") == nil }, "AOGDU"},
		{"InScope(other)", func(a Actor) bool { return a.InScope("g2", "grid", "g2") == nil }, "---DU"},
		{"CountyScope", Actor.CountyScope, "---DU"},
		{"GridScope is a limit", func(a Actor) bool { return a.GridScope() != nil }, "AOG--"},
		{"SeesTriage", Actor.SeesTriage, "-OGDU"},
		{"MayReportIn(own)", func(a Actor) bool { return a.MayReportIn("g1") }, "AOG--"},
		{"MayReportIn(other)", func(a Actor) bool { return a.MayReportIn("g2") }, "-OG--"},
		{"SeesDebtor(own grid)", func(a Actor) bool { return a.SeesDebtor(Debtor{GridID: "g1"}) }, "AOGDU"},
		{"SeesDebtor(other grid)", func(a Actor) bool { return a.SeesDebtor(Debtor{GridID: "g2"}) }, "---DU"},
		{"SeesDebtor(no village)", func(a Actor) bool { return a.SeesDebtor(Debtor{}) }, "---DU"},
		{"SeesCase(own grid)", func(a Actor) bool { return a.SeesCase(Case{GridIDs: []string{"g2", "g1"}}) }, "AOGDU"},
		{"SeesCase(other grid)", func(a Actor) bool { return a.SeesCase(Case{GridIDs: []string{"g2"}}) }, "---DU"},
		{"SeesCase(no debtor)", func(a Actor) bool { return a.SeesCase(Case{}) }, "---DU"},
	}
	for _, tc := range tests {
		if got := letters(tc.ask); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
	if err := actorOf(RoleOfficer).InScope("g2", "village", "v9"); !IsCode(err, ENotFound) || err.Error() == "" {
		t.Errorf("InScope out of scope = %v, want ENotFound", err)
	}
	a := actorOf(RoleOfficer)
	a.GridScope()[0] = "changed"
	if a.GridIDs[0] != "g1" {
		t.Error("GridScope shares the actor's slice")
	}
	for _, r := range roles {
		a := actorOf(r)
		grids, team := a.QueueScope()
		// The filter selects exactly the leads ServesLead serves.
		for _, l := range []Lead{leadOwnGrid, leadOtherGrid, leadTeamQueue, leadCountyQueue, leadMineElse} {
			inFilter := grids == nil && team == "" || slices.Contains(grids, l.GridID) || team != "" && l.TeamID == team
			if inFilter != a.ServesLead(l) {
				t.Errorf("%s: QueueScope = %v %q selects lead %s: %v, ServesLead %v", r, grids, team, l.ID, inFilter, a.ServesLead(l))
			}
		}
	}
	if got := (Actor{Role: RoleOfficer}).GridScope(); got == nil || len(got) != 0 {
		t.Errorf("GridScope without grids = %#v, want an empty limit", got)
	}
}

// TestMoves is every role × from × to × assignee: the moves the
// enforcement team makes, with the roles that make them when they are not
// the assignee and when they are. Every pair not listed is refused to
// everyone (the reporter's moves, the illegal ones).
func TestMoves(t *testing.T) {
	type who struct{ other, assignee string }
	want := map[[2]LeadStatus]who{
		{LeadSubmitted, LeadAccepted}:       {"-OGD-", "-OGD-"},
		{LeadSubmitted, LeadNeedsInfo}:      {"-OGD-", "-OGD-"},
		{LeadSubmitted, LeadRejected}:       {"-OGD-", "-OGD-"},
		{LeadSubmitted, LeadDuplicate}:      {"-OGD-", "-OGD-"},
		{LeadNeedsInfo, LeadRejected}:       {"-OGD-", "-OGD-"},
		{LeadAccepted, LeadVerified}:        {"--GD-", "-OGD-"},
		{LeadAccepted, LeadUnsubstantiated}: {"--GD-", "-OGD-"},
		{LeadVerified, LeadMeasuresTaken}:   {"--GD-", "-OGD-"},
		{LeadVerified, LeadClosed}:          {"--GD-", "-OGD-"},
		{LeadMeasuresTaken, LeadClosed}:     {"--GD-", "-OGD-"},
		{LeadClosed, LeadAccepted}:          {"--G--", "--G--"},
	}
	for _, from := range LeadStatuses {
		for _, to := range LeadStatuses {
			w, ok := want[[2]LeadStatus{from, to}]
			if !ok {
				w = who{"-----", "-----"}
			}
			for _, assigned := range []bool{false, true} {
				l := Lead{Status: from, AssigneeID: "other"}
				exp := w.other
				if assigned {
					l.AssigneeID, exp = "me", w.assignee
				}
				name := fmt.Sprintf("%s→%s assignee=%v", from, to, assigned)
				if got := letters(func(a Actor) bool { return a.MayMove(l, to) }); got != exp {
					t.Errorf("MayMove(%s) = %s, want %s", name, got, exp)
				}
				if got := letters(func(a Actor) bool { return MayTriage(from, to, a.Role, assigned) }); got != exp {
					t.Errorf("MayTriage(%s) = %s, want %s", name, got, exp)
				}
				// Moves lists exactly the allowed targets.
				if got := letters(func(a Actor) bool { return slices.Contains(a.Moves(l), to) }); got != exp {
					t.Errorf("Moves(%s) contains %s for %s, want %s", from, to, got, exp)
				}
			}
		}
	}
}

// TestMayHoldLead is every role × status × team of a would-be assignee.
func TestMayHoldLead(t *testing.T) {
	l := Lead{TeamID: "t1"}
	for _, r := range roles {
		for _, st := range []UserStatus{UserActive, UserDisabled} {
			for _, team := range []string{"t1", "t2", ""} {
				want := "invalid"
				if st == UserActive && (r == RoleOfficer || r == RoleGridLead) {
					want = "other_team"
					if team == "t1" {
						want = ""
					}
				}
				if got := (User{Role: r, Status: st, TeamID: team}).MayHoldLead(l); got != want {
					t.Errorf("%s %s of team %q: MayHoldLead = %q, want %q", st, r, team, got, want)
				}
			}
		}
	}
	if got := (User{Role: RoleOfficer, Status: UserActive}).MayHoldLead(Lead{}); got != "other_team" {
		t.Errorf("no team holds the county queue with no team: %q", got)
	}
}

// TestSeesDuplicates: every role × every scope a duplicate's other lead can
// be in keeps exactly the duplicates whose lead SeesLead allows.
func TestSeesDuplicates(t *testing.T) {
	leads := []Lead{leadOwnGrid, leadOtherGrid, leadTeamQueue, leadCountyQueue, leadMineOwnGrid, leadMineElse, leadMineQueue}
	var all []PossibleDuplicate
	for _, l := range leads {
		all = append(all, PossibleDuplicate{LeadID: l.ID, Ref: "ref-" + l.ID, Reason: DupSamePlate, GridID: l.GridID, TeamID: l.TeamID, ReporterID: l.ReporterID})
	}
	want := map[Role]string{ // the leads kept, by id
		RoleAssistant: "l5 l6 l7",
		RoleOfficer:   "l1 l3 l5 l6 l7",
		RoleGridLead:  "l1 l3 l5 l6 l7",
		RoleAdmin:     "l1 l2 l3 l4 l5 l6 l7",
		RoleAuditor:   "l1 l2 l3 l4 l5 l6 l7",
	}
	for _, r := range roles {
		a := actorOf(r)
		var got []string
		for _, d := range a.SeesDuplicates(all) {
			got = append(got, d.LeadID)
		}
		if fmt.Sprint(got) != "["+want[r]+"]" {
			t.Errorf("%s keeps %v, want [%s]", r, got, want[r])
		}
		for _, d := range a.SeesDuplicates(all) {
			if !a.SeesLead(Lead{GridID: d.GridID, TeamID: d.TeamID, ReporterID: d.ReporterID}) {
				t.Errorf("%s keeps %s, which it may not see", r, d.LeadID)
			}
		}
	}
	if got := actorOf(RoleOfficer).SeesDuplicates(nil); got != nil {
		t.Errorf("no duplicates gives %v", got)
	}
}

// TestSeesUser: every role × a user of their own team, of another team,
// without a team, and themselves.
func TestSeesUser(t *testing.T) {
	users := []User{
		{ID: "me", Role: RoleOfficer, TeamID: "t1"},
		{ID: "u1", Role: RoleOfficer, TeamID: "t1"}, // my team
		{ID: "u2", Role: RoleOfficer, TeamID: "t2"}, // another team
		{ID: "u3", Role: RoleAssistant, VillageID: "v1"},
	}
	want := map[Role]string{ // the users seen, by id
		RoleAssistant: "me",
		RoleOfficer:   "me u1",
		RoleGridLead:  "me u1",
		RoleAdmin:     "me u1 u2 u3",
		RoleAuditor:   "me u1 u2 u3",
	}
	for _, r := range roles {
		var got []string
		for _, u := range users {
			if actorOf(r).SeesUser(u) {
				got = append(got, u.ID)
			}
		}
		if fmt.Sprint(got) != "["+want[r]+"]" {
			t.Errorf("%s sees %v, want [%s]", r, got, want[r])
		}
	}
}
