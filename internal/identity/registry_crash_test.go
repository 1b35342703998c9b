package identity

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/record/crashtest"
)

const crashRegistry = "/data/node/partners.json"

// partnerOutcome is what the registry workload knows of a partner: its
// addition and revocation were attempted, and acknowledged (returned nil).
type partnerOutcome struct {
	addTried, added      bool
	revokeTried, revoked bool
	removeTried, removed bool
}

// registryCrash holds what every run of the workload shares: this node's
// identity and the partners' certificates, made once on the real disk.
type registryCrash struct {
	own   *Node
	names []string
	pems  [][]byte
	t0    time.Time
}

func newRegistryCrash(t *testing.T) *registryCrash {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	own, err := Init(filepath.Join(t.TempDir(), "own"), "IN-IFC", t0, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rc := &registryCrash{own: own, t0: t0}
	for i := range 5 {
		name := fmt.Sprintf("P%d", i)
		p, err := Init(filepath.Join(t.TempDir(), name), name, t0, 365*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		rc.names, rc.pems = append(rc.names, name), append(rc.pems, p.CertificatePEM())
	}
	return rc
}

// node is this node with its registry in fsys.
func (rc *registryCrash) node(fsys record.FS) (*Node, error) {
	n := &Node{name: rc.own.name, fpSum: rc.own.fpSum, now: func() time.Time { return rc.t0 },
		registry: registry{fs: fsys, path: crashRegistry}}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n, n.registry.reload()
}

// workload adds five partners, revoking P1 after P2 is added and
// removing P3 after P4 is, until the file system fails.
func (rc *registryCrash) workload(fsys *record.MemFS) map[string]*partnerOutcome {
	out := map[string]*partnerOutcome{}
	for _, name := range rc.names {
		out[name] = &partnerOutcome{}
	}
	if err := fsys.MkdirAll(filepath.Dir(crashRegistry), 0o700); err != nil {
		return out
	}
	n, err := rc.node(fsys)
	if err != nil {
		return out
	}
	for i, name := range rc.names {
		o := out[name]
		o.addTried = true
		if _, err := n.AddPartner(name, rc.pems[i], "", rc.t0); err != nil {
			return out
		}
		o.added = true
		switch i {
		case 2:
			out["P1"].revokeTried = true
			if err := n.RevokePartner("P1", rc.t0.Add(time.Hour)); err != nil {
				return out
			}
			out["P1"].revoked = true
		case 4:
			out["P3"].removeTried = true
			if err := n.RemovePartner("P3"); err != nil {
				return out
			}
			out["P3"].removed = true
		}
	}
	return out
}

// TestRegistryCrashInMemory crashes the partner registry (partners.json)
// at every write, sync, rename and directory sync of the workload
// (dropping what was not synced, and again keeping a random torn part of
// it) and reopens it: it reads without error (it is replaced atomically,
// never half-written), every acknowledged addition, revocation and
// removal is there, no partner whose addition was not attempted is, and
// the registry takes a new partner that a second reopen keeps. A registry
// damaged afterwards is refused with ErrCorrupt.
func TestRegistryCrashInMemory(t *testing.T) {
	rc := newRegistryCrash(t)
	for name, o := range rc.workload(record.NewMemFS()) {
		if !o.added || (name == "P1" && !o.revoked) || (name == "P3" && !o.removed) {
			t.Fatalf("the workload did not finish without a crash: %s %+v", name, o)
		}
	}
	n := crashtest.Run(t, 3, rc.workload, func(p crashtest.Point, after *record.MemFS, out map[string]*partnerOutcome) {
		after.MkdirAll(filepath.Dir(crashRegistry), 0o700) // crashed before the directory was made durable
		nd, err := rc.node(after)
		if err != nil {
			t.Fatalf("%v: reopen: %v", p, err)
		}
		for name, o := range out {
			got, ok := nd.Partner(name)
			switch {
			case !o.addTried && ok:
				t.Fatalf("%v: %s is registered, but its addition was never attempted", p, name)
			case o.removed && ok:
				t.Fatalf("%v: %s was removed (acknowledged) but is registered", p, name)
			case o.added && !o.removeTried && !ok:
				t.Fatalf("%v: %s was added (acknowledged) but is not registered", p, name)
			case o.revoked && ok && got.Revoked.IsZero():
				t.Fatalf("%v: %s was revoked (acknowledged) but is not", p, name)
			case !o.revokeTried && ok && !got.Revoked.IsZero():
				t.Fatalf("%v: %s is revoked, but its revocation was never attempted", p, name)
			}
		}
		if _, err := nd.AddPartner("P4", rc.pems[4], "", rc.t0); err != nil && !errors.Is(err, ErrPartnerExists) {
			t.Fatalf("%v: add after reopen: %v", p, err)
		}
		again, err := rc.node(after)
		if err != nil {
			t.Fatalf("%v: second reopen: %v", p, err)
		}
		if _, ok := again.Partner("P4"); !ok {
			t.Fatalf("%v: the partner added after the reopen is not kept", p)
		}
		// Damage: a registry cut short is refused, not read as empty.
		data, err := record.ReadFile(after, crashRegistry)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		f, err := after.OpenFile(crashRegistry, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		f.Write(data[:len(data)/2])
		f.Close()
		if _, err := rc.node(after); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%v: a registry cut short opens with %v; want ErrCorrupt", p, err)
		}
	})
	t.Logf("%d crash points × 3", n)
}
