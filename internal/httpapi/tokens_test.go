package httpapi_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
)

// TestTokensFileV1Fixture: testdata/tokens-v1.json is a frozen version 1
// tokens file (written by the code before the file went through
// record.WriteFileAtomic). It keeps opening with the same tokens, roles
// and expiry, and rewriting it (a Create) keeps it readable, version 1 and
// mode 0600, with no temporary file left behind.
func TestTokensFileV1Fixture(t *testing.T) {
	data, err := os.ReadFile("testdata/tokens-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	check := func(tok *httpapi.Tokens) {
		t.Helper()
		for _, c := range []struct {
			plain, role string
			ok          bool
		}{
			{"tw_fixtureAdminTokenVersion1", httpapi.RoleAdmin, true},
			{"tw_fixtureReadTokenVersion1", httpapi.RoleRead, true},
			{"tw_fixtureExpiredTokenVersion1", "", false}, // expired 2026-12-01
			{"tw_fixtureReadTokenVersion2", "", false},
		} {
			if role, ok := tok.CheckAt(c.plain, now); role != c.role || ok != c.ok {
				t.Errorf("CheckAt(%s) = %q, %v; want %q, %v", c.plain, role, ok, c.role, c.ok)
			}
		}
	}
	check(tok)
	if got := len(tok.List()); got != 3 {
		t.Errorf("%d tokens listed, want 3", got)
	}
	plain, err := tok.CreateAt("new", httpapi.RoleRead, now)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten tokens file has mode %04o", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "tokens.json" && e.Name() != "tokens.json.lock" {
			t.Errorf("directory holds %s after a write, want only the tokens file and its lock", e.Name())
		}
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"version": 1`) {
		t.Errorf("rewritten file is not version 1:\n%s", b)
	}
	reopened, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	check(reopened)
	if role, ok := reopened.CheckAt(plain, now); !ok || role != httpapi.RoleRead {
		t.Errorf("new token: %q, %v", role, ok)
	}
}

// TestTokensFileVersion: a tokens file of another version is refused with
// an error naming the file and the version, not read.
func TestTokensFileVersion(t *testing.T) {
	data, err := os.ReadFile("testdata/tokens-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`"version": 2`, `"version": 0`} {
		path := filepath.Join(t.TempDir(), "tokens.json")
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), `"version": 1`, v, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := httpapi.OpenTokens(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "unknown version") {
			t.Errorf("%s: error %v", v, err)
		}
	}
}

// TestTokensFileOneWriter checks that a write while another process holds
// the tokens file's lock (the token command while a node writes) fails
// with a clear error and leaves the file as it was, instead of two
// writers renaming each other's half-written temporary file into place.
func TestTokensFileOneWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	tokens, err := httpapi.OpenTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Create("ops-1", httpapi.RoleRead); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := record.Lock(dir, "tokens.json.lock")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tokens.Create("ops-2", httpapi.RoleRead)
	if !errors.Is(err, record.ErrLocked) || !strings.Contains(err.Error(), "another process is writing") {
		t.Errorf("create while another writer holds the lock: %v; want a clear error wrapping record.ErrLocked", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("the tokens file changed under another writer's lock")
	}
	other.Close()
	if _, err := tokens.Create("ops-2", httpapi.RoleRead); err != nil {
		t.Errorf("create after the other writer is done: %v", err)
	}
}

// revokeVia is a TokenControl that records the names it is asked to
// revoke and revokes them in other with DeleteRecord.
type revokeVia struct {
	names []string
	other *httpapi.Tokens
}

func (r *revokeVia) RevokeToken(name string) error {
	r.names = append(r.names, name)
	return r.other.DeleteRecord(name)
}

// TestTokenRecords: the records of one tokens file, put into another (a
// cluster member applying its control log), make tokens that work
// there; Revoke goes through the TokenControl when one is set; bad
// records are refused.
func TestTokenRecords(t *testing.T) {
	dir := t.TempDir()
	a, err := httpapi.OpenTokens(filepath.Join(dir, "a", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := httpapi.OpenTokens(filepath.Join(dir, "b", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	admin, err := a.CreateAt("ops", httpapi.RoleAdmin, now)
	if err != nil {
		t.Fatal(err)
	}
	read, err := a.CreateExpiring("watch", httpapi.RoleRead, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := a.Records()
	if err != nil || len(recs) != 2 {
		t.Fatalf("Records = %d, %v", len(recs), err)
	}
	if strings.Contains(string(recs["ops"]), admin) {
		t.Fatal("a record holds the token itself")
	}
	for _, name := range []string{"watch", "ops", "ops"} {
		if err := b.PutRecord(recs[name]); err != nil {
			t.Fatal(err)
		}
	}
	if role, ok := b.CheckAt(admin, now); !ok || role != httpapi.RoleAdmin {
		t.Errorf("a's admin token on b: %q %v", role, ok)
	}
	if _, ok := b.CheckAt(read, now.Add(2*time.Hour)); ok {
		t.Error("the expiry did not carry over")
	}
	got, _ := b.Records()
	for name, r := range recs {
		if string(got[name]) != string(r) {
			t.Errorf("record %s: %s, want %s", name, got[name], r)
		}
	}
	via := &revokeVia{other: b}
	a.SetControl(via)
	if err := a.Revoke("watch"); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.CheckAt(read, now); ok || len(via.names) != 1 {
		t.Errorf("revoked through the control: still valid on b, or not asked (%v)", via.names)
	}
	if _, ok := a.CheckAt(read, now); !ok {
		t.Error("with a control, Revoke changed the file itself")
	}
	if err := a.Revoke("nobody"); !errors.Is(err, httpapi.ErrNoToken) {
		t.Errorf("revoke unknown: %v; want ErrNoToken", err)
	}
	for _, bad := range []string{"{", `{"name":"x y","role":"read","sha256":"00"}`, `{"name":"x","role":"root"}`, `{"name":"x","role":"read","sha256":"zz"}`} {
		if err := b.PutRecord([]byte(bad)); err == nil {
			t.Errorf("PutRecord(%s) accepted", bad)
		}
	}
}
