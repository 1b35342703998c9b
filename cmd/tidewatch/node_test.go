package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/identity"
)

// kvField returns the value of a "key: value" line of out.
func kvField(t *testing.T, out, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:\s+(\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in %q", key, out)
	}
	return m[1]
}

func TestNodePartnerCommands(t *testing.T) {
	dataA, dataB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")

	// Both nodes make their identities.
	code, out, stderr := runCmd(t, "", "node", "init", "--data", dataA, "--name", "IN-IFC")
	if code != 0 || !strings.Contains(stderr, "tidewatch partner add --name IN-IFC") {
		t.Fatalf("node init IN-IFC: exit %d, %q, %q", code, out, stderr)
	}
	fpA, certA := kvField(t, out, "fingerprint"), kvField(t, out, "certificate")
	if kvField(t, out, "name") != "IN-IFC" || certA != filepath.Join(dataA, "node", "node.crt") {
		t.Errorf("node init output %q", out)
	}
	code, out, stderr = runCmd(t, "", "node", "init", "--data", dataB, "--name", "JP-JCG", "--validity", "30d")
	if code != 0 {
		t.Fatalf("node init JP-JCG: exit %d, %q", code, stderr)
	}
	fpB, certB := kvField(t, out, "fingerprint"), kvField(t, out, "certificate")
	if fi, err := os.Stat(filepath.Join(dataB, "node", "node.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("node.key: %v %v, want mode 0600", fi, err)
	}
	if until, _ := time.Parse(time.RFC3339, kvField(t, out, "valid until")); until.Sub(time.Now()) < 29*24*time.Hour || until.Sub(time.Now()) > 31*24*time.Hour {
		t.Errorf("--validity 30d: valid until %v", until)
	}
	if code, _, stderr := runCmd(t, "", "node", "init", "--data", dataA, "--name", "IN-IFC"); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("node init again: exit %d, %q", code, stderr)
	}

	// show agrees with init; --pem prints the certificate file.
	if _, out, _ = runCmd(t, "", "node", "show", "--data", dataA); kvField(t, out, "fingerprint") != fpA || kvField(t, out, "partners") != "0" {
		t.Errorf("node show: %q", out)
	}
	crt, _ := os.ReadFile(certA)
	if _, out, _ = runCmd(t, "", "node", "show", "--data", dataA, "--pem"); out != string(crt) {
		t.Errorf("node show --pem: %q, want node.crt %q", out, crt)
	}

	// They exchange certificates; each confirms the other's fingerprint.
	code, out, stderr = runCmd(t, "", "partner", "add", "--data", dataA, "--name", "JP-JCG", "--cert", certB, "--addr", "127.0.0.1:7443", "--fingerprint", fpB)
	if code != 0 || kvField(t, out, "fingerprint") != fpB || !strings.Contains(stderr, "matches") {
		t.Fatalf("partner add JP-JCG: exit %d, %q, %q", code, out, stderr)
	}
	// A swapped file: the fingerprint read out does not match.
	code, _, stderr = runCmd(t, "", "partner", "add", "--data", dataB, "--name", "IN-IFC", "--cert", certA, "--fingerprint", fpB)
	if code != 1 || !strings.Contains(stderr, "bad fingerprint") || !strings.Contains(stderr, fpA) {
		t.Errorf("partner add with the wrong fingerprint: exit %d, %q", code, stderr)
	}
	lower := strings.ToLower(strings.ReplaceAll(fpA, ":", ""))
	if code, _, stderr = runCmd(t, "", "partner", "add", "--data", dataB, "--name", "IN-IFC", "--cert", certA, "--fingerprint", lower); code != 0 {
		t.Fatalf("partner add IN-IFC: exit %d, %q", code, stderr)
	}
	// Without --fingerprint the operator is told to confirm it.
	dataC := filepath.Join(t.TempDir(), "c")
	runCmd(t, "", "node", "init", "--data", dataC, "--name", "AU-MBC")
	if code, _, stderr = runCmd(t, "", "partner", "add", "--data", dataC, "--name", "IN-IFC", "--cert", certA); code != 0 || !strings.Contains(stderr, "not checked") {
		t.Errorf("partner add without --fingerprint: exit %d, %q", code, stderr)
	}

	if fi, err := os.Stat(filepath.Join(dataA, "node", "partners.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("partners.json: %v %v, want mode 0600", fi, err)
	}
	_, out, _ = runCmd(t, "", "partner", "list", "--data", dataA)
	if !strings.Contains(out, "JP-JCG") || !strings.Contains(out, "active") || !strings.Contains(out, "127.0.0.1:7443") || !strings.Contains(out, fpB) {
		t.Errorf("partner list: %q", out)
	}
	_, out, _ = runCmd(t, "", "partner", "list", "--data", dataA, "--format", "json")
	if objs := objects(t, out); len(objs) != 1 || objs[0]["name"] != "JP-JCG" || objs[0]["status"] != "active" || objs[0]["fingerprint"] != fpB {
		t.Errorf("partner list --format json: %q", out)
	}

	// A running node (opened before) sees the revocation by the command.
	running, err := identity.Open(filepath.Join(dataA, "node"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := running.ClientTLS("JP-JCG"); err != nil {
		t.Fatalf("ClientTLS before revoke: %v", err)
	}
	if code, _, stderr = runCmd(t, "", "partner", "revoke", "--data", dataA, "JP-JCG"); code != 0 || !strings.Contains(stderr, "revoked at") {
		t.Errorf("partner revoke: exit %d, %q", code, stderr)
	}
	if _, err := running.ClientTLS("JP-JCG"); !errors.Is(err, identity.ErrRevoked) {
		t.Errorf("ClientTLS in the running node after revoke: %v, want ErrRevoked", err)
	}
	_, out, _ = runCmd(t, "", "partner", "list", "--data", dataA, "--format", "json")
	if objs := objects(t, out); len(objs) != 1 || objs[0]["status"] != "revoked" || objs[0]["revoked"] == nil {
		t.Errorf("partner list after revoke: %q", out)
	}
	if code, _, stderr = runCmd(t, "", "partner", "revoke", "--data", dataA, "KR-KCG"); code != 1 || !strings.Contains(stderr, "no such partner") {
		t.Errorf("partner revoke of an unknown partner: exit %d, %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "", "partner", "remove", "--data", dataA, "JP-JCG"); code != 0 {
		t.Errorf("partner remove: exit %d, %q", code, stderr)
	}
	if _, out, _ = runCmd(t, "", "partner", "list", "--data", dataA, "--format", "json"); out != "" {
		t.Errorf("partner list after remove: %q", out)
	}

	// A damaged certificate file is refused with the reason.
	bad := filepath.Join(t.TempDir(), "jp.crt")
	os.WriteFile(bad, crt[:len(crt)/2], 0o644)
	if code, _, stderr = runCmd(t, "", "partner", "add", "--data", dataA, "--name", "JP-JCG", "--cert", bad); code != 1 ||
		!strings.Contains(stderr, "bad certificate") || !strings.Contains(stderr, bad) {
		t.Errorf("partner add of a truncated certificate: exit %d, %q", code, stderr)
	}
}

func TestNodePartnerUsage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "node", "init", "--data", data, "--name", "IN-IFC"); code != 0 {
		t.Fatal(stderr)
	}
	crt := filepath.Join(data, "node", "node.crt")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"node"}, "Usage: tidewatch node"},
		{[]string{"node", "frob"}, "unknown node command"},
		{[]string{"node", "init", "--data", t.TempDir()}, "--name is required"},
		{[]string{"node", "init", "--data", t.TempDir(), "--name", "in-ifc"}, `--name "in-ifc"`},
		{[]string{"node", "init", "--data", t.TempDir(), "--name", "IN-IFC", "--validity", "soon"}, "--validity"},
		{[]string{"node", "show", "--data", data, "extra"}, "unexpected argument"},
		{[]string{"partner"}, "Usage: tidewatch partner"},
		{[]string{"partner", "frob"}, "unknown partner command"},
		{[]string{"partner", "add", "--data", data, "--cert", crt}, "--name is required"},
		{[]string{"partner", "add", "--data", data, "--name", "JP-JCG"}, "--cert is required"},
		{[]string{"partner", "add", "--data", data, "--name", "JP-JCG", "--cert", crt, "--fingerprint", "12:34"}, "--fingerprint"},
		{[]string{"partner", "add", "--data", data, "--name", "JP-JCG", "--cert", crt, "--addr", "nohostport"}, "--addr"},
		{[]string{"partner", "list", "--data", data, "--format", "xml"}, "--format"},
		{[]string{"partner", "revoke", "--data", data}, "NAME"},
		{[]string{"partner", "remove", "--data", data, "A", "B"}, "NAME"},
	} {
		code, _, stderr := runCmd(t, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want 2 mentioning %q", tc.args, code, stderr, tc.msg)
		}
	}

	// Operator errors: exit 1 with the reason.
	if code, _, stderr := runCmd(t, "", "node", "show", "--data", t.TempDir()); code != 1 || !strings.Contains(stderr, "tidewatch node init") {
		t.Errorf("node show without an identity: exit %d, %q", code, stderr)
	}
	key := filepath.Join(data, "node", "node.key")
	os.Chmod(key, 0o644)
	if code, _, stderr := runCmd(t, "", "partner", "list", "--data", data); code != 1 || !strings.Contains(stderr, key) || !strings.Contains(stderr, "0644") {
		t.Errorf("partner list with node.key 0644: exit %d, %q", code, stderr)
	}
	// --data defaults to $TIDEWATCH_DATA.
	os.Chmod(key, 0o600)
	t.Setenv("TIDEWATCH_DATA", data)
	if code, out, _ := runCmd(t, "", "node", "show"); code != 0 || kvField(t, out, "name") != "IN-IFC" {
		t.Errorf("node show with TIDEWATCH_DATA: exit %d, %q", code, out)
	}
}
