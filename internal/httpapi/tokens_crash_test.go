package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
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
	dry := record.NewMemFS()
	if out := tokensWorkload(dry); len(out) != 8 || !out[7].created {
		t.Fatalf("the workload did not finish without a crash")
	}
	ops := dry.Ops()
	for n := 0; n <= ops; n++ {
		for seed := range 3 {
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m := record.NewMemFS()
			m.CrashAfter(n, rng)
			out := tokensWorkload(m)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng)
			}
			tk, err := httpapi.OpenTokensFS(after, crashTokensPath)
			if err != nil {
				t.Fatalf("crash after %d (seed %d): reopen: %v", n, seed, err)
			}
			for i, o := range out {
				if !o.created {
					continue
				}
				role, ok := tk.Check(o.plain)
				switch {
				case o.revoked && ok:
					t.Fatalf("crash after %d (seed %d): t%d was revoked but checks", n, seed, i)
				case !o.revokeAttempted && (!ok || role != o.role):
					t.Fatalf("crash after %d (seed %d): acknowledged t%d checks %v as %q; want %q", n, seed, i, ok, role, o.role)
				}
			}
			if _, err := tk.CreateAt("after", httpapi.RoleRead, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatalf("crash after %d (seed %d): Create after reopen: %v", n, seed, err)
			}
			again, err := httpapi.OpenTokensFS(after, crashTokensPath)
			if err != nil {
				t.Fatalf("crash after %d (seed %d): second reopen: %v", n, seed, err)
			}
			found := false
			for _, ti := range again.List() {
				found = found || ti.Name == "after"
			}
			if !found {
				t.Fatalf("crash after %d (seed %d): the token created after the reopen is not kept", n, seed)
			}
		}
	}
	t.Logf("%d crash points × 3", ops+1)
}
