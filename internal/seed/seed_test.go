package seed_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/seed"
)

func TestZhengning(t *testing.T) {
	data, err := seed.Zhengning()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 10 {
		t.Fatalf("%d grids, want the ten townships", len(data))
	}
	villages := 0
	for _, d := range data {
		villages += len(d.Villages)
		for _, v := range d.Villages {
			if v.Code != "" && !strings.HasPrefix(v.Code, d.Grid.Code) {
				t.Errorf("village %s code %s outside township %s", v.Name, v.Code, d.Grid.Code)
			}
		}
	}
	if villages != 44 {
		t.Errorf("%d villages, want the 44 listed in the reference CSV", villages)
	}
	if data[1].Grid.Name != "榆林子镇" || data[1].Villages[0].Name != "中街社区" {
		t.Errorf("second grid %+v", data[1].Grid)
	}
}

func TestParseGridsRejects(t *testing.T) {
	header := "township_code,township_name,township_pinyin,kind,village_code,village_name,source_confidence\n"
	tests := []struct{ name, csv, want string }{
		{"bad township code", header + "62102510,榆林子镇,Yulinzi,town,,,\n", "line 2: township code"},
		{"village code outside township", header + "621025101,榆林子镇,Yulinzi,town,621025102001,某村,\n", "not 12 digits under township"},
		{"code without name", header + "621025101,榆林子镇,Yulinzi,town,621025101001,,\n", "without a name"},
		{"wrong header", "a,b,c,d,e,f,g\n", "unexpected header"},
		{"wrong field count", header + "621025101,榆林子镇\n", "wrong number of fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := seed.ParseGrids(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func fastHash(pw string) (string, error) { return "hash:" + pw, nil }

func TestGridsAndDemo(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		data, err := seed.Zhengning()
		if err != nil {
			t.Fatal(err)
		}
		org := b.DB.Org()
		for range 2 { // loading twice changes nothing
			if err := seed.Grids(ctx, org, data); err != nil {
				t.Fatal(err)
			}
		}
		grids, err := org.ListGrids(ctx)
		if err != nil || len(grids) != 10 {
			t.Fatalf("grids %d, %v", len(grids), err)
		}
		total := 0
		for _, g := range grids {
			vs, err := org.ListVillages(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			total += len(vs)
		}
		if total != 44 {
			t.Errorf("%d villages stored, want 44", total)
		}

		n := 0
		pw := func() (string, error) { n++; return "pw" + strings.Repeat("x", n), nil }
		creds, err := seed.DemoTx(ctx, b.DB, fastHash, pw)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[domain.Role]bool{}
		for _, c := range creds {
			roles[c.Role] = true
			if c.Password == "" || len(c.Phone) != 11 {
				t.Errorf("credential %+v", c)
			}
		}
		if len(creds) != 5 || len(roles) != 5 {
			t.Errorf("demo accounts %+v, want one per role", creds)
		}
		teams, err := org.ListTeams(ctx)
		if err != nil || len(teams) != 10 {
			t.Errorf("teams %d, %v; want one per grid", len(teams), err)
		}
		again, err := seed.DemoTx(ctx, b.DB, fastHash, pw)
		if err != nil || again != nil {
			t.Errorf("second demo load = %v, %v; want nothing: passwords are shown once", again, err)
		}
	})
}

// TestDemoAllOrNothing: a failure half-way through leaves no team and no
// account, so the next start tries again from scratch.
func TestDemoAllOrNothing(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		data, _ := seed.Zhengning()
		if err := seed.Grids(ctx, b.DB.Org(), data); err != nil {
			t.Fatal(err)
		}
		n := 0
		failing := func() (string, error) {
			n++
			if n == 3 {
				return "", errors.New("entropy ran out")
			}
			return "pw", nil
		}
		if _, err := seed.DemoTx(ctx, b.DB, fastHash, failing); err == nil {
			t.Fatal("no error")
		}
		users, _ := b.DB.Org().CountUsers(ctx)
		teams, _ := b.DB.Org().ListTeams(ctx)
		if users != 0 || len(teams) != 0 {
			t.Errorf("after a failed demo load: %d users, %d teams", users, len(teams))
		}
	})
}
