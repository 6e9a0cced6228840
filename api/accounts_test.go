package api_test

import (
	"net/http"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// TestUserAdministration: an admin creates an account with a one-time
// password; the user must set their own before anything else works.
func TestUserAdministration(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		admin := w.token("admin")
		rec := w.do(request(http.MethodPost, "/v1/users", admin, map[string]string{
			"phone": "+86 139-1234-5678", "name": "王协执", "role": "assistant", "village_id": w.villageB.ID,
		}))
		if rec.Code != http.StatusCreated || rec.Header().Get("Location") == "" || rec.Header().Get("ETag") == "" {
			t.Fatalf("create: %d %s %v", rec.Code, rec.Body, rec.Header())
		}
		created := decodeBody(t, rec)
		otp := created["one_time_password"].(string)
		user := created["user"].(map[string]any)
		id := user["id"].(string)
		if user["phone"] != "13912345678" || user["must_change_password"] != true || len(user["grid_ids"].([]any)) != 1 {
			t.Errorf("created user %v", user)
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/users", admin, map[string]string{
			"phone": "13912345678", "name": "重复", "role": "admin",
		})), http.StatusConflict, "conflict")
		p := wantProblem(t, w.do(request(http.MethodPost, "/v1/users", admin, map[string]string{
			"phone": "139", "name": "", "role": "assistant",
		})), http.StatusUnprocessableEntity, "validation_failed")
		if n := len(p["errors"].([]any)); n != 3 {
			t.Errorf("want phone, name and village_id errors at once, got %v", p["errors"])
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/users", admin, map[string]string{
			"phone": "13912345679", "name": "干警", "role": "officer", "team_id": "no-such-team",
		})), http.StatusUnprocessableEntity, "validation_failed")

		// First login with the one-time password: only the account routes.
		rec = w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": "13912345678", "password": otp}))
		if rec.Code != 200 || decodeBody(t, rec)["must_change_password"] != true {
			t.Fatalf("login with otp: %d %s", rec.Code, rec.Body)
		}
		tok := decodeBody(t, rec)["access_token"].(string)
		wantProblem(t, w.do(request(http.MethodGet, "/v1/grids", tok, nil)), http.StatusForbidden, "password_change_required")
		if rec := w.do(request(http.MethodGet, "/v1/me", tok, nil)); rec.Code != 200 {
			t.Errorf("/v1/me before the change: %d", rec.Code)
		}
		p = wantProblem(t, w.do(request(http.MethodPost, "/v1/me/password", tok, map[string]string{"current_password": otp, "new_password": "woaini1314"})), 422, "validation_failed")
		if p["errors"].([]any)[0].(map[string]any)["code"] != "too_common" {
			t.Errorf("weak password: %v", p["errors"])
		}
		if rec := w.do(request(http.MethodPost, "/v1/me/password", tok, map[string]string{"current_password": otp, "new_password": "黄土高原上的苹果树开花"})); rec.Code != http.StatusNoContent {
			t.Fatalf("change: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", tok, nil)), 401, "unauthorized") // all sessions ended
		rec = w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": "13912345678", "password": "黄土高原上的苹果树开花"}))
		if rec.Code != 200 || decodeBody(t, rec)["must_change_password"] != false {
			t.Fatalf("login with the new password: %d %s", rec.Code, rec.Body)
		}

		// Updates use If-Match.
		rec = w.do(request(http.MethodGet, "/v1/users/"+id, w.token("auditor"), nil))
		etag := rec.Header().Get("ETag")
		req := request(http.MethodPatch, "/v1/users/"+id, admin, map[string]string{"name": "王协执员"})
		req.Header.Set("If-Match", etag)
		rec = w.do(req)
		if rec.Code != 200 || rec.Header().Get("ETag") == etag || decodeBody(t, rec)["name"] != "王协执员" {
			t.Fatalf("patch: %d %s", rec.Code, rec.Body)
		}
		req = request(http.MethodPatch, "/v1/users/"+id, admin, map[string]string{"name": "过期"})
		req.Header.Set("If-Match", etag)
		wantProblem(t, w.do(req), http.StatusPreconditionFailed, "precondition_failed")
		wantProblem(t, w.do(request(http.MethodPatch, "/v1/users/"+id, admin, map[string]string{"phone": w.users["officer"].Phone})), http.StatusConflict, "conflict")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/users/no-such-user", admin, nil)), http.StatusNotFound, "not_found")

		// Reset: a new one-time password, sessions ended.
		rec = w.do(request(http.MethodPost, "/v1/users/"+id+"/password-reset", admin, nil))
		if rec.Code != 200 || decodeBody(t, rec)["one_time_password"] == otp {
			t.Fatalf("reset: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": "13912345678", "password": "黄土高原上的苹果树开花"})), 401, "unauthorized")

		wantProblem(t, w.do(request(http.MethodPost, "/v1/users/"+w.users["admin"].ID+"/disable", admin, nil)), http.StatusConflict, "conflict")
	})
}

func TestListUsersAPI(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("auditor")
		var names []string
		cursor := ""
		for range 10 {
			path := "/v1/users?limit=3"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			rec := w.do(request(http.MethodGet, path, tok, nil))
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			page := decodeBody(t, rec)
			for _, u := range page["users"].([]any) {
				names = append(names, u.(map[string]any)["name"].(string))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(names) != len(fixtureUsers) {
			t.Errorf("paged through %d users, want %d: %v", len(names), len(fixtureUsers), names)
		}
		rec := w.do(request(http.MethodGet, "/v1/users?role=officer&role=grid_lead&grid_id="+w.gridA.ID, tok, nil))
		if got := len(decodeBody(t, rec)["users"].([]any)); got != 2 {
			t.Errorf("officers and grid leads of grid A: %d", got)
		}
		for _, bad := range []string{"limit=0", "limit=201", "role=king", "status=gone", "cursor=%25%25"} {
			wantProblem(t, w.do(request(http.MethodGet, "/v1/users?"+bad, tok, nil)), 422, "validation_failed")
		}
	})
}

// TestSessions: a user sees and ends their own sessions, never another's.
func TestSessions(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		phone := w.login("assistant")
		tablet := w.login("assistant")
		rec := w.do(request(http.MethodGet, "/v1/me/sessions", phone["access_token"].(string), nil))
		list := decodeBody(t, rec)["sessions"].([]any)
		if len(list) != 2 {
			t.Fatalf("sessions %v", list)
		}
		current := 0
		for _, s := range list {
			if s.(map[string]any)["current"] == true {
				current++
				if s.(map[string]any)["id"] != phone["session_id"] {
					t.Error("the wrong session is current")
				}
			}
		}
		if current != 1 {
			t.Errorf("%d current sessions", current)
		}
		// Another assistant cannot end it: 404, as if it did not exist.
		wantProblem(t, w.do(request(http.MethodDelete, "/v1/me/sessions/"+tablet["session_id"].(string), w.token("assistant2"), nil)), 404, "not_found")
		if rec := w.do(request(http.MethodDelete, "/v1/me/sessions/"+tablet["session_id"].(string), phone["access_token"].(string), nil)); rec.Code != 204 {
			t.Fatalf("end session: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", tablet["access_token"].(string), nil)), 401, "unauthorized")
		wantProblem(t, w.do(request(http.MethodDelete, "/v1/me/sessions/"+tablet["session_id"].(string), phone["access_token"].(string), nil)), 404, "not_found")
		p := wantProblem(t, w.do(request(http.MethodPost, "/v1/me/password", phone["access_token"].(string), map[string]string{"current_password": "wrong", "new_password": "黄土高原上的苹果树开花"})), 422, "validation_failed")
		if p["errors"].([]any)[0].(map[string]any)["code"] != "mismatch" {
			t.Errorf("wrong current password: %v", p["errors"])
		}
	})
}
