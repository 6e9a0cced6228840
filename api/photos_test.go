package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/api/apitest"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// testJPEG makes a w×h JPEG with some detail, different for each seed.
func testJPEG(t *testing.T, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x) ^ seed, uint8(y), seed, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testPNG(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i) + seed
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegConfig reads a JPEG's size.
func jpegConfig(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

func putPhoto(token, lead, photo string, body []byte, contentType string) *http.Request {
	r := request(http.MethodPut, "/v1/leads/"+lead+"/photos/"+photo, token, body)
	r.Header.Set("Content-Type", contentType)
	return r
}

func photoID(n int) string { return fmt.Sprintf("0193a3c4-4444-7bbb-8ccc-%012d", n) }

func TestPhotoUpload(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		lead := decodeBody(t, w.do(postLead(tok, vehicleLead(), "")))["id"].(string)
		pic := testJPEG(t, 800, 600, 1)

		req := putPhoto(tok, lead, photoID(1), pic, "image/jpeg")
		req.Header.Set("Content-Digest", digestOf(pic))
		rec := w.do(req)
		if rec.Code != http.StatusCreated {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		// Stored at once, with its size from the header; the thumbnail
		// comes from a background job.
		p := decodeBody(t, rec)
		sum := sha256.Sum256(pic)
		if p["width"] != float64(800) || p["height"] != float64(600) || p["has_thumbnail"] != false || p["processing"] != "pending" ||
			p["sha256"] != fmt.Sprintf("%x", sum) || p["size"] != float64(len(pic)) {
			t.Errorf("photo %v", p)
		}
		thumb := request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1)+"/thumbnail", tok, nil)
		thumb.Header.Set("Accept-Language", "en")
		rec = w.do(thumb)
		wantProblem(t, rec, http.StatusConflict, "photo_processing")
		if rec.Header().Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q; want 1", rec.Header().Get("Retry-After"))
		}
		if n := w.runJobs(t); n != 1 {
			t.Errorf("%d jobs ran after one upload; want 1", n)
		}
		p = photoByID(t, w, tok, lead, photoID(1))
		if p["processing"] != "done" || p["has_thumbnail"] != true || p["processing_error"] != nil {
			t.Errorf("after the job: %v", p)
		}
		if got := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead, tok, nil)))["photos_received"]; got != float64(1) {
			t.Errorf("photos_received %v", got)
		}
		objects := b.CountObjects(t)

		// A retry of the same upload stores nothing more.
		if rec := w.do(putPhoto(tok, lead, photoID(1), pic, "image/jpeg")); rec.Code != http.StatusOK {
			t.Errorf("retry: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(putPhoto(tok, lead, photoID(1), testJPEG(t, 800, 600, 2), "image/jpeg")), 409, "conflict")
		if n := b.CountObjects(t); n != objects {
			t.Errorf("retries changed the stored objects: %d, then %d", objects, n)
		}

		// The original comes back byte for byte; the thumbnail is 320 wide.
		rec = w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1), w.token("officer"), nil))
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pic) || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "private") {
			t.Fatalf("original: %d, %d bytes, %v", rec.Code, rec.Body.Len(), rec.Header())
		}
		get := request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1), tok, nil)
		get.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		if rec := w.do(get); rec.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", rec.Code)
		}
		rec = w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos/"+photoID(1)+"/thumbnail", tok, nil))
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
		if rec.Code != 200 || err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Errorf("thumbnail: %d %v %+v", rec.Code, err, cfg)
		}
		rec = w.do(putPhoto(tok, lead, photoID(2), testPNG(t, 1), "application/octet-stream"))
		if rec.Code != 201 || decodeBody(t, rec)["content_type"] != "image/png" {
			t.Errorf("png: %d %s", rec.Code, rec.Body)
		}
		w.runJobs(t)
		if p := photoByID(t, w, tok, lead, photoID(2)); p["processing"] != "done" || p["width"] != float64(40) || p["height"] != float64(30) {
			t.Errorf("png after the job: %v", p)
		}
		list := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos", tok, nil)))["photos"].([]any)
		if len(list) != 2 {
			t.Errorf("photos %v", list)
		}

		// The same picture on another lead is flagged for the officer.
		other := decodeBody(t, w.do(postLead(w.token("assistant2"), map[string]any{"kind": "other", "description": ""}, "")))["id"].(string)
		if rec := w.do(putPhoto(w.token("assistant2"), other, photoID(3), pic, "image/jpeg")); rec.Code != 201 {
			t.Fatalf("second lead photo: %d %s", rec.Code, rec.Body)
		}
		dups := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+other, w.token("officer"), nil)))["possible_duplicates"].([]any)
		if len(dups) != 1 || dups[0].(map[string]any)["reason"] != "same_photo" || dups[0].(map[string]any)["lead_id"] != lead {
			t.Errorf("same photo not flagged: %v", dups)
		}
	})
}

// photoByID returns a photo of the lead's photo list.
func photoByID(t *testing.T, w *world, token, lead, id string) map[string]any {
	t.Helper()
	for _, p := range decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos", token, nil)))["photos"].([]any) {
		if p := p.(map[string]any); p["id"] == id {
			return p
		}
	}
	t.Fatalf("lead %s has no photo %s", lead, id)
	return nil
}

// failingReader gives n bytes, then fails like a dropped connection.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// TestPhotoBadInput: every bad upload is a clear 4xx and leaves no photo
// record and no object behind.
func TestPhotoBadInput(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		lead := decodeBody(t, w.do(postLead(tok, vehicleLead(), "")))["id"].(string)
		pic := testJPEG(t, 640, 480, 7)
		big := append(append([]byte{}, pic[:len(pic)-2]...), make([]byte, 10<<20)...)

		tests := []struct {
			name   string
			req    func() *http.Request
			status int
			code   string
			stream bool // the body must reach the router unbuffered
		}{
			{"decompression bomb (40000x40000 declared)", func() *http.Request { return putPhoto(tok, lead, photoID(10), jpegBomb(40000, 40000), "image/jpeg") },
				422, "validation_failed", false},
			{"html declared as jpeg", func() *http.Request {
				return putPhoto(tok, lead, photoID(10), []byte("<!DOCTYPE html><html><body>hi</body></html>"), "image/jpeg")
			}, 415, "unsupported_media_type", false},
			{"svg declared as jpeg", func() *http.Request {
				return putPhoto(tok, lead, photoID(10), []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "image/jpeg")
			}, 415, "unsupported_media_type", false},
			{"truncated jpeg", func() *http.Request { return putPhoto(tok, lead, photoID(10), pic[:len(pic)/2], "image/jpeg") }, 422, "validation_failed", false},
			{"empty body", func() *http.Request { return putPhoto(tok, lead, photoID(10), []byte{}, "image/jpeg") }, 422, "validation_failed", false},
			{"digest mismatch", func() *http.Request {
				r := putPhoto(tok, lead, photoID(10), pic, "image/jpeg")
				r.Header.Set("Content-Digest", digestOf([]byte("something else")))
				return r
			}, 422, "validation_failed", false},
			{"malformed digest", func() *http.Request {
				r := putPhoto(tok, lead, photoID(10), pic, "image/jpeg")
				r.Header.Set("Repr-Digest", "sha-256=:bm9wZQ==:")
				return r
			}, 422, "validation_failed", false},
			{"over the cap", func() *http.Request { return putPhoto(tok, lead, photoID(10), big, "image/jpeg") }, 413, "payload_too_large", false},
			{"body longer than its Content-Length", func() *http.Request {
				r := putPhoto(tok, lead, photoID(10), pic, "image/jpeg")
				r.ContentLength = int64(len(pic) - 100)
				return r
			}, 400, "invalid_request", false},
			{"connection cut half-way", func() *http.Request {
				r := putPhoto(tok, lead, photoID(10), nil, "image/jpeg")
				r.Body = io.NopCloser(&failingReader{r: bytes.NewReader(pic), n: len(pic) / 2})
				r.ContentLength = int64(len(pic))
				return r
			}, 400, "invalid_request", true},
			{"photo id not a uuid", func() *http.Request { return putPhoto(tok, lead, "photo-1", pic, "image/jpeg") }, 422, "validation_failed", false},
			{"another assistant's lead", func() *http.Request { return putPhoto(w.token("assistant2"), lead, photoID(10), pic, "image/jpeg") }, 404, "not_found", false},
			{"an officer is not the reporter", func() *http.Request { return putPhoto(w.token("officer"), lead, photoID(10), pic, "image/jpeg") }, 403, "forbidden", false},
			{"unknown lead", func() *http.Request {
				return putPhoto(tok, "0193a3c4-9999-7bbb-8ccc-123456789abc", photoID(10), pic, "image/jpeg")
			}, 404, "not_found", false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := b.CountObjects(t)
				req := tc.req()
				var rec *httptest.ResponseRecorder
				if tc.stream {
					rec = httptest.NewRecorder()
					w.router.ServeHTTP(rec, req)
					apitest.ValidateResponse(t, req, rec)
				} else {
					rec = w.do(req)
				}
				p := wantProblem(t, rec, tc.status, tc.code)
				if field, ok := map[string]string{"truncated jpeg": "corrupt_image", "decompression bomb (40000x40000 declared)": "too_many_pixels",
					"empty body": "required", "digest mismatch": "mismatch"}[tc.name]; ok {
					if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["code"] != field {
						t.Errorf("errors %v; want one %s", p["errors"], field)
					}
				}
				if n := b.CountObjects(t); n != before {
					t.Errorf("objects %d before, %d after", before, n)
				}
				if n := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+lead+"/photos", tok, nil)))["photos"].([]any)); n != 0 {
					t.Errorf("%d photo records after a refused upload", n)
				}
				if n := jobsFor(t, b, lead, photoID(10)); n != 0 {
					t.Errorf("%d jobs after a refused upload", n)
				}
			})
		}
		// The upload that was cut half-way succeeds when retried.
		req := putPhoto(tok, lead, photoID(10), pic, "image/jpeg")
		req.Header.Set("Content-Digest", digestOf(pic))
		if rec := w.do(req); rec.Code != 201 {
			t.Fatalf("retry after the cut: %d %s", rec.Code, rec.Body)
		}
		// Nine photos at most; a withdrawn lead takes none.
		for i := 11; i < 19; i++ {
			if rec := w.do(putPhoto(tok, lead, photoID(i), testPNG(t, uint8(i)), "image/png")); rec.Code != 201 {
				t.Fatalf("photo %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		wantProblem(t, w.do(putPhoto(tok, lead, photoID(19), testPNG(t, 19), "image/png")), 409, "conflict")
		other := decodeBody(t, w.do(postLead(tok, map[string]any{"kind": "other", "description": ""}, "")))["id"].(string)
		w.do(request(http.MethodPost, "/v1/leads/"+other+"/withdraw", tok, map[string]any{}))
		wantProblem(t, w.do(putPhoto(tok, other, photoID(20), pic, "image/jpeg")), 409, "conflict")
	})
}
