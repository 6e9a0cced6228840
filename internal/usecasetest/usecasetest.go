// Package usecasetest is test support for the use cases' own tests: a
// World is the application of internal/app on one backend pair of
// internal/backendtest, with two grids (A and B), their villages and teams,
// one user per role and grid, and the domain.Actor of each user, so that a
// test calls the use case services directly, without HTTP. Only _test.go
// files import it.
package usecasetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/app"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/jwtauth"
	"github.com/zhengning-court/xiezhi/internal/password"
	"github.com/zhengning-court/xiezhi/internal/sealer"
)

// Cheap keeps argon2id fast in tests; the format is the production one.
var Cheap = password.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// Password is every fixture user's password.
const Password = "Gansu-tractor-2026!"

// Clock is a settable clock shared by the services and the keyring.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// The fixture users, by name.
const (
	Assistant  = "assistant"  // village A of grid A
	Assistant2 = "assistant2" // village A2 of grid A
	AssistantB = "assistantB" // village B of grid B
	Officer    = "officer"    // team A
	OfficerB   = "officerB"   // team B
	GridLead   = "gridlead"   // team A
	Admin      = "admin"
	Auditor    = "auditor"
)

var fixtureUsers = []struct {
	name  string
	role  domain.Role
	phone string
	where string // "A", "A2" (second village of A), "B", or ""
}{
	{Assistant, domain.RoleAssistant, "13800000101", "A"},
	{Assistant2, domain.RoleAssistant, "13800000102", "A2"},
	{AssistantB, domain.RoleAssistant, "13800000103", "B"},
	{Officer, domain.RoleOfficer, "13800000201", "A"},
	{OfficerB, domain.RoleOfficer, "13800000202", "B"},
	{GridLead, domain.RoleGridLead, "13800000301", "A"},
	{Admin, domain.RoleAdmin, "13800000401", ""},
	{Auditor, domain.RoleAuditor, "13800000501", ""},
}

// Fixture is the organisation every world starts with: grids A and B,
// villages A and A2 (grid A) and B (grid B), teams A and B, and the fixture
// users, each with the password Password.
type Fixture struct {
	GridA, GridB        domain.Grid
	VillageA, VillageA2 domain.Village
	VillageB            domain.Village
	TeamA, TeamB        domain.Team
	Users               map[string]domain.User // by fixture name
}

// UserNames are the names of the fixture users, in the order they are
// created.
func UserNames() []string {
	names := make([]string, len(fixtureUsers))
	for i, f := range fixtureUsers {
		names[i] = f.name
	}
	return names
}

// Seed writes the fixture organisation to db, the users' passwords hashed
// with hasher, and returns it.
func Seed(t testing.TB, db *gormstore.DB, hasher password.Params) Fixture {
	t.Helper()
	ctx := context.Background()
	org := db.Org()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := Fixture{Users: map[string]domain.User{}}
	var err error
	f.GridA, err = org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇", Pinyin: "Yulinzi", Kind: "town"})
	must(err)
	f.GridB, err = org.CreateGrid(ctx, domain.Grid{Code: "621025105", Name: "周家镇", Pinyin: "Zhoujia", Kind: "town"})
	must(err)
	f.VillageA, err = org.CreateVillage(ctx, domain.Village{GridID: f.GridA.ID, Code: "621025101201", Name: "冢巷村"})
	must(err)
	f.VillageA2, err = org.CreateVillage(ctx, domain.Village{GridID: f.GridA.ID, Code: "621025101202", Name: "乐安坊村"})
	must(err)
	f.VillageB, err = org.CreateVillage(ctx, domain.Village{GridID: f.GridB.ID, Code: "621025105200", Name: "徐家村"})
	must(err)
	f.TeamA, err = org.CreateTeam(ctx, domain.Team{Name: "榆林子法庭执行团队", GridIDs: []string{f.GridA.ID}})
	must(err)
	f.TeamB, err = org.CreateTeam(ctx, domain.Team{Name: "周家法庭执行团队", GridIDs: []string{f.GridB.ID}})
	must(err)
	hash, err := hasher.Hash(Password)
	must(err)
	for _, fu := range fixtureUsers {
		u := domain.User{Phone: fu.phone, Name: fu.name, Role: fu.role, PasswordHash: hash}
		switch {
		case fu.role == domain.RoleAssistant && fu.where == "A":
			u.VillageID = f.VillageA.ID
		case fu.role == domain.RoleAssistant && fu.where == "A2":
			u.VillageID = f.VillageA2.ID
		case fu.role == domain.RoleAssistant:
			u.VillageID = f.VillageB.ID
		case fu.where == "A":
			u.TeamID = f.TeamA.ID
		case fu.where == "B":
			u.TeamID = f.TeamB.ID
		}
		u, err := org.CreateUser(ctx, u)
		must(err)
		f.Users[fu.name] = u
	}
	return f
}

// World is a wired Xiezhi on one backend.
type World struct {
	B     backendtest.Backend
	Clock *Clock
	App   *app.App

	Fixture
	Actors map[string]domain.Actor // by fixture name, as a signed-in session would have them
}

// Sealer seals the world's ID numbers with a fixed key.
func Sealer(t testing.TB) *sealer.Sealer {
	t.Helper()
	s, err := sealer.New(bytes.Repeat([]byte{0x5a}, sealer.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// New builds the world on b.
func New(t *testing.T, b backendtest.Backend) *World {
	t.Helper()
	w := &World{B: b, Clock: &Clock{t: time.Now().UTC().Truncate(time.Second)}, Actors: map[string]domain.Actor{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.Fixture = Seed(t, b.DB, Cheap)
	for name, u := range w.Users {
		w.Actors[name] = w.ActorOf(t, u)
	}

	keysDir := t.TempDir()
	_, err := jwtauth.CreateKey(keysDir, w.Clock.Now().Add(-time.Hour))
	must(err)
	keyring, err := jwtauth.NewKeyring(keysDir, "xiezhi", "xiezhi-api", w.Clock.Now)
	must(err)
	w.App, err = app.New(app.DefaultConfig(), app.Deps{DB: b.DB, Objects: b.Objects, Keys: keyring, Sealer: Sealer(t),
		Passwords: Cheap, Now: w.Clock.Now, Log: Logger(t)})
	must(err)
	return w
}

// ActorOf builds the actor of a user the way a signed-in session has it:
// the scope comes from accounts.Scope, as Authenticate builds it.
func (w *World) ActorOf(t testing.TB, u domain.User) domain.Actor {
	t.Helper()
	grids, all, err := accounts.Scope(context.Background(), w.B.DB.Org(), u)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Actor{UserID: u.ID, SessionID: "session-" + u.ID, Role: u.Role, VillageID: u.VillageID, TeamID: u.TeamID,
		GridIDs: grids, AllGrids: all}
}

// Actor returns the actor of a fixture user.
func (w *World) Actor(t testing.TB, name string) domain.Actor {
	t.Helper()
	a, ok := w.Actors[name]
	if !ok {
		t.Fatalf("no fixture user %q", name)
	}
	return a
}

// Hash is the content hash Submit is given for in: the same input, the
// same hash. JSON follows the pointers and sorts the details' keys.
func Hash(t testing.TB, in intake.SubmitInput) string {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SubmitErr submits a lead as a, without an idempotency key, and returns
// the lead, whether it was created, and the error.
func (w *World) SubmitErr(t testing.TB, a domain.Actor, in intake.SubmitInput) (intake.LeadView, bool, error) {
	t.Helper()
	return w.App.Intake.Submit(context.Background(), a, in, Hash(t, in), nil)
}

// Submit submits a lead as a and fails the test unless it is created.
func (w *World) Submit(t testing.TB, a domain.Actor, in intake.SubmitInput) intake.LeadView {
	t.Helper()
	v, created, err := w.SubmitErr(t, a, in)
	if err != nil {
		t.Fatalf("submit %s: %v %+v", in.Kind, err, fieldsOf(err))
	}
	if !created {
		t.Fatalf("submit %+v: not created", in)
	}
	return v
}

// Lead is a minimal valid submission: a whereabouts lead (urgent) in
// village ("" for the reporter's own), seen where the description says.
func Lead(villageID, description string) intake.SubmitInput {
	return intake.SubmitInput{Kind: string(domain.KindWhereabouts), Description: &description, VillageID: villageID,
		Details: map[string]any{"where": description}}
}

// WantCode fails the test unless err carries code and, when field is not
// empty, names that field among its field errors.
func WantCode(t testing.TB, err error, code domain.Code, field string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v %+v (code %q), want code %q", err, fieldsOf(err), got, code)
	}
	if field == "" {
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *domain.Error", err)
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("error %v names fields %+v, want %q", err, de.Fields, field)
}

func fieldsOf(err error) []domain.FieldError {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Fields
	}
	return nil
}

// Logger logs errors to the test.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewJSONHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// ResidentID completes 17 digits with their GB 11643 check character: a
// valid resident ID number for a test debtor.
func ResidentID(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}
