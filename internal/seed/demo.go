package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Credential is a demo account's login, shown once when it is created.
type Credential struct {
	Role     domain.Role
	Name     string
	Phone    string
	Password string
	Where    string // the grid, team or village the account belongs to
}

// Hasher hashes a password for storage.
type Hasher func(pw string) (string, error)

// Demo gives every grid a team of its own (named after the township) and
// creates one account per role, with random passwords, in the first grid
// that has villages. It does nothing when any user exists, so passwords
// are generated and shown only on the first start. Run Grids first. Run it
// inside a transaction (see DemoTx) so that a failure leaves nothing behind.
func Demo(ctx context.Context, org domain.OrgStore, hash Hasher, randomPassword func() (string, error)) ([]Credential, error) {
	n, err := org.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	grids, err := org.ListGrids(ctx)
	if err != nil {
		return nil, err
	}
	existing, err := org.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	served := map[string]string{} // grid id -> team id
	for _, t := range existing {
		for _, g := range t.GridIDs {
			served[g] = t.ID
		}
	}
	var home domain.Grid
	var homeVillage domain.Village
	for _, g := range grids {
		if _, ok := served[g.ID]; !ok {
			t, err := org.CreateTeam(ctx, domain.Team{Name: g.Name + "执行团队", GridIDs: []string{g.ID}})
			if err != nil {
				return nil, fmt.Errorf("demo team for %s: %w", g.Name, err)
			}
			served[g.ID] = t.ID
		}
		if home.ID == "" {
			vs, err := org.ListVillages(ctx, g.ID)
			if err != nil {
				return nil, err
			}
			if len(vs) > 0 {
				home, homeVillage = g, vs[0]
			}
		}
	}
	if home.ID == "" {
		return nil, errors.New("demo data: no grid has a village to place the demo assistant in")
	}
	team := served[home.ID]
	accounts := []struct {
		role           domain.Role
		name, phone    string
		village, where string
		team           string
	}{
		{domain.RoleAdmin, "演示管理员", "13800000001", "", "全县", ""},
		{domain.RoleGridLead, "演示网格长", "13800000002", "", home.Name + "执行团队", team},
		{domain.RoleOfficer, "演示执行干警", "13800000003", "", home.Name + "执行团队", team},
		{domain.RoleAssistant, "演示协执员", "13800000004", homeVillage.ID, home.Name + homeVillage.Name, ""},
		{domain.RoleAuditor, "演示审计员", "13800000005", "", "全县", ""},
	}
	var out []Credential
	for _, a := range accounts {
		pw, err := randomPassword()
		if err != nil {
			return nil, err
		}
		h, err := hash(pw)
		if err != nil {
			return nil, err
		}
		if _, err := org.CreateUser(ctx, domain.User{
			Phone: a.phone, Name: a.name, Role: a.role, Status: domain.UserActive,
			VillageID: a.village, TeamID: a.team, PasswordHash: h,
		}); err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.role, err)
		}
		out = append(out, Credential{Role: a.role, Name: a.name, Phone: a.phone, Password: pw, Where: a.where})
	}
	return out, nil
}

// DemoTx runs Demo in one transaction: all demo teams and accounts, or none.
func DemoTx(ctx context.Context, tx domain.Transactor, hash Hasher, randomPassword func() (string, error)) ([]Credential, error) {
	var out []Credential
	err := tx.Transact(ctx, func(s domain.Stores) error {
		var err error
		out, err = Demo(ctx, s.Org, hash, randomPassword)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
