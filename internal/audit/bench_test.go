package audit_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
)

// realistic returns the i-th entry of a link at rate entries/s: positions
// mostly, 8 partners, 10,000 vessels.
func realistic(rng *rand.Rand, i int, start time.Time, rate int) audit.Entry {
	kinds := [...]string{"position", "position", "position", "position", "position", "position", "static", "event"}
	return audit.Entry{
		Time:      start.Add(time.Duration(i) * time.Second / time.Duration(rate)),
		Direction: audit.Sent,
		Partner:   fmt.Sprint("partner-", i%8),
		Kind:      kinds[rng.IntN(len(kinds))],
		Key:       fmt.Sprint(200000000 + rng.IntN(10000)*1013),
		Seq:       uint64(i/8 + 1),
		Rule:      fmt.Sprint("share-rule-", rng.IntN(6)),
		Origin:    "se-mrcc",
	}
}

// BenchmarkAppend appends realistic entries, syncing every 1,000.
func BenchmarkAppend(b *testing.B) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	l := open(b, b.TempDir(), c, audit.Options{})
	defer l.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 1000
	entries := make([]audit.Entry, batch)
	for i := range entries {
		entries[i] = realistic(rng, i, start, 10000)
	}
	n := 0
	for b.Loop() {
		if err := l.Append(entries[n%batch]); err != nil {
			b.Fatal(err)
		}
		if n++; n%batch == 0 {
			if err := l.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	l.Sync()
	st := l.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(st.Bytes)/float64(st.Entries), "B/entry")
}

// BenchmarkQuery fills a log with 10M realistic entries over 24 hours
// (hourly segments) and queries one partner over one hour, and one
// partner's newest 1,000 over the whole day.
func BenchmarkQuery(b *testing.B) {
	const total, day = 10_000_000, 24 * time.Hour
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	l := open(b, b.TempDir(), c, audit.Options{})
	defer l.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	rate := int(total / int(day/time.Second))
	batch := make([]audit.Entry, 0, 1000)
	for i := range total {
		batch = append(batch, realistic(rng, i, start, rate))
		if len(batch) == cap(batch) {
			c.Set(batch[len(batch)-1].Time)
			if err := l.Append(batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	l.Sync()
	st := l.Stats()
	b.Logf("%d entries, %d segments, %.1f MB, %.1f B/entry", st.Entries, st.Segments, float64(st.Bytes)/1e6, float64(st.Bytes)/float64(st.Entries))
	b.Run("partner-hour", func(b *testing.B) {
		f := audit.Filter{Partner: "partner-3", From: start.Add(10 * time.Hour), To: start.Add(11 * time.Hour), Limit: audit.MaxLimit}
		var got int
		for b.Loop() {
			es, err := l.Query(f)
			if err != nil {
				b.Fatal(err)
			}
			got = len(es)
		}
		b.ReportMetric(float64(got), "entries/query")
	})
	b.Run("partner-newest-1000", func(b *testing.B) {
		f := audit.Filter{Partner: "partner-3", Limit: 1000}
		for b.Loop() {
			if _, err := l.Query(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key-day", func(b *testing.B) {
		f := audit.Filter{Key: fmt.Sprint(200000000 + 77*1013), Limit: audit.MaxLimit}
		var got int
		for b.Loop() {
			es, err := l.Query(f)
			if err != nil {
				b.Fatal(err)
			}
			got = len(es)
		}
		b.ReportMetric(float64(got), "entries/query")
	})
}
