package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/testenv"
)

// TestWorkerProcess runs the deployment docs/operations.md describes for
// a small machine: `xiezhi serve --workers 0` stores photos without
// processing them, and a separate `xiezhi worker` process makes their
// thumbnails, then stops cleanly on SIGTERM.
func TestWorkerProcess(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	env := []string{"XIEZHI_DATA_DIR=" + dir}
	srv := command(t, append(env, "XIEZHI_ADDR="+addr), "serve", "--workers", "0")
	var stdout, stderr syncBuffer
	srv.Stdout, srv.Stderr = &stdout, &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	waitHealthy(t, addr, srv, &stderr)

	m := regexp.MustCompile(`assistant .* phone (\d+)\s+password (\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no demo assistant in the output:\n%s", stdout.String())
	}
	call := func(method, path, token, contentType string, body []byte) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		data, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(data, &out)
		return resp.StatusCode, out
	}
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	_, login := call("POST", "/v1/auth/login", "", "application/json", js(map[string]string{"phone": m[1], "password": m[2], "device": "test"}))
	tok, _ := login["access_token"].(string)
	status, lead := call("POST", "/v1/leads", tok, "application/json", js(map[string]any{"kind": "other", "description": "worker test"}))
	if status != http.StatusCreated {
		t.Fatalf("submit: %d %v", status, lead)
	}
	var pic bytes.Buffer
	_ = jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 640, 480)), nil)
	photo := "/v1/leads/" + lead["id"].(string) + "/photos/0193a3c4-4444-7bbb-8ccc-000000000001"
	if status, p := call("PUT", photo, tok, "image/jpeg", pic.Bytes()); status != http.StatusCreated || p["processing"] != "pending" {
		t.Fatalf("upload: %d %v", status, p)
	}
	if status, _ := call("GET", photo+"/thumbnail", tok, "", nil); status != http.StatusConflict {
		t.Fatalf("thumbnail before any worker: %d; want 409", status)
	}

	wrk := command(t, env, "worker")
	var wout syncBuffer
	wrk.Stdout, wrk.Stderr = &wout, &wout
	if err := wrk.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = wrk.Process.Kill() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for status, _ = call("GET", photo+"/thumbnail", tok, "", nil); status != http.StatusOK; status, _ = call("GET", photo+"/thumbnail", tok, "", nil) {
		select {
		case <-ctx.Done():
			t.Fatalf("the worker did not make the thumbnail (last status %d):\n%s", status, wout.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := wrk.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := wrk.Wait(); err != nil {
		t.Fatalf("worker exit after SIGTERM: %v\n%s", err, wout.String())
	}
	for _, want := range []string{`"msg":"job workers started","workers":1`, `"msg":"job workers stopped"`, `"msg":"stopped"`} {
		if !strings.Contains(wout.String(), want) {
			t.Errorf("worker log lacks %s:\n%s", want, wout.String())
		}
	}
}

func TestWorkerNeedsWorkers(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"worker", "--workers", "0"}, nil, io.Discard, &stderr, func(string) string { return "" })
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "XIEZHI_WORKERS") {
		t.Errorf("err %v, exit %d; want a usage error naming XIEZHI_WORKERS", err, exitCode(err))
	}
}
