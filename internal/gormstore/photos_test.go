package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// photoFixture is a reporter with leads to add photos to.
type photoFixture struct {
	b        backendtest.Backend
	reporter domain.User
	village  domain.Village
	at       time.Time
	n        int
}

func newPhotoFixture(t testing.TB, b backendtest.Backend) *photoFixture {
	t.Helper()
	ctx := context.Background()
	org := b.DB.Org()
	g, err := org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := org.CreateVillage(ctx, domain.Village{GridID: g.ID, Name: "冢巷村"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := org.CreateUser(ctx, domain.User{Phone: "13800138000", Name: "协执员", Role: domain.RoleAssistant, VillageID: v.ID, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return &photoFixture{b: b, reporter: u, village: v, at: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
}

func (f *photoFixture) lead(t testing.TB, status domain.LeadStatus) domain.Lead {
	t.Helper()
	f.n++
	l := domain.Lead{ID: gormstore.NewID(), Ref: fmt.Sprintf("ZN-2026-%06d", f.n), ReporterID: f.reporter.ID, GridID: f.village.GridID,
		VillageID: f.village.ID, Kind: domain.LeadKind("vehicle"), Status: status, Description: "车", ReceivedAt: f.at,
		ContentHash: fmt.Sprint(f.n), Version: 1, CreatedAt: f.at, UpdatedAt: f.at}
	if err := f.b.DB.Leads().CreateLead(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// record is the PhotoRecord of a new photo of lead with the digest.
func (f *photoFixture) record(leadID, sha string, job bool) domain.PhotoRecord {
	f.at = f.at.Add(time.Second)
	p := domain.Photo{ID: gormstore.NewID(), LeadID: leadID, ObjectKey: "leads/" + leadID + "/" + sha, SHA256: sha, ContentType: "image/jpeg",
		Size: 1234, Width: 40, Height: 30, Processing: domain.PhotoPending, CreatedAt: f.at}
	r := domain.PhotoRecord{Photo: p, MaxPhotos: 3, Statuses: domain.PhotoStatuses(), At: f.at,
		Event: domain.LeadEvent{ID: gormstore.NewID(), LeadID: leadID, ActorID: f.reporter.ID, ActorRole: domain.RoleAssistant,
			Type: "photo_added", Public: true, At: f.at}}
	if job {
		r.Job = &domain.Job{ID: gormstore.NewID(), Kind: domain.JobPhotoProcess, Ref: leadID + "/" + p.ID, RunAfter: f.at, CreatedAt: f.at}
	} else {
		r.Photo.Processing = domain.PhotoUnsupported
	}
	return r
}

// state is what the database holds of a lead's photos.
type photoState struct {
	received, expected, version int
	photos, events, jobs        int
}

func (f *photoFixture) state(t *testing.T, leadID string) (photoState, []domain.PossibleDuplicate) {
	t.Helper()
	ctx := context.Background()
	s := f.b.DB.Leads()
	l, err := s.GetLead(ctx, leadID)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Photos(ctx, leadID)
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.Events(ctx, leadID, false)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Duplicates(ctx, leadID)
	if err != nil {
		t.Fatal(err)
	}
	var jobs int64
	if err := f.b.DB.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE ref LIKE ?", leadID+"/%").Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	return photoState{received: l.PhotosReceived, expected: l.PhotosExpected, version: l.Version, photos: len(ps), events: len(es),
		jobs: int(jobs)}, ds
}

// TestRecordPhoto checks RecordPhoto on both backends, on its own (on
// MySQL the batch of two round trips) and inside a caller's transaction
// (the statements one by one): what a photo adds, and that a refused photo
// adds nothing at all.
func TestRecordPhoto(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		f := newPhotoFixture(t, b)
		for _, inTx := range []bool{false, true} {
			t.Run(map[bool]string{false: "alone", true: "in a transaction"}[inTx], func(t *testing.T) {
				testRecordPhoto(t, f, inTx)
			})
		}
	})
}

func testRecordPhoto(t *testing.T, f *photoFixture, inTx bool) {
	ctx := context.Background()
	record := func(r domain.PhotoRecord) error { return recordIn(ctx, f.b, inTx, r) }
	sha := func(s string) string { return fmt.Sprintf("%063s%d", s, map[bool]int{false: 0, true: 1}[inTx]) } // apart per run
	one := photoState{received: 1, expected: 1, version: 2, photos: 1, events: 1, jobs: 1}
	cases := []struct {
		name string
		// run records photos of lead (made in status) and returns the
		// error of the last RecordPhoto.
		run      func(t *testing.T, lead domain.Lead) error
		status   domain.LeadStatus
		wantErr  domain.Code
		want     photoState
		wantDups int
	}{
		{name: "a photo and its job", status: domain.LeadSubmitted, want: one,
			run: func(t *testing.T, l domain.Lead) error { return record(f.record(l.ID, sha("a1"), true)) }},
		{name: "a photo of a lead that needs information", status: domain.LeadNeedsInfo, want: one,
			run: func(t *testing.T, l domain.Lead) error { return record(f.record(l.ID, sha("a2"), true)) }},
		{name: "a photo without a job (HEIC)", status: domain.LeadSubmitted, want: photoState{received: 1, expected: 1, version: 2, photos: 1, events: 1},
			run: func(t *testing.T, l domain.Lead) error { return record(f.record(l.ID, sha("a3"), false)) }},
		{name: "the same photo id again", status: domain.LeadSubmitted, wantErr: domain.EConflict, want: one,
			run: func(t *testing.T, l domain.Lead) error {
				first := f.record(l.ID, sha("a4"), true)
				if err := record(first); err != nil {
					t.Fatal(err)
				}
				again := f.record(l.ID, sha("a4"), true)
				again.Photo.ID = first.Photo.ID
				return record(again)
			}},
		{name: "a photo past MaxPhotos", status: domain.LeadSubmitted, wantErr: domain.EConflict,
			want: photoState{received: 3, expected: 3, version: 4, photos: 3, events: 3, jobs: 3},
			run: func(t *testing.T, l domain.Lead) error {
				for i := range 3 {
					if err := record(f.record(l.ID, sha(fmt.Sprint("b", i)), true)); err != nil {
						t.Fatal(err)
					}
				}
				// Refused ten times over: the batch's connections must come
				// back to the pool without an open transaction.
				var err error
				for range 10 {
					err = record(f.record(l.ID, sha("b9"), true))
				}
				return err
			}},
		{name: "a lead that no longer takes photos", status: domain.LeadAccepted, wantErr: domain.EConflict, want: photoState{version: 1},
			run: func(t *testing.T, l domain.Lead) error { return record(f.record(l.ID, sha("c1"), true)) }},
		{name: "a lead that does not exist", status: domain.LeadSubmitted, wantErr: domain.ENotFound, want: photoState{version: 1},
			run: func(t *testing.T, l domain.Lead) error { return record(f.record(gormstore.NewID(), sha("c2"), true)) }},
		{name: "a photo two other leads have", status: domain.LeadSubmitted, wantDups: 2,
			want: photoState{received: 2, expected: 2, version: 3, photos: 2, events: 2, jobs: 2},
			run: func(t *testing.T, l domain.Lead) error {
				for range 2 { // two earlier leads with the photo, one of them twice
					other := f.lead(t, domain.LeadSubmitted)
					for range 2 {
						if err := record(f.record(other.ID, sha("d1"), true)); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := record(f.record(l.ID, sha("d1"), true)); err != nil {
					t.Fatal(err)
				}
				return record(f.record(l.ID, sha("d1"), true)) // noted once more: still two
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := f.lead(t, c.status)
			err := c.run(t, l)
			if c.wantErr == "" && err != nil || c.wantErr != "" && !domain.IsCode(err, c.wantErr) {
				t.Fatalf("RecordPhoto: %v; want %q", err, c.wantErr)
			}
			got, dups := f.state(t, l.ID)
			if len(dups) != c.wantDups {
				t.Errorf("duplicates %+v; want %d", dups, c.wantDups)
			}
			for _, d := range dups {
				if d.Reason != domain.DupSamePhoto || d.LeadID == l.ID {
					t.Errorf("duplicate %+v", d)
				}
			}
			if got != c.want {
				t.Errorf("lead holds %+v; want %+v", got, c.want)
			}
		})
	}
	if inTx {
		// The caller's transaction decides: rolled back, the photo is gone.
		l := f.lead(t, domain.LeadSubmitted)
		boom := errors.New("the caller failed")
		err := f.b.DB.Transact(ctx, func(st domain.Stores) error {
			if err := st.Leads.RecordPhoto(ctx, f.record(l.ID, sha("e1"), true)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact: %v", err)
		}
		if got, _ := f.state(t, l.ID); got != (photoState{version: 1}) {
			t.Errorf("after the rollback the lead holds %+v", got)
		}
	}
}

// recordIn calls RecordPhoto alone or inside a transaction of its own.
func recordIn(ctx context.Context, b backendtest.Backend, inTx bool, r domain.PhotoRecord) error {
	if !inTx {
		return b.DB.Leads().RecordPhoto(ctx, r)
	}
	return b.DB.Transact(ctx, func(st domain.Stores) error { return st.Leads.RecordPhoto(ctx, r) })
}
