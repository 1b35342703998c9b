package outbox_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/outbox"
)

// BenchmarkAppendSync appends 120-byte records and syncs every 512, like
// a pipeline batch.
func BenchmarkAppendSync(b *testing.B) {
	q := open(b, b.TempDir(), outbox.Options{})
	defer q.Close()
	data := make([]byte, 120)
	n := 0
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := q.Append(0, data); err != nil {
			b.Fatal(err)
		}
		if n++; n%512 == 0 {
			if err := q.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if err := q.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRead reads 120-byte records in batches of 512 (one batch per
// iteration), as a sender catching up after an outage does, from a queue
// of 1M records in 16 MiB segments; it wraps around at the end.
func BenchmarkRead(b *testing.B) {
	const total = 1 << 20
	q := open(b, b.TempDir(), outbox.Options{SegmentBytes: 16 << 20})
	defer q.Close()
	data := make([]byte, 120)
	for range total {
		q.Append(0, data)
	}
	q.Sync()
	b.SetBytes(512 * int64(len(data)))
	after, n := uint64(0), 0
	for b.Loop() {
		if after >= total {
			after = 0
		}
		recs, err := q.Read(after, 512, 1<<20)
		if err != nil || len(recs) == 0 {
			b.Fatal(err, len(recs))
		}
		after = recs[len(recs)-1].Seq
		n += len(recs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
