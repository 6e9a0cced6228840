package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/supervise"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// apiEnv is the API under test: a server on its own database and bucket,
// and assistants who can log in.
type apiEnv struct {
	dsn, bucket string
	dbName      string
	env         []string
	srv         *server
	worker      *supervise.Process // `xiezhi worker`, which processes the photos
	org         orgData
	users       []account
}

type account struct {
	phone, password, village string
	token                    string
}

// server is a running `xiezhi serve` and its base URL.
type server struct {
	*supervise.Process
	base string
}

// startAPI creates the database, starts the server (which migrates and
// loads the grids) and the worker, sets up the teams and adds the
// assistants.
func (b *bench) startAPI(ctx context.Context) (*apiEnv, error) {
	a := &apiEnv{bucket: "xzbench-" + b.tag}
	var err error
	if a.dbName, a.dsn, err = b.createDB(ctx, "api"); err != nil {
		return nil, err
	}
	// The server creates the bucket; this run removes it.
	if err := b.makeBucket(ctx, a.bucket, false); err != nil {
		return nil, err
	}
	// Photos are processed by a worker process of their own.
	if a.env, err = b.serverConfig(ctx, "api", a.dsn, a.bucket, map[string]string{"XIEZHI_DEMO_DATA": "false", "XIEZHI_WORKERS": "0"}); err != nil {
		return nil, err
	}
	if a.srv, err = b.startServer(ctx, a.env, "server-1"); err != nil {
		return nil, err
	}
	if a.worker, err = b.startWorker(ctx, a, "worker-1"); err != nil {
		return nil, err
	}
	db, err := gormstore.OpenMySQL(ctx, a.dsn)
	if err != nil {
		return nil, err
	}
	a.org, err = prepareOrg(ctx, db)
	_ = db.Close()
	if err != nil {
		return nil, err
	}
	return a, b.addAssistants(ctx, a)
}

// serverConfig is the environment of a server on dsn and bucket: a data
// key of its own (production refuses to start without one: debtors' ID
// numbers are sealed with it; 32 random bytes, base64, as
// docs/operations.md says) and a signing key made by `xiezhi keys rotate`.
// name keeps the files of two servers apart.
func (b *bench) serverConfig(ctx context.Context, name, dsn, bucket string, extra map[string]string) ([]string, error) {
	var key [32]byte
	_, _ = rand.Read(key[:])
	keyFile := filepath.Join(b.tmp, name+"-data.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key[:])+"\n"), 0o600); err != nil {
		return nil, err
	}
	set := map[string]string{
		"XIEZHI_DATA_KEY_FILE": keyFile,
		"XIEZHI_DATABASE_URL":  dsn,
		"XIEZHI_S3_ENDPOINT":   b.cfg.s3Endpoint,
		"XIEZHI_S3_ACCESS_KEY": b.cfg.s3AccessKey,
		"XIEZHI_S3_SECRET_KEY": b.cfg.s3Secret,
		"XIEZHI_S3_BUCKET":     bucket,
		"XIEZHI_JWT_KEYS_DIR":  filepath.Join(b.tmp, name+"-keys"),
		"XIEZHI_DATA_DIR":      filepath.Join(b.tmp, name+"-data"),
	}
	for k, v := range extra {
		set[k] = v
	}
	env := serverEnv(os.Environ(), set)
	if out, err := b.xiezhiCmd(ctx, env, "", "keys", "rotate"); err != nil {
		return nil, fmt.Errorf("xiezhi keys rotate: %w: %s", err, out)
	}
	return env, nil
}

// addAssistants adds the assistants with `xiezhi user add`, two at once.
func (b *bench) addAssistants(ctx context.Context, a *apiEnv) error {
	n := max(b.cfg.clients, min(b.cfg.memClients, 16), b.cfg.photoClients)
	b.logf("adding %d assistants with `xiezhi user add`", n)
	a.users = make([]account, n)
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range a.users {
		var pw [10]byte
		_, _ = rand.Read(pw[:])
		v := a.org.villages[i%len(a.org.villages)]
		a.users[i] = account{phone: fmt.Sprintf("1390%07d", i+1), password: "Bench-" + hex.EncodeToString(pw[:]), village: v.Code}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			u := a.users[i]
			out, err := b.xiezhiCmd(ctx, a.env, u.password+"\n", "user", "add", "--phone", u.phone,
				"--name", fmt.Sprintf("压测协执员%02d", i+1), "--role", "assistant", "--village", u.village, "--password-stdin")
			if err != nil {
				errs[i] = fmt.Errorf("xiezhi user add: %w: %s", err, out)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// orgData is what lead rows refer to.
type orgData struct {
	villages []domain.Village // with a code, sorted by code
	teamOf   map[string]string
}

// prepareOrg gives every grid a team serving it (as an admin would set up
// the routing table in production) and lists the villages.
func prepareOrg(ctx context.Context, db *gormstore.DB) (orgData, error) {
	org := db.Org()
	grids, err := org.ListGrids(ctx)
	if err != nil {
		return orgData{}, err
	}
	d := orgData{teamOf: map[string]string{}}
	for _, g := range grids {
		t, err := org.CreateTeam(ctx, domain.Team{Name: g.Name + "执行团队", GridIDs: []string{g.ID}})
		if err != nil {
			return orgData{}, fmt.Errorf("create team of %s: %w", g.Name, err)
		}
		d.teamOf[g.ID] = t.ID
	}
	vs, err := org.AllVillages(ctx)
	if err != nil {
		return orgData{}, err
	}
	for _, v := range vs {
		if v.Code != "" {
			d.villages = append(d.villages, v)
		}
	}
	slices.SortFunc(d.villages, func(a, b domain.Village) int { return strings.Compare(a.Code, b.Code) })
	if len(d.villages) == 0 {
		return orgData{}, errors.New("the seeded grids have no villages with a code")
	}
	return d, nil
}

// serverEnv is environ without XIEZHI_* settings, plus the given ones.
func serverEnv(environ []string, set map[string]string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "XIEZHI_") {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	slices.Sort(env[len(env)-len(set):])
	return env
}

// xiezhiCmd runs a short xiezhi command and returns its output.
func (b *bench) xiezhiCmd(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, b.cfg.xiezhi, args...) //nolint:gosec // the binary under test, given on the command line
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// startServer starts `xiezhi serve` on a free loopback port, logging to
// <name>.log in the temp dir, and waits until /readyz answers 200. The
// server is stopped at exit.
func (b *bench) startServer(ctx context.Context, env []string, name string) (*server, error) {
	port, err := supervise.FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &server{base: "http://" + addr}
	env = append(slices.Clone(env), "XIEZHI_ADDR="+addr)
	if b.cfg.serverPprof != "" {
		env = append(env, "XIEZHI_PPROF_ADDR="+b.cfg.serverPprof)
	}
	s.Process, err = b.launch(ctx, name, []string{b.cfg.xiezhi, "serve"}, env, func(*supervise.Process) bool {
		status, _, err := b.do(ctx, http.MethodGet, s.base+"/readyz", "", nil, nil)
		return err == nil && status == http.StatusOK
	})
	if err != nil {
		return nil, err
	}
	b.logf("%s: xiezhi serve pid %d ready at %s", name, s.PID(), s.base)
	return s, nil
}

// launch starts args with env, logging to <name>.log in the temp dir,
// stopped at exit, and waits until ready holds.
func (b *bench) launch(ctx context.Context, name string, args, env []string, ready func(*supervise.Process) bool) (*supervise.Process, error) {
	p, err := supervise.Start(ctx, supervise.Spec{Args: args, Env: env, LogPath: filepath.Join(b.tmp, name+".log"), Ready: ready, Timeout: b.cfg.serverTimeout})
	if err != nil {
		return nil, err
	}
	b.onExit(func(context.Context) error { return p.Stop() })
	return p, nil
}

// do sends a request and returns the status and up to 64 KiB of the body.
func (b *bench) do(ctx context.Context, method, url, token string, header map[string]string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, data, err
}

// snippet is the start of a response body, on one line, for errors.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// login signs every assistant in, one after another (each login costs the
// server an argon2id hash of 64 MiB).
func (b *bench) login(ctx context.Context, a *apiEnv) error {
	for i := range a.users {
		tok, err := b.loginOne(ctx, a.srv, a.users[i])
		if err != nil {
			return err
		}
		a.users[i].token = tok
	}
	return nil
}

func (b *bench) loginOne(ctx context.Context, s *server, u account) (string, error) {
	body, _ := json.Marshal(map[string]string{"phone": u.phone, "password": u.password, "device": "xiezhi-bench"})
	status, data, err := b.do(ctx, http.MethodPost, s.base+"/v1/auth/login", "", map[string]string{"Content-Type": "application/json"}, body)
	if err != nil {
		return "", fmt.Errorf("login %s: %w", u.phone, err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("login %s: %d %s", u.phone, status, snippet(data))
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &pair); err != nil || pair.AccessToken == "" {
		return "", fmt.Errorf("login %s: no access token in %s", u.phone, snippet(data))
	}
	return pair.AccessToken, nil
}
