package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/server"
)

func TestTokenExpires(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	before := time.Now()
	code, out, stderr := runCmd(t, "", "token", "create", "--data", dir, "--role", "read", "--name", "partner-desk", "--expires", "30d")
	if code != 0 || !strings.HasPrefix(out, "tw_") || !strings.Contains(stderr, "valid until") {
		t.Fatalf("create --expires 30d: %d %q %q", code, out, stderr)
	}
	tok := strings.TrimSpace(out)
	tokens, err := server.OpenTokens(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tokens.CheckAt(tok, before.Add(29*24*time.Hour)); !ok {
		t.Error("the token is not valid after 29 days")
	}
	if _, ok := tokens.CheckAt(tok, before.Add(31*24*time.Hour)); ok {
		t.Error("the token is still valid after 31 days")
	}
	_, out, _ = runCmd(t, "", "token", "list", "--data", dir)
	if want := before.Add(30 * 24 * time.Hour).UTC().Format("2006-01-02"); !strings.Contains(out, "EXPIRES") || !strings.Contains(out, want) {
		t.Errorf("list does not show the expiry %s: %q", want, out)
	}
	for _, bad := range []string{"soon", "-1d", "0s"} {
		if code, _, stderr := runCmd(t, "", "token", "create", "--data", dir, "--expires", bad); code != 2 || !strings.Contains(stderr, "--expires") {
			t.Errorf("--expires %s: exit %d %q; want 2", bad, code, stderr)
		}
	}
}
