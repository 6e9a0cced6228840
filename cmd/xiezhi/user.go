package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// user runs "xiezhi user add": create an account from the command line,
// typically the first admin of a new deployment. The password is read from
// standard input so that it never shows in ps or shell history.
func user(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: xiezhi user add --phone P --name N --role R [--village CODE|ID] [--team NAME|ID] --password-stdin"}
	}
	var phone, name, role, village, team string
	var fromStdin bool
	cfg, err := loadConfigWith("user add", args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&phone, "phone", "", "mobile number (login)")
		fs.StringVar(&name, "name", "", "full name")
		fs.StringVar(&role, "role", "", "assistant, officer, grid_lead, admin or auditor")
		fs.StringVar(&village, "village", "", "village (12-digit code or id), for assistants")
		fs.StringVar(&team, "team", "", "team (name or id), for officers and grid leads")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
	})
	if err != nil {
		return err
	}
	if !fromStdin {
		return usageError{"xiezhi user add: --password-stdin is required (the password is never taken as an argument)"}
	}
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrateAtStart(ctx, cfg, db, nil); err != nil {
		return err
	}
	org := db.Org()
	villageID, teamID, err := resolveMembership(ctx, org, village, team)
	if err != nil {
		return err
	}
	svc, err := accounts.New(db, org, db.Sessions(), nil, passwordHasher(), time.Now, gormstore.NewID, accounts.DefaultConfig)
	if err != nil {
		return err
	}
	r := domain.Role(role)
	u, err := svc.AddUser(ctx, accounts.UserInput{Phone: &phone, Name: &name, Role: &r, VillageID: &villageID, TeamID: &teamID}, pw)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && len(de.Fields) > 0 {
			var parts []string
			for _, f := range de.Fields {
				parts = append(parts, f.Field+": "+f.Code)
			}
			return fmt.Errorf("user add: %s", strings.Join(parts, ", "))
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (%s), id %s\n", u.Role, u.Name, u.Phone, u.ID)
	return nil
}

// resolveMembership turns a village code or id and a team name or id into ids.
func resolveMembership(ctx context.Context, org domain.OrgStore, village, team string) (villageID, teamID string, err error) {
	if village != "" {
		vs, err := org.AllVillages(ctx)
		if err != nil {
			return "", "", err
		}
		for _, v := range vs {
			if v.ID == village || v.Code == village {
				villageID = v.ID
			}
		}
		if villageID == "" {
			return "", "", fmt.Errorf("user add: no village with code or id %q", village)
		}
	}
	if team != "" {
		ts, err := org.ListTeams(ctx)
		if err != nil {
			return "", "", err
		}
		for _, t := range ts {
			if t.ID == team || t.Name == team {
				teamID = t.ID
			}
		}
		if teamID == "" {
			return "", "", fmt.Errorf("user add: no team with name or id %q", team)
		}
	}
	return villageID, teamID, nil
}
