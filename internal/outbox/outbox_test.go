package outbox_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/outbox"
)

// payload is the deterministic Data of record seq: 20 to 199 bytes.
func payload(seq uint64) []byte {
	n := 20 + int(seq*7919%180)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seq>>(8*(i%8))) ^ byte(i*31)
	}
	return b
}

func open(t testing.TB, dir string, opts outbox.Options) *outbox.Queue {
	t.Helper()
	q, err := outbox.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return q
}

func appendN(t testing.TB, q *outbox.Queue, n int) {
	t.Helper()
	for range n {
		want := q.Last() + 1
		seq, err := q.Append(int64(want), payload(want))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if seq != want {
			t.Fatalf("Append = seq %d; want %d", seq, want)
		}
	}
	if err := q.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// readAll reads every readable record after `after` in batches, checking
// order and content, and returns their sequence numbers.
func readAll(t testing.TB, q *outbox.Queue, after uint64, batch int) []uint64 {
	t.Helper()
	var seqs []uint64
	for {
		recs, err := q.Read(after, batch, 1<<20)
		if err != nil {
			t.Fatalf("Read(%d): %v", after, err)
		}
		if len(recs) == 0 {
			return seqs
		}
		for _, r := range recs {
			if r.Seq <= after {
				t.Fatalf("Read(%d) returned record %d", after, r.Seq)
			}
			if !bytes.Equal(r.Data, payload(r.Seq)) || r.NotBefore != int64(r.Seq) {
				t.Fatalf("record %d: data or notBefore differ", r.Seq)
			}
			after = r.Seq
			seqs = append(seqs, r.Seq)
		}
	}
}

func checkRange(t testing.TB, seqs []uint64, from, to uint64) {
	t.Helper()
	if uint64(len(seqs)) != to-from+1 && !(to < from && len(seqs) == 0) {
		t.Fatalf("got %d records; want %d..%d", len(seqs), from, to)
	}
	for i, s := range seqs {
		if s != from+uint64(i) {
			t.Fatalf("record %d is %d; want %d", i, s, from+uint64(i))
		}
	}
}

func TestAppendReadAckReopen(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, outbox.Options{SegmentBytes: 8 << 10})
	appendN(t, q, 1000)
	checkRange(t, readAll(t, q, 0, 7), 1, 1000)
	checkRange(t, readAll(t, q, 500, 100), 501, 1000)
	segs := q.Stats().Segments
	if segs < 10 {
		t.Fatalf("%d segments; want many with 8 KiB segments", segs)
	}
	if err := q.Ack(600); err != nil {
		t.Fatal(err)
	}
	st := q.Stats()
	if st.Segments >= segs || st.Acked != 600 || st.PendingRecords != 400 {
		t.Fatalf("after Ack(600): %+v (had %d segments)", st, segs)
	}
	checkRange(t, readAll(t, q, 0, 50), 601, 1000) // acknowledged records are gone
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, dir, outbox.Options{SegmentBytes: 8 << 10})
	defer q.Close()
	if q.Acked() != 600 || q.Last() != 1000 {
		t.Fatalf("reopen: acked %d last %d; want 600 1000", q.Acked(), q.Last())
	}
	if got := q.Stats().PendingBytes; got != st.PendingBytes {
		t.Fatalf("reopen: PendingBytes %d; want %d", got, st.PendingBytes)
	}
	checkRange(t, readAll(t, q, q.Acked(), 33), 601, 1000)
	appendN(t, q, 10)
	checkRange(t, readAll(t, q, 1000, 33), 1001, 1010)
}

func TestSeqNeverReused(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, outbox.Options{SegmentBytes: 4 << 10})
	appendN(t, q, 300)
	if err := q.Ack(300); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Segments != 1 || st.PendingBytes != 0 || st.PendingRecords != 0 {
		t.Fatalf("everything acknowledged: %+v", st)
	}
	q.Close()
	q = open(t, dir, outbox.Options{SegmentBytes: 4 << 10})
	defer q.Close()
	if seq, err := q.Append(0, []byte("x")); err != nil || seq != 301 {
		t.Fatalf("Append after full ack and reopen = %d, %v; want 301", seq, err)
	}
}

func TestReadLimits(t *testing.T) {
	q := open(t, t.TempDir(), outbox.Options{})
	defer q.Close()
	appendN(t, q, 100)
	big := bytes.Repeat([]byte{7}, 100<<10)
	q.Append(0, big)
	q.Sync()
	tests := []struct {
		after    uint64
		max      int
		maxBytes int
		want     int
	}{
		{0, 10, 1 << 20, 10},
		{0, 1000, 1 << 20, 101},
		{0, 1000, 1, 1}, // at least one record
		{95, 1000, 1 << 20, 6},
		{100, 5, 10, 1}, // one record larger than maxBytes and any chunk
		{101, 5, 10, 0},
		{5000, 5, 10, 0},
		{0, 0, 10, 0},
	}
	for _, tt := range tests {
		recs, err := q.Read(tt.after, tt.max, tt.maxBytes)
		if err != nil || len(recs) != tt.want {
			t.Errorf("Read(%d, %d, %d) = %d records, %v; want %d", tt.after, tt.max, tt.maxBytes, len(recs), err, tt.want)
		}
	}
	recs, _ := q.Read(100, 1, 1)
	if len(recs) != 1 || !bytes.Equal(recs[0].Data, big) {
		t.Fatal("the 100 KiB record does not read back")
	}
	// maxBytes counts Data: 10 records of 20..199 bytes fit in 2000.
	recs, _ = q.Read(0, 1000, 2000)
	n := 0
	for _, r := range recs[:len(recs)-1] {
		n += len(r.Data)
	}
	if n >= 2000 {
		t.Fatalf("Read went past maxBytes before its last record: %d bytes", n)
	}
}

func TestReadOnlySynced(t *testing.T) {
	q := open(t, t.TempDir(), outbox.Options{})
	defer q.Close()
	q.Append(0, []byte("a"))
	if recs, _ := q.Read(0, 10, 100); len(recs) != 0 {
		t.Fatalf("Read before Sync returned %d records", len(recs))
	}
	if err := q.Ack(1); !errors.Is(err, outbox.ErrAckRange) {
		t.Fatalf("Ack of an unsynced record: %v; want ErrAckRange", err)
	}
	select {
	case <-q.Notify():
		t.Fatal("Notify before Sync")
	default:
	}
	q.Sync()
	select {
	case <-q.Notify():
	default:
		t.Fatal("no Notify after Sync")
	}
	if recs, _ := q.Read(0, 10, 100); len(recs) != 1 {
		t.Fatalf("Read after Sync returned %d records", len(recs))
	}
	if err := q.Ack(1); err != nil {
		t.Fatal(err)
	}
	if err := q.Ack(0); err != nil || q.Acked() != 1 {
		t.Fatalf("Ack backwards: %v, acked %d", err, q.Acked())
	}
}

func TestOverflowDropsOldest(t *testing.T) {
	dir := t.TempDir()
	opts := outbox.Options{MaxBytes: 64 << 10}
	q := open(t, dir, opts)
	appendN(t, q, 100)
	if err := q.Ack(50); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		appendN(t, q, 100) // never blocks or fails
	}
	st := q.Stats()
	if st.PendingBytes > opts.MaxBytes || st.PendingBytes < opts.MaxBytes*7/8-(1<<10) {
		t.Fatalf("PendingBytes %d; want within an eighth below %d", st.PendingBytes, opts.MaxBytes)
	}
	d := q.DroppedThrough()
	if d <= 50 || st.Dropped != d-50 || st.Appended != 2100 {
		t.Fatalf("dropped through %d, stats %+v", d, st)
	}
	if uint64(st.PendingRecords) != 2100-d {
		t.Fatalf("PendingRecords %d; want %d", st.PendingRecords, 2100-d)
	}
	// The sender, still at 50, sees the gap.
	recs, err := q.Read(50, 10, 1<<20)
	if err != nil || len(recs) == 0 || recs[0].Seq != d+1 {
		t.Fatalf("Read(50) after drops = %v, %v; want records from %d", recs, err, d+1)
	}
	seqs := readAll(t, q, 50, 64)
	checkRange(t, seqs, d+1, 2100)
	// Acknowledging a dropped record is harmless.
	if err := q.Ack(d - 1); err != nil {
		t.Fatal(err)
	}
	if q.Stats().Acked != 50 {
		t.Fatalf("Acked %d; dropped records are not acknowledged", q.Stats().Acked)
	}
	q.Close()
	q = open(t, dir, opts)
	defer q.Close()
	if q.DroppedThrough() != d {
		t.Fatalf("reopen: dropped through %d; want %d", q.DroppedThrough(), d)
	}
	checkRange(t, readAll(t, q, 0, 64), d+1, 2100)
}

// lastRecordFile writes n records in a fresh queue and returns the newest
// segment's path and contents.
func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	sort.Strings(m)
	return m
}

func TestTornTailEveryCut(t *testing.T) {
	src := t.TempDir()
	q := open(t, src, outbox.Options{})
	appendN(t, q, 5)
	before := q.Stats().PendingBytes
	appendN(t, q, 1) // the record to tear
	q.Close()
	seg := segmentFiles(t, src)[0]
	full, _ := os.ReadFile(seg)
	start := int64(16) + before
	for cut := start; cut < int64(len(full)); cut++ {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, filepath.Base(seg)), full[:cut], 0o600)
		q, err := outbox.Open(dir, outbox.Options{})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if q.Last() != 5 || q.Stats().TornBytes != cut-start {
			t.Fatalf("cut at %d: last %d, torn %d bytes; want 5, %d", cut, q.Last(), q.Stats().TornBytes, cut-start)
		}
		checkRange(t, readAll(t, q, 0, 100), 1, 5)
		appendN(t, q, 1)
		checkRange(t, readAll(t, q, 0, 100), 1, 6)
		q.Close()
		if fi, _ := os.Stat(filepath.Join(dir, filepath.Base(seg))); fi.Size() != int64(len(full)) {
			t.Fatalf("cut at %d: rewritten segment is %d bytes; want %d", cut, fi.Size(), len(full))
		}
	}
	// A segment cut inside its header, right after it was created.
	for cut := range 16 {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "00000000000000000001.seg"), full[:cut], 0o600)
		q, err := outbox.Open(dir, outbox.Options{})
		if err != nil {
			t.Fatalf("header cut at %d: %v", cut, err)
		}
		appendN(t, q, 2)
		checkRange(t, readAll(t, q, 0, 100), 1, 2)
		q.Close()
	}
}

func TestDamageRefused(t *testing.T) {
	src := t.TempDir()
	q := open(t, src, outbox.Options{SegmentBytes: 4 << 10})
	appendN(t, q, 200)
	q.Ack(3)
	q.Close()
	segs := segmentFiles(t, src)
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	first, _ := os.ReadFile(segs[0])
	rec2 := int64(16 + 25 + len(payload(1)))
	tests := []struct {
		name   string
		file   string
		offset int64 // where to damage
		value  byte
		want   error
		at     int64 // expected FileError offset
	}{
		{"crc of a middle record", segs[0], rec2 + 5, 0xff, outbox.ErrCorrupt, rec2},
		{"data of a middle record", segs[0], rec2 + 30, 0x55, outbox.ErrCorrupt, rec2},
		{"length of a middle record", segs[0], rec2 + 2, 0x10, outbox.ErrCorrupt, rec2},
		{"tail of an older segment", segs[0], int64(len(first)) - 1, 0x01, outbox.ErrCorrupt, -1},
		{"version", segs[1], 6, 9, outbox.ErrVersion, 6},
		{"magic", segs[1], 0, 'x', outbox.ErrCorrupt, 0},
		{"header seq", segs[1], 8, 0xee, outbox.ErrCorrupt, 8},
		{"cursor version", filepath.Join(src, "cursor"), 6, 2, outbox.ErrVersion, 6},
		{"cursor value", filepath.Join(src, "cursor"), 17, 99, outbox.ErrCorrupt, 8},
		{"cursor record length", filepath.Join(src, "cursor"), 8, 1, outbox.ErrCorrupt, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ents, _ := os.ReadDir(src)
			for _, e := range ents {
				b, _ := os.ReadFile(filepath.Join(src, e.Name()))
				if filepath.Join(src, e.Name()) == tt.file {
					b[tt.offset] ^= tt.value
				}
				os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600)
			}
			_, err := outbox.Open(dir, outbox.Options{SegmentBytes: 4 << 10})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %v; want %v", err, tt.want)
			}
			var fe *outbox.FileError
			if !errors.As(err, &fe) || filepath.Base(fe.Path) != filepath.Base(tt.file) || (tt.at >= 0 && fe.Offset != tt.at) {
				t.Fatalf("Open = %v; want a FileError for %s at %d", err, filepath.Base(tt.file), tt.at)
			}
		})
	}
	// A segment missing from the middle is refused too.
	dir := t.TempDir()
	for i, s := range segs {
		if i != 1 {
			b, _ := os.ReadFile(s)
			os.WriteFile(filepath.Join(dir, filepath.Base(s)), b, 0o600)
		}
	}
	if _, err := outbox.Open(dir, outbox.Options{}); !errors.Is(err, outbox.ErrCorrupt) {
		t.Fatalf("Open with a missing segment = %v; want ErrCorrupt", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, outbox.Options{})
	if _, err := outbox.Open(dir, outbox.Options{}); !errors.Is(err, outbox.ErrLocked) {
		t.Fatalf("second Open = %v; want ErrLocked", err)
	}
	q.Close()
	if _, err := q.Append(0, nil); !errors.Is(err, outbox.ErrClosed) {
		t.Fatalf("Append after Close = %v; want ErrClosed", err)
	}
	if _, err := q.Read(0, 1, 1); !errors.Is(err, outbox.ErrClosed) {
		t.Fatalf("Read after Close = %v; want ErrClosed", err)
	}
	q = open(t, dir, outbox.Options{})
	q.Close()
}

func TestTooLarge(t *testing.T) {
	q := open(t, t.TempDir(), outbox.Options{})
	defer q.Close()
	if _, err := q.Append(0, make([]byte, outbox.MaxData+1)); !errors.Is(err, outbox.ErrTooLarge) {
		t.Fatalf("Append too large = %v", err)
	}
}

// TestConcurrentSender runs one appender and one sender that waits on
// Notify, reads and acknowledges: every record arrives once, in order.
func TestConcurrentSender(t *testing.T) {
	q := open(t, t.TempDir(), outbox.Options{SegmentBytes: 16 << 10})
	defer q.Close()
	const total = 20000
	done := make(chan struct{})
	var wg sync.WaitGroup
	var got []uint64
	var rerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		after := uint64(0)
		for after < total {
			recs, err := q.Read(after, 300, 64<<10)
			if err != nil {
				rerr = err
				return
			}
			if len(recs) == 0 {
				select {
				case <-q.Notify():
				case <-done:
				}
				continue
			}
			for _, r := range recs {
				if !bytes.Equal(r.Data, payload(r.Seq)) {
					rerr = fmt.Errorf("record %d: data differ", r.Seq)
					return
				}
				got = append(got, r.Seq)
			}
			after = recs[len(recs)-1].Seq
			if err := q.Ack(after); err != nil {
				rerr = err
				return
			}
		}
	}()
	for i := uint64(1); i <= total; i++ {
		if _, err := q.Append(0, payload(i)); err != nil {
			t.Fatal(err)
		}
		if i%97 == 0 || i == total {
			if err := q.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		_ = q.Stats()
	}
	wg.Wait()
	close(done)
	if rerr != nil {
		t.Fatal(rerr)
	}
	checkRange(t, got, 1, total)
	if st := q.Stats(); st.Acked != total || st.PendingRecords != 0 || st.Segments != 1 {
		t.Fatalf("after sending everything: %+v", st)
	}
}

func Example() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	q, _ := outbox.Open(dir, outbox.Options{})
	for _, item := range []string{"position 1", "position 2", "event 1"} {
		q.Append(0, []byte(item))
	}
	q.Sync()
	recs, _ := q.Read(q.Acked(), 2, 1<<20)
	for _, r := range recs {
		fmt.Println(r.Seq, string(r.Data))
	}
	q.Ack(recs[len(recs)-1].Seq)
	recs, _ = q.Read(q.Acked(), 10, 1<<20)
	fmt.Println(recs[0].Seq, string(recs[0].Data))
	q.Close()
	// Output:
	// 1 position 1
	// 2 position 2
	// 3 event 1
}
