package incident_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const node = "IN-IFC-IOR"

var t0 = time.Date(2025, 9, 3, 6, 0, 0, 0, time.UTC)

func openStore(t testing.TB, path string) *incident.Store {
	t.Helper()
	s, err := incident.Open(path, incident.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// draft returns a new record of this node, not yet stored.
func draft(title string) incident.Incident {
	in := piracy()
	in.ID, in.Version, in.Origin, in.Created, in.Updated = "", 0, "", 0, 0
	in.Title = title
	return in
}

func TestPutCreateEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incidents.log")
	s := openStore(t, path)
	in := draft("first")
	in.Version = 7 // ignored on create
	v1, err := s.Put(in, t0)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.Origin != node || v1.Created != vessel.TimeOf(t0) || v1.Updated != v1.Created {
		t.Errorf("created %+v", v1)
	}
	if err := v1.Validate(); err != nil || v1.ID == "" {
		t.Errorf("created record ID %q: %v", v1.ID, err)
	}
	edit := v1
	edit.Title = "second"
	edit.Created = 5 // kept from the first version
	v2, err := s.Put(edit, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Created != v1.Created || v2.Updated != vessel.TimeOf(t0.Add(time.Hour)) || v2.Title != "second" {
		t.Errorf("edited %+v", v2)
	}
	// A stale edit, based on version 1, conflicts.
	stale := v1
	stale.Title = "stale"
	if _, err := s.Put(stale, t0); !errors.Is(err, incident.ErrConflict) {
		t.Errorf("stale edit: %v; want ErrConflict", err)
	}
	// Unknown ID.
	unknown := v1
	unknown.ID = incident.NewID()
	if _, err := s.Put(unknown, t0); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("edit of unknown ID: %v; want ErrNotFound", err)
	}
	// Invalid record.
	bad := v2
	bad.Title = ""
	var fe *incident.FieldError
	if _, err := s.Put(bad, t0); !errors.As(err, &fe) || fe.Field != "title" {
		t.Errorf("invalid edit: %v; want a FieldError for title", err)
	}
	if got, ok := s.Get(v1.ID); !ok || !reflect.DeepEqual(got, v2) {
		t.Errorf("Get = %+v, %v; want %+v", got, ok, v2)
	}
	if h := s.History(v1.ID); len(h) != 2 || !reflect.DeepEqual(h[0], v1) || !reflect.DeepEqual(h[1], v2) {
		t.Errorf("History = %+v", h)
	}
	// The caller's slices are not shared with the store.
	got, _ := s.Get(v1.ID)
	got.Vessels[0] = 1
	if again, _ := s.Get(v1.ID); again.Vessels[0] == 1 {
		t.Error("Get returns memory shared with the store")
	}
	// Delete, then no edits.
	d, err := s.Delete(v1.ID, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Deleted || d.Version != 3 || d.Title != "second" {
		t.Errorf("deleted %+v", d)
	}
	if _, err := s.Delete(v1.ID, t0); !errors.Is(err, incident.ErrDeleted) {
		t.Errorf("second delete: %v; want ErrDeleted", err)
	}
	if _, err := s.Put(d, t0); !errors.Is(err, incident.ErrDeleted) {
		t.Errorf("edit of deleted: %v; want ErrDeleted", err)
	}
	if _, err := s.Delete(incident.NewID(), t0); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("delete of unknown: %v; want ErrNotFound", err)
	}
	if l := s.List(incident.Filter{}); len(l) != 0 {
		t.Errorf("List lists a deleted record: %+v", l)
	}
	if l := s.List(incident.Filter{IncludeDeleted: true}); len(l) != 1 || !l[0].Deleted {
		t.Errorf("List with deleted = %+v", l)
	}

	// Everything survives a reopen.
	want := s.History(v1.ID)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(draft("x"), t0); !errors.Is(err, incident.ErrClosed) {
		t.Errorf("Put after Close: %v; want ErrClosed", err)
	}
	s2 := openStore(t, path)
	if got := s2.History(v1.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen, History =\n%+v\nwant\n%+v", got, want)
	}
	if r := s2.Recovery(); len(r) != 0 {
		t.Errorf("Recovery of an intact log = %q", r)
	}
}

func TestOpenOptionsAndLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incidents.log")
	if _, err := incident.Open(path, incident.Options{}); !errors.Is(err, incident.ErrOptions) {
		t.Errorf("Open without a node: %v; want ErrOptions", err)
	}
	openStore(t, path)
	if _, err := incident.Open(path, incident.Options{Node: node}); !errors.Is(err, incident.ErrLocked) {
		t.Errorf("second Open: %v; want ErrLocked", err)
	}
}

// The lock is a file beside the log: released by Close and by a failed
// Open, never deleted.
func TestLockReleased(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "incidents.log")
	s, err := incident.Open(path, incident.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("lock file while open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("lock file after Close: %v", err)
	}
	openStore(t, path) // the lock was released

	// A log that fails to load does not keep its lock.
	bad := filepath.Join(dir, "bad.log")
	if err := os.WriteFile(bad, []byte("not an incident log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := incident.Open(bad, incident.Options{Node: node}); err == nil || errors.Is(err, incident.ErrLocked) {
		t.Fatalf("Open of a foreign file: %v; want a load error", err)
	}
	if _, err := incident.Open(bad, incident.Options{Node: node}); err == nil || errors.Is(err, incident.ErrLocked) {
		t.Errorf("second Open of the foreign file: %v; want the load error again, not ErrLocked", err)
	}
}

func TestReceive(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "incidents.log"))
	theirs := fishing() // JP-JCG's, version 3
	ok, err := s.Receive(theirs)
	if err != nil || !ok {
		t.Fatalf("Receive = %v, %v; want true", ok, err)
	}
	if got, _ := s.Get(theirs.ID); !reflect.DeepEqual(got, theirs) {
		t.Errorf("held %+v; want %+v", got, theirs)
	}
	// The same version again: a no-op.
	if ok, err := s.Receive(theirs); ok || err != nil {
		t.Errorf("same version again: %v, %v; want false, nil", ok, err)
	}
	// An older version: ignored.
	old := fishing()
	old.Version, old.Title = 2, "older"
	if ok, err := s.Receive(old); ok || err != nil {
		t.Errorf("older version: %v, %v; want false, nil", ok, err)
	}
	// The same number, other content: a conflict.
	forked := fishing()
	forked.Title = "forked"
	if ok, err := s.Receive(forked); ok || !errors.Is(err, incident.ErrConflict) {
		t.Errorf("forked version: %v, %v; want ErrConflict", ok, err)
	}
	// A newer one is stored.
	newer := fishing()
	newer.Version, newer.Title, newer.TLP = 5, "newer", incident.TLPGreen
	if ok, err := s.Receive(newer); !ok || err != nil {
		t.Errorf("newer version: %v, %v; want true", ok, err)
	}
	if h := s.History(theirs.ID); len(h) != 2 || h[0].Version != 3 || h[1].Version != 5 {
		t.Errorf("History = %+v", h)
	}
	// Another node claiming the record, or one claiming to be us.
	hijack := newer
	hijack.Version, hijack.Origin = 6, "CN-X"
	if _, err := s.Receive(hijack); !errors.Is(err, incident.ErrForeign) {
		t.Errorf("other origin: %v; want ErrForeign", err)
	}
	mine := piracy()
	mine.Origin = node
	if _, err := s.Receive(mine); !errors.Is(err, incident.ErrForeign) {
		t.Errorf("own origin: %v; want ErrForeign", err)
	}
	// Received records need an ID, a version and an origin, and must be valid.
	for name, edit := range map[string]func(*incident.Incident){
		"no id":      func(in *incident.Incident) { in.ID = "" },
		"no version": func(in *incident.Incident) { in.Version = 0 },
		"no origin":  func(in *incident.Incident) { in.Origin = "" },
		"invalid":    func(in *incident.Incident) { in.Title = "" },
	} {
		in := piracy()
		edit(&in)
		if _, err := s.Receive(in); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("%s: %v; want ErrInvalid", name, err)
		}
	}
	// A partner's record cannot be edited or deleted here.
	if _, err := s.Put(newer, t0); !errors.Is(err, incident.ErrForeign) {
		t.Errorf("edit of a partner's record: %v; want ErrForeign", err)
	}
	if _, err := s.Delete(newer.ID, t0); !errors.Is(err, incident.ErrForeign) {
		t.Errorf("delete of a partner's record: %v; want ErrForeign", err)
	}
	// A received deletion applies.
	del := newer
	del.Version, del.Deleted = 6, true
	if ok, err := s.Receive(del); !ok || err != nil {
		t.Errorf("received deletion: %v, %v", ok, err)
	}
	if got, _ := s.Get(del.ID); !got.Deleted {
		t.Error("received deletion not applied")
	}
}

func TestList(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "incidents.log"))
	a, b, c := piracy(), assessment(), fishing()
	for _, in := range []incident.Incident{a, b, c} {
		in.Origin = "JP-JCG" // received, to keep their times and IDs
		if _, err := s.Receive(in); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := s.Put(draft("mine"), t0)
	if err != nil {
		t.Fatal(err)
	}
	// mine has piracy()'s times: Start 2025-09-03T04:10Z, as a; a sorts
	// after it by Updated (a's is 06:30 on the same day, mine's t0 06:00).
	amber, green := incident.TLPAmber, incident.TLPGreen
	gulf := geo.Rect{MinLat: 10, MinLon: 40, MaxLat: 16, MaxLon: 46}
	pacific := geo.Rect{MinLat: -11, MinLon: 179.8, MaxLat: -10.8, MaxLon: -179.8}
	tests := []struct {
		name string
		f    incident.Filter
		want []string
	}{
		{"all, newest first", incident.Filter{}, []string{a.ID, mine.ID, b.ID, c.ID}},
		{"limit", incident.Filter{Limit: 2}, []string{a.ID, mine.ID}},
		{"kind", incident.Filter{Kind: incident.KindAssessment}, []string{b.ID}},
		{"category", incident.Filter{Category: incident.IUUFishing}, []string{c.ID}},
		{"origin", incident.Filter{Origin: node}, []string{mine.ID}},
		{"window inside the assessment", incident.Filter{From: mustTime("2025-09-10T00:00:00Z"), To: mustTime("2025-09-11T00:00:00Z")}, []string{b.ID}},
		{"window touching a moment", incident.Filter{From: mustTime("2025-07-01T00:00:00Z"), To: mustTime("2025-07-01T00:00:00Z")}, []string{c.ID}},
		{"open window", incident.Filter{From: mustTime("2025-09-03T04:50:00Z")}, []string{a.ID, mine.ID, b.ID}},
		{"window before", incident.Filter{To: mustTime("2025-06-30T00:00:00Z")}, nil},
		{"bbox of the gulf", incident.Filter{BBox: &gulf}, []string{a.ID, mine.ID, b.ID}},
		{"bbox across the antimeridian", incident.Filter{BBox: &pacific}, []string{c.ID}},
		{"vessel", incident.Filter{Vessel: 412345678}, []string{c.ID}},
		{"vessel in two", incident.Filter{Vessel: 636012345}, []string{a.ID, mine.ID}},
		{"at most amber", incident.Filter{MaxTLP: &amber}, []string{a.ID, mine.ID, b.ID, c.ID}},
		{"at most green", incident.Filter{MaxTLP: &green}, []string{b.ID, c.ID}},
		{"updated after", incident.Filter{UpdatedAfter: mustTime("2025-09-01T00:00:00Z")}, []string{a.ID, mine.ID}},
		{"combined", incident.Filter{Category: incident.Piracy, BBox: &gulf, MaxTLP: &green}, []string{b.ID}},
	}
	for _, tt := range tests {
		var got []string
		for _, in := range s.List(tt.f) {
			got = append(got, in.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: List = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestConcurrentPuts(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "incidents.log"))
	first, err := s.Put(draft("shared"), t0)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts, edits := 0, 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.Put(draft("w"+itoa(w)+"-"+itoa(i)), t0); err != nil {
					t.Error(err)
				}
				// Everyone edits the shared record from what they read.
				cur, _ := s.Get(first.ID)
				cur.Narrative = "edit by " + itoa(w)
				_, err := s.Put(cur, t0)
				mu.Lock()
				switch {
				case err == nil:
					edits++
				case errors.Is(err, incident.ErrConflict):
					conflicts++
				default:
					t.Error(err)
				}
				mu.Unlock()
				s.List(incident.Filter{Limit: 5})
			}
		}()
	}
	wg.Wait()
	if n := s.Len(); n != 1+workers*each {
		t.Errorf("Len = %d; want %d", n, 1+workers*each)
	}
	h := s.History(first.ID)
	if len(h) != 1+edits || edits+conflicts != workers*each {
		t.Errorf("%d versions, %d edits, %d conflicts", len(h), edits, conflicts)
	}
	for i, v := range h {
		if v.Version != i+1 {
			t.Fatalf("version %d at %d", v.Version, i)
		}
	}
}

// TestFrozenFormatV1: testdata/v1.log is a log written by format version
// 1 (big endian); it must read back forever, and Open upgrades it to the
// current version with the same records.
func TestFrozenFormatV1(t *testing.T) {
	dir := t.TempDir()
	data := mustRead(t, filepath.Join("testdata", "v1.log"))
	if !bytes.HasPrefix(data, []byte("TWINCLOG\x00\x01")) {
		t.Fatalf("fixture header % x", data[:10])
	}
	copyPath := filepath.Join(dir, "v1.log")
	mustWrite(t, copyPath, data)
	s := openStore(t, copyPath)
	checkSamples(t, s)
	s.Close()
	if got := mustRead(t, copyPath); !bytes.HasPrefix(got, []byte("TWINC\x00\x02\x00")) {
		t.Errorf("after Open the header is % x; want version 2", got[:10])
	}
	s = openStore(t, copyPath)
	checkSamples(t, s)
	if len(s.Recovery()) != 0 {
		t.Errorf("upgraded log: Recovery = %q", s.Recovery())
	}
	s.Close()
}

// TestFrozenFormatV2: testdata/v2.log is a log written by format version
// 2 (record framing); it must read back forever. -update writes it from
// the samples (only when this is the current version).
func TestFrozenFormatV2(t *testing.T) {
	path := filepath.Join("testdata", "v2.log")
	if *update {
		if err := incident.WriteLog(path, samples()); err != nil {
			t.Fatal(err)
		}
	}
	data := mustRead(t, path)
	if !bytes.HasPrefix(data, []byte("TWINC\x00\x02\x00")) {
		t.Fatalf("fixture header % x", data[:8])
	}
	copyPath := filepath.Join(t.TempDir(), "v2.log")
	mustWrite(t, copyPath, data)
	s := openStore(t, copyPath)
	checkSamples(t, s)
	s.Close()
	if got := mustRead(t, copyPath); !bytes.Equal(got, data) {
		t.Error("Open of an intact current log changed the file")
	}
}

func checkSamples(t *testing.T, s *incident.Store) {
	t.Helper()
	for _, want := range samples() {
		if got, ok := s.Get(want.ID); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Get(%s) = %+v, %v; want %+v", want.ID, got, ok, want)
		}
	}
}

// TestPutReplicated: two stores applying the same changes in the same
// order (a cluster's control log) hold the same records, byte for byte;
// a create applied twice stores it once; of two edits of one version
// the first wins on both.
func TestPutReplicated(t *testing.T) {
	dir := t.TempDir()
	a, b := openStore(t, filepath.Join(dir, "a.log")), openStore(t, filepath.Join(dir, "b.log"))
	id := incident.NewID()
	in := draft("first")
	in.ID = id
	type change struct {
		in      incident.Incident
		at      time.Time
		create  bool
		wantErr error
	}
	edit := func(version int, title string) incident.Incident {
		e := draft(title)
		e.ID, e.Version = id, version
		return e
	}
	bad := draft("bad id")
	bad.ID = "incident--not-a-uuid"
	changes := []change{
		{in, t0, true, nil},
		{in, t0, true, incident.ErrConflict}, // applied again after a crash
		{edit(1, "second"), t0.Add(time.Minute), false, nil},
		{edit(2, "third, from one member"), t0.Add(2 * time.Minute), false, nil},
		{edit(2, "third, from another"), t0.Add(2 * time.Minute), false, incident.ErrConflict},
		{bad, t0, true, incident.ErrInvalid},
	}
	for _, s := range []*incident.Store{a, b} {
		for i, c := range changes {
			_, err := s.PutReplicated(c.in, c.at, c.create)
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("change %d: %v; want %v", i, err, c.wantErr)
			}
		}
	}
	ha, hb := a.History(id), b.History(id)
	ja, _ := json.Marshal(ha)
	jb, _ := json.Marshal(hb)
	if len(ha) != 3 || string(ja) != string(jb) {
		t.Fatalf("histories differ or are not 3 versions:\n%s\n%s", ja, jb)
	}
	if ha[2].Title != "third, from one member" || ha[2].Created != vessel.TimeOf(t0) || ha[2].Updated != vessel.TimeOf(t0.Add(2*time.Minute)) || ha[0].Origin != node {
		t.Errorf("latest %+v", ha[2])
	}
	if _, err := a.PutReplicated(draft("no id"), t0, true); !errors.Is(err, incident.ErrInvalid) {
		t.Errorf("replicated create without an ID: %v; want ErrInvalid", err)
	}
}
