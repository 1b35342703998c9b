package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The whole-store crash test runs a real workload through the store's
// API on a record.MemFS (appends, commits, flushes to blocks, a
// compaction, the manifest and snapshot rewrites they make, Close) and
// crashes it after every mutating file operation, keeping only what was
// synced (and again with a random torn part of what was not). The store
// reopened on what is left must open without repair and without damage,
// answer Track, Near and At exactly as the uncrashed store did after the
// last acknowledged commit (or after the one in flight, whole: never a
// prefix of its records, which WAL version 3's commit record rules out),
// and pass Check.

const (
	storeCrashDir   = "/data"
	storeCrashBatch = 60  // positions per Write and Commit
	storeCrashHead  = 500 // HeadPoints: a block every ~8 commits
)

// storeCrashRun is one run of the workload.
type storeCrashRun struct {
	batches [][]vessel.Position
	statics [][]vessel.Static   // written with each batch
	dups    [][]vessel.Position // each heard again by another source (provenance)
	// compactAfter is the batch after which Compact merges the blocks.
	compactAfter int
	// answers, if not nil, receives the fingerprint of the store's
	// answers after each acknowledged batch (index: batches acknowledged).
	answers func(k int, db *DB)
	// split (reference runs only) writes each batch in three Write and
	// Commit calls, in the order of its WAL records (positions, static
	// reports, provenance), and calls parts after the first two: the
	// states a crash would leave of a batch in flight if its records
	// counted without its commit record (see the test).
	split bool
	parts func(k, stage int, db *DB)
}

func storeCrashOptions(fsys *record.MemFS, clock *time.Time) Options {
	return Options{FS: fsys, HeadPoints: storeCrashHead, ManifestEvery: 3 * time.Second,
		Now: func() time.Time { return *clock }}
}

// run runs the workload on fsys until it ends or the file system fails,
// and returns how many batches were acknowledged.
func (r *storeCrashRun) run(fsys *record.MemFS) (acked int, err error) {
	clock := time.Date(2021, 3, 24, 0, 0, 0, 0, time.UTC)
	db, err := Open(storeCrashDir, storeCrashOptions(fsys, &clock))
	if err != nil {
		return 0, err
	}
	if r.answers != nil {
		r.answers(0, db)
	}
	var b Batch
	for i, batch := range r.batches {
		clock = clock.Add(time.Second)
		b.Reset()
		for j := range batch {
			b.AddPosition(&batch[j])
		}
		if r.split {
			for stage, add := range []func(){
				func() {
					for j := range r.statics[i] {
						b.AddStatic(&r.statics[i][j])
					}
				},
				func() {
					for _, d := range r.dups[i] {
						b.AddProvenance(d.MMSI, d.Time, "rx-dup")
					}
				}} {
				if err := db.Write(&b); err != nil {
					return acked, err
				}
				if err := db.Commit(); err != nil {
					return acked, err
				}
				r.parts(i, stage, db)
				b.Reset()
				add()
			}
		}
		for j := range r.statics[i] {
			if !r.split {
				b.AddStatic(&r.statics[i][j])
			}
		}
		for _, d := range r.dups[i] {
			if !r.split {
				b.AddProvenance(d.MMSI, d.Time, "rx-dup")
			}
		}
		if err := db.Write(&b); err != nil {
			db.Close()
			return acked, err
		}
		if err := db.Commit(); err != nil {
			db.Close()
			return acked, err
		}
		acked = i + 1
		if r.answers != nil {
			r.answers(acked, db)
		}
		if i+1 == r.compactAfter {
			if _, err := db.Compact(CompactOptions{}); err != nil {
				db.Close()
				return acked, err
			}
		}
	}
	return acked, db.Close()
}

// storeCrashWorkload reads the positions of the workload: real AIS of the
// Suez Canal blockage (testdata/tracks), a few vessels, in time order.
func storeCrashWorkload(t *testing.T) *storeCrashRun {
	rows := readTrackRows(t, trackFile(t, "suez_evergiven_20210320_24.csv.gz"))
	if len(rows) < 2400 {
		t.Fatalf("%d rows; want at least 2400", len(rows))
	}
	rows = rows[:2400]
	r := &storeCrashRun{compactAfter: 30}
	for i := 0; i < len(rows); i += storeCrashBatch {
		batch := slices.Clone(rows[i:min(i+storeCrashBatch, len(rows))])
		for j := range batch {
			batch[j].Source = fmt.Sprintf("rx-%d", (i+j)%3)
		}
		r.batches = append(r.batches, batch)
		// A static report of the first vessel of the batch (the track
		// files hold positions only: name and destination made up) and a
		// duplicate of its last position heard by another receiver.
		first, last := batch[0], batch[len(batch)-1]
		r.statics = append(r.statics, []vessel.Static{{MMSI: first.MMSI, Time: first.Time,
			Has: vessel.HasName | vessel.HasDestination, Name: fmt.Sprintf("VESSEL %d", first.MMSI%1000),
			Destination: fmt.Sprintf("PORT %d", i/storeCrashBatch), Source: "rx-static"}})
		r.dups = append(r.dups, []vessel.Position{last})
	}
	return r
}

// storeAnswers fingerprints what the store answers about the workload's
// vessels: every track (flagged positions included), the picture at three
// moments, and the vessels near a point of the canal.
type storeAnswers struct {
	mmsis    []vessel.MMSI
	from, to vessel.Time
	near     geo.Point
}

func newStoreAnswers(r *storeCrashRun) *storeAnswers {
	a := &storeAnswers{from: math.MaxInt64, to: math.MinInt64}
	seen := map[vessel.MMSI]bool{}
	var lat, lon float64
	n := 0
	for _, batch := range r.batches {
		for _, p := range batch {
			if !seen[p.MMSI] {
				seen[p.MMSI] = true
				a.mmsis = append(a.mmsis, p.MMSI)
			}
			a.from, a.to = min(a.from, p.Time), max(a.to, p.Time)
			lat, lon = lat+p.Lat, lon+p.Lon
			n++
		}
	}
	slices.Sort(a.mmsis)
	a.near = geo.Point{Lat: lat / float64(n), Lon: lon / float64(n)}
	return a
}

// of returns the fingerprint of db's answers: a CRC of their encoding.
func (a *storeAnswers) of(db *DB) (uint32, error) {
	parts, err := a.parts(db)
	if err != nil {
		return 0, err
	}
	h := crc32.NewIEEE()
	for _, p := range parts {
		h.Write(fmt.Appendf(nil, "%s=%08x;", p.name, p.crc))
	}
	return h.Sum32(), nil
}

// answerPart is the fingerprint of one answer (a vessel's track, its
// provenance and static data; the picture at a moment; near).
type answerPart struct {
	name string
	crc  uint32
	text string
}

// parts returns the fingerprints of db's answers one by one, to say which
// differ.
func (a *storeAnswers) parts(db *DB) ([]answerPart, error) {
	var out []answerPart
	var buf []byte
	pos := func(p *vessel.Position) {
		buf = binary.AppendVarint(buf, int64(p.MMSI))
		buf = binary.AppendVarint(buf, int64(p.Time))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(p.Lat))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(p.Lon))
		buf = binary.AppendVarint(buf, int64(p.SOG))
		buf = binary.AppendVarint(buf, int64(p.COG))
		buf = binary.AppendVarint(buf, int64(p.Heading))
		buf = binary.AppendVarint(buf, int64(p.Status))
		buf = binary.AppendVarint(buf, int64(p.Flags))
		buf = append(buf, p.Track)
		buf = append(buf, p.Source...)
		buf = append(buf, 0)
	}
	name := ""
	flush := func() {
		out = append(out, answerPart{name, crc32.ChecksumIEEE(buf), string(buf)})
		buf = buf[:0]
	}
	for _, m := range a.mmsis {
		name = fmt.Sprintf("vessel %d", m)
		tr, err := db.Track(m, a.from, a.to, true)
		if err != nil {
			return nil, err
		}
		buf = binary.AppendUvarint(buf, uint64(len(tr)))
		for i := range tr {
			pos(&tr[i])
		}
		if len(tr) > 0 {
			for _, p := range []vessel.Position{tr[0], tr[len(tr)-1]} {
				srcs, err := db.Provenance(m, p.Time)
				if err != nil {
					return nil, err
				}
				buf = fmt.Appendf(buf, "%q", srcs)
			}
		}
		st, times, ok := db.Static(m, a.to)
		buf = fmt.Appendf(buf, "%v%v%t", st, times, ok)
		flush()
	}
	for _, t := range []vessel.Time{a.from + (a.to-a.from)/3, a.from + (a.to-a.from)*2/3, a.to} {
		name = fmt.Sprintf("at %d", t)
		at, err := db.At(t, vessel.Time(time.Hour/time.Millisecond), true)
		if err != nil {
			return nil, err
		}
		buf = binary.AppendUvarint(buf, uint64(len(at)))
		for i := range at {
			pos(&at[i].Position)
			buf = binary.AppendVarint(buf, int64(at[i].Reports))
			buf = fmt.Appendf(buf, "%t%v", at[i].HasPosition, at[i].Static)
		}
		flush()
	}
	name = "near"
	near, err := db.Near(a.near, 20_000, a.from, a.to, NearOptions{Flagged: true})
	if err != nil {
		return nil, err
	}
	buf = fmt.Appendf(buf, "%v", near)
	flush()
	return out, nil
}

// TestStoreCrashEveryPoint crashes the whole store in memory at every
// write, sync, create, rename, removal and directory sync of a real
// workload, reopens it and checks what it holds against the answers of
// the store that did not crash.
func TestStoreCrashEveryPoint(t *testing.T) {
	r := storeCrashWorkload(t)
	ans := newStoreAnswers(r)
	var want []uint32 // answers after k acknowledged batches
	var wantParts [][]answerPart
	r.answers = func(k int, db *DB) {
		h, err := ans.of(db)
		if err != nil {
			t.Fatalf("answers after %d batches: %v", k, err)
		}
		want = append(want, h)
		parts, _ := ans.parts(db)
		wantParts = append(wantParts, parts)
	}
	dry := record.NewMemFS()
	if acked, err := r.run(dry); err != nil || acked != len(r.batches) {
		t.Fatalf("workload without a crash: %d of %d batches, %v", acked, len(r.batches), err)
	}
	r.answers = nil
	ops := dry.Ops()
	// A batch in flight (written, its commit not acknowledged) is found
	// whole or not at all: Write puts it in the WAL as several records
	// (positions, static reports, provenance) and a crash may keep a
	// prefix of them, but they count only with the batch's commit record
	// (WAL version 3). partial[k] holds the answers with batch k+1 cut
	// after its positions and after its static reports, the states a
	// version 2 WAL could come back in: finding one is a failure.
	partial := make([][2]uint32, len(r.batches))
	split := *r
	split.split = true
	split.parts = func(k, stage int, db *DB) {
		h, err := ans.of(db)
		if err != nil {
			t.Fatalf("answers in batch %d: %v", k, err)
		}
		partial[k][stage] = h
	}
	if acked, err := split.run(record.NewMemFS()); err != nil || acked != len(r.batches) {
		t.Fatalf("split workload: %d of %d batches, %v", acked, len(r.batches), err)
	}
	// The store closed cleanly holds the last answers too.
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	db, err := Open(storeCrashDir, storeCrashOptions(dry, &clock))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := ans.of(db); err != nil || h != want[len(r.batches)] {
		t.Fatalf("reopened after a clean close: answers differ (%v)", err)
	}
	st := db.Stats()
	near, _ := db.Near(ans.near, 20_000, ans.from, ans.to, NearOptions{Flagged: true})
	at, _ := db.At(ans.to, vessel.Time(time.Hour/time.Millisecond), true)
	db.Close()
	if st.Positions != 2400 || len(near) == 0 || len(at) == 0 {
		t.Fatalf("the workload's store holds %d positions, %d vessels near, %d at the end; want 2400 and some", st.Positions, len(near), len(at))
	}
	if st.Blocks < 2 || ops < 200 {
		t.Fatalf("workload made %d blocks in %d operations; want a compaction's worth", st.Blocks, ops)
	}

	seeds := 2 // without tearing, and with a random torn part of the unsynced writes
	torn, inFlight, inPart, checked := 0, 0, 0, 0
	for n := 0; n <= ops; n++ {
		for seed := range seeds {
			m := record.NewMemFS()
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m.CrashAfter(n, rng)
			acked, werr := r.run(m)
			after := m.Crashed()
			if after == nil {
				if werr != nil {
					t.Fatalf("crash after %d: the workload failed without a crash: %v", n, werr)
				}
				after = m.CrashClone(rng)
			} else if werr != nil && !errors.Is(werr, record.ErrCrashed) {
				t.Fatalf("crash after %d (seed %d): workload error %v; want one wrapping ErrCrashed", n, seed, werr)
			}
			where := fmt.Sprintf("crash after operation %d of %d (seed %d, %d batches acknowledged)", n, ops, seed, acked)
			got, recovered := storeCrashCheck(t, where, after, ans, rng)
			switch {
			case got == want[acked]:
			case acked < len(r.batches) && got == want[acked+1]:
				inFlight++ // the batch in flight made it, whole
			case acked < len(r.batches) && (got == partial[acked][0] || got == partial[acked][1]):
				inPart++
				t.Errorf("%s: the reopened store holds a prefix of batch %d (its positions without the rest): a batch counts only with its commit record", where, acked+1)
			default:
				// Crash the same way again and say which answers differ.
				m := record.NewMemFS()
				if seed > 0 {
					rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
				}
				m.CrashAfter(n, rng)
				r.run(m)
				var diff []string
				if c := m.Crashed(); c != nil {
					if db, err := Open(storeCrashDir, Options{FS: c, ReadOnly: true}); err == nil {
						parts, _ := ans.parts(db)
						db.Close()
						diff = diffParts(parts, wantParts[acked])
						if acked+1 < len(wantParts) {
							if d := diffParts(parts, wantParts[acked+1]); len(d) < len(diff) {
								diff = append([]string{fmt.Sprintf("against %d batches:", acked+1)}, d...)
							}
						}
					}
				}
				t.Fatalf("%s: the reopened store's answers are neither those after %d batches nor after %d (nor after part of it); against %d: %s", where, acked, acked+1, acked, strings.Join(diff, "\n"))
			}
			if recovered {
				torn++
			}
			checked++
		}
	}
	t.Logf("%d crash points × %d: %d recoveries with repairs, %d in-flight batches kept whole, %d in part", ops+1, seeds, torn, inFlight, inPart)
	if checked != (ops+1)*seeds || inPart != 0 {
		t.Errorf("%d reopens checked of %d, %d with part of a batch; want all and none", checked, (ops+1)*seeds, inPart)
	}
}

// storeCrashCheck checks the store a crash left on fsys: a read-only open
// (which repairs nothing) and a writer's open both succeed without
// damage and give the same answers; the writer's open crashed itself at
// an operation chosen by rng (a crash during recovery) and opened again
// gives them too; after Close, Check finds nothing. It returns the
// fingerprint of the answers and whether Open repaired anything.
func storeCrashCheck(t *testing.T, where string, fsys *record.MemFS, ans *storeAnswers, rng *rand.Rand) (uint32, bool) {
	t.Helper()
	if _, err := fsys.Stat(storeCrashDir); err != nil {
		// Nothing was created durably: an empty store, as a fresh one.
		return storeCrashEmpty(t, where, ans), false
	}
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	hro, roOK := uint32(0), false
	if _, err := fsys.Stat(storeCrashDir + "/" + markerName); err == nil {
		// (Without the marker, a crash cut the creation of the store:
		// a reader rightly says it is not one; a writer creates it.)
		ro, err := Open(storeCrashDir, Options{FS: fsys, ReadOnly: true})
		if err != nil {
			t.Fatalf("%s: read-only open: %v", where, err)
		}
		if d := ro.Damage(); len(d) > 0 {
			t.Fatalf("%s: read-only open found damage: %v", where, d)
		}
		if hro, err = ans.of(ro); err != nil {
			t.Fatalf("%s: read-only queries: %v", where, err)
		}
		ro.Close()
		roOK = true
	}
	if rng != nil {
		// A second crash, during recovery: the whole synced state is
		// kept by CrashClone(nil), and crashed again after k operations.
		again := fsys.CrashClone(nil)
		k := rng.IntN(40)
		again.CrashAfter(k, rng)
		if db, err := Open(storeCrashDir, storeCrashOptions(again, &clock)); err == nil {
			db.Close()
		}
		if c := again.Crashed(); c != nil {
			fsys = c
			where += fmt.Sprintf(", then during recovery after operation %d", k)
		}
	}
	db, err := Open(storeCrashDir, storeCrashOptions(fsys, &clock))
	if err != nil {
		t.Fatalf("%s: open: %v", where, err)
	}
	if d := db.Damage(); len(d) > 0 {
		t.Fatalf("%s: open found damage: %v", where, d)
	}
	h, err := ans.of(db)
	if err != nil {
		t.Fatalf("%s: queries: %v", where, err)
	}
	if roOK && h != hro {
		t.Fatalf("%s: a read-only open and a writer's open answer differently", where)
	}
	recovered := len(db.Recovery()) > 0
	if err := db.Close(); err != nil {
		t.Fatalf("%s: close: %v", where, err)
	}
	rep, err := CheckFS(storeCrashDir, fsys)
	if err != nil {
		t.Fatalf("%s: check: %v", where, err)
	}
	if !rep.OK() {
		t.Fatalf("%s: check after reopening: %v", where, rep.Damage)
	}
	return h, recovered
}

func storeCrashEmpty(t *testing.T, where string, ans *storeAnswers) uint32 {
	t.Helper()
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	db, err := Open(storeCrashDir, storeCrashOptions(record.NewMemFS(), &clock))
	if err != nil {
		t.Fatalf("%s: open an empty store: %v", where, err)
	}
	defer db.Close()
	h, err := ans.of(db)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return h
}

// TestOpenCrashCreatingStore: a crash at any point while Open creates a
// new store leaves a directory that opens (regression: the marker was
// written without sync after which the subdirectories existed durably, so
// a crash left "wal" and "blocks" without TIDEWATCH, refused as "not
// empty and has no TIDEWATCH file").
func TestOpenCrashCreatingStore(t *testing.T) {
	dry := record.NewMemFS()
	clock := time.Date(2021, 3, 24, 0, 0, 0, 0, time.UTC)
	db, err := Open(storeCrashDir, storeCrashOptions(dry, &clock))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for n := 0; n <= dry.Ops(); n++ {
		m := record.NewMemFS()
		m.CrashAfter(n, nil)
		if db, err := Open(storeCrashDir, storeCrashOptions(m, &clock)); err == nil {
			db.Close()
		}
		after := m.Crashed()
		if after == nil {
			after = m.CrashClone(nil)
		}
		db, err := Open(storeCrashDir, storeCrashOptions(after, &clock))
		if err != nil {
			t.Fatalf("crash after operation %d of creating a store: reopen: %v", n, err)
		}
		if d := db.Damage(); len(d) > 0 {
			t.Errorf("crash after operation %d of creating a store: damage %v", n, d)
		}
		db.Close()
	}
}

// TestOpenRemovesStaleTemps: temporary files of atomic writes that a
// crash left (the manifest's, the snapshot's, a block's; unique names and
// the fixed name of older versions) are removed by a writer's Open and
// reported as no damage; a reader leaves them alone.
func TestOpenRemovesStaleTemps(t *testing.T) {
	m := record.NewMemFS()
	r := storeCrashWorkload(t)
	r.batches = r.batches[:10]
	if _, err := r.run(m); err != nil {
		t.Fatal(err)
	}
	stale := []string{"MANIFEST.k3j9a.tmp", "MANIFEST.tmp", "SNAPSHOT.0x1.tmp", "TIDEWATCH.zz.tmp", "blocks/00000009.blk.q1.tmp"}
	for _, name := range stale {
		if err := record.WriteFileAtomic(m, storeCrashDir+"/"+name, []byte("half a write"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ro, err := Open(storeCrashDir, Options{FS: m, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	for _, name := range stale {
		if _, err := m.Stat(storeCrashDir + "/" + name); err != nil {
			t.Errorf("a read-only open removed %s: %v", name, err)
		}
	}
	db, err := Open(storeCrashDir, storeCrashOptions(m, &clock))
	if err != nil {
		t.Fatal(err)
	}
	if d := db.Damage(); len(d) > 0 {
		t.Errorf("stale temporary files reported as damage: %v", d)
	}
	db.Close()
	for _, name := range stale {
		if _, err := m.Stat(storeCrashDir + "/" + name); err == nil {
			t.Errorf("%s is still there after a writer's open", name)
		}
	}
	if rep, err := CheckFS(storeCrashDir, m); err != nil || !rep.OK() {
		t.Errorf("check: %v, %v", rep, err)
	}
}

// TestCrashDuringRecovery crashes the recovery itself, at every one of
// its operations, after crashes that left WAL segments to repair: one cut
// inside its header and one with a torn record. The store opened again
// must hold no damage. Regressions: recovery removed a segment cut inside
// its header before the manifest stopped listing it (a second crash then
// reported it missing), and cut a torn tail without syncing the cut
// before creating the next segment (a second crash then left the torn
// record in a segment that is not the last: damage).
func TestCrashDuringRecovery(t *testing.T) {
	r := storeCrashWorkload(t)
	r.batches = r.batches[:12]
	r.compactAfter = 0
	dry := record.NewMemFS()
	if _, err := r.run(dry); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	found := map[string]int{}
	for n := 0; n <= dry.Ops() && (found["cut short"] == 0 || found["truncated"] == 0); n++ {
		m := record.NewMemFS()
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		m.CrashAfter(n, rng)
		r.run(m)
		first := m.Crashed()
		if first == nil {
			continue
		}
		// What the first recovery repairs, and how many operations it
		// takes (Open and Close).
		probe := first.CrashClone(nil)
		db, err := Open(storeCrashDir, storeCrashOptions(probe, &clock))
		if err != nil {
			continue // the marker was not durable yet
		}
		// Only segments the manifest lists: their removal must wait
		// for the manifest that no longer does.
		man, _ := readManifest(first, storeCrashDir)
		listed := func(note string) bool {
			for _, sg := range man.segmentsOrNil() {
				if strings.Contains(note, filepath.Base(segmentName("", sg.seq))) {
					return true
				}
			}
			return false
		}
		kind := ""
		for _, note := range db.Recovery() {
			for _, k := range []string{"cut short", "truncated"} {
				if strings.Contains(note, k) && found[k] == 0 && listed(note) {
					kind = k
				}
			}
		}
		db.Close()
		if kind == "" {
			continue
		}
		found[kind] = n
		for k := 0; k <= probe.Ops(); k++ {
			again := first.CrashClone(nil)
			again.CrashAfter(k, nil)
			if db, err := Open(storeCrashDir, storeCrashOptions(again, &clock)); err == nil {
				db.Close()
			}
			after := again.Crashed()
			if after == nil {
				after = again.CrashClone(nil)
			}
			db, err := Open(storeCrashDir, storeCrashOptions(after, &clock))
			if err != nil {
				t.Fatalf("segment %s by the crash after %d, recovery crashed after %d: %v", kind, n, k, err)
			}
			if d := db.Damage(); len(d) > 0 {
				t.Fatalf("segment %s by the crash after %d, recovery crashed after %d: damage %v", kind, n, k, d)
			}
			db.Close()
		}
	}
	if found["cut short"] == 0 || found["truncated"] == 0 {
		t.Fatalf("crash points leaving a segment cut short and one truncated: %v; want both", found)
	}
}

func (m *manifest) segmentsOrNil() []manSegment {
	if m == nil {
		return nil
	}
	return m.segments
}

// diffParts describes the answers of got that differ from want.
func diffParts(got, want []answerPart) []string {
	var out []string
	for i := range min(len(got), len(want)) {
		if got[i].crc != want[i].crc {
			out = append(out, fmt.Sprintf("%s:\n  got  %.300q\n  want %.300q", got[i].name, got[i].text, want[i].text))
		}
	}
	if len(got) != len(want) {
		out = append(out, fmt.Sprintf("%d answers, want %d", len(got), len(want)))
	}
	return out
}
