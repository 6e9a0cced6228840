package domain

import (
	"testing"
)

func TestPolicyMatrix(t *testing.T) {
	roles := []Role{RoleAssistant, RoleOfficer, RoleGridLead, RoleAdmin, RoleAuditor}
	// want[action] is the string of roles allowed, in the order above: A O G D U.
	want := map[Action]string{
		ActOrgRead:        "AOGDU",
		ActOrgManage:      "---D-",
		ActUserRead:       "---DU",
		ActUserManage:     "---D-",
		ActAssistantRead:  "-OGDU",
		ActContactsImport: "---D-",
		ActContactsExport: "-OGD-",
		ActAuditRead:      "---DU",
		ActSessionsOwn:    "AOGDU",
		ActWantedListRead: "A----",
		ActLeadSubmit:     "AOG--",
		ActLeadTriage:     "-OGD-",
		ActLeadReroute:    "--GD-",
		ActLeadReopen:     "--G--",
		ActLeadDirect:     "--GD-",
		ActLeadAnyVillage: "-OG--",
		ActLeadHold:       "-OG--",
		ActLeadReadAll:    "-OGDU",
		ActDebtorUnmask:   "-OGD-",
		ActCaseManage:     "-OGD-",
		ActCaseRead:       "-OGDU",
	}
	if len(want) != len(policy) {
		t.Fatalf("the test covers %d actions, the policy has %d", len(want), len(policy))
	}
	letters := "AOGDU"
	for act, allowed := range want {
		for i, r := range roles {
			a := Actor{UserID: "u", Role: r}
			wantOK := allowed[i] == letters[i]
			if got := a.Can(act); got != wantOK {
				t.Errorf("%s may %s = %v, want %v", r, act, got, wantOK)
			}
			err := a.Authorize(act)
			if wantOK && err != nil || !wantOK && !IsCode(err, EForbidden) {
				t.Errorf("Authorize(%s, %s) = %v", r, act, err)
			}
		}
	}
	if (Actor{Role: "root"}).Can(ActOrgRead) || (Actor{}).Can(ActSessionsOwn) {
		t.Error("an unknown role is allowed something")
	}
	if (Actor{Role: RoleAdmin}).Can("made.up") {
		t.Error("an action missing from the table is allowed")
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		name  string
		actor Actor
		grid  string
		want  bool
	}{
		{"officer, served grid", Actor{Role: RoleOfficer, GridIDs: []string{"g1", "g2"}}, "g2", true},
		{"officer, other grid", Actor{Role: RoleOfficer, GridIDs: []string{"g1"}}, "g3", false},
		{"assistant, own grid", Actor{Role: RoleAssistant, GridIDs: []string{"g1"}}, "g1", true},
		{"assistant, other grid", Actor{Role: RoleAssistant, GridIDs: []string{"g1"}}, "g2", false},
		{"admin, any grid", Actor{Role: RoleAdmin, AllGrids: true}, "g9", true},
		{"no grid at all", Actor{Role: RoleOfficer}, "", false},
		{"empty grid id is never in scope", Actor{Role: RoleOfficer, GridIDs: []string{""}}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.actor.SeesGrid(tc.grid); got != tc.want {
				t.Errorf("SeesGrid = %v, want %v", got, tc.want)
			}
			err := tc.actor.InScope(tc.grid, "lead", "l1")
			if tc.want && err != nil || !tc.want && !IsCode(err, ENotFound) {
				t.Errorf("InScope = %v", err)
			}
		})
	}
}
