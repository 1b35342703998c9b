package ingest_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     ingest.Format
		err      error
	}{
		{"sentence", "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n", ingest.FormatNMEA, nil},
		{"tag block", `\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22` + "\n", ingest.FormatNMEA, nil},
		{"proprietary first", "$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B\n", ingest.FormatNMEA, nil},
		{"timestamp prefix", "1357134218 !AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E\n", ingest.FormatNMEA, nil},
		{"comments first", "# a capture\n#\n\n!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n", ingest.FormatNMEA, nil},
		{"text then sentence inside", "capture of 2020\nrx: !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n", ingest.FormatNMEA, nil},
		{"common CSV", commonHeader, ingest.FormatCSV, nil},
		{"DMA CSV", "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading\n", ingest.FormatCSV, nil},
		{"BOM and CRLF", "\xef\xbb\xbfMMSI,BaseDateTime,LAT,LON,SOG\r\n", ingest.FormatCSV, nil},
		{"header without newline", "mmsi,timestamp,lat,lon", ingest.FormatCSV, nil},
		{"empty", "", ingest.FormatNMEA, nil},
		{"other CSV", "id,time,x,y\n1,2,3,4\n", ingest.FormatUnknown, ingest.ErrFormat},
		{"binary", "\x00\x01\x02garbage", ingest.FormatUnknown, ingest.ErrFormat},
	} {
		br := bufio.NewReader(strings.NewReader(tc.in))
		got, err := ingest.Sniff(br)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: Sniff = %v, %v; want %v, %v", tc.name, got, err, tc.want, tc.err)
		}
		if rest, _ := io.ReadAll(br); string(rest) != tc.in {
			t.Errorf("%s: Sniff consumed input", tc.name)
		}
	}
	// Every real capture is NMEA; every track and fixture is CSV.
	raws, _ := filepath.Glob(aistest.Path("raw/*"))
	csvs, _ := filepath.Glob("testdata/csv/*.csv")
	csvs = append(csvs, tracksPath("noaa_us_coast_20220103.csv.gz"), tracksPath("dma_stream_20100611_from_nmea.csv.gz"))
	for _, files := range []struct {
		names []string
		want  ingest.Format
	}{{raws, ingest.FormatNMEA}, {csvs, ingest.FormatCSV}} {
		for _, name := range files.names {
			rc, err := ingest.Open(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := ingest.Sniff(bufio.NewReader(rc)); got != files.want || err != nil {
				t.Errorf("%s: Sniff = %v, %v; want %v", filepath.Base(name), got, err, files.want)
			}
			rc.Close()
		}
	}
}

// TestSniffStream checks that Sniff decides on a live stream as soon as
// the first line is complete, without waiting for more.
func TestSniffStream(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"))
	done := make(chan ingest.Format)
	go func() {
		f, _ := ingest.Sniff(bufio.NewReader(pr))
		done <- f
	}()
	select {
	case f := <-done:
		if f != ingest.FormatNMEA {
			t.Errorf("Sniff = %v", f)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sniff waits for more than the first line")
	}
}

func TestObservations(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opt := ingest.ObserveOptions{Now: func() time.Time { return now }}
	for _, tc := range []struct {
		file     string
		format   ingest.Format
		messages int64
	}{
		{aistest.Path("raw/dma-stream-example.nmea"), ingest.FormatNMEA, 0},
		{aistest.Path("raw/amsa-2012.nmea.gz"), ingest.FormatNMEA, 0},
		{tracksPath("dma_stream_20100611_from_nmea.csv.gz"), ingest.FormatCSV, 2963},
		{"testdata/csv/dma_aisdk.csv", ingest.FormatCSV, 212},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			var progress []int64
			opt.Progress = func(n int64) { progress = append(progress, n) }
			var kinds = map[vessel.Kind]int64{}
			st, err := ingest.Observations(context.Background(), tc.file, nil, opt, func(o *vessel.Observation) error {
				kinds[o.Kind]++
				if o.TimeSource == vessel.TimeArrival && (o.Time() < vessel.TimeOf(now)-vessel.MaxSecondRefinement || o.Time() > vessel.TimeOf(now)+vessel.MaxSecondRefinement) {
					t.Fatalf("arrival time %v, want the injected clock's", o.Time())
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if st.Format != tc.format || st.Bytes != fi.Size() {
				t.Errorf("format %v, bytes %d; want %v, %d", st.Format, st.Bytes, tc.format, fi.Size())
			}
			if len(progress) == 0 || progress[len(progress)-1] != fi.Size() {
				t.Errorf("progress %v, want to end at %d", progress, fi.Size())
			}
			var n int64
			for _, k := range kinds {
				n += k
			}
			if st.Observations != n || n == 0 {
				t.Errorf("%d observations counted, %d emitted", st.Observations, n)
			}
			switch tc.format {
			case ingest.FormatCSV:
				if st.Messages != tc.messages || st.Messages != st.CSV.Rows || st.Observations != st.CSV.Positions+st.CSV.Statics {
					t.Errorf("stats %+v", st)
				}
				for k, v := range st.CSV.Rejected {
					if st.Rejected[k] != v {
						t.Errorf("rejected %v, CSV %v", st.Rejected, st.CSV.Rejected)
					}
				}
			case ingest.FormatNMEA:
				// Compare with Decode over the same file.
				rc, err := ingest.Open(tc.file, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				var want int64
				var ob ingest.Observer
				ds, err := ingest.Decode(context.Background(), rc, ingest.Options{}, func(d ingest.Decoded) error {
					want += int64(len(ob.Observe(d, 1, nil)))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if st.Messages != ds.Messages || st.Observations != want || len(st.Rejected) != len(ds.Errors) {
					t.Errorf("messages %d, observations %d, rejected %v; Decode gives %d, %d, %v",
						st.Messages, st.Observations, st.Rejected, ds.Messages, want, ds.Errors)
				}
			}
		})
	}
}

func TestObservationsErrors(t *testing.T) {
	if _, err := ingest.Observations(context.Background(), "testdata/csv/no-such-file", nil, ingest.ObserveOptions{}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err := ingest.Observations(context.Background(), "-", strings.NewReader("id,time,x,y\n1,2,3,4\n"), ingest.ObserveOptions{}, nil)
	if !errors.Is(err, ingest.ErrFormat) || !strings.Contains(err.Error(), "-:") {
		t.Errorf("unknown format: %v", err)
	}
	stop := errors.New("stop")
	for _, in := range []string{commonHeader + "205125000,2022-01-03T00:00:00Z,1,2,,,,,,\n", "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"} {
		_, err = ingest.Observations(context.Background(), "-", strings.NewReader(in), ingest.ObserveOptions{}, func(*vessel.Observation) error { return stop })
		if !errors.Is(err, stop) {
			t.Errorf("emit error: %v", err)
		}
	}
}
