package nmea_test

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// The benchmarks below read testdata/ais/bench.nmea.gz (138,425 real
// lines), decompressed in memory. BenchmarkSplitChecksum is the floor: it
// only splits lines and verifies checksums. BenchmarkReader runs the whole
// pipeline (parse, tag blocks, $PGHP, reassembly). Compare them with
//
//	go test -run '^$' -bench 'Reader$|SplitChecksum' -benchtime 20x ./internal/nmea/

func benchData(b *testing.B) (data []byte, lines int) {
	data = readFile(b, "bench.nmea.gz")
	return data, bytes.Count(data, []byte("\n"))
}

func reportLines(b *testing.B, lines int) {
	perLine := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(lines)
	b.ReportMetric(perLine, "ns/line")
	b.ReportMetric(1e9/perLine, "lines/s")
}

// BenchmarkSplitChecksum is the baseline: bufio line split and checksum
// verification only.
func BenchmarkSplitChecksum(b *testing.B) {
	data, lines := benchData(b)
	src := bytes.NewReader(data)
	br := bufio.NewReaderSize(src, nmea.DefaultMaxLineLength+2)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ok := 0
	for b.Loop() {
		src.Reset(data)
		br.Reset(src)
		ok = 0
		for {
			line, err := br.ReadSlice('\n')
			ok += aistest.SplitChecksum(line)
			if err != nil && err != bufio.ErrBufferFull {
				break
			}
		}
	}
	if ok < 120000 {
		b.Fatalf("%d valid checksums; want over 120000", ok)
	}
	reportLines(b, lines)
}

// BenchmarkReader measures the whole pipeline over the same data.
func BenchmarkReader(b *testing.B) {
	data, lines := benchData(b)
	src := bytes.NewReader(data)
	r := nmea.NewReader(src, nmea.ReaderOptions{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var msgs, errs int
	for b.Loop() {
		src.Reset(data)
		r.Reset(src)
		msgs, errs = 0, 0
		for {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				errs++ // a *LineError: only these allocate
				continue
			}
			if len(m.Payload) == 0 {
				b.Fatal("empty payload")
			}
			msgs++
		}
	}
	if msgs < 119000 {
		b.Fatalf("%d messages; want over 119000", msgs)
	}
	reportLines(b, lines)
	b.ReportMetric(float64(errs), "errors/pass")
}

// BenchmarkParse measures Parse on a line with a tag block.
func BenchmarkParse(b *testing.B) {
	line := []byte(`\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216` + "`0`" + `cF5BF0RT13H0T,0*70`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nmea.Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}
