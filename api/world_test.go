package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	xiezhi "github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/api/apitest"
	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/app"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/jobs"
	"github.com/zhengning-court/xiezhi/internal/jwtauth"
	"github.com/zhengning-court/xiezhi/internal/usecasetest"
)

// cheap keeps argon2id fast in tests; the format is the production one.
var cheap = usecasetest.Cheap

// thePassword is every fixture user's password.
const thePassword = usecasetest.Password

// clock is a settable clock shared by the services and the keyring.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is a running Xiezhi on one backend: two grids (A, B) with villages
// and teams, and one user per role and grid.
type world struct {
	t        *testing.T
	b        backendtest.Backend
	clock    *clock
	router   *gin.Engine
	client   *apitest.Client
	accounts *accounts.Service
	intake   *intake.Service
	jobs     *jobs.Runner // the real background job runner, run by runJobs
	keysDir  string
	keyring  *jwtauth.Keyring

	gridA, gridB        domain.Grid
	villageA, villageA2 domain.Village
	villageB            domain.Village
	teamA, teamB        domain.Team
	users               map[string]domain.User

	mu     sync.Mutex
	tokens map[string]string
}

// fixtureUsers are the names of the fixture users (usecasetest.Seed).
var fixtureUsers = usecasetest.UserNames()

func newWorld(t *testing.T, b backendtest.Backend) *world {
	t.Helper()
	w := &world{t: t, b: b, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, tokens: map[string]string{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := usecasetest.Seed(t, b.DB, cheap)
	w.gridA, w.gridB = f.GridA, f.GridB
	w.villageA, w.villageA2, w.villageB = f.VillageA, f.VillageA2, f.VillageB
	w.teamA, w.teamB = f.TeamA, f.TeamB
	w.users = f.Users

	w.keysDir = t.TempDir()
	_, err := jwtauth.CreateKey(w.keysDir, w.clock.now().Add(-time.Hour))
	must(err)
	w.keyring, err = jwtauth.NewKeyring(w.keysDir, "xiezhi", "xiezhi-api", w.clock.now)
	must(err)
	a, err := app.New(app.DefaultConfig(), app.Deps{DB: b.DB, Objects: b.Objects, Keys: w.keyring, Sealer: testSealer,
		Passwords: cheap, Now: w.clock.now, Log: testLogger(t)})
	must(err)
	w.accounts, w.intake, w.jobs = a.Accounts, a.Intake, a.Jobs
	o := a.Options()
	o.Logger, o.Registry, o.Spec = testLogger(t), prometheus.NewRegistry(), xiezhi.OpenAPI
	w.router = api.New(o)
	w.client = apitest.New(t, w.router)
	return w
}

// newJobRunner is a job runner of its own over the world's database, on
// its clock, as a second worker process would have; the test gives it its
// handlers.
func newJobRunner(t *testing.T, b backendtest.Backend, now func() time.Time) *jobs.Runner {
	return jobs.New(b.DB.Jobs(), jobs.DefaultConfig(), now, testLogger(t))
}

// runJobs claims and runs every due background job, one after another,
// with the real job code (as a worker of `xiezhi serve` would), and
// returns how many ran.
func (w *world) runJobs(t *testing.T) int {
	t.Helper()
	n := 0
	for {
		ran, err := w.jobs.RunOne(context.Background(), "test-worker")
		if err != nil {
			t.Fatalf("run jobs: %v", err)
		}
		if !ran {
			return n
		}
		n++
	}
}

// newAccounts makes an accounts service over the world's database, as a
// second instance of the server would have.
func (w *world) newAccounts() *accounts.Service {
	w.t.Helper()
	svc, err := accounts.New(w.b.DB, w.b.DB.Org(), w.b.DB.Sessions(), w.keyring, cheap, w.clock.now, gormstore.NewID, accounts.DefaultConfig)
	if err != nil {
		w.t.Fatal(err)
	}
	return svc
}

// request builds a request with an optional JSON body and bearer token.
func request(method, path, token string, body any) *http.Request {
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		case []byte:
			r = bytes.NewReader(b)
		default:
			j, _ := json.Marshal(b)
			r = bytes.NewReader(j)
		}
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// do serves a request through the real router, checked against the spec.
func (w *world) do(req *http.Request) *httptest.ResponseRecorder {
	w.t.Helper()
	return w.client.Do(req)
}

// login signs a fixture user in and returns the token pair.
func (w *world) login(name string) map[string]any {
	w.t.Helper()
	rec := w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": w.users[name].Phone, "password": thePassword, "device": "test " + name}))
	if rec.Code != http.StatusOK {
		w.t.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
	}
	return decodeBody(w.t, rec)
}

// token returns a (cached) access token of a fixture user.
func (w *world) token(name string) string {
	w.t.Helper()
	w.mu.Lock()
	tok, ok := w.tokens[name]
	w.mu.Unlock()
	if ok {
		return tok
	}
	tok = w.login(name)["access_token"].(string)
	w.mu.Lock()
	w.tokens[name] = tok
	w.mu.Unlock()
	return tok
}

// signingKey reads the fixture's private key, for crafting tokens.
func (w *world) signingKey() (string, ed25519.PrivateKey) {
	w.t.Helper()
	files, _ := filepath.Glob(filepath.Join(w.keysDir, "*.pem"))
	if len(files) != 1 {
		w.t.Fatalf("keys: %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		w.t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimSuffix(filepath.Base(files[0]), ".pem"), k.(ed25519.PrivateKey)
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, rec.Body)
	}
	return m
}

// wantProblem fails unless rec is a problem with the status and code.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d (%s): %s", rec.Code, status, code, rec.Body)
	}
	p := decodeBody(t, rec)
	if p["code"] != code {
		t.Fatalf("problem code %v, want %s: %s", p["code"], code, rec.Body)
	}
	return p
}

// testLogger logs errors to the test.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewJSONHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// testLog sends the server's error log lines to the test's log, so that a
// 500 in a test shows its cause.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
