package nmea_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// readFile returns a file of the shared corpus testdata/ais,
// decompressed when it ends in .gz.
func readFile(tb testing.TB, name string) []byte { return aistest.ReadFile(tb, name) }

// rawFiles lists the files of raw/ with their expectation files.
var rawFiles = []struct{ raw, expected string }{
	{"aishub-3min.nmea", "aishub-3min.jsonl.gz"},
	{"amsa-2012.nmea.gz", "amsa-2012.jsonl.gz"},
	{"amsa-exactearth-tagblock.nmea", "amsa-exactearth-tagblock.jsonl"},
	{"amsa-timestamped-tagblock.nmea", "amsa-timestamped-tagblock.jsonl"},
	{"dma-small-cb-example.nmea", "dma-small-cb-example.jsonl"},
	{"dma-stream-example.nmea", "dma-stream-example.jsonl"},
	{"gpsd-ais-18-27.log", "gpsd-ais-18-27.jsonl"},
	{"gpsd-ais-nmea-type6-fid55.log", "gpsd-ais-nmea-type6-fid55.jsonl"},
	{"gpsd-ais-nmea.log", "gpsd-ais-nmea.jsonl"},
	{"gpsd-ais-raw-messages.log", "gpsd-ais-raw-messages.jsonl"},
	{"gpsd-ais-unpack-sixbit.log", "gpsd-ais-unpack-sixbit.jsonl"},
	{"gpsd-sample.aivdm", "gpsd-sample.jsonl"},
	{"marinetraffic-sample.nmea", "marinetraffic-sample.jsonl"},
	{"pyais-mixed.nmea", "pyais-mixed.jsonl"},
}

func loadExpected(tb testing.TB, name string) []aistest.Expected {
	return aistest.LoadExpected(tb, name)
}

// sentenceFields splits a bare "!xxVDM,...*hh" sentence into its 7 fields
// (the checksum removed).
func sentenceFields(s string) []string {
	if k := strings.LastIndexByte(s, '*'); k >= 0 {
		s = s[:k]
	}
	return strings.Split(s, ",")
}

// readAll reads input to the end with a fresh Reader and returns copies of
// the messages, the line errors, and the final statistics.
func readAll(tb testing.TB, input []byte, opt nmea.ReaderOptions) ([]nmea.Message, []error, nmea.Stats) {
	tb.Helper()
	r := nmea.NewReader(bytes.NewReader(input), opt)
	var msgs []nmea.Message
	var errs []error
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *nmea.LineError
			if !errors.As(err, &le) {
				tb.Fatalf("Next: fatal error %v", err)
			}
			errs = append(errs, err)
			continue
		}
		c := *m
		c.Payload = bytes.Clone(m.Payload)
		c.Source = bytes.Clone(m.Source)
		msgs = append(msgs, c)
	}
	return msgs, errs, r.Stats()
}
