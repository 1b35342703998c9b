package nmea_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// corpus is the shared AIS test corpus of the repository.
const corpus = "../../testdata/ais"

// readFile returns a file of the corpus, decompressed when it ends in .gz.
func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, name))
	if err != nil {
		tb.Fatal(err)
	}
	if !strings.HasSuffix(name, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	b, err = io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return b
}

// expectedMessage is the part of an expected/*.jsonl object the nmea tests use.
type expectedMessage struct {
	ID          string     `json:"id"`
	LineNumbers []int      `json:"line_numbers"`
	Sentences   []string   `json:"sentences"`
	Lines       []string   `json:"lines"`
	TagBlocks   [][]string `json:"tag_blocks"`
}

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

func loadExpected(tb testing.TB, name string) []expectedMessage {
	tb.Helper()
	var out []expectedMessage
	sc := bufio.NewScanner(bytes.NewReader(readFile(tb, filepath.Join("expected", name))))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m expectedMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// badCase is one case of bad-input.jsonl.
type badCase struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Lines    []string `json:"lines"`
	Expect   string   `json:"expect"`
	Error    *string  `json:"error"`
	Note     string   `json:"note"`
}

func loadBadInput(tb testing.TB) []badCase {
	tb.Helper()
	var out []badCase
	sc := bufio.NewScanner(bytes.NewReader(readFile(tb, "bad-input.jsonl")))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c badCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("bad-input.jsonl: %v", err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
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
