package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// TestPhotoInsertColumns keeps RecordPhoto's hand-written INSERTs in step
// with the row types: every column of the row, in any order, and no other.
func TestPhotoInsertColumns(t *testing.T) {
	tables, err := gormstore.PhotoInsertColumns()
	if err != nil {
		t.Fatal(err)
	}
	for table, cols := range tables {
		got, want := map[string]bool{}, map[string]bool{}
		for _, c := range cols[0] {
			if got[c] {
				t.Errorf("%s: column %s named twice", table, c)
			}
			got[c] = true
		}
		for _, c := range cols[1] {
			want[c] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: INSERT columns differ from the row's (-row +insert):\n%s", table, diff)
		}
	}
}

// recordVariants are the ways of recording a photo a backend has.
func recordVariants(s *gormstore.LeadStore) []string {
	if s.HasBatch() {
		return mysqlVariants
	}
	return []string{"transaction"}
}

// mysqlVariants are the ways of recording a photo on MySQL.
var mysqlVariants = []string{"batch", "transaction", "gorm-dry-run batch"}

// TestRecordPhotoVariants checks that every way of recording a photo
// writes every field of the photo, its job and its event as given: the
// hand-written INSERTs bind each value to its column.
func TestRecordPhotoVariants(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		f := newPhotoFixture(t, b)
		ctx := context.Background()
		s := b.DB.Leads()
		for i, variant := range recordVariants(s) {
			t.Run(variant, func(t *testing.T) {
				l := f.lead(t, domain.LeadSubmitted)
				r := f.record(l.ID, fmt.Sprintf("%064d", i), true)
				r.Photo.ThumbKey, r.Photo.ProcessingError = "thumbs/"+r.Photo.ID, "corrupt"
				r.Photo.TakenAt = time.Date(2026, 4, 30, 17, 5, 6, 123456000, time.UTC)
				r.Photo.GPS = &domain.Location{Lat: 35.4321, Lng: 108.1234, CRS: domain.WGS84}
				r.Event.FromStatus, r.Event.ToStatus, r.Event.Note = domain.LeadSubmitted, domain.LeadSubmitted, "照片"
				if err := s.RecordPhotoVariant(ctx, variant, r); err != nil {
					t.Fatal(err)
				}
				p, err := s.GetPhoto(ctx, l.ID, r.Photo.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(r.Photo, p); diff != "" {
					t.Errorf("photo (-recorded +read):\n%s", diff)
				}
				es, err := s.Events(ctx, l.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]domain.LeadEvent{r.Event}, es); diff != "" {
					t.Errorf("events (-recorded +read):\n%s", diff)
				}
				j, err := b.DB.Jobs().Claim(ctx, "test", f.at.Add(time.Hour), time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if j.ID != r.Job.ID || j.Kind != r.Job.Kind || j.Ref != r.Job.Ref || j.Attempts != 1 || !j.CreatedAt.Equal(r.Job.CreatedAt) {
					t.Errorf("job %+v; recorded %+v", j, *r.Job)
				}
				if err := b.DB.Jobs().Complete(ctx, j, f.at); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// BenchmarkRecordPhoto measures each way of recording a photo (with its
// job, event and duplicate search), each on a fresh database, one photo
// after another on one lead. Run on MariaDB with
//
//	scripts/test-env.sh go test -run '^$' -bench RecordPhoto -count 6 ./internal/gormstore/
//
// (docs/decisions/0006-photo-recording-sql.md).
func BenchmarkRecordPhoto(b *testing.B) {
	backends := map[string]func(testing.TB) backendtest.Backend{"sqlite": backendtest.Embedded, "mysql": backendtest.Production}
	for _, name := range []string{"sqlite", "mysql"} {
		variants := []string{"transaction"}
		if name == "mysql" {
			variants = mysqlVariants
		}
		for _, variant := range variants {
			b.Run(name+"/"+variant, func(b *testing.B) {
				be := backends[name](b)
				benchRecordPhoto(b, newPhotoFixture(b, be), be.DB.Leads(), variant)
			})
		}
	}
}
func benchRecordPhoto(b *testing.B, f *photoFixture, s *gormstore.LeadStore, variant string) {
	ctx := context.Background()
	l := f.lead(b, domain.LeadSubmitted)
	n := 0
	for b.Loop() {
		n++
		r := f.record(l.ID, fmt.Sprintf("%s%052d", l.ID[24:], n), true)
		r.MaxPhotos = 1 << 30
		if err := s.RecordPhotoVariant(ctx, variant, r); err != nil {
			b.Fatal(err)
		}
	}
}
