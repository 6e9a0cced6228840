package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/jobs"
)

// ---- test files ----

// exifTIFF is a big-endian EXIF block as phones write it: taken
// 2026-02-14 17:11:42 (China time, no offset) at 35°26'28.2"N
// 108°13'25.2"E.
func exifTIFF() []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte
	}
	ascii := func(tag uint16, s string) entry { return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)} }
	rationals := func(tag uint16, v ...uint32) entry {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, x)
		}
		return entry{tag, 5, uint32(len(v) / 2), b}
	}
	pointer := func(tag uint16) entry { return entry{tag, 4, 1, make([]byte, 4)} }
	ifds := [][]entry{
		{pointer(0x8769), pointer(0x8825)},     // IFD0: the Exif and GPS IFDs
		{ascii(0x9003, "2026:02:14 17:11:42")}, // Exif: DateTimeOriginal
		{ascii(0x0001, "N"), rationals(0x0002, 35, 1, 26, 1, 282, 10), // GPS
			ascii(0x0003, "E"), rationals(0x0004, 108, 1, 13, 1, 252, 10)},
	}
	// Lay out: header, the three IFDs, then the values too long to inline.
	offs := make([]int, len(ifds))
	pos := 8
	for i, ifd := range ifds {
		offs[i] = pos
		pos += 2 + 12*len(ifd) + 4
	}
	binary.BigEndian.PutUint32(ifds[0][0].data, uint32(offs[1]))
	binary.BigEndian.PutUint32(ifds[0][1].data, uint32(offs[2]))
	out := append([]byte("MM\x00\x2a"), 0, 0, 0, 8)
	var extra []byte
	for _, ifd := range ifds {
		out = binary.BigEndian.AppendUint16(out, uint16(len(ifd)))
		for _, e := range ifd {
			out = binary.BigEndian.AppendUint16(out, e.tag)
			out = binary.BigEndian.AppendUint16(out, e.typ)
			out = binary.BigEndian.AppendUint32(out, e.count)
			if len(e.data) <= 4 {
				out = append(out, append(slices.Clone(e.data), make([]byte, 4-len(e.data))...)...)
				continue
			}
			out = binary.BigEndian.AppendUint32(out, uint32(pos+len(extra)))
			extra = append(extra, e.data...)
		}
		out = append(out, 0, 0, 0, 0)
	}
	return append(out, extra...)
}

// withEXIF puts an EXIF APP1 segment right after a JPEG's SOI.
func withEXIF(jpg []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), exifTIFF()...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	return slices.Concat(jpg[:2], seg, payload, jpg[2:])
}

// undecodable is a JPEG whose structure is sound (segments, scan, EOI) but
// whose frame header declares zero components: only a decoder notices.
func undecodable(t *testing.T) []byte {
	t.Helper()
	b := testJPEG(t, 320, 200, 9)
	sof := bytes.Index(b, []byte{0xFF, 0xC0})
	b[sof+9] = 0
	return b
}

// animatedWebP is a 1x1 WebP with the VP8X animation flag: well formed,
// beyond Go's decoder.
func animatedWebP(t *testing.T) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString("UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")
	if err != nil {
		t.Fatal(err)
	}
	b[20] |= 0x02
	return b
}

// heicFile is a minimal well-formed HEIC: ftyp, an empty meta box, mdat.
func heicFile() []byte {
	box := func(typ string, payload []byte) []byte {
		return slices.Concat(binary.BigEndian.AppendUint32(nil, uint32(8+len(payload))), []byte(typ), payload)
	}
	return slices.Concat(box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), box("meta", make([]byte, 4)), box("mdat", bytes.Repeat([]byte{0x26}, 64)))
}

// jpegBomb is a JPEG frame header declaring w x h pixels, then garbage.
func jpegBomb(w, h int) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8}
	b = binary.BigEndian.AppendUint16(b, uint16(h))
	b = binary.BigEndian.AppendUint16(b, uint16(w))
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	return append(b, bytes.Repeat([]byte("garbage!"), 1<<15)...)
}

// jobsFor counts the jobs of a photo.
func jobsFor(t *testing.T, b backendtest.Backend, lead, photo string) int {
	t.Helper()
	var n int
	if err := b.DB.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM jobs WHERE ref = ?", intake.PhotoJobRef(lead, photo)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ---- tests ----

// TestPhotoProcessing: what the upload answers (read from the header while
// it streamed), what the background job then makes of each kind of file,
// and what the thumbnail answers before and after. A photo that does not
// decode is kept.
func TestPhotoProcessing(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		taken := "2026-02-14T09:11:42Z"
		tests := []struct {
			name       string
			body       []byte
			contentTyp string
			width      float64
			height     float64
			takenAt    any     // at upload already
			gps        bool    // at upload already
			atUpload   string  // processing in the upload's answer
			jobs       int     // jobs the upload leaves
			final      string  // processing after the jobs ran
			reason     any     // processing_error after
			thumbnail  int     // status of the thumbnail after
			thumbWidth float64 // of a thumbnail
		}{
			{"jpeg with exif", withEXIF(testJPEG(t, 1000, 500, 3)), "image/jpeg", 1000, 500, taken, true, "pending", 1, "done", nil, 200, 320},
			{"png", testPNG(t, 4), "image/png", 40, 30, nil, false, "pending", 1, "done", nil, 200, 40},
			{"jpeg that does not decode", undecodable(t), "image/jpeg", 320, 200, nil, false, "pending", 1, "failed", "corrupt_image", 404, 0},
			{"animated webp", animatedWebP(t), "image/webp", 1, 1, nil, false, "pending", 1, "unsupported", nil, 404, 0},
			{"heic", heicFile(), "image/heic", 0, 0, nil, false, "unsupported", 0, "unsupported", nil, 404, 0},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				lead := decodeBody(t, w.do(postLead(tok, map[string]any{"kind": "other", "description": tc.name}, "")))["id"].(string)
				id := photoID(100 + i)
				rec := w.do(putPhoto(tok, lead, id, tc.body, tc.contentTyp))
				if rec.Code != http.StatusCreated {
					t.Fatalf("upload: %d %s", rec.Code, rec.Body)
				}
				p := decodeBody(t, rec)
				if p["processing"] != tc.atUpload || p["width"] != tc.width || p["height"] != tc.height || p["taken_at"] != tc.takenAt ||
					(p["gps"] != nil) != tc.gps || p["has_thumbnail"] != false {
					t.Errorf("upload answered %v", p)
				}
				if tc.gps {
					g := p["gps"].(map[string]any)
					if fmt.Sprintf("%.5f,%.5f", g["lat"], g["lng"]) != "35.44117,108.22367" {
						t.Errorf("gps %v", g)
					}
				}
				if n := jobsFor(t, b, lead, id); n != tc.jobs {
					t.Errorf("%d jobs for the photo; want %d", n, tc.jobs)
				}
				thumb := func() *http.Request {
					return request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+id+"/thumbnail", w.token("officer"), nil)
				}
				if tc.atUpload == "pending" {
					wantProblem(t, w.do(thumb()), http.StatusConflict, "photo_processing")
				}
				if n := w.runJobs(t); n != tc.jobs {
					t.Errorf("%d jobs ran; want %d", n, tc.jobs)
				}
				p = photoByID(t, w, tok, lead, id)
				if p["processing"] != tc.final || p["processing_error"] != tc.reason || p["has_thumbnail"] != (tc.final == "done") ||
					p["width"] != tc.width || p["taken_at"] != tc.takenAt {
					t.Errorf("after the jobs: %v", p)
				}
				rec = w.do(thumb())
				if rec.Code != tc.thumbnail {
					t.Fatalf("thumbnail: %d %s", rec.Code, rec.Body)
				}
				if tc.thumbnail == http.StatusNotFound {
					wantProblem(t, rec, http.StatusNotFound, "not_found")
				}
				if tc.thumbWidth > 0 {
					cfg, err := jpegConfig(rec.Body.Bytes())
					if err != nil || float64(cfg.Width) != tc.thumbWidth {
						t.Errorf("thumbnail %+v, %v; want %v wide", cfg, err, tc.thumbWidth)
					}
				}
				// The original is kept and served in every case.
				rec = w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+id, w.token("officer"), nil))
				if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), tc.body) {
					t.Errorf("original: %d, %d bytes", rec.Code, rec.Body.Len())
				}
				if got := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead, tok, nil)))["photos_received"]; got != float64(1) {
					t.Errorf("photos_received %v", got)
				}
				// A retried upload answers the photo as it is now, without a new job.
				rec = w.do(putPhoto(tok, lead, id, tc.body, tc.contentTyp))
				if rec.Code != http.StatusOK || decodeBody(t, rec)["processing"] != tc.final || jobsFor(t, b, lead, id) != tc.jobs {
					t.Errorf("retried upload: %d %s, %d jobs", rec.Code, rec.Body, jobsFor(t, b, lead, id))
				}
			})
		}
	})
}

// TestPhotoWithoutItsJobIsNotStored: the job is written in the photo's
// transaction, so a photo insert that fails (here the photo id is taken by
// another lead's photo) leaves neither a job nor an object behind.
func TestPhotoWithoutItsJobIsNotStored(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		other := decodeBody(t, w.do(postLead(w.token("assistant2"), map[string]any{"kind": "other", "description": ""}, "")))["id"].(string)
		if rec := w.do(putPhoto(w.token("assistant2"), other, photoID(7), testJPEG(t, 64, 48, 1), "image/jpeg")); rec.Code != http.StatusCreated {
			t.Fatalf("first photo: %d %s", rec.Code, rec.Body)
		}
		lead := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		objects := b.CountObjects(t)
		wantProblem(t, w.do(putPhoto(w.token("assistant"), lead, photoID(7), testJPEG(t, 64, 48, 2), "image/jpeg")), http.StatusConflict, "conflict")
		if n := jobsFor(t, b, lead, photoID(7)); n != 0 {
			t.Errorf("%d jobs for a photo that was not stored", n)
		}
		if n := b.CountObjects(t); n != objects {
			t.Errorf("objects %d before, %d after", objects, n)
		}
		if n := jobsFor(t, b, other, photoID(7)); n != 1 {
			t.Errorf("the stored photo has %d jobs; want 1", n)
		}
	})
}

// TestPhotoJobLeaseExpires: a job claimed by a worker that then died is
// run by another once the lease has run out, not before.
func TestPhotoJobLeaseExpires(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		lead := decodeBody(t, w.do(postLead(tok, vehicleLead(), "")))["id"].(string)
		if rec := w.do(putPhoto(tok, lead, photoID(1), testJPEG(t, 640, 480, 1), "image/jpeg")); rec.Code != http.StatusCreated {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		lease := jobs.DefaultConfig().Lease
		if _, err := b.DB.Jobs().Claim(context.Background(), "crashed-worker", w.clock.now(), lease); err != nil {
			t.Fatal(err)
		}
		if n := w.runJobs(t); n != 0 {
			t.Fatalf("%d jobs ran while the crashed worker's lease held", n)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1)+"/thumbnail", tok, nil)), http.StatusConflict, "photo_processing")
		w.clock.add(lease + time.Second)
		if n := w.runJobs(t); n != 1 {
			t.Fatalf("%d jobs ran after the lease ran out; want 1", n)
		}
		if p := photoByID(t, w, tok, lead, photoID(1)); p["processing"] != "done" {
			t.Errorf("photo %v", p)
		}
	})
}

// TestPhotoJobRetriesThenFails: a job that cannot read the original (here
// deleted from the store behind the server's back) is retried with
// backoff, then fails for good; the photo then says so instead of staying
// pending, and its thumbnail is a 404.
func TestPhotoJobRetriesThenFails(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		w := newWorld(t, b)
		tok := w.token("assistant")
		lead := decodeBody(t, w.do(postLead(tok, vehicleLead(), "")))["id"].(string)
		if rec := w.do(putPhoto(tok, lead, photoID(1), testJPEG(t, 640, 480, 1), "image/jpeg")); rec.Code != http.StatusCreated {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		var key string
		if err := b.DB.SQL().QueryRowContext(ctx, "SELECT object_key FROM lead_photos WHERE id = ?", photoID(1)).Scan(&key); err != nil {
			t.Fatal(err)
		}
		if err := b.Objects.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		cfg := jobs.DefaultConfig()
		for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
			if n := w.runJobs(t); n != 1 {
				t.Fatalf("attempt %d: %d jobs ran; want 1", attempt, n)
			}
			var state string
			if err := b.DB.SQL().QueryRowContext(ctx, "SELECT state FROM jobs WHERE ref = ?", intake.PhotoJobRef(lead, photoID(1))).Scan(&state); err != nil {
				t.Fatal(err)
			}
			want := "queued"
			if attempt == cfg.MaxAttempts {
				want = "failed"
			}
			if state != want {
				t.Fatalf("after attempt %d the job is %s; want %s", attempt, state, want)
			}
			if attempt < cfg.MaxAttempts {
				if n := w.runJobs(t); n != 0 {
					t.Fatalf("attempt %d: the retry ran before its backoff", attempt)
				}
				if p := photoByID(t, w, tok, lead, photoID(1)); p["processing"] != "pending" {
					t.Fatalf("photo %v while retrying", p)
				}
			}
			w.clock.add(w.jobs.Backoff(attempt)) // less than the tokens' 15 minutes in all
		}
		if p := photoByID(t, w, tok, lead, photoID(1)); p["processing"] != "failed" || p["processing_error"] != "job_failed" {
			t.Errorf("photo %v; want failed, job_failed", p)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1)+"/thumbnail", tok, nil)), http.StatusNotFound, "not_found")
		rec := w.do(request(http.MethodGet, "/metrics", "", nil))
		if !strings.Contains(rec.Body.String(), `xiezhi_jobs{state="failed"} 1`) || !strings.Contains(rec.Body.String(), `xiezhi_jobs{state="queued"} 0`) {
			t.Errorf("/metrics does not count the failed job:\n%s", grepLines(rec.Body.String(), "xiezhi_jobs"))
		}
	})
}

// TestPhotoJobsConcurrentWorkers: workers running side by side process
// every photo exactly once.
func TestPhotoJobsConcurrentWorkers(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		var leads []string
		for _, name := range []string{"assistant", "assistant2"} {
			lead := decodeBody(t, w.do(postLead(w.token(name), map[string]any{"kind": "other", "description": ""}, "")))["id"].(string)
			leads = append(leads, lead)
			for i := range 9 {
				if rec := w.do(putPhoto(w.token(name), lead, photoID(len(leads)*10+i), testJPEG(t, 400, 300, uint8(len(leads)*10+i)), "image/jpeg")); rec.Code != http.StatusCreated {
					t.Fatalf("upload: %d %s", rec.Code, rec.Body)
				}
			}
		}
		if rec := w.do(request(http.MethodGet, "/metrics", "", nil)); !strings.Contains(rec.Body.String(), `xiezhi_jobs{state="queued"} 18`) {
			t.Errorf("/metrics does not count 18 queued jobs:\n%s", grepLines(rec.Body.String(), "xiezhi_jobs"))
		}
		// The real job code, counting its runs per job.
		var mu sync.Mutex
		runs := map[string]int{}
		r := newJobRunner(t, b, w.clock.now)
		r.Handle(domain.JobPhotoProcess, jobs.Handler{Run: func(ctx context.Context, j domain.Job) error {
			mu.Lock()
			runs[j.Ref]++
			mu.Unlock()
			return w.intake.RunPhotoJob(ctx, j)
		}})
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				for {
					ran, err := r.RunOne(context.Background(), fmt.Sprintf("worker-%d", i))
					if err != nil {
						errs <- err
						return
					}
					if !ran {
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(runs) != 18 {
			t.Errorf("%d photos processed; want 18", len(runs))
		}
		for ref, n := range runs {
			if n != 1 {
				t.Errorf("%s processed %d times", ref, n)
			}
		}
		for i, lead := range leads {
			for j := range 9 {
				if p := photoByID(t, w, w.token([]string{"assistant", "assistant2"}[i]), lead, photoID((i+1)*10+j)); p["processing"] != "done" {
					t.Errorf("photo %v", p)
				}
			}
		}
	})
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestConcurrentPhotosOfOneLead: twelve photos sent to one lead at once
// end as nine stored (each with its job and its object) and three refused,
// with nothing left of the refused ones.
func TestConcurrentPhotosOfOneLead(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		lead := decodeBody(t, w.do(postLead(tok, map[string]any{"kind": "other", "description": "", "photos_expected": 2}, "")))["id"].(string)
		pics := make([][]byte, 12)
		for i := range pics {
			pics[i] = testJPEG(t, 120, 90, uint8(40+i))
		}
		codes := make([]int, len(pics))
		var wg sync.WaitGroup
		for i := range pics {
			wg.Go(func() {
				codes[i] = w.do(putPhoto(tok, lead, photoID(200+i), pics[i], "image/jpeg")).Code
			})
		}
		wg.Wait()
		created, refused := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				refused++
			}
		}
		if created != 9 || refused != 3 {
			t.Errorf("answers %v; want nine 201 and three 409", codes)
		}
		l := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead, tok, nil)))
		if l["photos_received"] != float64(9) || l["photos_expected"] != float64(9) {
			t.Errorf("lead counts %v of %v", l["photos_received"], l["photos_expected"])
		}
		if n := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos", tok, nil)))["photos"].([]any)); n != 9 {
			t.Errorf("%d photos listed", n)
		}
		if n := b.CountObjects(t); n != 9 {
			t.Errorf("%d objects stored; want 9", n)
		}
		if n := w.runJobs(t); n != 9 {
			t.Errorf("%d jobs ran; want 9", n)
		}
	})
}
