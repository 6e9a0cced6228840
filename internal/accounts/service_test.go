package accounts_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

func ptr[T any](v T) *T { return &v }

// login signs a fixture user in with pw and returns the pair, failing the
// test on an error.
func login(t *testing.T, w *u.World, phone, pw string) accounts.TokenPair {
	t.Helper()
	p, err := w.App.Accounts.Login(context.Background(), accounts.LoginInput{Phone: phone, Password: pw, Device: "test", Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", phone, err)
	}
	return p
}

// session is the actor of a fixture user on the session of p.
func session(t *testing.T, w *u.World, name string, p accounts.TokenPair) domain.Actor {
	t.Helper()
	a := w.Actor(t, name)
	a.SessionID = p.SessionID
	return a
}

// TestLogin signs in on the use case: a wrong password, an unknown phone and
// a disabled account get one and the same answer.
func TestLogin(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		if _, err := w.App.Accounts.SetStatus(ctx, w.Actor(t, u.Admin), w.Users[u.Auditor].ID, domain.UserDisabled); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name         string
			phone, pw    string
			code         domain.Code // "" for a session
			field        string
			sameAsBadPwd bool // the answer is the wrong password's, word for word
		}{
			{name: "right password", phone: w.Users[u.Officer].Phone, pw: u.Password},
			{name: "phone written with +86 and spaces", phone: "+86 138 0000 0101", pw: u.Password},
			{name: "wrong password", phone: w.Users[u.Officer].Phone, pw: "Gansu-tractor-2025!", code: domain.EUnauthorized, sameAsBadPwd: true},
			{name: "unknown phone", phone: "13800009999", pw: u.Password, code: domain.EUnauthorized, sameAsBadPwd: true},
			{name: "disabled user, right password", phone: w.Users[u.Auditor].Phone, pw: u.Password, code: domain.EUnauthorized, sameAsBadPwd: true},
			{name: "malformed phone", phone: "12345", pw: u.Password, code: domain.EValidation, field: "phone"},
			{name: "no password", phone: w.Users[u.Officer].Phone, pw: "", code: domain.EValidation, field: "password"},
		}
		_, badPwd := w.App.Accounts.Login(ctx, accounts.LoginInput{Phone: w.Users[u.GridLead].Phone, Password: "nope-nope-nope", Addr: "192.0.2.9"})
		u.WantCode(t, badPwd, domain.EUnauthorized, "")
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p, err := w.App.Accounts.Login(ctx, accounts.LoginInput{Phone: tc.phone, Password: tc.pw, Device: "手机", Addr: fmt.Sprintf("192.0.2.%d", 10+i)})
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if tc.sameAsBadPwd && err.Error() != badPwd.Error() {
						t.Errorf("answer %q, want the wrong password's %q", err, badPwd)
					}
					if p.AccessToken != "" || p.RefreshToken != "" {
						t.Errorf("tokens %+v with an error", p)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if p.AccessToken == "" || p.RefreshToken == "" || p.SessionID == "" || p.ExpiresIn <= 0 || p.MustChangePassword {
					t.Fatalf("pair %+v", p)
				}
				owner := u.Officer
				if tc.phone != w.Users[u.Officer].Phone {
					owner = u.Assistant
				}
				sessions, err := w.App.Accounts.Sessions(ctx, w.Actor(t, owner))
				if err != nil || !slices.ContainsFunc(sessions, func(s domain.Session) bool { return s.ID == p.SessionID }) {
					t.Errorf("sessions of %s %+v, %v: want %s among them", owner, sessions, err, p.SessionID)
				}
			})
		}
	})
}

// TestRefreshLogout spends refresh tokens and ends sessions.
func TestRefreshLogout(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		tests := []struct {
			name string
			// prepare does what happens before the refresh and returns the
			// token to refresh with.
			prepare func(t *testing.T, p accounts.TokenPair) string
			code    domain.Code // "" for a new pair
		}{
			{name: "fresh token", prepare: func(*testing.T, accounts.TokenPair) string { return "" }},
			{name: "no token", prepare: func(*testing.T, accounts.TokenPair) string { return "-" }, code: domain.EValidation},
			{name: "unknown token", prepare: func(*testing.T, accounts.TokenPair) string { return "not-a-token" }, code: domain.EUnauthorized},
			{name: "after logout", prepare: func(t *testing.T, p accounts.TokenPair) string {
				if err := w.App.Accounts.Logout(ctx, session(t, w, u.Officer, p)); err != nil {
					t.Fatal(err)
				}
				return ""
			}, code: domain.EUnauthorized},
			{name: "user disabled since", prepare: func(t *testing.T, _ accounts.TokenPair) string {
				if _, err := w.App.Accounts.SetStatus(ctx, w.Actor(t, u.Admin), w.Users[u.Officer].ID, domain.UserDisabled); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if _, err := w.App.Accounts.SetStatus(ctx, w.Actor(t, u.Admin), w.Users[u.Officer].ID, domain.UserActive); err != nil {
						t.Error(err)
					}
				})
				return ""
			}, code: domain.EUnauthorized},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := login(t, w, w.Users[u.Officer].Phone, u.Password)
				token := tc.prepare(t, p)
				switch token {
				case "":
					token = p.RefreshToken
				case "-":
					token = ""
				}
				next, err := w.App.Accounts.Refresh(ctx, token)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, "")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if next.SessionID != p.SessionID || next.RefreshToken == "" || next.RefreshToken == p.RefreshToken || next.AccessToken == "" {
					t.Errorf("refreshed %+v from %+v: want a new refresh token on the same session", next, p)
				}
			})
		}
	})
}

// TestUserManagement runs each account operation as every role: only the
// admin manages accounts.
func TestUserManagement(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		svc := w.App.Accounts
		n := 0
		// newAssistant creates an assistant and returns it with its
		// one-time password.
		newAssistant := func(t *testing.T) (domain.User, string) {
			t.Helper()
			n++
			created, otp, err := svc.CreateUser(ctx, w.Actor(t, u.Admin), accounts.UserInput{
				Phone: ptr(fmt.Sprintf("139%08d", n)), Name: ptr("新协理员"), Role: ptr(domain.RoleAssistant), VillageID: &w.VillageA.ID})
			if err != nil {
				t.Fatal(err)
			}
			return created, otp
		}
		ops := []struct {
			name string
			// do runs the operation as a on a new assistant and, when it
			// succeeds, checks what came of it.
			do func(t *testing.T, a domain.Actor, target domain.User, otp string) (check func(t *testing.T), err error)
		}{
			{name: "create", do: func(t *testing.T, a domain.Actor, _ domain.User, _ string) (func(*testing.T), error) {
				n++
				phone := fmt.Sprintf("137%08d", n)
				created, otp, err := svc.CreateUser(ctx, a, accounts.UserInput{Phone: ptr(phone), Name: ptr(" 执行员 "),
					Role: ptr(domain.RoleOfficer), TeamID: &w.TeamB.ID})
				return func(t *testing.T) {
					if created.ID == "" || created.Name != "执行员" || created.Phone != phone || created.TeamID != w.TeamB.ID ||
						created.Status != domain.UserActive || !created.MustChangePassword || otp == "" {
						t.Errorf("created %+v, one-time password %q", created, otp)
					}
					if p := login(t, w, phone, otp); !p.MustChangePassword {
						t.Errorf("first login %+v: want must change password", p)
					}
				}, err
			}},
			{name: "update", do: func(t *testing.T, a domain.Actor, target domain.User, _ string) (func(*testing.T), error) {
				got, err := svc.UpdateUser(ctx, a, target.ID, accounts.UserInput{Name: ptr("改名"), VillageID: &w.VillageB.ID}, target.Version)
				return func(t *testing.T) {
					stored, err := svc.GetUser(ctx, w.Actor(t, u.Admin), target.ID)
					if err != nil || got.Name != "改名" || stored.Name != "改名" || stored.VillageID != w.VillageB.ID || stored.Phone != target.Phone {
						t.Errorf("updated %+v, stored %+v, %v", got, stored, err)
					}
				}, err
			}},
			{name: "disable", do: func(t *testing.T, a domain.Actor, target domain.User, otp string) (func(*testing.T), error) {
				p := login(t, w, target.Phone, otp)
				got, err := svc.SetStatus(ctx, a, target.ID, domain.UserDisabled)
				return func(t *testing.T) {
					if got.Status != domain.UserDisabled {
						t.Errorf("status %q", got.Status)
					}
					_, err := svc.Refresh(ctx, p.RefreshToken)
					u.WantCode(t, err, domain.EUnauthorized, "")
				}, err
			}},
			{name: "reset password", do: func(t *testing.T, a domain.Actor, target domain.User, otp string) (func(*testing.T), error) {
				p := login(t, w, target.Phone, otp)
				got, otp, err := svc.ResetPassword(ctx, a, target.ID)
				return func(t *testing.T) {
					if otp == "" || !got.MustChangePassword {
						t.Errorf("reset %+v, one-time password %q", got, otp)
					}
					_, err := svc.Refresh(ctx, p.RefreshToken)
					u.WantCode(t, err, domain.EUnauthorized, "")
					if p := login(t, w, target.Phone, otp); !p.MustChangePassword {
						t.Errorf("login with the new password %+v: want must change password", p)
					}
				}, err
			}},
		}
		for _, op := range ops {
			for _, role := range []string{u.Admin, u.Auditor, u.GridLead, u.Officer, u.Assistant} {
				t.Run(op.name+" as "+role, func(t *testing.T) {
					target, otp := newAssistant(t)
					check, err := op.do(t, w.Actor(t, role), target, otp)
					if role != u.Admin {
						u.WantCode(t, err, domain.EForbidden, "")
						stored, gerr := svc.GetUser(ctx, w.Actor(t, u.Admin), target.ID)
						if gerr != nil || stored.Version != target.Version || stored.Status != domain.UserActive {
							t.Errorf("refused, yet the user is now %+v (was %+v), %v", stored, target, gerr)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					check(t)
				})
			}
		}
	})
}

// TestUserValidation creates and updates accounts with bad fields: every
// problem is named, and membership follows the role.
func TestUserValidation(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		admin := w.Actor(t, u.Admin)
		officer := w.Users[u.Officer]
		tests := []struct {
			name   string
			update string // the user to update; "" creates
			in     accounts.UserInput
			code   domain.Code // "" for success
			field  string
			check  func(t *testing.T, got domain.User)
		}{
			{name: "malformed phone", in: accounts.UserInput{Phone: ptr("1380000"), Name: ptr("甲"), Role: ptr(domain.RoleAdmin)}, code: domain.EValidation, field: "phone"},
			{name: "no phone", in: accounts.UserInput{Name: ptr("甲"), Role: ptr(domain.RoleAdmin)}, code: domain.EValidation, field: "phone"},
			{name: "no name", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("  "), Role: ptr(domain.RoleAdmin)}, code: domain.EValidation, field: "name"},
			{name: "unknown role", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("甲"), Role: ptr(domain.Role("judge"))}, code: domain.EValidation, field: "role"},
			{name: "assistant without village", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("甲"), Role: ptr(domain.RoleAssistant)}, code: domain.EValidation, field: "village_id"},
			{name: "assistant of unknown village", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("甲"), Role: ptr(domain.RoleAssistant), VillageID: ptr("no-such-village")}, code: domain.EValidation, field: "village_id"},
			{name: "officer without team", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("甲"), Role: ptr(domain.RoleOfficer), VillageID: &w.VillageA.ID}, code: domain.EValidation, field: "team_id"},
			{name: "grid lead of unknown team", in: accounts.UserInput{Phone: ptr("13700000001"), Name: ptr("甲"), Role: ptr(domain.RoleGridLead), TeamID: ptr("no-such-team")}, code: domain.EValidation, field: "team_id"},
			{name: "phone taken", in: accounts.UserInput{Phone: &officer.Phone, Name: ptr("甲"), Role: ptr(domain.RoleAdmin)}, code: domain.EConflict},
			{name: "admin given a village and a team keeps neither", in: accounts.UserInput{Phone: ptr("137-0000-0002"), Name: ptr("乙"), Role: ptr(domain.RoleAdmin), VillageID: &w.VillageA.ID, TeamID: &w.TeamA.ID},
				check: func(t *testing.T, got domain.User) {
					if got.Phone != "13700000002" || got.VillageID != "" || got.TeamID != "" {
						t.Errorf("created %+v", got)
					}
				}},
			{name: "update: empty phone", update: officer.ID, in: accounts.UserInput{Phone: ptr("")}, code: domain.EValidation, field: "phone"},
			{name: "update: officer made assistant without a village", update: officer.ID, in: accounts.UserInput{Role: ptr(domain.RoleAssistant)}, code: domain.EValidation, field: "village_id"},
			{name: "update: phone of another user", update: officer.ID, in: accounts.UserInput{Phone: ptr(w.Users[u.OfficerB].Phone)}, code: domain.EConflict},
			{name: "update: unknown user", update: "no-such-user", in: accounts.UserInput{Name: ptr("甲")}, code: domain.ENotFound},
			{name: "update: officer made assistant of village A2", update: officer.ID, in: accounts.UserInput{Role: ptr(domain.RoleAssistant), VillageID: &w.VillageA2.ID},
				check: func(t *testing.T, got domain.User) {
					if got.Role != domain.RoleAssistant || got.VillageID != w.VillageA2.ID || got.TeamID != "" || got.Phone != officer.Phone {
						t.Errorf("updated %+v", got)
					}
				}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before, _, err := w.App.Accounts.ListUsers(ctx, admin, domain.UserFilter{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				var got domain.User
				if tc.update == "" {
					got, _, err = w.App.Accounts.CreateUser(ctx, admin, tc.in)
				} else {
					got, err = w.App.Accounts.UpdateUser(ctx, admin, tc.update, tc.in, 0)
				}
				if tc.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					tc.check(t, got)
					return
				}
				u.WantCode(t, err, tc.code, tc.field)
				after, _, err := w.App.Accounts.ListUsers(ctx, admin, domain.UserFilter{Limit: 100})
				if err != nil || len(after) != len(before) {
					t.Errorf("%d users after a refused change, %d before (%v)", len(after), len(before), err)
				}
				if tc.update == officer.ID {
					stored, err := w.App.Accounts.GetUser(ctx, admin, officer.ID)
					if err != nil || stored.Version != officer.Version || stored.Role != officer.Role || stored.Phone != officer.Phone {
						t.Errorf("refused, yet the officer is now %+v, %v", stored, err)
					}
				}
			})
		}
		t.Run("admin disables own account", func(t *testing.T) {
			_, err := w.App.Accounts.SetStatus(ctx, admin, admin.UserID, domain.UserDisabled)
			u.WantCode(t, err, domain.EConflict, "")
		})
	})
}

// TestListUsers lists accounts: admins and auditors read every account,
// the other roles none.
func TestListUsers(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		names := func(us []domain.User) []string {
			var out []string
			for _, x := range us {
				out = append(out, x.Name)
			}
			slices.Sort(out)
			return out
		}
		all := u.UserNames()
		slices.Sort(all)
		tests := []struct {
			name  string
			actor string
			f     domain.UserFilter
			want  []string
			code  domain.Code
		}{
			{name: "admin, all", actor: u.Admin, want: all},
			{name: "auditor, all", actor: u.Auditor, want: all},
			{name: "admin, officers", actor: u.Admin, f: domain.UserFilter{Roles: []domain.Role{domain.RoleOfficer}}, want: []string{u.Officer, u.OfficerB}},
			{name: "auditor, assistants of grid A", actor: u.Auditor, f: domain.UserFilter{Roles: []domain.Role{domain.RoleAssistant}, GridIDs: []string{w.GridA.ID}}, want: []string{u.Assistant, u.Assistant2}},
			{name: "admin, village B", actor: u.Admin, f: domain.UserFilter{VillageID: w.VillageB.ID}, want: []string{u.AssistantB}},
			{name: "grid lead", actor: u.GridLead, code: domain.EForbidden},
			{name: "officer", actor: u.Officer, code: domain.EForbidden},
			{name: "assistant", actor: u.Assistant, code: domain.EForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.f.Limit = 100
				got, next, err := w.App.Accounts.ListUsers(ctx, w.Actor(t, tc.actor), tc.f)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, "")
					if len(got) != 0 {
						t.Errorf("listed %v with an error", names(got))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(names(got), tc.want) || next != "" {
					t.Errorf("listed %v (next %q), want %v", names(got), next, tc.want)
				}
			})
		}
	})
}
