package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
)

// trackedBody lets a request body buffer be reused only once the
// transport has closed it (it may still be writing when Do returns).
type trackedBody struct {
	*bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func (t *trackedBody) Close() error {
	t.once.Do(func() { close(t.closed) })
	return nil
}

// putPhoto uploads one photo through the API as the app does: the raw
// bytes, their Content-Digest, a client-chosen photo id.
func (b *bench) putPhoto(ctx context.Context, s *server, token, leadID string, body []byte, digest string) error {
	tb := &trackedBody{Reader: bytes.NewReader(body), closed: make(chan struct{})}
	url := s.base + "/v1/leads/" + leadID + "/photos/" + uuid.Must(uuid.NewV7()).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, tb)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("Content-Digest", digest)
	resp, err := b.http.Do(req)
	if err == nil {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			err = fmt.Errorf("PUT photo: %d %s", resp.StatusCode, snippet(data))
		}
	}
	select {
	case <-tb.closed:
	case <-time.After(30 * time.Second):
		return errors.Join(err, errors.New("the HTTP transport did not release a request body within 30 s"))
	}
	return err
}

// photoLeads hands each client leads with room for photos: each lead takes
// at most 9, and one client's photos never race for the same lead. The
// leads are submitted before the measured window (stock of them per
// client), so that the photo throughput is that of photo uploads alone;
// a client that runs out submits its next lead inline, and the run's
// note says how often that happened.
type photoLeads struct {
	b      *bench
	a      *apiEnv
	seq    *atomic.Uint64
	stock  [][]string // per client: leads not yet used, the current one first
	used   []int      // per client: photos on stock[w][0]
	inline atomic.Int64
}

// newPhotoLeads submits perClient leads for each of clients clients, the
// first with room for first photos (the rest with 9), four clients at once.
func (b *bench) newPhotoLeads(ctx context.Context, a *apiEnv, clients, perClient, first int, seq *atomic.Uint64) (*photoLeads, error) {
	p := &photoLeads{b: b, a: a, seq: seq, stock: make([][]string, clients), used: make([]int, clients)}
	errs := make([]error, clients)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for w := range clients {
		p.used[w] = 9 - first
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for range perClient {
				id, err := b.submitLead(ctx, a.srv, p.token(w), seq.Add(1), 9)
				if err != nil {
					errs[w] = err
					return
				}
				p.stock[w] = append(p.stock[w], id)
			}
		})
	}
	wg.Wait()
	return p, errors.Join(errs...)
}

func (p *photoLeads) token(w int) string { return p.a.users[w%len(p.a.users)].token }

// next returns client w's lead for its next photo: the current one while
// it has room, else the next of the stock, else a lead submitted now.
func (p *photoLeads) next(ctx context.Context, w int) (string, error) {
	if p.used[w] >= 9 {
		p.stock[w], p.used[w] = p.stock[w][1:], 0
		if len(p.stock[w]) == 0 {
			id, err := p.b.submitLead(ctx, p.a.srv, p.token(w), p.seq.Add(1), 9)
			if err != nil {
				return "", err
			}
			p.inline.Add(1)
			p.stock[w] = []string{id}
		}
	}
	p.used[w]++
	return p.stock[w][0], nil
}

// photoRun is the photo measurement: its bucket, its clients' buffers and
// the leads of the API windows.
type photoRun struct {
	b         *bench
	a         *apiEnv
	bucket    string
	size      int64
	bufs      [][]byte
	digests   []string
	leads     *photoLeads
	stored    int // photos in the API database before the API windows
	submitted int // leads submitted for them
}

// The options internal/miniostore uses: one PUT, SHA-256 checksum trailer,
// the payload unsigned; and minio-go's defaults.
var (
	serverPutOptions  = minio.PutObjectOptions{ContentType: "image/jpeg", DisableMultipart: true, Checksum: minio.ChecksumSHA256, DisableContentSha256: true}
	defaultPutOptions = minio.PutObjectOptions{ContentType: "image/jpeg"}
)

// prepare gives client w the bytes of its next photo. Both sides prepare
// the same way (a new ImageUniqueID and the Content-Digest the app sends),
// so that the client's work between requests is the same on both.
func (r *photoRun) prepare(w int) { r.bufs[w], r.digests[w] = r.b.photo.Instance(r.bufs[w]) }

// putObject is a baseline window: minio-go PutObject straight to MinIO.
func (r *photoRun) putObject(ctx context.Context, name string, opts minio.PutObjectOptions) *load.Result {
	n := len(r.bufs)
	r.b.logf("%s: %d clients, %v warm-up + %v", name, n, r.b.cfg.warmup, r.b.cfg.photoWindow)
	return r.b.load(ctx, loadSpec{
		name: name, unit: "photos", clients: n, bytesPerOp: r.size, prepare: r.prepare, window: r.b.cfg.photoWindow,
		op: func(ctx context.Context, w int) (int64, error) {
			_, err := r.b.s3.PutObject(ctx, r.bucket, "bench/"+uuid.Must(uuid.NewV7()).String(), bytes.NewReader(r.bufs[w]), r.size, opts)
			return r.size, err
		},
	})
}

// upload is an API window.
func (r *photoRun) upload(ctx context.Context, name string) *load.Result {
	n := len(r.bufs)
	r.b.logf("%s: %d clients, %v warm-up + %v", name, n, r.b.cfg.warmup, r.b.cfg.photoWindow)
	return r.b.load(ctx, loadSpec{
		name: name, unit: "photos", clients: n, bytesPerOp: r.size, server: r.a.srv, sampleRSS: true, prepare: r.prepare, window: r.b.cfg.photoWindow,
		op: func(ctx context.Context, w int) (int64, error) {
			lead, err := r.leads.next(ctx, w)
			if err != nil {
				return 0, err
			}
			return r.size, r.b.putPhoto(ctx, r.a.srv, r.leads.token(w), lead, r.bufs[w], r.digests[w])
		},
	})
}

// prepareLeads submits, once the first baseline window has given a rate,
// enough leads for that rate over every API window and warm-up, and a
// quarter more: the API is not expected to be faster.
func (r *photoRun) prepareLeads(ctx context.Context, rate float64) error {
	if r.leads != nil {
		return nil
	}
	b, n := r.b, len(r.bufs)
	if err := b.login(ctx, r.a); err != nil {
		return err
	}
	var seq atomic.Uint64
	seq.Store(1 << 40) // plates apart from the lead measurement's
	windows := float64(b.cfg.photoRounds + 1)
	perClient := 1 + int(math.Ceil(rate/float64(n)*windows*(b.cfg.warmup+b.cfg.photoWindow).Seconds()*1.25/9))
	b.logf("submitting %d leads for the photos (%d per client)", perClient*n, perClient)
	l, err := b.newPhotoLeads(ctx, r.a, n, perClient, 9, &seq)
	if err != nil {
		return err
	}
	r.leads, r.submitted = l, perClient*n
	r.stored, err = b.photoCount(ctx, r.a)
	return err
}

// photoRounds are the windows of each kind, round by round.
type photoRounds struct{ base, dflt, api []*load.Result }

// rounds runs -photo-rounds rounds of three windows: PutObject with the
// server's options (for information), the API with the worker stopped,
// and PutObject with minio-go's defaults (the target's baseline), in
// reverse order every other round: over two rounds, a drift in the
// machine's speed weighs on the API and each baseline alike.
func (r *photoRun) rounds(ctx context.Context) (photoRounds, error) {
	var pr photoRounds
	for round := 1; round <= r.b.cfg.photoRounds; round++ {
		tag := fmt.Sprintf(" (round %d)", round)
		steps := []string{"base", "api", "default"}
		if round%2 == 0 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			switch step {
			case "base":
				pr.base = append(pr.base, r.putObject(ctx, "photo: minio-go PutObject, the server's options"+tag, serverPutOptions))
			case "default":
				pr.dflt = append(pr.dflt, r.putObject(ctx, "photo: minio-go PutObject, default options"+tag, defaultPutOptions))
			case "api":
				if err := r.prepareLeads(ctx, pr.base[0].Rate()); err != nil {
					return pr, err
				}
				pr.api = append(pr.api, r.upload(ctx, "photo: PUT /v1/leads/{id}/photos/{pid} (API), worker stopped"+tag))
			}
			if err := ctx.Err(); err != nil {
				return pr, err
			}
		}
	}
	return pr, nil
}

// measurePhotos runs the rounds with the worker stopped (SIGSTOP), so that
// the photos it would decode weigh on none of their windows, then one API
// window with the worker decoding on the same cores as everything else,
// and then times the worker's catching up. The target compares the pooled
// windows.
func (b *bench) measurePhotos(ctx context.Context, a *apiEnv) error {
	n := b.cfg.photoClients
	r := &photoRun{b: b, a: a, bucket: "xzbench-" + b.tag + "-raw", size: int64(len(b.photo.Data)), bufs: make([][]byte, n), digests: make([]string, n)}
	if err := b.makeBucket(ctx, r.bucket, true); err != nil {
		return err
	}
	if err := a.worker.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("stop the worker: %w", err)
	}
	resumed := false
	resume := func() error {
		if resumed {
			return nil
		}
		resumed = true
		if err := a.worker.Signal(syscall.SIGCONT); err != nil {
			return fmt.Errorf("resume the worker: %w", err)
		}
		return nil
	}
	defer func() { _ = resume() }()
	pr, err := r.rounds(ctx)
	if err != nil {
		return err
	}
	if err := resume(); err != nil {
		return err
	}
	shared := r.upload(ctx, "photo: PUT /v1/leads/{id}/photos/{pid} (API), worker running")
	if err := ctx.Err(); err != nil {
		return err
	}
	b.reportPhotos(r, pr, shared)
	if shared.Interrupted || b.out.PhotosAPI.Interrupted {
		return nil
	}
	d, err := b.drainJobs(ctx, a, r.stored, b.cfg.drainMax)
	if err != nil {
		return err
	}
	b.out.PhotoDrain = d
	return nil
}

// reportPhotos puts the photo windows and their pools in the report.
func (b *bench) reportPhotos(r *photoRun, pr photoRounds, shared *load.Result) {
	o := &b.out
	o.PhotosBase = load.Pool("photo: minio-go PutObject, the server's options, pooled", pr.base)
	o.PhotosDefault = load.Pool("photo: minio-go PutObject, default options, pooled", pr.dflt)
	o.PhotosAPI = load.Pool("photo: PUT /v1/leads/{id}/photos/{pid} (API), worker stopped, pooled", pr.api)
	o.PhotosAPI.Note = fmt.Sprintf("%d leads submitted before the API windows; %d by the clients during them, having used up theirs", r.submitted, r.leads.inline.Load())
	o.RoundBase, o.RoundDefault, o.RoundAPI = pr.base, pr.dflt, pr.api
	o.PhotosShared = shared
	for i := range pr.api {
		o.Add(pr.base[i], pr.dflt[i], pr.api[i])
	}
	o.Add(shared, o.PhotosBase, o.PhotosDefault, o.PhotosAPI)
}
