package audit

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// seedSegment writes a few entries with a Log and returns the sealed
// segment's bytes.
func seedSegment(f *testing.F) []byte {
	dir := f.TempDir()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	l, err := Open(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	l.Append(
		Entry{Direction: Sent, Partner: "NO-JOC", Kind: "position", Key: "257123450", Seq: 1, Rule: "r1", Origin: "se"},
		Entry{Time: now.Add(-time.Second), Direction: Refused, Partner: "NO-JOC", Kind: "incident", Key: "\x00\xff", Rule: "tlp-red", Origin: "se"},
		Entry{Direction: Received, Partner: string(bytes.Repeat([]byte("p"), 200)), Kind: "event", Key: "e", Seq: 3},
	)
	l.Close()
	m, _ := filepath.Glob(filepath.Join(dir, "*.aud"))
	b, err := os.ReadFile(m[0])
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzRecords decodes arbitrary bytes as segment 1, as Query and Open do:
// damage is skipped and reported, never a panic, and what comes back is
// ordered and within the limit.
func FuzzRecords(f *testing.F) {
	seed := seedSegment(f)
	f.Add(seed, "NO-JOC")
	f.Add(seed[:len(seed)-5], "")
	d := bytes.Clone(seed)
	d[40] ^= 0x10
	f.Add(d, "position")
	f.Add(seed[:segHdrLen], "")
	f.Add([]byte("TWAUD\x00\x01\x00"), "x")
	f.Add([]byte("TWAUD\x00\x02\x00"), "x")
	f.Fuzz(func(t *testing.T, data []byte, want string) {
		q := query{from: math.MinInt64, to: math.MaxInt64, limit: 50}
		q.match[1].want = []byte(want)
		var damage []*FileError
		if err := q.scan("fuzz.aud", 1, data, &damage); err != nil {
			return
		}
		if len(q.top) > 50 {
			t.Fatalf("%d entries kept; limit 50", len(q.top))
		}
		for _, r := range q.top {
			if want != "" && r.e.Partner != want {
				t.Fatalf("entry of partner %q kept for filter %q", r.e.Partner, want)
			}
		}
		slices.SortFunc(q.top, cmpRank)
		for _, fe := range damage {
			if fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Fatalf("damage at %d outside the data", fe.Offset)
			}
		}
		// The scan that Open uses stops inside the data.
		sc := scanner{b: data, off: min(segHdrLen, len(data)), torn: -1}
		for {
			if _, _, _, ok := sc.next(); !ok {
				break
			}
		}
		if sc.torn > int64(len(data)) {
			t.Fatalf("torn at %d past %d", sc.torn, len(data))
		}
	})
}
