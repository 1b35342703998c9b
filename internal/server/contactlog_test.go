package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// testContacts returns n varied contacts, in time order.
func testContacts(rng *rand.Rand, n int) []httpapi.Contact {
	t0 := vessel.TimeOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	out := make([]httpapi.Contact, n)
	for i := range out {
		c := httpapi.Contact{Time: t0 + vessel.Time(i*1000+rng.IntN(1000)), Lat: -89 + 178*rng.Float64(), Lon: -180 + 360*rng.Float64(),
			Sensor: "radar", Source: "patrol", Target: fmt.Sprint(1 + rng.IntN(99)), Scene: fmt.Sprintf("patrol %d", i),
			Score: rng.Float64(), Track: uint64(rng.IntN(1000)), Confirmed: rng.IntN(2) == 0}
		switch i % 4 {
		case 0:
			c.MMSI, c.Held = vessel.MMSI(200000000+rng.IntN(600000000)), rng.IntN(3) == 0
			for range 1 + rng.IntN(5) {
				c.Candidates = append(c.Candidates, httpapi.ContactCandidate{MMSI: vessel.MMSI(200000000 + rng.IntN(1000)),
					Score: rng.Float64(), DistM: 3000 * rng.Float64(), D2: 30 * rng.Float64(), AgeS: 600 * rng.Float64()})
			}
		case 1:
			c.HasMotion, c.SpeedKn, c.CourseDeg, c.Episode = true, 30*rng.Float64(), 360*rng.Float64(), "dark/radar/patrol/7/1"
		case 2:
			c.Sensor, c.Source, c.Target, c.Track, c.Confirmed = "satellite", "gfw", "", 0, false
			c.Doubtful, c.LengthM, c.Scene = rng.IntN(2) == 0, 10+200*rng.Float64(), "S1A_IW_GRDH_1SDV_20260301"
		}
		out[i] = c
	}
	return out
}

func TestContactRecordRoundTrip(t *testing.T) {
	for i, c := range testContacts(rand.New(rand.NewPCG(1, 18)), 200) {
		p := appendContact(nil, &c)
		got, err := decodeContact(p)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("contact %d: decode(encode(%+v)) = %+v, %v", i, c, got, err)
		}
		for _, cut := range []int{0, 1, len(p) / 2, len(p) - 1} {
			if _, err := decodeContact(p[:cut]); !errors.Is(err, errContactRecord) {
				t.Fatalf("contact %d cut at %d of %d: %v; want errContactRecord", i, cut, len(p), err)
			}
		}
		if _, err := decodeContact(append(p, 0)); !errors.Is(err, errContactRecord) {
			t.Fatalf("contact %d with a trailing byte: %v", i, err)
		}
	}
}

func FuzzContactRecord(f *testing.F) {
	for _, c := range testContacts(rand.New(rand.NewPCG(2, 18)), 8) {
		f.Add(appendContact(nil, &c))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		c, err := decodeContact(p)
		if err != nil {
			return
		}
		again, err := decodeContact(appendContact(nil, &c))
		if err != nil || !reflect.DeepEqual(again, c) && !hasNaN(c) {
			t.Fatalf("%+v does not round-trip: %+v, %v", c, again, err)
		}
	})
}

func hasNaN(c httpapi.Contact) bool {
	v := []float64{c.Score, c.SpeedKn, c.CourseDeg, c.LengthM}
	for _, cd := range c.Candidates {
		v = append(v, cd.Score, cd.DistM, cd.D2, cd.AgeS)
	}
	return slices.ContainsFunc(v, func(x float64) bool { return x != x })
}

// logWorkload appends the contacts in batches of 7 and flushes after each
// batch; it returns, per batch, the file system's operation count after
// its flush, stopping at the first error (the crash).
func logWorkload(fsys record.FS, cs []httpapi.Contact, ops func() int) []int {
	l, _, err := openContactLog("/data/contacts", contactLogOptions{FS: fsys, SegmentSize: 2000, Segments: 3}, 0)
	if err != nil {
		return nil
	}
	var done []int
	for i := 0; i < len(cs); i += 7 {
		for j := i; j < min(i+7, len(cs)); j++ {
			l.append(&cs[j])
		}
		if l.flush() != nil {
			return done
		}
		done = append(done, ops())
	}
	l.close()
	return done
}

// TestContactLogCrash crashes the contact log's workload (appends,
// flushes, segment rotation and deletion) after every one of its
// operations, keeping a random part of the unsynced writes, and reopens
// what the crash left: the restored contacts are a run of those appended,
// in order, ending at or after every batch whose flush had returned; the
// reopened log takes new contacts after them and keeps them.
func TestContactLogCrash(t *testing.T) {
	cs := testContacts(rand.New(rand.NewPCG(3, 18)), 140)
	clean := record.NewMemFS()
	done := logWorkload(clean, cs, clean.Ops)
	total := clean.Ops()
	if len(done) != 20 {
		t.Fatalf("the workload flushed %d batches; want 20", len(done))
	}
	segs, _ := clean.ReadDir("/data/contacts")
	t.Logf("%d operations, %d segment files kept", total, len(segs))
	if len(segs) != 3 {
		t.Errorf("%d segments kept; want 3 (the bound)", len(segs))
	}
	for n := 0; n <= total; n++ {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		m := record.NewMemFS()
		m.CrashAfter(n, rng)
		logWorkload(m, cs, m.Ops)
		after := m.Crashed()
		if after == nil { // the workload ended first
			after = m.CrashClone(rng)
		}
		durable := 0 // contacts whose flush returned before the crash
		for b, ops := range done {
			if ops <= n {
				durable = min(len(cs), (b+1)*7)
			}
		}
		l, got, err := openContactLog("/data/contacts", contactLogOptions{FS: after, SegmentSize: 2000, Segments: 3}, 1000)
		if err != nil {
			t.Fatalf("crash after %d: reopen: %v", n, err)
		}
		start := 0
		if len(got) > 0 {
			start = slices.IndexFunc(cs, func(c httpapi.Contact) bool { return reflect.DeepEqual(c, got[0]) })
		}
		if start < 0 || start+len(got) > len(cs) || len(got) > 0 && !reflect.DeepEqual(got, cs[start:start+len(got)]) {
			t.Fatalf("crash after %d: %d contacts restored are not a run of those appended", n, len(got))
		}
		if start+len(got) < durable || durable > 0 && len(got) == 0 {
			t.Fatalf("crash after %d: restored up to contact %d; %d were durable", n, start+len(got), durable)
		}
		// The reopened log goes on.
		extra := testContacts(rand.New(rand.NewPCG(uint64(n), 9)), 3)
		for i := range extra {
			l.append(&extra[i])
		}
		if err := l.close(); err != nil {
			t.Fatalf("crash after %d: writing after the reopen: %v", n, err)
		}
		_, again, err := openContactLog("/data/contacts", contactLogOptions{FS: after, SegmentSize: 2000, Segments: 3}, 1000)
		if err != nil || len(again) < 3 || !reflect.DeepEqual(again[len(again)-3:], extra) {
			t.Fatalf("crash after %d: the contacts written after the reopen are not kept (%d, %v)", n, len(again), err)
		}
	}
}

// TestContactLogHistory checks the log's history against a scan of what
// was appended: by since, dark and limit, across segments, with contacts
// still unwritten, and with a damaged record in an old segment (read up
// to it, counted, the rest of the log still served).
func TestContactLogHistory(t *testing.T) {
	cs := testContacts(rand.New(rand.NewPCG(4, 18)), 300)
	fsys := record.NewMemFS()
	l, _, err := openContactLog("/c", contactLogOptions{FS: fsys, SegmentSize: 4000, Segments: 100}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		l.append(&cs[i])
		if i%10 == 9 && i < 290 {
			if err := l.flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := func(q httpapi.ContactQuery, from []httpapi.Contact) []httpapi.Contact {
		var out []httpapi.Contact
		for i := len(from) - 1; i >= 0; i-- {
			if q.Match(&from[i]) {
				out = append(out, from[i])
			}
		}
		slices.SortStableFunc(out, func(a, b httpapi.Contact) int { return cmpTimeDesc(a.Time, b.Time) })
		if q.Limit > 0 && len(out) > q.Limit {
			out = out[:q.Limit]
		}
		return out
	}
	queries := []httpapi.ContactQuery{
		{History: true}, {History: true, Limit: 5}, {History: true, Limit: 100}, {History: true, DarkOnly: true, Limit: 50},
		{History: true, Since: cs[150].Time}, {History: true, Since: cs[295].Time, Limit: 2},
	}
	for _, q := range queries {
		if got := l.history(q); !sameTimes(got, want(q, cs)) {
			t.Errorf("history(%+v): %d contacts; want %d", q, len(got), len(want(q, cs)))
		}
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	// Damage in the first segment: a byte of a record's payload.
	first := (&contactSegment{seq: 1}).name("/c")
	data, _ := record.ReadFile(fsys, first)
	data[record.FileHeaderLen+record.HeaderLen+3] ^= 0xff
	f, _ := fsys.OpenFile(first, os.O_WRONLY, 0)
	f.WriteAt(data, 0)
	f.Close()
	l2, restored, err := openContactLog("/c", contactLogOptions{FS: fsys, SegmentSize: 4000, Segments: 100}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if l2.damaged != 1 || len(restored) == 0 || len(restored) >= len(cs) || !reflect.DeepEqual(restored[len(restored)-1], cs[len(cs)-1]) {
		t.Errorf("after damage: %d damaged, %d restored (last %v)", l2.damaged, len(restored), restored[len(restored)-1].Time)
	}
	if got := l2.history(httpapi.ContactQuery{History: true, Limit: 100}); !sameTimes(got, want(httpapi.ContactQuery{Limit: 100}, cs)) {
		t.Errorf("after damage, the newest 100 are not all served: %d", len(got))
	}
}

func sameTimes(a, b []httpapi.Contact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Time != b[i].Time {
			return false
		}
	}
	return true
}

// TestNodeContactsRestart replays a fixed radar's file to a node, stops
// it, and opens a node on the same data directory with no input: the
// contacts' history (and the current contacts) are served from the log.
func TestNodeContactsRestart(t *testing.T) {
	start := vessel.TimeOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	var b []byte
	for s := 0; s < 600; s += 10 {
		at := start + vessel.Time(s*1000)
		b = append(b, tllLine("vts", "01", at, 12.5+float64(s)*1e-5, 45.1)...)
		b = append(b, tllLine("vts", "02", at, 12.6, 45.2+float64(s)*1e-5)...)
	}
	dir := t.TempDir()
	file := dir + "/vts.nmea"
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	data := dir + "/data"
	open := func(inputs []Input) (*Node, string, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true, Inputs: inputs}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return start.Std().Add(11 * time.Minute) }})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		return n, "http://" + n.Addr().String(), func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
			n.Close()
		}
	}
	n, base, stop := open([]Input{{Type: "nmea-radar", Name: "vts", File: file, Site: &SensorSite{Lat: 12.4, Lon: 45.0}}})
	waitFor(t, 30*time.Second, "contacts", func() bool { return n.Contacts().Stats().Contacts >= 120 })
	var before apiContacts
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=1000", &before)
	stop()
	if before.Count != 120 {
		t.Fatalf("%d contacts before the restart; want 120", before.Count)
	}
	_, base, stop = open(nil)
	defer stop()
	var after, current apiContacts
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=1000", &after)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after the restart the history has %d contacts; want the %d served before, the same", after.Count, before.Count)
	}
	getJSONInto(t, base+"/api/v1/contacts", &current)
	if current.Count != 2 {
		t.Errorf("after the restart %d current contacts; want 2 (the last of each track)", current.Count)
	}
	getJSONInto(t, base+"/api/v1/contacts?history=true&limit=10&since="+start.Std().Add(5*time.Minute).Format(time.RFC3339), &after)
	if after.Count != 10 || after.Contacts[9].Time.Before(start.Std().Add(5*time.Minute)) {
		t.Errorf("history with since and limit: %d contacts", after.Count)
	}
}

// clusteredContacts returns n contacts over 6 hours in time order: a
// patrol radar's round 12.4 N 45.9 E all the time, and a second radar's
// off Sydney in the first half hour only.
func clusteredContacts(rng *rand.Rand, n int) []httpapi.Contact {
	cs := testContacts(rng, n)
	t0 := cs[0].Time
	for i := range cs {
		c := &cs[i]
		c.Time = t0 + vessel.Time(int64(i)*6*3600_000/int64(n))
		c.Lat, c.Lon = 12.4+0.3*rng.Float64(), 45.9+0.3*rng.Float64()
		if c.Time-t0 < 1800_000 && i%3 == 0 {
			c.Lat, c.Lon, c.Source = -33.9+0.2*rng.Float64(), 151.2+0.2*rng.Float64(), "sydney"
		}
	}
	return cs
}

// TestContactLogHistoryBounded checks that a narrow history query reads
// only the blocks that can hold its answer, not the log: the newest few,
// the last minutes, a box with nothing in it, a box whose contacts are
// all in the first half hour. Each answer equals a scan of everything
// appended; the log is read again at open (the index rebuilt) and asked
// again.
func TestContactLogHistoryBounded(t *testing.T) {
	cs := clusteredContacts(rand.New(rand.NewPCG(9, 18)), 60_000)
	fsys := record.NewMemFS()
	opt := contactLogOptions{FS: fsys, SegmentSize: 1 << 20, Segments: 100, BlockSize: 16 << 10}
	l, _, err := openContactLog("/c", opt, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		l.append(&cs[i])
		if i%500 == 499 {
			if err := l.flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.flush(); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range l.segs {
		total += s.size
	}
	if len(l.segs) < 5 {
		t.Fatalf("%d segments of %d bytes in all; want several", len(l.segs), total)
	}
	want := func(q httpapi.ContactQuery) []httpapi.Contact {
		var out []httpapi.Contact
		for i := len(cs) - 1; i >= 0; i-- {
			if q.Match(&cs[i]) {
				out = append(out, cs[i])
			}
		}
		slices.SortStableFunc(out, func(a, b httpapi.Contact) int { return cmpTimeDesc(a.Time, b.Time) })
		if q.Limit > 0 && len(out) > q.Limit {
			out = out[:q.Limit]
		}
		return out
	}
	end := cs[len(cs)-1].Time
	for _, tc := range []struct {
		name    string
		q       httpapi.ContactQuery
		maxRead int64 // bytes
	}{
		{"newest 10", httpapi.ContactQuery{History: true, Limit: 10}, 2 * opt.BlockSize},
		{"newest 1000", httpapi.ContactQuery{History: true, Limit: 1000}, 200<<10 + 2*opt.BlockSize},
		{"last 5 minutes", httpapi.ContactQuery{History: true, Since: end - 300_000}, 200<<10 + 2*opt.BlockSize},
		{"empty box", httpapi.ContactQuery{History: true, BBox: &geo.Rect{MinLat: 50, MinLon: 0, MaxLat: 51, MaxLon: 1}}, 0},
		{"box across the antimeridian, empty", httpapi.ContactQuery{History: true, BBox: &geo.Rect{MinLat: -40, MinLon: 170, MaxLat: -30, MaxLon: -170}}, 0},
		{"Sydney, first half hour", httpapi.ContactQuery{History: true, BBox: &geo.Rect{MinLat: -34, MinLon: 151, MaxLat: -33.5, MaxLon: 151.5}}, total / 10},
		{"dark, newest 50", httpapi.ContactQuery{History: true, DarkOnly: true, Limit: 50}, 2 * opt.BlockSize},
	} {
		for _, reopen := range []bool{false, true} {
			lq := l
			if reopen {
				if lq, _, err = openContactLog("/c", opt, 0); err != nil {
					t.Fatal(err)
				}
			}
			before := lq.read.Load()
			got := lq.history(tc.q)
			read := lq.read.Load() - before
			w := want(tc.q)
			if !reflect.DeepEqual(got, w) && !(len(got) == 0 && len(w) == 0) {
				t.Errorf("%s (reopened %v): %d contacts; want %d, the same", tc.name, reopen, len(got), len(w))
			}
			if read > tc.maxRead {
				t.Errorf("%s (reopened %v): read %d bytes of the log's %d; want at most %d", tc.name, reopen, read, total, tc.maxRead)
			}
			t.Logf("%s (reopened %v): %d contacts, read %d of %d bytes", tc.name, reopen, len(got), read, total)
		}
	}
}

// BenchmarkContactHistory measures history queries on a log of 200,000
// contacts (6 hours, 16 MiB segments, the default blocks): the bytes of
// the log each reads (read-B/op) beside the log's size (log-B).
func BenchmarkContactHistory(b *testing.B) {
	cs := clusteredContacts(rand.New(rand.NewPCG(10, 18)), 200_000)
	l, _, err := openContactLog("/c", contactLogOptions{FS: record.NewMemFS()}, 0)
	if err != nil {
		b.Fatal(err)
	}
	for i := range cs {
		l.append(&cs[i])
		if i%1000 == 999 {
			if err := l.flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := l.flush(); err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, s := range l.segs {
		total += s.size
	}
	end := cs[len(cs)-1].Time
	for _, bc := range []struct {
		name string
		q    httpapi.ContactQuery
	}{
		{"newest100", httpapi.ContactQuery{History: true, Limit: 100}},
		{"last5min", httpapi.ContactQuery{History: true, Since: end - 300_000}},
		{"emptybox", httpapi.ContactQuery{History: true, BBox: &geo.Rect{MinLat: 50, MinLon: 0, MaxLat: 51, MaxLon: 1}}},
		{"all20000", httpapi.ContactQuery{History: true, Limit: httpapi.MaxContacts}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			before := l.read.Load()
			n := 0
			for b.Loop() {
				n += len(l.history(bc.q))
			}
			b.ReportMetric(float64(l.read.Load()-before)/float64(b.N), "read-B/op")
			b.ReportMetric(float64(total), "log-B")
		})
	}
}
