package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, stderr := runCmd(t, "", "token", "create", "--data", dir, "--role", "admin", "--name", "ops")
	if code != 0 || !strings.HasPrefix(out, "tw_") || !strings.Contains(stderr, "shown only now") {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil || strings.Contains(string(b), strings.TrimSpace(out)) {
		t.Fatalf("tokens.json holds the plain token or is missing: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "tokens.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens.json mode %v", fi.Mode().Perm())
	}
	_, out, _ = runCmd(t, "", "token", "list", "--data", dir)
	if !strings.Contains(out, "ops") || !strings.Contains(out, "admin") {
		t.Errorf("list: %q", out)
	}
	if code, _, stderr := runCmd(t, "", "token", "revoke", "--data", dir, "ops"); code != 0 {
		t.Errorf("revoke: %s", stderr)
	}
	if _, out, _ = runCmd(t, "", "token", "list", "--data", dir); strings.Contains(out, "ops") {
		t.Errorf("revoked token still listed: %q", out)
	}
	if code, _, _ := runCmd(t, "", "token", "create", "--data", dir, "--role", "god"); code != 2 {
		t.Errorf("bad role: exit %d", code)
	}
}

func TestServeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"demo", "--listen", "0.0.0.0:8080"}, "loopback only"},
		{[]string{"serve", "--data", t.TempDir(), "--tcp-connect", "nohostport"}, "address"},
		{[]string{"serve", "--data", t.TempDir(), "--tls-cert", "c.pem"}, "both cert and key"},
		{[]string{"serve", "--data", t.TempDir(), "--log-level", "chatty"}, "--log-level"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-peer", "127.0.0.1:6222"}, "without --cluster-listen"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-listen", "127.0.0.1:6221", "--nats-url", "nats://127.0.0.1:4222"}, "exclude each other"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-listen", "127.0.0.1:6221", "--cluster-peer", "127.0.0.1:6222",
			"--cluster-tls-cert", "n.pem", "--cluster-tls-key", "n-key.pem"}, "go together"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-tls-cert", "n.pem", "--cluster-tls-key", "k.pem", "--cluster-tls-ca", "ca.pem"}, "without --cluster-listen"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-listen", "127.0.0.1:6221", "--replay", "day.nmea", "--loop"}, "no speed, loop or now"},
		{[]string{"serve", "--data", t.TempDir(), "--cluster-listen", "127.0.0.1:6221", "--cluster-snapshot-every", "soon"}, "snapshot_every"},
	} {
		code, _, stderr := runCmd(t, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want 2 mentioning %q", tc.args, code, stderr, tc.msg)
		}
	}
}
