package audit_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// hostile holds keys a partner might send: they must come back verbatim.
var hostile = []string{
	"", "257123450", "evt-\x00-nul", "\xff\xfe invalid utf-8", "line\nbreak\r\n", "<script>alert(1)</script>",
	"=cmd|' /C calc'!A0", strings.Repeat("k", 200), strings.Repeat("\u2603", 100),
}

// gen returns n entries spread over span after start, deterministic.
func gen(n int, start time.Time, span time.Duration, seed uint64) []audit.Entry {
	rng := rand.New(rand.NewPCG(seed, 1))
	partners := []string{"NO-JOC", "DK-MOC", "FI-CG", "EE-MRCC", "p\x00hostile"}
	kinds := []string{"position", "static", "event", "incident", "link"}
	dirs := []audit.Direction{audit.Sent, audit.Received, audit.Refused}
	out := make([]audit.Entry, n)
	for i := range out {
		key := fmt.Sprint(257000000 + rng.IntN(50))
		if rng.IntN(10) == 0 {
			key = hostile[rng.IntN(len(hostile))]
		}
		out[i] = audit.Entry{
			Time:      start.Add(time.Duration(int64(span) * int64(i) / int64(n))),
			Direction: dirs[rng.IntN(len(dirs))],
			Partner:   partners[rng.IntN(len(partners))],
			Kind:      kinds[rng.IntN(len(kinds))],
			Key:       key,
			Seq:       uint64(i + 1),
			Rule:      fmt.Sprintf("rule-%d", rng.IntN(4)),
			Origin:    []string{"se-mrcc", "no-hq", strings.Repeat("o", 300)}[rng.IntN(3)],
		}
	}
	return out
}

// want is the reference Query: filter, newest first (later appended first
// among equal times), limit.
func want(all []audit.Entry, f audit.Filter) []audit.Entry {
	var out []audit.Entry
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if (f.Partner != "" && e.Partner != f.Partner) || (f.Kind != "" && e.Kind != f.Kind) ||
			(f.Key != "" && e.Key != f.Key) || (f.Origin != "" && e.Origin != f.Origin) ||
			(f.Direction != "" && e.Direction != f.Direction) ||
			(!f.From.IsZero() && e.Time.Before(f.From)) || (!f.To.IsZero() && !e.Time.Before(f.To)) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	limit := f.Limit
	if limit <= 0 {
		limit = audit.DefaultLimit
	}
	return out[:min(len(out), limit)]
}

func sameEntries(t *testing.T, what string, got, wantE []audit.Entry) {
	t.Helper()
	if len(got) != len(wantE) {
		t.Fatalf("%s: %d entries; want %d", what, len(got), len(wantE))
	}
	for i := range got {
		g, w := got[i], wantE[i]
		if !g.Time.Equal(w.Time) || g.Direction != w.Direction || g.Partner != w.Partner || g.Kind != w.Kind ||
			g.Key != w.Key || g.Seq != w.Seq || g.Rule != w.Rule || g.Origin != w.Origin {
			t.Fatalf("%s: entry %d = %+v; want %+v", what, i, g, w)
		}
	}
}

func open(t testing.TB, dir string, c *clock, opts audit.Options) *audit.Log {
	t.Helper()
	opts.Now = c.Now
	l, err := audit.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func TestQueryFilters(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: t0}
	l := open(t, dir, c, audit.Options{SegmentBytes: 64 << 10})
	all := gen(20000, t0, 6*time.Hour, 1)
	for i := 0; i < len(all); i += 500 {
		c.Set(all[i].Time)
		if err := l.Append(all[i:min(i+500, len(all))]...); err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	filters := []audit.Filter{
		{},
		{Limit: 100000},
		{Partner: "NO-JOC", Limit: 100000},
		{Partner: "p\x00hostile", Limit: 5},
		{Partner: "nobody"},
		{Kind: "incident", Direction: audit.Refused, Limit: 100000},
		{Key: "257000007", Limit: 100000},
		{Key: hostile[2], Limit: 100000},
		{Key: hostile[3], Limit: 100000},
		{Key: hostile[7], Limit: 100000},
		{Key: hostile[8], Limit: 100000},
		{Origin: strings.Repeat("o", 300), Partner: "DK-MOC", Limit: 100000},
		{Origin: "no-hq", Limit: 100000},
		{Direction: audit.Received, Limit: 7},
		{From: t0.Add(2 * time.Hour), To: t0.Add(3 * time.Hour), Limit: 100000},
		{From: t0.Add(2 * time.Hour), To: t0.Add(3 * time.Hour), Partner: "FI-CG", Kind: "position", Limit: 100000},
		{From: t0.Add(5 * time.Hour), Limit: 10},
		{To: t0.Add(time.Hour), Limit: 10},
		{From: t0.Add(7 * time.Hour)},
		{To: t0},
	}
	check := func(when string) {
		for _, f := range filters {
			got, err := l.Query(f)
			if err != nil {
				t.Fatalf("%s: Query(%+v): %v", when, f, err)
			}
			sameEntries(t, fmt.Sprintf("%s: Query(%+v)", when, f), got, want(all, f))
		}
	}
	check("open")
	if st := l.Stats(); st.Entries != int64(len(all)) || st.Appended != uint64(len(all)) || st.Segments < 10 {
		t.Fatalf("stats %+v", st)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = open(t, dir, c, audit.Options{SegmentBytes: 64 << 10})
	defer l.Close()
	check("reopened")
	if st := l.Stats(); st.Entries != int64(len(all)) || st.DamagedSpans != 0 || st.TornBytes != 0 {
		t.Fatalf("reopened stats %+v", st)
	}
}

func TestTimeDefaultsToNow(t *testing.T) {
	c := &clock{t: t0.Add(90 * time.Minute)}
	l := open(t, t.TempDir(), c, audit.Options{})
	defer l.Close()
	l.Append(audit.Entry{Direction: audit.Sent, Partner: "a", Kind: "link", Key: "k"})
	got, _ := l.Query(audit.Filter{})
	if len(got) != 1 || !got[0].Time.Equal(c.Now()) {
		t.Fatalf("Query = %+v; want one entry at %v", got, c.Now())
	}
}

// TestWindowSkipsSegments proves that a query reads only the segments
// whose time range meets its window.
func TestWindowSkipsSegments(t *testing.T) {
	c := &clock{t: t0}
	l := open(t, t.TempDir(), c, audit.Options{})
	defer l.Close()
	all := gen(24*600, t0, 24*time.Hour, 2)
	for _, e := range all {
		c.Set(e.Time) // hourly segments follow the clock
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Stats().Segments; n != 24 {
		t.Fatalf("%d segments; want 24 hourly ones", n)
	}
	tests := []struct {
		f       audit.Filter
		scanned uint64
	}{
		{audit.Filter{From: t0.Add(5 * time.Hour), To: t0.Add(6 * time.Hour), Limit: 100000}, 1},
		{audit.Filter{From: t0.Add(5*time.Hour + 30*time.Minute), To: t0.Add(7 * time.Hour), Limit: 100000}, 2},
		{audit.Filter{From: t0.Add(23 * time.Hour), Partner: "NO-JOC", Limit: 100000}, 1},
		{audit.Filter{To: t0.Add(time.Hour), Limit: 100000}, 1},
		{audit.Filter{From: t0.Add(30 * time.Hour)}, 0},
		{audit.Filter{Limit: 100}, 1}, // the newest 100 are in the newest segment
		{audit.Filter{Limit: 100000}, 24},
	}
	for _, tt := range tests {
		before := l.Stats().SegmentsScanned
		got, err := l.Query(tt.f)
		if err != nil {
			t.Fatal(err)
		}
		sameEntries(t, fmt.Sprintf("Query(%+v)", tt.f), got, want(all, tt.f))
		if n := l.Stats().SegmentsScanned - before; n != tt.scanned {
			t.Errorf("Query(%+v) read %d segments; want %d", tt.f, n, tt.scanned)
		}
	}
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: t0}
	opts := audit.Options{Retention: 6 * time.Hour}
	l := open(t, dir, c, opts)
	all := gen(12*100, t0, 12*time.Hour, 3)
	for _, e := range all {
		c.Set(e.Time)
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	// Retention runs when the 11:00 segment starts: the segments of hours
	// 0–4 end before the cutoff (05:00) and go; hour 5 ends at 05:59 and
	// stays until Prune at 12:01.
	st := l.Stats()
	if st.SegmentsDeleted != 5 || st.Segments != 7 {
		t.Fatalf("after 12 h with 6 h retention: %+v", st)
	}
	c.Set(t0.Add(12*time.Hour + time.Minute))
	if err := l.Prune(); err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.SegmentsDeleted != 6 || st.Segments != 6 {
		t.Fatalf("after Prune: %+v", st)
	}
	got, _ := l.Query(audit.Filter{Limit: 100000})
	cut := t0.Add(6 * time.Hour)
	var kept []audit.Entry
	for _, e := range all {
		if !e.Time.Before(cut) {
			kept = append(kept, e)
		}
	}
	sameEntries(t, "after retention", got, want(kept, audit.Filter{Limit: 100000}))
	l.Close()
	// Reopening later applies retention too.
	c.Set(t0.Add(16*time.Hour + 30*time.Minute))
	l = open(t, dir, c, opts)
	defer l.Close()
	got, _ = l.Query(audit.Filter{Limit: 100000})
	if len(got) == 0 || got[len(got)-1].Time.Before(t0.Add(10*time.Hour)) {
		t.Fatalf("after reopen at 16:30 the oldest entry is %v", got[len(got)-1].Time)
	}
}

// copyDir copies the files of src into a new directory, except LOCK.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, _ := os.ReadDir(src)
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600)
	}
	return dst
}

func segFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.aud"))
	sort.Strings(m)
	return m
}

// TestTornTailEveryCut cuts the newest segment, as a crash left it (not
// sealed), at every byte of its last record: Open keeps every earlier
// entry, cuts the rest, and the log goes on.
func TestTornTailEveryCut(t *testing.T) {
	src := t.TempDir()
	c := &clock{t: t0}
	l := open(t, src, c, audit.Options{})
	all := gen(50, t0, time.Minute, 4)
	l.Append(all[:49]...)
	l.Sync()
	before := l.Stats().Bytes
	last := all[49]
	last.Partner = "a-new-partner" // so the last entry brings a string record too
	l.Append(last)
	l.Sync()
	crashed := copyDir(t, src) // as if killed: the newest segment is not sealed
	l.Close()
	seg := segFiles(crashed)[0]
	full, _ := os.ReadFile(seg)
	if int64(len(full)) <= before {
		t.Fatal("no last record")
	}
	for cut := before; cut < int64(len(full)); cut++ {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, filepath.Base(seg)), full[:cut], 0o600)
		l, err := audit.Open(dir, audit.Options{Now: c.Now})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		// The last Append wrote a string record (header, id, the partner) and then the entry.
		wantTorn := cut - before
		if def := before + 9 + 1 + int64(len(last.Partner)); cut >= def {
			wantTorn = cut - def
		}
		st := l.Stats()
		if st.TornBytes != wantTorn || st.DamagedSpans != 0 || st.Entries != 49 {
			t.Fatalf("cut at %d: %+v; want %d torn bytes, 49 entries", cut, st, wantTorn)
		}
		got, _ := l.Query(audit.Filter{})
		sameEntries(t, fmt.Sprintf("cut at %d", cut), got, want(all[:49], audit.Filter{}))
		if err := l.Append(last); err != nil {
			t.Fatal(err)
		}
		got, _ = l.Query(audit.Filter{Partner: "a-new-partner"})
		if len(got) != 1 {
			t.Fatalf("cut at %d: appending after repair: %d entries", cut, len(got))
		}
		l.Close()
	}
	// Every synced entry survives a crash.
	l, err := audit.Open(crashed, audit.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := l.Query(audit.Filter{})
	sameEntries(t, "unsealed after crash", got, want(append(all[:49:49], last), audit.Filter{}))
	l.Close()
}

// TestDamageSkippedAndCounted damages a record in the middle of an older
// segment: the log opens, the query returns every other entry, and the
// damage is counted once, with the file and offset.
func TestDamageSkippedAndCounted(t *testing.T) {
	src := t.TempDir()
	c := &clock{t: t0}
	l := open(t, src, c, audit.Options{})
	all := gen(300, t0, 3*time.Hour, 5)
	for _, e := range all {
		c.Set(e.Time)
		l.Append(e)
	}
	l.Close()
	segs := segFiles(src)
	if len(segs) != 3 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, which := range []int{0, 2} { // an older segment (read at query) and the newest (read at open)
		dir := copyDir(t, src)
		path := filepath.Join(dir, filepath.Base(segs[which]))
		b, _ := os.ReadFile(path)
		// Find the 50th entry's record by decoding its Key (inline) is not
		// needed: damage a byte near the middle of the file.
		off := len(b) / 2
		b[off] ^= 0x40
		os.WriteFile(path, b, 0o600)
		l, err := audit.Open(dir, audit.Options{Now: c.Now})
		if err != nil {
			t.Fatalf("segment %d damaged: Open: %v", which, err)
		}
		got, err := l.Query(audit.Filter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < len(all)-2 || len(got) >= len(all) {
			t.Fatalf("segment %d damaged: %d of %d entries; want all but the damaged one", which, len(got), len(all))
		}
		l.Query(audit.Filter{Limit: 100000})
		st := l.Stats()
		if st.DamagedSpans != 1 || st.LastDamage == nil || st.LastDamage.Path != path ||
			st.LastDamage.Offset > int64(off) || st.LastDamage.Offset < int64(off)-200 || !errors.Is(st.LastDamage, audit.ErrCorrupt) {
			t.Fatalf("segment %d damaged at %d: stats %+v (%v)", which, off, st, st.LastDamage)
		}
		l.Close()
	}
}

func TestUnknownVersionRefused(t *testing.T) {
	src := t.TempDir()
	c := &clock{t: t0}
	l := open(t, src, c, audit.Options{})
	for _, e := range gen(200, t0, 2*time.Hour, 6) {
		c.Set(e.Time)
		l.Append(e)
	}
	l.Close()
	for _, seg := range segFiles(src) {
		dir := copyDir(t, src)
		path := filepath.Join(dir, filepath.Base(seg))
		b, _ := os.ReadFile(path)
		b[6] = 3
		os.WriteFile(path, b, 0o600)
		_, err := audit.Open(dir, audit.Options{Now: c.Now})
		var fe *audit.FileError
		if !errors.Is(err, audit.ErrVersion) || !errors.As(err, &fe) || fe.Path != path || fe.Offset != 6 {
			t.Fatalf("version 3 in %s: Open = %v; want ErrVersion at offset 6", filepath.Base(seg), err)
		}
	}
}

func TestTooLargeAndClosed(t *testing.T) {
	c := &clock{t: t0}
	dir := t.TempDir()
	l := open(t, dir, c, audit.Options{})
	big := strings.Repeat("x", audit.MaxString)
	if err := l.Append(audit.Entry{Key: big}); err != nil {
		t.Fatalf("Append of a MaxString key: %v", err)
	}
	if err := l.Append(audit.Entry{Key: "ok"}, audit.Entry{Rule: big + "x"}); !errors.Is(err, audit.ErrTooLarge) {
		t.Fatalf("Append too large = %v", err)
	}
	got, _ := l.Query(audit.Filter{})
	if len(got) != 1 || got[0].Key != big {
		t.Fatalf("after a refused Append: %d entries", len(got))
	}
	if _, err := audit.Open(dir, audit.Options{}); !errors.Is(err, audit.ErrLocked) {
		t.Fatalf("second Open = %v; want ErrLocked", err)
	}
	l.Close()
	if err := l.Append(audit.Entry{}); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("Append after Close = %v", err)
	}
	if _, err := l.Query(audit.Filter{}); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("Query after Close = %v", err)
	}
}

// TestConcurrentAppendQuery runs appenders and queriers together (run
// with -race): every query sees a consistent, newest-first prefix.
func TestConcurrentAppendQuery(t *testing.T) {
	c := &clock{t: t0}
	l := open(t, t.TempDir(), c, audit.Options{SegmentBytes: 32 << 10})
	defer l.Close()
	const writers, per = 4, 3000
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				e := audit.Entry{Time: t0.Add(time.Duration(i) * time.Millisecond), Direction: audit.Sent,
					Partner: fmt.Sprint("w", w), Kind: "position", Key: fmt.Sprint(i), Seq: uint64(i + 1)}
				if err := l.Append(e); err != nil {
					errs <- err
					return
				}
				if i%100 == 0 {
					if err := l.Sync(); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	stop := make(chan struct{})
	var qg sync.WaitGroup
	for range 2 {
		qg.Add(1)
		go func() {
			defer qg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := l.Query(audit.Filter{Partner: "w1", Limit: 500})
				if err != nil {
					errs <- err
					return
				}
				if !slices.IsSortedFunc(got, func(a, b audit.Entry) int { return b.Time.Compare(a.Time) }) {
					errs <- errors.New("query not newest first")
					return
				}
				for i, e := range got {
					if e.Partner != "w1" || (i > 0 && e.Seq != got[i-1].Seq-1) {
						errs <- fmt.Errorf("query: entry %d is %+v after %+v", i, e, got[max(i-1, 0)])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	qg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _ := l.Query(audit.Filter{Limit: audit.MaxLimit})
	if len(got) != writers*per {
		t.Fatalf("%d entries; want %d", len(got), writers*per)
	}
}

func Example() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, _ := audit.Open(dir, audit.Options{Retention: 400 * 24 * time.Hour, Now: func() time.Time { return now }})
	l.Append(
		audit.Entry{Direction: audit.Sent, Partner: "NO-JOC", Kind: "position", Key: "257123450", Seq: 1, Rule: "positions-north-sea", Origin: "se-mrcc"},
		audit.Entry{Direction: audit.Refused, Partner: "NO-JOC", Kind: "incident", Key: "INC-77", Rule: "tlp-red", Origin: "se-mrcc"},
		audit.Entry{Direction: audit.Received, Partner: "DK-MOC", Kind: "event", Key: "gap-9", Seq: 12, Rule: "inbound", Origin: "dk-moc"},
	)
	l.Sync()
	entries, _ := l.Query(audit.Filter{Partner: "NO-JOC"})
	for _, e := range entries {
		fmt.Println(e.Time.Format(time.RFC3339), e.Direction, e.Kind, e.Key, e.Rule)
	}
	l.Close()
	// Output:
	// 2026-03-01T12:00:00Z refused incident INC-77 tlp-red
	// 2026-03-01T12:00:00Z sent position 257123450 positions-north-sea
}
