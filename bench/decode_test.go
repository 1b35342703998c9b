package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"runtime"
	"testing"

	goais "github.com/BertoldVdb/go-ais"
	"github.com/BertoldVdb/go-ais/aisnmea"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
)

// corpus returns the benchmark input: $TIDEWATCH_BENCH_CORPUS, or the real
// capture bench.nmea.gz (138,425 lines), decompressed into memory.
func corpus(b *testing.B) ([]byte, int) {
	b.Helper()
	name := os.Getenv("TIDEWATCH_BENCH_CORPUS")
	if name == "" {
		name = "../testdata/ais/bench.nmea.gz"
	}
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		if r, err = gzip.NewReader(br); err != nil {
			b.Fatal(err)
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		b.Fatal(err)
	}
	return data, bytes.Count(data, []byte("\n"))
}

// report sets throughput metrics for one pass over the corpus per iteration.
func report(b *testing.B, data []byte, lines, msgs int) {
	b.SetBytes(int64(len(data)))
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(lines)/sec, "lines/s")
	b.ReportMetric(float64(msgs)/sec, "msgs/s")
}

// BenchmarkDecode runs the contenders over the same lines:
//
//   - split-checksum: the floor — split lines, find the sentence, verify its
//     NMEA checksum; nothing else.
//   - tidewatch: framing, tag blocks, reassembly and decoding of every field
//     of every message (ingest.Stream), no output.
//   - go-ais-fast: github.com/BertoldVdb/go-ais with its non-reflective fast
//     parser (CodecNewFast(false, false, true)) behind its NMEA codec.
//   - tidewatch-json: as tidewatch, plus gpsd JSON for every message.
func BenchmarkDecode(b *testing.B) {
	data, lines := corpus(b)
	// Each contender starts from a collected heap, so that one's garbage
	// (go-ais allocates) is not collected on another's time.
	b.Run("split-checksum", func(b *testing.B) {
		runtime.GC()
		var ok int
		for b.Loop() {
			ok = aistest.SplitChecksum(data)
		}
		report(b, data, lines, ok)
	})
	b.Run("tidewatch", func(b *testing.B) {
		runtime.GC()
		b.ReportAllocs()
		var n int
		for b.Loop() {
			n = 0
			s := ingest.NewStream(bytes.NewReader(data), ingest.Options{})
			for {
				_, err := s.Next()
				if err != nil {
					break
				}
				n++
			}
		}
		report(b, data, lines, n)
	})
	b.Run("go-ais-fast", func(b *testing.B) {
		runtime.GC()
		b.ReportAllocs()
		var n int
		for b.Loop() {
			n = 0
			nm := aisnmea.NMEACodecNew(goais.CodecNewFast(false, false, true))
			for line := range bytes.Lines(data) {
				p, err := nm.ParseSentence(string(bytes.TrimRight(line, "\r\n")))
				if err == nil && p != nil && p.Packet != nil {
					n++
				}
			}
		}
		report(b, data, lines, n)
	})
	b.Run("tidewatch-json", func(b *testing.B) {
		runtime.GC()
		b.ReportAllocs()
		var n int
		buf := make([]byte, 0, 4096)
		w := bufio.NewWriterSize(io.Discard, 64<<10)
		opt := ais.JSONOptions{Scaled: true}
		for b.Loop() {
			n = 0
			s := ingest.NewStream(bytes.NewReader(data), ingest.Options{})
			for {
				d, err := s.Next()
				if err != nil {
					break
				}
				buf = append(d.Msg.AppendJSON(buf[:0], opt), '\n')
				w.Write(buf)
				n++
			}
		}
		report(b, data, lines, n)
	})
}
