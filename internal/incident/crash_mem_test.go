package incident_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/record"
)

// memAck is a write the store acknowledged: the record's version and
// narrative.
type memAck struct {
	version   int
	narrative string
}

const memLog = "/data/incidents.log"

// memWorkload opens the store in fsys (holding the version 1 fixture when
// v1 is set, which Open upgrades) and writes creations and edits until the
// file system fails; it returns the acknowledged writes.
func memWorkload(fsys *record.MemFS, v1 []byte) map[string]memAck {
	acked := map[string]memAck{}
	if v1 != nil {
		for _, in := range samples() {
			acked[in.ID] = memAck{in.Version, in.Narrative}
		}
	}
	s, err := incident.Open(memLog, incident.Options{Node: node, FS: fsys})
	if err != nil {
		return acked
	}
	defer s.Close()
	var last incident.Incident
	for k := range 12 {
		in := draft("mem crash " + strconv.Itoa(k))
		if k%3 == 2 {
			in = last
		}
		in.Narrative = "write " + strconv.Itoa(k)
		got, err := s.Put(in, t0.Add(time.Duration(k)*time.Minute))
		if err != nil {
			return acked
		}
		last = got
		acked[got.ID] = memAck{got.Version, got.Narrative}
	}
	return acked
}

// newMemFS returns a MemFS with /data, and the fixture at memLog (synced)
// if v1 is set.
func newMemFS(t *testing.T, v1 []byte) *record.MemFS {
	m := record.NewMemFS()
	if err := m.MkdirAll("/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if v1 != nil {
		f, err := m.OpenFile(memLog, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(v1)
		f.Sync()
		f.Close()
		m.SyncDir("/data")
	}
	return m
}

// TestCrashInMemory crashes the store at every write, sync, rename and
// directory sync of the workload (dropping unsynced data, and again with
// a random torn part of it kept), reopens it, and checks that Open
// succeeds (a torn tail is repaired, nothing is corrupt) and every
// acknowledged write is there with a whole history. With the version 1
// fixture, the crash points include its upgrade to version 2.
func TestCrashInMemory(t *testing.T) {
	v1 := mustRead(t, filepath.Join("testdata", "v1.log"))
	for _, tt := range []struct {
		name string
		v1   []byte
	}{{"new", nil}, {"upgrade", v1}} {
		t.Run(tt.name, func(t *testing.T) {
			dry := newMemFS(t, tt.v1)
			base := dry.Ops()
			if acked := memWorkload(dry, tt.v1); len(acked) < 8 {
				t.Fatalf("workload acknowledged %d records", len(acked))
			}
			ops := dry.Ops() - base
			repaired := 0
			for n := 0; n <= ops; n++ {
				for seed := range 3 {
					var rng *rand.Rand
					if seed > 0 {
						rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
					}
					m := newMemFS(t, tt.v1)
					m.CrashAfter(base+n, rng)
					acked := memWorkload(m, tt.v1)
					after := m.Crashed()
					if after == nil {
						after = m.CrashClone(rng)
					}
					s, err := incident.Open(memLog, incident.Options{Node: node, FS: after})
					if err != nil {
						t.Fatalf("crash after %d (seed %d): reopen: %v", n, seed, err)
					}
					if len(s.Recovery()) > 0 {
						repaired++
					}
					for id, a := range acked {
						got, ok := s.Get(id)
						if !ok || got.Version < a.version {
							t.Fatalf("crash after %d (seed %d): %s held %v at version %d; version %d was acknowledged", n, seed, id, ok, got.Version, a.version)
						}
						found := false
						for i, v := range s.History(id) {
							if i > 0 && v.Version <= s.History(id)[i-1].Version {
								t.Fatalf("crash after %d (seed %d): %s: version %d after %d", n, seed, id, v.Version, s.History(id)[i-1].Version)
							}
							if v.Version == a.version {
								found = true
								if v.Narrative != a.narrative {
									t.Fatalf("crash after %d (seed %d): %s version %d: narrative %q, want %q", n, seed, id, a.version, v.Narrative, a.narrative)
								}
							}
						}
						if !found {
							t.Fatalf("crash after %d (seed %d): %s: acknowledged version %d missing from the history", n, seed, id, a.version)
						}
					}
					// The repaired store takes writes.
					if _, err := s.Put(draft("after the crash"), t0); err != nil {
						t.Fatalf("crash after %d (seed %d): Put after reopen: %v", n, seed, err)
					}
					s.Close()
				}
			}
			if repaired == 0 {
				t.Error("no crash point needed a repair: tearing is not exercised")
			}
			t.Logf("%d crash points × 3, %d reopens repaired a torn tail or header", ops+1, repaired)
		})
	}
}

// TestOpenRemovesStaleTemps: a crash during an upgrade of a version 1
// log (record.WriteFileAtomic) can leave a temporary file beside it on a
// real disk (the file's creation reached the disk, its rename did not);
// such files (unique names and the fixed name of older versions) are
// planted here. The next Open removes them (only temporary files of the
// log, not those of other files), says so once in Recovery, and keeps
// every incident.
func TestOpenRemovesStaleTemps(t *testing.T) {
	m := newMemFS(t, mustRead(t, filepath.Join("testdata", "v1.log")))
	base := filepath.Base(memLog)
	stale := []string{base + ".k3j9a.tmp", base + ".tmp", base + ".0.tmp"}
	keep := []string{"zones.json.k3j9.tmp", base + ".lock.q1.tmp", "other" + base + ".z.tmp"}
	for _, name := range append(slices.Clone(stale), keep...) {
		if err := record.WriteFileAtomic(m, "/data/"+name, []byte("half an upgrade"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := incident.Open(memLog, incident.Options{Node: node, FS: m})
	if err != nil {
		t.Fatal(err)
	}
	rec := s.Recovery()
	n := len(s.List(incident.Filter{}))
	s.Close()
	for _, name := range stale {
		if _, err := m.Stat("/data/" + name); err == nil {
			t.Errorf("%s still there after Open", name)
		}
	}
	for _, name := range keep {
		if _, err := m.Stat("/data/" + name); err != nil {
			t.Errorf("Open removed %s, not a temporary file of the log: %v", name, err)
		}
	}
	want := fmt.Sprintf("removed %d temporary files", len(stale))
	if len(rec) != 1 || !strings.Contains(rec[0], want) {
		t.Errorf("recovery %q; want one note %q", rec, want)
	}
	if n != len(samples()) {
		t.Errorf("%d incidents after the reopen; want %d", n, len(samples()))
	}
	// Once: the next Open has nothing to say.
	s, err = incident.Open(memLog, incident.Options{Node: node, FS: m})
	if err != nil {
		t.Fatal(err)
	}
	if rec := s.Recovery(); len(rec) != 0 {
		t.Errorf("second open: recovery %q", rec)
	}
	s.Close()
}
