package domain

import "testing"

// TestCodes checks the Valid methods of the typed codes against their
// lists, and that the empty and unknown values are refused.
func TestCodes(t *testing.T) {
	tests := []struct {
		name  string
		valid func(string) bool
		known []string
	}{
		{"CaseCategory", func(s string) bool { return CaseCategory(s).Valid() }, []string{"ordinary", "livelihood", "criminal_property", "financial_npa"}},
		{"CaseStatus", func(s string) bool { return CaseStatus(s).Valid() }, []string{"open", "closed"}},
		{"RejectReason", func(s string) bool { return RejectReason(s).Valid() }, []string{"out_of_scope", "exempt_property", "insufficient", "unrelated_debtor", "other"}},
		{"Measure", func(s string) bool { return Measure(s).Valid() }, []string{"seal", "seize", "freeze", "transfer", "withhold_income",
			"summons", "police_control", "auction", "in_kind", "settlement", "other"}},
	}
	for _, tc := range tests {
		for _, k := range tc.known {
			if !tc.valid(k) {
				t.Errorf("%s(%q) is not valid", tc.name, k)
			}
		}
		for _, bad := range []string{"", "Other", "unknown", " open"} {
			if tc.valid(bad) {
				t.Errorf("%s(%q) is valid", tc.name, bad)
			}
		}
	}
	if len(RejectReasons) != 5 || len(Measures) != 11 {
		t.Errorf("lists: %d reasons, %d measures", len(RejectReasons), len(Measures))
	}
	if !PriorityUrgent.Valid() || !PriorityNormal.Valid() || Priority(2).Valid() || Priority(-1).Valid() {
		t.Error("Priority.Valid")
	}
	if PriorityUrgent >= PriorityNormal {
		t.Error("urgent leads must sort first")
	}
	for _, tc := range []struct {
		kind LeadKind
		cat  CaseCategory
		want Priority
	}{
		{KindRealEstate, "", PriorityNormal},
		{KindRealEstate, CaseOrdinary, PriorityNormal},
		{KindRealEstate, CaseLivelihood, PriorityUrgent},
		{KindVehicle, "", PriorityUrgent},
		{KindWhereabouts, CaseFinancialNPA, PriorityUrgent},
		{KindDeposit, CaseCriminalProperty, PriorityNormal},
	} {
		if got := PriorityOf(tc.kind, tc.cat); got != tc.want {
			t.Errorf("PriorityOf(%s, %q) = %d, want %d", tc.kind, tc.cat, got, tc.want)
		}
	}
}
