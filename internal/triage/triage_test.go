package triage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/triage"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

func ptr[T any](v T) *T { return &v }

// fresh submits a lead of the assistant of grid A and moves it along path
// as the grid lead (who directs the team's work and may make every step).
func fresh(t *testing.T, w *u.World, path ...triage.Transition) domain.Lead {
	t.Helper()
	l := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "在村口见到")).Lead
	for _, step := range path {
		var err error
		if l, err = w.App.Triage.Move(context.Background(), w.Actor(t, u.GridLead), l.ID, step, l.Version); err != nil {
			t.Fatalf("setup: move to %s: %v", step.To, err)
		}
	}
	return l
}

// TestMove takes leads through the lifecycle on the use case: each step's
// role, scope, needs and version.
func TestMove(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		officer := w.Users[u.Officer].ID
		earlier := fresh(t, w)
		inB := w.Submit(t, w.Actor(t, u.AssistantB), u.Lead("", "周家镇")).Lead
		w.Clock.Add(time.Minute) // the leads of the cases come after these
		today := w.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")

		accept := triage.Transition{To: domain.LeadAccepted, AssigneeID: officer}
		verified := triage.Transition{To: domain.LeadVerified}
		closed := triage.Transition{To: domain.LeadClosed, Outcome: "执行到位", AmountRecoveredFen: ptr(int64(120000))}
		tests := []struct {
			name    string
			path    []triage.Transition // from submitted, by the grid lead
			actor   string
			step    triage.Transition
			version int // 0: the current one; -1: none; other: that (stale) one
			want    domain.LeadStatus
			check   func(t *testing.T, l domain.Lead)
			code    domain.Code
			field   string
		}{
			{name: "officer accepts for self", actor: u.Officer, step: accept, want: domain.LeadAccepted, check: func(t *testing.T, l domain.Lead) {
				if l.AssigneeID != officer || !l.DueAt.After(w.Clock.Now()) || l.AcceptedAt.IsZero() {
					t.Fatalf("accepted lead: assignee %s, due %v, accepted %v", l.AssigneeID, l.DueAt, l.AcceptedAt)
				}
			}},
			{name: "admin accepts, no version check", actor: u.Admin, step: accept, version: -1, want: domain.LeadAccepted},
			{name: "accept needs an assignee", actor: u.Officer, step: triage.Transition{To: domain.LeadAccepted}, code: domain.EValidation, field: "assignee_id"},
			{name: "assignee of another team", actor: u.GridLead, step: triage.Transition{To: domain.LeadAccepted, AssigneeID: w.Users[u.OfficerB].ID}, code: domain.EValidation, field: "assignee_id"},
			{name: "assignee who holds no leads", actor: u.GridLead, step: triage.Transition{To: domain.LeadAccepted, AssigneeID: w.Users[u.Assistant].ID}, code: domain.EValidation, field: "assignee_id"},
			{name: "officer of another grid", actor: u.OfficerB, step: accept, code: domain.ENotFound},
			{name: "reporter does not triage", actor: u.Assistant, step: accept, code: domain.EForbidden},
			{name: "auditor does not triage", actor: u.Auditor, step: accept, code: domain.EForbidden},
			{name: "stale version", actor: u.Officer, step: accept, version: 9, code: domain.EPrecondition},
			{name: "unknown status", actor: u.Officer, step: triage.Transition{To: "lost"}, code: domain.EValidation, field: "to"},
			{name: "skipping a step", actor: u.Officer, step: verified, code: domain.EConflict},
			{name: "withdrawing is the reporter's", actor: u.Officer, step: triage.Transition{To: domain.LeadWithdrawn}, code: domain.EConflict},
			{name: "ask needs a question", actor: u.Officer, step: triage.Transition{To: domain.LeadNeedsInfo}, code: domain.EValidation, field: "note"},
			{name: "ask", actor: u.Officer, step: triage.Transition{To: domain.LeadNeedsInfo, Note: "哪个村口？"}, want: domain.LeadNeedsInfo},
			{name: "reject needs a reason", actor: u.Officer, step: triage.Transition{To: domain.LeadRejected, Note: "不符"}, code: domain.EValidation, field: "reason_code"},
			{name: "reject with an unknown reason", actor: u.Officer, step: triage.Transition{To: domain.LeadRejected, Note: "不符", ReasonCode: "bored"}, code: domain.EValidation, field: "reason_code"},
			{name: "reject", actor: u.Officer, step: triage.Transition{To: domain.LeadRejected, Note: "豁免财产", ReasonCode: domain.RejectExemptProperty}, want: domain.LeadRejected,
				check: func(t *testing.T, l domain.Lead) {
					if l.RejectReason != domain.RejectExemptProperty {
						t.Fatalf("reject reason %q", l.RejectReason)
					}
				}},
			{name: "mark duplicate of an earlier lead", actor: u.Officer, step: triage.Transition{To: domain.LeadDuplicate, DuplicateOf: earlier.ID}, want: domain.LeadDuplicate,
				check: func(t *testing.T, l domain.Lead) {
					if l.DuplicateOf != earlier.ID {
						t.Fatalf("duplicate of %q, want %s", l.DuplicateOf, earlier.ID)
					}
				}},
			{name: "duplicate of a lead not in sight", actor: u.Officer, step: triage.Transition{To: domain.LeadDuplicate, DuplicateOf: inB.ID}, code: domain.EValidation, field: "duplicate_of"},
			{name: "duplicate of nothing", actor: u.Officer, step: triage.Transition{To: domain.LeadDuplicate}, code: domain.EValidation, field: "duplicate_of"},
			{name: "assignee verifies", path: []triage.Transition{accept}, actor: u.Officer, step: verified, want: domain.LeadVerified},
			{name: "officer who is not the assignee", path: []triage.Transition{{To: domain.LeadAccepted, AssigneeID: w.Users[u.GridLead].ID}}, actor: u.Officer, step: verified, code: domain.EForbidden},
			{name: "unsubstantiated", path: []triage.Transition{accept}, actor: u.Officer, step: triage.Transition{To: domain.LeadUnsubstantiated}, want: domain.LeadUnsubstantiated},
			{name: "measures need a measure", path: []triage.Transition{accept, verified}, actor: u.Officer, step: triage.Transition{To: domain.LeadMeasuresTaken, MeasureDate: today}, code: domain.EValidation, field: "measure"},
			{name: "measures need a date", path: []triage.Transition{accept, verified}, actor: u.Officer, step: triage.Transition{To: domain.LeadMeasuresTaken, Measure: domain.MeasureSeal}, code: domain.EValidation, field: "measure_date"},
			{name: "measures taken", path: []triage.Transition{accept, verified}, actor: u.Officer, step: triage.Transition{To: domain.LeadMeasuresTaken, Measure: domain.MeasureSeal, MeasureDate: today}, want: domain.LeadMeasuresTaken,
				check: func(t *testing.T, l domain.Lead) {
					if l.Measure != domain.MeasureSeal || l.MeasureDate != today {
						t.Fatalf("measure %q on %q", l.Measure, l.MeasureDate)
					}
				}},
			{name: "close needs the amount", path: []triage.Transition{accept, verified}, actor: u.Officer, step: triage.Transition{To: domain.LeadClosed, Outcome: "到位"}, code: domain.EValidation, field: "amount_recovered_fen"},
			{name: "close", path: []triage.Transition{accept, verified}, actor: u.Officer, step: closed, want: domain.LeadClosed,
				check: func(t *testing.T, l domain.Lead) {
					if l.ClosedAt.IsZero() || l.AmountRecoveredFen == nil || *l.AmountRecoveredFen != 120000 || l.Outcome != "执行到位" {
						t.Fatalf("closed lead: at %v, amount %v, outcome %q", l.ClosedAt, l.AmountRecoveredFen, l.Outcome)
					}
				}},
			{name: "officer may not reopen", path: []triage.Transition{accept, verified, closed}, actor: u.Officer, step: triage.Transition{To: domain.LeadAccepted, Note: "新线索"}, code: domain.EForbidden},
			{name: "reopen needs a note", path: []triage.Transition{accept, verified, closed}, actor: u.GridLead, step: triage.Transition{To: domain.LeadAccepted}, code: domain.EValidation, field: "note"},
			{name: "grid lead reopens, assignee kept", path: []triage.Transition{accept, verified, closed}, actor: u.GridLead, step: triage.Transition{To: domain.LeadAccepted, Note: "又发现财产"}, want: domain.LeadAccepted,
				check: func(t *testing.T, l domain.Lead) {
					if !l.ClosedAt.IsZero() || l.AssigneeID != officer {
						t.Fatalf("reopened lead: closed at %v, assignee %s", l.ClosedAt, l.AssigneeID)
					}
				}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				l := fresh(t, w, tc.path...)
				version := tc.version
				switch version {
				case 0:
					version = l.Version
				case -1:
					version = 0
				}
				got, err := w.App.Triage.Move(ctx, w.Actor(t, tc.actor), l.ID, tc.step, version)
				after, rerr := w.App.Intake.Lead(ctx, w.Actor(t, u.Admin), l.ID)
				if rerr != nil {
					t.Fatal(rerr)
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if after.Lead.Status != l.Status || after.Lead.Version != l.Version {
						t.Fatalf("a refused move changed the lead: %s v%d, was %s v%d", after.Lead.Status, after.Lead.Version, l.Status, l.Version)
					}
					return
				}
				if err != nil {
					t.Fatalf("move to %s: %v", tc.step.To, err)
				}
				if got.Status != tc.want || after.Lead.Status != tc.want || after.Lead.Version != l.Version+1 {
					t.Fatalf("lead %s (stored %s v%d), want %s v%d", got.Status, after.Lead.Status, after.Lead.Version, tc.want, l.Version+1)
				}
				if tc.check != nil {
					tc.check(t, after.Lead)
				}
			})
		}
	})
}

// TestMoveIllegal: a step the lifecycle does not allow names the steps the
// caller may take instead.
func TestMoveIllegal(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		tests := []struct {
			actor string
			to    domain.LeadStatus
			want  []domain.LeadStatus
		}{
			{u.Officer, domain.LeadClosed, []domain.LeadStatus{domain.LeadAccepted, domain.LeadNeedsInfo, domain.LeadRejected, domain.LeadDuplicate}},
			{u.GridLead, domain.LeadMeasuresTaken, []domain.LeadStatus{domain.LeadAccepted, domain.LeadNeedsInfo, domain.LeadRejected, domain.LeadDuplicate}},
		}
		for _, tc := range tests {
			t.Run(tc.actor+"/"+string(tc.to), func(t *testing.T) {
				l := fresh(t, w)
				_, err := w.App.Triage.Move(context.Background(), w.Actor(t, tc.actor), l.ID, triage.Transition{To: tc.to}, l.Version)
				u.WantCode(t, err, domain.EConflict, "")
				var ill *triage.IllegalError
				if !errors.As(err, &ill) || !slices.Equal(ill.Allowed, tc.want) {
					t.Fatalf("error %v, want an IllegalError allowing %v", err, tc.want)
				}
			})
		}
	})
}

// TestAssign: an officer takes an unassigned lead for themselves; giving
// leads to others is the grid lead's.
func TestAssign(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		officer, lead := w.Users[u.Officer].ID, w.Users[u.GridLead].ID
		reject := triage.Transition{To: domain.LeadRejected, Note: "不符", ReasonCode: domain.RejectOther}
		tests := []struct {
			name     string
			path     []triage.Transition
			before   string // assigned first, by the grid lead
			actor    string
			assignee string
			stale    bool // the version before the first assignment
			code     domain.Code
			field    string
		}{
			{name: "officer takes an unassigned lead", actor: u.Officer, assignee: officer},
			{name: "grid lead gives it to an officer", actor: u.GridLead, assignee: officer},
			{name: "grid lead takes it from its assignee", before: officer, actor: u.GridLead, assignee: lead},
			{name: "admin assigns", actor: u.Admin, assignee: lead},
			{name: "officer gives it to someone else", actor: u.Officer, assignee: lead, code: domain.EForbidden},
			{name: "officer takes an assigned lead", before: lead, actor: u.Officer, assignee: officer, code: domain.EForbidden},
			{name: "assignee of another team", actor: u.GridLead, assignee: w.Users[u.OfficerB].ID, code: domain.EValidation, field: "assignee_id"},
			{name: "no such assignee", actor: u.GridLead, assignee: "nobody", code: domain.EValidation, field: "assignee_id"},
			{name: "stale version", before: officer, actor: u.GridLead, assignee: lead, stale: true, code: domain.EPrecondition},
			{name: "officer of another grid", actor: u.OfficerB, assignee: w.Users[u.OfficerB].ID, code: domain.ENotFound},
			{name: "assistant", actor: u.Assistant, assignee: officer, code: domain.EForbidden},
			{name: "auditor", actor: u.Auditor, assignee: officer, code: domain.EForbidden},
			{name: "an ended lead", path: []triage.Transition{reject}, actor: u.GridLead, assignee: officer, code: domain.EConflict},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				l := fresh(t, w, tc.path...)
				if tc.before != "" {
					var err error
					if l, err = w.App.Triage.Assign(ctx, w.Actor(t, u.GridLead), l.ID, tc.before, l.Version); err != nil {
						t.Fatal(err)
					}
				}
				version := l.Version
				if tc.stale {
					version--
				}
				got, err := w.App.Triage.Assign(ctx, w.Actor(t, tc.actor), l.ID, tc.assignee, version)
				after, rerr := w.App.Intake.Lead(ctx, w.Actor(t, u.Admin), l.ID)
				if rerr != nil {
					t.Fatal(rerr)
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if after.Lead.AssigneeID != l.AssigneeID {
						t.Fatalf("a refused assignment changed the assignee to %q", after.Lead.AssigneeID)
					}
					return
				}
				if err != nil || got.AssigneeID != tc.assignee || after.Lead.AssigneeID != tc.assignee || after.Lead.Status != domain.LeadSubmitted {
					t.Fatalf("assignee %q (stored %q, %s), %v; want %s", got.AssigneeID, after.Lead.AssigneeID, after.Lead.Status, err, tc.assignee)
				}
			})
		}
	})
}

// TestComment: the enforcement team's notes, public ones shown to the
// reporter and internal ones not.
func TestComment(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		tests := []struct {
			name     string
			actor    string
			missing  bool
			text     string
			public   bool
			reporter bool // the reporter sees it on the timeline
			code     domain.Code
			field    string
		}{
			{name: "public note", actor: u.Officer, text: "谢谢，已核实", public: true, reporter: true},
			{name: "internal note", actor: u.GridLead, text: "与另一案关联"},
			{name: "admin", actor: u.Admin, text: "注意", public: true, reporter: true},
			{name: "empty", actor: u.Officer, text: "  ", code: domain.EValidation, field: "text"},
			{name: "too long", actor: u.Officer, text: strings.Repeat("长", 2001), code: domain.EValidation, field: "text"},
			{name: "officer of another grid", actor: u.OfficerB, text: "x", code: domain.ENotFound},
			{name: "missing lead", actor: u.Officer, missing: true, text: "x", code: domain.ENotFound},
			{name: "reporter", actor: u.Assistant, text: "x", code: domain.EForbidden},
			{name: "auditor", actor: u.Auditor, text: "x", code: domain.EForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				l := fresh(t, w)
				id := l.ID
				if tc.missing {
					id = "no-such-lead"
				}
				e, err := w.App.Triage.Comment(ctx, w.Actor(t, tc.actor), id, tc.text, tc.public)
				team, rerr := w.App.Intake.Events(ctx, w.Actor(t, u.Officer), l.ID)
				if rerr != nil {
					t.Fatal(rerr)
				}
				hasComment := func(events []domain.LeadEvent) bool {
					return slices.ContainsFunc(events, func(x domain.LeadEvent) bool { return x.Type == "comment" })
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if hasComment(team) {
						t.Fatalf("a refused comment is on the timeline: %+v", team)
					}
					return
				}
				if err != nil || e.Note != tc.text || e.Public != tc.public {
					t.Fatalf("comment %+v, %v", e, err)
				}
				mine, err := w.App.Intake.Events(ctx, w.Actor(t, u.Assistant), l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !hasComment(team) || hasComment(mine) != tc.reporter {
					t.Fatalf("team's timeline has it: %v; reporter's: %v, want %v", hasComment(team), hasComment(mine), tc.reporter)
				}
			})
		}
	})
}
