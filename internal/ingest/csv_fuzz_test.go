package ingest_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzReadCSV feeds arbitrary bytes to ReadCSV. It must never panic,
// every data row must be either observed or rejected with a reason, and
// every observation must hold a usable time, a position that is in range
// or the "not available" 91/181, and valid kinematic values.
func FuzzReadCSV(f *testing.F) {
	for _, name := range []string{"testdata/csv/marinecadastre.csv", "testdata/csv/dma_aisdk.csv"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 4096)])
		if i := bytes.LastIndex(data[:len(data)-1], []byte("\n")); i > 0 {
			// The header and the bad rows.
			j := bytes.IndexByte(data, '\n')
			f.Add(append(data[:j+1:j+1], data[len(data)-1200:]...))
		}
	}
	f.Add([]byte(commonHeader + "205125000,2022-01-03T00:00:00Z,29.94080,-90.05819,10.5,171.5,174,0,\"A \"\"B\"\", C\",70\n"))
	f.Add([]byte(commonHeader + "1,2024-02-29T23:59:59.999Z,91,181,102.3,360,511,15,,255\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var positions, statics int64
		st, err := ingest.ReadCSV(context.Background(), bytes.NewReader(data), ingest.CSVOptions{StaticMemo: 4},
			func(o *vessel.Observation) error {
				if o.Kind == vessel.KindStatic {
					statics++
					if o.Static.Has == 0 || o.Static.Time <= 0 {
						t.Fatalf("empty static %+v", o.Static)
					}
					return nil
				}
				positions++
				p := &o.Position
				if p.Time <= 0 || o.TimeSource != vessel.TimeRow {
					t.Fatalf("time %v from %v", p.Time, o.TimeSource)
				}
				if !p.HasPosition() && (p.Lat != 91 || p.Lon != 181) {
					t.Fatalf("position %v,%v", p.Lat, p.Lon)
				}
				if p.SOG > vessel.NoSpeed || p.COG > vessel.NoCourse || p.Heading != vessel.NoHeading && p.Heading > 359 || p.Status > vessel.NoStatus {
					t.Fatalf("kinematics %+v", p)
				}
				return nil
			})
		if err != nil {
			return // an unknown header; nothing else fails on an in-memory reader
		}
		var rejected int64
		for _, n := range st.Rejected {
			rejected += n
		}
		if positions != st.Positions || statics != st.Statics || st.Positions+rejected != st.Rows {
			t.Fatalf("rows %d = positions %d + rejected %v? statics %d/%d", st.Rows, st.Positions, st.Rejected, statics, st.Statics)
		}
		if st.Lines < int64(bytes.Count(data, []byte("\n"))) {
			t.Fatalf("%d lines counted, input has %d newlines", st.Lines, bytes.Count(data, []byte("\n")))
		}
	})
}
