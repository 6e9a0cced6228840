package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/sealer"
	"github.com/zhengning-court/xiezhi/internal/usecasetest"
)

// testSealer seals the world's ID numbers with a fixed key.
var testSealer = func() *sealer.Sealer {
	s, err := sealer.New(bytes.Repeat([]byte{0x5a}, sealer.KeySize))
	if err != nil {
		panic(err)
	}
	return s
}()

// residentID is usecasetest.ResidentID.
var residentID = usecasetest.ResidentID

// creditCode completes 17 characters with their GB 32100 check character.
func creditCode(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i, w := range weights {
		sum += strings.IndexByte(alphabet, first17[i]) * w
	}
	return first17 + string(alphabet[(31-sum%31)%31])
}

// wrongCheck changes the last character of a valid number.
func wrongCheck(id string) string {
	last := byte('0')
	if id[17] == '0' {
		last = '1'
	}
	return id[:17] + string(last)
}

func (w *world) createDebtor(token string, body map[string]any) map[string]any {
	w.t.Helper()
	rec := w.do(request(http.MethodPost, "/v1/debtors", token, body))
	if rec.Code != http.StatusCreated {
		w.t.Fatalf("create debtor: %d %s", rec.Code, rec.Body)
	}
	return decodeBody(w.t, rec)
}

func (w *world) createCase(token string, body map[string]any) map[string]any {
	w.t.Helper()
	rec := w.do(request(http.MethodPost, "/v1/cases", token, body))
	if rec.Code != http.StatusCreated {
		w.t.Fatalf("create case: %d %s", rec.Code, rec.Body)
	}
	return decodeBody(w.t, rec)
}

func fieldCodes(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		e := e.(map[string]any)
		out = append(out, fmt.Sprint(e["field"], ":", e["code"]))
	}
	return out
}

// TestCaseAndDebtorLifecycle walks an officer through creating a debtor and
// a case, linking, changing and reading them, and checks that no answer
// carries the full ID number.
func TestCaseAndDebtorLifecycle(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		id := residentID("62102519800101001")
		var bodies []string
		keep := func(rec interface{ String() string }) { bodies = append(bodies, rec.String()) }

		// Full-width digits and a lower-case x are how people type them.
		d := w.createDebtor(off, map[string]any{"kind": "person", "name": "赵建国", "id_number": " " + strings.ToLower(id) + " ", "village_id": w.villageA.ID})
		if d["masked_id"] != id[:6]+"********"+id[14:] || d["grid_id"] != w.gridA.ID || d["village_id"] != w.villageA.ID {
			t.Errorf("debtor: %v", d)
		}
		debtor := d["id"].(string)
		if at := w.clock.now().UTC().Format(time.RFC3339); d["created_at"] != at || d["updated_at"] != at {
			t.Errorf("debtor stamped %v / %v, want the application's clock %s", d["created_at"], d["updated_at"], at)
		}
		co := w.createDebtor(w.token("admin"), map[string]any{"kind": "company", "name": "正宁县某农机合作社", "id_number": creditCode("93621025MA7ABCDE0")})
		if co["village_id"] != nil || co["grid_id"] != nil {
			t.Errorf("company without village: %v", co)
		}

		c := w.createCase(off, map[string]any{"case_number": "(2025) 甘1025执 88 号", "category": "livelihood", "amount_due_fen": 3860000, "debtor_ids": []string{debtor}})
		if c["case_number"] != "（2025）甘1025执88号" || c["green_channel"] != true || c["status"] != "open" || c["amount_recovered_fen"] != float64(0) {
			t.Errorf("case: %v", c)
		}
		cs := c["id"].(string)
		rec := w.do(request(http.MethodGet, "/v1/cases/"+cs, off, nil))
		keep(rec.Body)
		if rec.Code != 200 || rec.Header().Get("ETag") != `"1"` {
			t.Fatalf("get case: %d %s %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
		}

		// Change with the current version, then with the stale one.
		patch := request(http.MethodPatch, "/v1/cases/"+cs, off, map[string]any{"amount_recovered_fen": 1200000})
		patch.Header.Set("If-Match", `"1"`)
		rec = w.do(patch)
		keep(rec.Body)
		if rec.Code != 200 || decodeBody(t, rec)["amount_recovered_fen"] != float64(1200000) || rec.Header().Get("ETag") != `"2"` {
			t.Fatalf("patch: %d %s", rec.Code, rec.Body)
		}
		stale := request(http.MethodPatch, "/v1/cases/"+cs, off, map[string]any{"status": "closed"})
		stale.Header.Set("If-Match", `"1"`)
		wantProblem(t, w.do(stale), http.StatusPreconditionFailed, "precondition_failed")
		staleDebtor := request(http.MethodPatch, "/v1/debtors/"+debtor, off, map[string]any{"name": "赵某"})
		staleDebtor.Header.Set("If-Match", `"7"`)
		wantProblem(t, w.do(staleDebtor), http.StatusPreconditionFailed, "precondition_failed")

		// Link a second debtor (twice: the second time changes nothing).
		d2 := w.createDebtor(off, map[string]any{"kind": "person", "name": "钱某", "id_number": residentID("62102519900505002"), "village_id": w.villageA2.ID})
		for range 2 {
			rec = w.do(request(http.MethodPost, "/v1/cases/"+cs+"/debtors", off, map[string]any{"debtor_id": d2["id"]}))
			keep(rec.Body)
			if rec.Code != 200 || len(decodeBody(t, rec)["debtor_ids"].([]any)) != 2 {
				t.Fatalf("link: %d %s", rec.Code, rec.Body)
			}
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/cases/"+cs+"/debtors", off, map[string]any{"debtor_id": co["id"]})), 422, "validation_failed")

		// Lists, the exact look-up by ID number, and the audit trail.
		for _, path := range []string{"/v1/cases", "/v1/cases?status=open&category=livelihood&debtor_id=" + debtor, "/v1/debtors", "/v1/debtors?q=赵", "/v1/debtors?id_number=" + id} {
			rec = w.do(request(http.MethodGet, path, off, nil))
			keep(rec.Body)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), debtor) {
				t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
			}
		}
		rec = w.do(request(http.MethodGet, "/v1/debtors?id_number="+residentID("62102519700101003"), off, nil))
		if rec.Code != 200 || strings.Contains(rec.Body.String(), debtor) {
			t.Errorf("look-up of another number: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(request(http.MethodGet, "/v1/audit?limit=200", w.token("auditor"), nil))
		keep(rec.Body)
		var actions []string
		for _, e := range decodeBody(t, rec)["entries"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		want := "case.link_debtor debtor.create case.update case.create debtor.create debtor.create"
		if strings.Join(actions, " ") != want {
			t.Errorf("audit actions %v, want %s", actions, want)
		}
		for _, body := range bodies {
			if strings.Contains(body, id) || strings.Contains(body, strings.ToLower(id)) {
				t.Errorf("a response carries the full ID number: %s", body)
			}
		}
	})
}

func TestCaseBadInput(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		d := w.createDebtor(off, map[string]any{"kind": "person", "name": "赵建国", "id_number": residentID("62102519800101001"), "village_id": w.villageA.ID})
		debtors := []string{d["id"].(string)}
		tests := []struct {
			name string
			body string
			want []string
		}{
			{"old form with 执字第", `{"case_number":"(2015)正执字第00123号","debtor_ids":["` + debtors[0] + `"]}`, []string{"case_number:old_format"}},
			{"leading zeros", `{"case_number":"(2022)甘1025执0123号","debtor_ids":["` + debtors[0] + `"]}`, []string{"case_number:leading_zero"}},
			{"not an enforcement case", `{"case_number":"(2022)甘1025民初123号","debtor_ids":["` + debtors[0] + `"]}`, []string{"case_number:not_enforcement"}},
			{"missing number", `{"debtor_ids":["` + debtors[0] + `"]}`, []string{"case_number:required"}},
			{"negative amounts", `{"case_number":"(2022)甘1025执1号","amount_due_fen":-1,"amount_recovered_fen":-5,"debtor_ids":["` + debtors[0] + `"]}`,
				[]string{"amount_due_fen:out_of_range", "amount_recovered_fen:out_of_range"}},
			{"fractional amount", `{"case_number":"(2022)甘1025执1号","amount_due_fen":12.5,"debtor_ids":["` + debtors[0] + `"]}`, []string{"amount_due_fen:invalid"}},
			{"amount as a string", `{"case_number":"(2022)甘1025执1号","amount_due_fen":"100","debtor_ids":["` + debtors[0] + `"]}`, []string{"amount_due_fen:invalid"}},
			{"unknown category and status", `{"case_number":"(2022)甘1025执1号","category":"urgent","status":"pending","debtor_ids":["` + debtors[0] + `"]}`,
				[]string{"category:invalid", "status:invalid"}},
			{"officer without debtors", `{"case_number":"(2022)甘1025执1号"}`, []string{"debtor_ids:required"}},
			{"unknown debtor", `{"case_number":"(2022)甘1025执1号","debtor_ids":["nobody"]}`, []string{"debtor_ids[0]:unknown"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := wantProblem(t, w.do(request(http.MethodPost, "/v1/cases", off, tc.body)), 422, "validation_failed")
				if got := strings.Join(fieldCodes(p), " "); got != strings.Join(tc.want, " ") {
					t.Errorf("errors %s, want %s", got, strings.Join(tc.want, " "))
				}
			})
		}
		// A taken number is a conflict, however it is written.
		w.createCase(off, map[string]any{"case_number": "（2022）甘1025执1号", "debtor_ids": debtors})
		wantProblem(t, w.do(request(http.MethodPost, "/v1/cases", off, map[string]any{"case_number": "(2022)甘1025执1号", "debtor_ids": debtors})), 409, "conflict")
		// Nothing half-done was left: one case, one create entry.
		list := decodeBody(t, w.do(request(http.MethodGet, "/v1/cases", w.token("admin"), nil)))["cases"].([]any)
		audit := decodeBody(t, w.do(request(http.MethodGet, "/v1/audit?action=case.create", w.token("admin"), nil)))["entries"].([]any)
		if len(list) != 1 || len(audit) != 1 {
			t.Errorf("%d cases, %d case.create entries; want 1 and 1", len(list), len(audit))
		}
	})
}

func TestDebtorBadInput(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		good := residentID("62102519800101001")
		w.createDebtor(off, map[string]any{"kind": "person", "name": "赵建国", "id_number": good, "village_id": w.villageA.ID})
		tests := []struct {
			name string
			body map[string]any
			want []string
		}{
			{"bad check digit", map[string]any{"kind": "person", "name": "甲", "id_number": wrongCheck(residentID("62102519850315002")), "village_id": w.villageA.ID}, []string{"id_number:bad_check_digit"}},
			{"impossible birth date", map[string]any{"kind": "person", "name": "甲", "id_number": residentID("62102519800230002"), "village_id": w.villageA.ID}, []string{"id_number:invalid_birth_date"}},
			{"born in the future", map[string]any{"kind": "person", "name": "甲", "id_number": residentID("62102521990101002"), "village_id": w.villageA.ID}, []string{"id_number:invalid_birth_date"}},
			{"15-digit old ID", map[string]any{"kind": "person", "name": "甲", "id_number": "621025800101001", "village_id": w.villageA.ID}, []string{"id_number:invalid_length"}},
			{"credit code check", map[string]any{"kind": "company", "name": "某公司", "id_number": wrongCheck(creditCode("91621025MA71234AB")), "village_id": w.villageA.ID}, []string{"id_number:bad_check_digit"}},
			{"resident ID as a company", map[string]any{"kind": "company", "name": "某公司", "id_number": residentID("62102519850315002"), "village_id": w.villageA.ID}, []string{"id_number:bad_check_digit"}},
			{"nothing", map[string]any{}, []string{"kind:required", "name:required", "id_number:required", "village_id:required"}},
			{"unknown kind", map[string]any{"kind": "robot", "name": "甲", "id_number": good, "village_id": w.villageA.ID}, []string{"kind:invalid"}},
			{"village of another grid", map[string]any{"kind": "person", "name": "甲", "id_number": residentID("62102519850315002"), "village_id": w.villageB.ID}, []string{"village_id:other_grid"}},
			{"unknown village", map[string]any{"kind": "person", "name": "甲", "id_number": residentID("62102519850315002"), "village_id": "nowhere"}, []string{"village_id:unknown_village"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := wantProblem(t, w.do(request(http.MethodPost, "/v1/debtors", off, tc.body)), 422, "validation_failed")
				if got := strings.Join(fieldCodes(p), " "); got != strings.Join(tc.want, " ") {
					t.Errorf("errors %s, want %s", got, strings.Join(tc.want, " "))
				}
			})
		}
		// The same number again, however written, and by whoever: 409.
		for _, tok := range []string{off, w.token("officerB"), w.token("admin")} {
			body := map[string]any{"kind": "person", "name": "赵某", "id_number": strings.Replace(good, "6", "６", 1), "village_id": w.villageA.ID}
			if tok == w.token("officerB") {
				body["village_id"] = w.villageB.ID
			}
			wantProblem(t, w.do(request(http.MethodPost, "/v1/debtors", tok, body)), 409, "conflict")
		}
	})
}

// TestCaseScope: officers see the cases and debtors of their grids only;
// other grids' answer 404, assistants 403.
func TestCaseScope(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		d := w.createDebtor(off, map[string]any{"kind": "person", "name": "赵建国", "id_number": residentID("62102519800101001"), "village_id": w.villageA.ID})
		debtor := d["id"].(string)
		cs := w.createCase(off, map[string]any{"case_number": "（2024）甘1025执7号", "debtor_ids": []string{debtor}})["id"].(string)

		for _, tc := range []struct {
			user   string
			status int
		}{{"officer", 200}, {"gridlead", 200}, {"admin", 200}, {"auditor", 200}, {"officerB", 404}, {"assistant", 403}} {
			for _, path := range []string{"/v1/cases/" + cs, "/v1/debtors/" + debtor} {
				rec := w.do(request(http.MethodGet, path, w.token(tc.user), nil))
				if rec.Code != tc.status {
					t.Errorf("%s GET %s: %d, want %d", tc.user, path, rec.Code, tc.status)
				}
			}
		}
		offB := w.token("officerB")
		wantProblem(t, w.do(request(http.MethodPatch, "/v1/cases/"+cs, offB, map[string]any{"status": "closed"})), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodPatch, "/v1/debtors/"+debtor, offB, map[string]any{"name": "x"})), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/debtors/"+debtor+"/unmask", offB, map[string]any{"reason": "查询车辆登记"})), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/cases/"+cs+"/debtors", offB, map[string]any{"debtor_id": debtor})), 404, "not_found")
		for _, path := range []string{"/v1/cases", "/v1/debtors"} {
			if rec := w.do(request(http.MethodGet, path, offB, nil)); rec.Code != 200 || strings.Contains(rec.Body.String(), debtor) {
				t.Errorf("officerB lists %s: %d %s", path, rec.Code, rec.Body)
			}
		}
		// Moving the debtor to grid B moves the case with it.
		mv := w.do(request(http.MethodPatch, "/v1/debtors/"+debtor, w.token("admin"), map[string]any{"village_id": w.villageB.ID}))
		if mv.Code != 200 {
			t.Fatalf("move: %d %s", mv.Code, mv.Body)
		}
		if rec := w.do(request(http.MethodGet, "/v1/cases/"+cs, offB, nil)); rec.Code != 200 {
			t.Errorf("officerB after the move: %d", rec.Code)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/cases/"+cs, off, nil)), 404, "not_found")
	})
}

func TestUnmaskIsAudited(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		id := residentID("62102519800101001")
		debtor := w.createDebtor(off, map[string]any{"kind": "person", "name": "赵建国", "id_number": id, "village_id": w.villageA.ID})["id"].(string)
		unmask := func(user, reason string) *http.Request {
			return request(http.MethodPost, "/v1/debtors/"+debtor+"/unmask", w.token(user), map[string]any{"reason": reason})
		}

		for _, tc := range []struct{ reason, code string }{{"", "required"}, {"查一下", "too_short"}, {strings.Repeat("长", 501), "too_long"}} {
			p := wantProblem(t, w.do(unmask("officer", tc.reason)), 422, "validation_failed")
			if got := fieldCodes(p); len(got) != 1 || got[0] != "reason:"+tc.code {
				t.Errorf("reason %q: %v", tc.reason, got)
			}
		}
		wantProblem(t, w.do(unmask("auditor", "审计抽查身份证号")), 403, "forbidden")
		wantProblem(t, w.do(unmask("assistant", "想知道身份证号")), 403, "forbidden")

		reason := "向车管所查询名下车辆，需完整身份证号"
		rec := w.do(unmask("officer", reason))
		if rec.Code != 200 || decodeBody(t, rec)["id_number"] != id || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("unmask: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(request(http.MethodGet, "/v1/audit?action=debtor.unmask&subject_id="+debtor, w.token("auditor"), nil))
		entries := decodeBody(t, rec)["entries"].([]any)
		if len(entries) != 1 {
			t.Fatalf("unmask entries: %s", rec.Body)
		}
		e := entries[0].(map[string]any)
		if e["actor_id"] != w.users["officer"].ID || e["actor_role"] != "officer" || e["detail"].(map[string]any)["reason"] != reason {
			t.Errorf("entry: %v", e)
		}
		if strings.Contains(rec.Body.String(), id) {
			t.Errorf("the audit log carries the full ID number: %s", rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/audit", w.token("officer"), nil)), 403, "forbidden")
		n, err := b.DB.Audit().VerifyAudit(t.Context())
		if err != nil || n != 2 {
			t.Errorf("VerifyAudit = %d, %v; want 2 entries (create, unmask)", n, err)
		}
		// Stored only sealed: the clear number is nowhere in the row.
		var cipher []byte
		var index, masked string
		if err := b.DB.SQL().QueryRow("SELECT id_cipher, id_index, id_masked FROM debtors WHERE id = ?", debtor).Scan(&cipher, &index, &masked); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(cipher, []byte(id)) || strings.Contains(index, id) || masked == id || len(index) != 64 {
			t.Errorf("stored in the clear: %x %s %s", cipher, index, masked)
		}
	})
}
