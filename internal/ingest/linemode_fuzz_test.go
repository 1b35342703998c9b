package ingest

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// FuzzLineBatcher feeds arbitrary lines (real fragments among them in
// the seeds) through a line batcher with small bounds: it never panics,
// every line is published exactly once, no batch is empty, and nothing
// is held once the input ends.
func FuzzLineBatcher(f *testing.F) {
	f.Add([]byte("!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n!AIVDM,2,2,3,B,1@0000000000000,2*55\n!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26\n"), uint8(2), uint8(1))
	f.Add([]byte("\\g:1-2-73874,n:157036,s:r003669945,c:1241544035*4A\\!AIVDM,1,1,,B,15N4cJ`005Jrek0H@9n`DW5608EP,0*13\n!AIVDM,2,1,9,A,x,0*00\n!AIVDM,2,1,9,A,y,0*00\n!AIVDM,3,2,9,A,z,0*00\n"), uint8(1), uint8(3))
	f.Add([]byte("garbage\n\n!!!,2,1\n!AIVDM,9,1,1,A,,0*00"), uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, maxLines, heldBatches uint8) {
		var got [][]byte
		var batches int
		opt := InputOptions{Now: time.Now, LineBatch: LineBatchOptions{MaxLines: int(maxLines%8) + 1, HeldBatches: int(heldBatches % 4), HeldFragments: 4},
			Publish: func(_ context.Context, b LineBatch) error {
				if len(b.Lines) == 0 {
					t.Fatal("empty batch published")
				}
				batches++
				got = append(got, b.Lines...)
				return nil
			}}
		lb := newLineBatcher(context.Background(), &opt, &lineCounters{}, "in")
		lb.sized = true
		var want [][]byte
		end := int64(0)
		for _, line := range bytes.Split(data, []byte("\n")) {
			end += int64(len(line)) + 1
			if len(line) == 0 {
				continue
			}
			want = append(want, line)
			if err := lb.add("in", line, end); err != nil {
				t.Fatal(err)
			}
		}
		if err := lb.flushAll(); err != nil {
			t.Fatal(err)
		}
		if lb.pending() {
			t.Fatal("lines left after the final flush")
		}
		count := map[string]int{}
		for _, l := range want {
			count[string(l)]++
		}
		for _, l := range got {
			count[string(l)]--
		}
		for l, n := range count {
			if n != 0 {
				t.Fatalf("line %q published %d times too few", l, n)
			}
		}
	})
}
