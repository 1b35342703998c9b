package ingest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/ingest"
)

// FuzzStream feeds arbitrary bytes through the whole pipeline (framing,
// reassembly, decoding, JSON). It must never panic, every message must give
// valid JSON in both presentations, and every line must be accounted for.
func FuzzStream(f *testing.F) {
	for _, name := range []string{
		"../../testdata/ais/bad-input.nmea",
		"../../testdata/ais/raw/dma-small-cb-example.nmea",
		"../../testdata/ais/raw/pyais-mixed.nmea",
		"../../testdata/ais/raw/gpsd-sample.aivdm",
	} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("!AIVDM,2,1,9,B,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*09\n!AIVDM,2,2,9,B,888888888888880,2*2E\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := ingest.NewStream(bytes.NewReader(data), ingest.Options{})
		var buf []byte
		for {
			d, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("error from an in-memory reader: %v", err)
			}
			for _, scaled := range []bool{false, true} {
				buf = d.Msg.AppendJSON(buf[:0], ais.JSONOptions{Scaled: scaled})
				if !json.Valid(buf) {
					t.Fatalf("invalid JSON %s", buf)
				}
			}
		}
		st := s.Stats()
		if st.Lines < int64(bytes.Count(data, []byte("\n"))) {
			t.Fatalf("%d lines counted, input has %d newlines", st.Lines, bytes.Count(data, []byte("\n")))
		}
	})
}
