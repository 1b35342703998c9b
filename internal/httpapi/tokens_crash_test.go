package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/record/crashtest"
)

const crashTokensPath = "/data/tokens.json"

// tokenOutcome is what the workload knows of a token: its secret, its
// role, and whether its creation and its revocation were acknowledged
// (returned nil) or failed (the file may hold either state then).
type tokenOutcome struct {
	plain, role      string
	created, revoked bool
	createdUncertain bool
	revokedUncertain bool
	revokeAttempted  bool
}

// tokensWorkload creates eight tokens and revokes every third one as
// it goes, until the file system fails.
func tokensWorkload(fsys *record.MemFS) []*tokenOutcome {
	var out []*tokenOutcome
	tk, err := httpapi.OpenTokensFS(fsys, crashTokensPath)
	if err != nil {
		return out
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 8 {
		role := httpapi.RoleRead
		if i%2 == 1 {
			role = httpapi.RoleAdmin
		}
		o := &tokenOutcome{role: role}
		out = append(out, o)
		plain, err := tk.CreateAt(fmt.Sprintf("t%d", i), role, now)
		if err != nil {
			o.createdUncertain = true
			return out
		}
		o.plain, o.created = plain, true
		if i%3 == 2 {
			victim := out[i-1]
			victim.revokeAttempted = true
			if err := tk.Revoke(fmt.Sprintf("t%d", i-1)); err != nil {
				victim.revokedUncertain = true
				return out
			}
			victim.revoked = true
		}
	}
	return out
}

// TestTokensCrashInMemory crashes the tokens file at every write, sync,
// rename and directory sync of the workload (dropping what was not synced,
// and again keeping a random torn part of it) and reopens it: it opens
// without error, every token whose creation was acknowledged checks with
// its role unless its revocation was acknowledged, a revoked one does
// not check, and the file takes a new token that a second reopen keeps.
func TestTokensCrashInMemory(t *testing.T) {
	if out := tokensWorkload(record.NewMemFS()); len(out) != 8 || !out[7].created {
		t.Fatalf("the workload did not finish without a crash")
	}
	n := crashtest.Run(t, 3, tokensWorkload, func(p crashtest.Point, after *record.MemFS, out []*tokenOutcome) {
		tk, err := httpapi.OpenTokensFS(after, crashTokensPath)
		if err != nil {
			t.Fatalf("%v: reopen: %v", p, err)
		}
		for i, o := range out {
			if !o.created {
				continue
			}
			role, ok := tk.Check(o.plain)
			switch {
			case o.revoked && ok:
				t.Fatalf("%v: t%d was revoked but checks", p, i)
			case !o.revokeAttempted && (!ok || role != o.role):
				t.Fatalf("%v: acknowledged t%d checks %v as %q; want %q", p, i, ok, role, o.role)
			}
		}
		if _, err := tk.CreateAt("after", httpapi.RoleRead, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("%v: Create after reopen: %v", p, err)
		}
		again, err := httpapi.OpenTokensFS(after, crashTokensPath)
		if err != nil {
			t.Fatalf("%v: second reopen: %v", p, err)
		}
		found := false
		for _, ti := range again.List() {
			found = found || ti.Name == "after"
		}
		if !found {
			t.Fatalf("%v: the token created after the reopen is not kept", p)
		}
	})
	t.Logf("%d crash points × 3", n)
}
