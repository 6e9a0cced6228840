package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/seed"
)

// leadInput is the body of POST /v1/leads, as the mobile client sends it
// (docs/mobile-client.md).
type leadInput struct {
	ID             string         `json:"id"`
	Kind           string         `json:"kind"`
	Description    string         `json:"description"`
	Location       leadLocation   `json:"location"`
	CapturedAt     string         `json:"captured_at"`
	Details        map[string]any `json:"details"`
	PhotosExpected int            `json:"photos_expected"`
}

type leadLocation struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	AccuracyM float64 `json:"accuracy_m"`
	CRS       string  `json:"crs"`
}

const plateChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// plate makes a distinct valid plate number for every n (甘M + 5 characters).
func plate(n uint64) string {
	var b [5]byte
	for i := 4; i >= 0; i-- {
		b[i] = plateChars[n%uint64(len(plateChars))]
		n /= uint64(len(plateChars))
	}
	return "甘M" + string(b[:])
}

// newLead makes a vehicle lead with a new client-chosen id, as the phone
// app does, and its JSON body.
func newLead(n uint64, photos int) (leadInput, []byte) {
	id := uuid.Must(uuid.NewV7()).String()
	f := float64(n%997) / 997
	in := leadInput{
		ID: id, Kind: "vehicle",
		Description:    "春节前看到被执行人的车停在家门口，白色轿车，晚上常在。",
		Location:       leadLocation{Lat: 35.40 + 0.2*f, Lng: 108.20 + 0.3*f, AccuracyM: 12.5, CRS: "gcj02"},
		CapturedAt:     time.Now().Add(-time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
		Details:        map[string]any{"plate": plate(n), "colour": "白"},
		PhotosExpected: photos,
	}
	body, err := json.Marshal(in)
	if err != nil {
		panic(err) // a fixed struct always marshals
	}
	return in, body
}

// submitLead posts a lead as the app does: client id and idempotency key.
func (b *bench) submitLead(ctx context.Context, s *server, token string, n uint64, photos int) (string, error) {
	in, body := newLead(n, photos)
	status, data, err := b.do(ctx, http.MethodPost, s.base+"/v1/leads", token,
		map[string]string{"Content-Type": "application/json", "Idempotency-Key": "lead-" + in.ID}, body)
	if err != nil {
		return "", fmt.Errorf("POST /v1/leads: %w", err)
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("POST /v1/leads: %d %s", status, snippet(data))
	}
	return in.ID, nil
}

// measureLeads runs the bare GORM baseline, then the API, with the same
// number of clients.
func (b *bench) measureLeads(ctx context.Context, a *apiEnv) error {
	base, err := b.leadsBaseline(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.login(ctx, a); err != nil {
		return err
	}
	var seq atomic.Uint64
	b.logf("leads via the API: %d clients, %v warm-up + %v", b.cfg.clients, b.cfg.warmup, b.cfg.duration)
	api := b.load(ctx, loadSpec{
		name: "lead: POST /v1/leads (API)", unit: "leads", clients: b.cfg.clients, server: a.srv,
		op: func(ctx context.Context, w int) (int64, error) {
			_, err := b.submitLead(ctx, a.srv, a.users[w%len(a.users)].token, seq.Add(1), 2)
			return 0, err
		},
	})
	b.out.LeadsBase, b.out.LeadsAPI = base, api
	b.out.Add(base, api)
	return nil
}

// reporter is an assistant of the baseline database and where its leads go.
type reporter struct{ id, village, grid, team string }

// leadsBaseline inserts leads with bare GORM into a fresh database
// migrated by internal/gormstore and loaded with the same grids and teams.
func (b *bench) leadsBaseline(ctx context.Context) (*load.Result, error) {
	_, dsn, err := b.createDB(ctx, "raw")
	if err != nil {
		return nil, err
	}
	reporters, err := b.baselineWorld(ctx, dsn)
	if err != nil {
		return nil, err
	}
	g, closeDB, err := bareGORM(dsn, b.cfg.clients, nil)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	if err := g.WithContext(ctx).Create(&gormstore.SequenceRow{Year: year}).Error; err != nil {
		return nil, err
	}
	var seq atomic.Uint64
	b.logf("leads via bare GORM: %d goroutines, %v warm-up + %v", b.cfg.clients, b.cfg.warmup, b.cfg.duration)
	name := "lead: bare GORM baseline"
	if !b.cfg.baselineCounter {
		name += " (no counter)"
	}
	return b.load(ctx, loadSpec{
		name: name, unit: "leads", clients: b.cfg.clients,
		op: func(ctx context.Context, w int) (int64, error) {
			in, body := newLead(seq.Add(1), 2)
			return 0, baselineWrite(ctx, g, reporters[w], in, body, year, b.cfg.baselineCounter)
		},
	}), nil
}

// baselineWorld migrates the baseline database as the server migrates its
// own, loads the same grids and teams, and adds one assistant per client.
func (b *bench) baselineWorld(ctx context.Context, dsn string) ([]reporter, error) {
	sdb, err := gormstore.OpenMySQL(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	if _, err := sdb.Migrate(ctx); err != nil {
		return nil, err
	}
	grids, err := seed.Zhengning()
	if err != nil {
		return nil, err
	}
	if err := sdb.Transact(ctx, func(s domain.Stores) error { return seed.Grids(ctx, s.Org, grids) }); err != nil {
		return nil, err
	}
	org, err := prepareOrg(ctx, sdb)
	if err != nil {
		return nil, err
	}
	reporters := make([]reporter, b.cfg.clients)
	for i := range reporters {
		v := org.villages[i%len(org.villages)]
		u, err := sdb.Org().CreateUser(ctx, domain.User{Phone: fmt.Sprintf("1390%07d", i+1), Name: fmt.Sprintf("压测协执员%02d", i+1),
			Role: domain.RoleAssistant, VillageID: v.ID, PasswordHash: "not-a-hash", PasswordChangedAt: time.Now()})
		if err != nil {
			return nil, err
		}
		reporters[i] = reporter{id: u.ID, village: v.ID, grid: v.GridID, team: org.teamOf[v.GridID]}
	}
	return reporters, nil
}

// bareGORM opens a pool of conns connections of its own with the driver
// settings gormstore.OpenMySQL uses, and the session variables in vars.
func bareGORM(dsn string, conns int, vars map[string]string) (*gorm.DB, func(), error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	c.ParseTime, c.Loc, c.Collation = true, time.UTC, "utf8mb4_unicode_ci"
	c.Params = map[string]string{"charset": "utf8mb4", "time_zone": "'+00:00'"}
	for k, v := range vars {
		c.Params[k] = v
	}
	c.InterpolateParams = true
	g, err := gorm.Open(gmysql.New(gmysql.Config{DSNConfig: c}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		return nil, nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	return g, func() { _ = sqlDB.Close() }, nil
}

// baselineWrite is one lead of the baseline: the writes the store does for
// a submission, in one transaction, with the store's row types: the lead
// counted in lead_counts (first, before the year's counter row is locked
// for the rest of the transaction), the counter incremented and read for
// the reference (unless counter is false), the lead, its event.
func baselineWrite(ctx context.Context, g *gorm.DB, r reporter, in leadInput, body []byte, year int, counter bool) error {
	submitted := string(domain.LeadSubmitted)
	sum := sha256.Sum256(body)
	details, _ := json.Marshal(in.Details)
	captured, _ := time.Parse(time.RFC3339, in.CapturedAt)
	captured = captured.UTC()
	now := time.Now().UTC()
	pl := in.Details["plate"].(string)
	l := gormstore.LeadRow{ID: in.ID, ReporterID: r.id, GridID: r.grid, VillageID: r.village, TeamID: &r.team,
		Kind: in.Kind, Status: submitted, Priority: int(domain.PriorityUrgent), Description: in.Description,
		Lat: &in.Location.Lat, Lng: &in.Location.Lng, AccuracyM: &in.Location.AccuracyM, Crs: &in.Location.CRS,
		CapturedAt: &captured, ReceivedAt: now, Details: string(details), Plate: &pl, PhotosExpected: in.PhotosExpected,
		ContentHash: hex.EncodeToString(sum[:]), Version: 1, CreatedAt: now, UpdatedAt: now}
	return g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		count := gormstore.LeadCountRow{GridID: l.GridID, TeamID: r.team, Kind: l.Kind, Status: l.Status, Slot: gormstore.CountSlot(l.ID), N: 1}
		if err := tx.Clauses(clause.OnConflict{DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("lead_counts.n + 1")})}).Create(&count).Error; err != nil {
			return err
		}
		if !counter {
			l.Ref = "X-" + in.ID[:18] // unique without the counter
		} else {
			if err := tx.Model(&gormstore.SequenceRow{}).Where("year = ?", year).Update("last_seq", gorm.Expr("last_seq + 1")).Error; err != nil {
				return err
			}
			var s gormstore.SequenceRow
			if err := tx.Where("year = ?", year).Take(&s).Error; err != nil {
				return err
			}
			l.Ref = fmt.Sprintf("ZN-%d-%06d", year, s.LastSeq)
		}
		if err := tx.Create(&l).Error; err != nil {
			return err
		}
		return tx.Create(&gormstore.EventRow{ID: uuid.Must(uuid.NewV7()).String(), LeadID: l.ID, ActorID: r.id,
			ActorRole: string(domain.RoleAssistant), Type: "submitted", ToStatus: &submitted, Public: true, At: now}).Error
	})
}
