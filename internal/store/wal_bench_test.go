package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// walBenchPayloads are 4096 payloads of 40 to 160 bytes (a batch of
// encoded positions is of that order per vessel).
func walBenchPayloads() [][]byte {
	out := make([][]byte, 4096)
	for i := range out {
		p := make([]byte, 40+i%121)
		for j := range p {
			p[j] = byte(i*31 + j)
		}
		out[i] = p
	}
	return out
}

// BenchmarkWALAppend measures framing and buffering records in the WAL:
// 4096 records per batch, its commit record, and a commit without fsync
// (the fsync is the disk's, not the code's).
func BenchmarkWALAppend(b *testing.B) {
	payloads := walBenchPayloads()
	dir := b.TempDir()
	var w *walWriter
	seq := uint64(0)
	n, bytes := 0, 0
	for _, p := range payloads {
		bytes += recHdrLen + len(p)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	for b.Loop() {
		if n%64 == 0 {
			b.StopTimer()
			if w != nil {
				w.close()
				os.Remove(w.path)
			}
			seq++
			var err error
			if w, err = createSegment(OSFS{}, dir, seq); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		for _, p := range payloads {
			w.append(recPositions, p)
		}
		w.endBatch()
		if err := w.commit(false); err != nil {
			b.Fatal(err)
		}
		n++
	}
	w.close()
}

// BenchmarkWALRead measures reading and checking a segment of 16 batches
// (65,536 records, each batch ended by its commit record) back.
func BenchmarkWALRead(b *testing.B) {
	payloads := walBenchPayloads()
	dir := b.TempDir()
	w, err := createSegment(OSFS{}, dir, 1)
	if err != nil {
		b.Fatal(err)
	}
	for range 16 {
		for _, p := range payloads {
			w.append(recPositions, p)
		}
		w.endBatch()
	}
	if err := w.commit(true); err != nil {
		b.Fatal(err)
	}
	w.close()
	path := filepath.Join(dir, fmt.Sprintf("%08d%s", 1, walSuffix))
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		count := 0
		if _, err := readSegment(OSFS{}, path, func(typ byte, payload []byte) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != 16*len(payloads) {
			b.Fatalf("read %d records", count)
		}
	}
}
