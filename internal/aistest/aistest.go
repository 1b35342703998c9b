// Package aistest holds test helpers shared by tidewatch's packages: the
// project's AIS test corpus (testdata/ais) and its expectation files, and
// builders of synthetic sentences. Only _test.go files may import it (the
// import-rule test in internal/deps enforces that).
package aistest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Path returns the absolute path of a file under the repository's
// testdata/ais directory, wherever the calling test runs from.
func Path(rel string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "testdata", "ais", rel)
}

// ReadFile returns a file under testdata/ais, decompressed if its name ends
// in .gz.
func ReadFile(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(rel))
	if err != nil {
		tb.Fatal(err)
	}
	if !strings.HasSuffix(rel, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	if b, err = io.ReadAll(zr); err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	return b
}

// Expected is one object of testdata/ais/expected/*.jsonl[.gz]: a message
// of a raw capture and what gpsdecode 3.22 printed for it (see
// testdata/ais/README.md).
type Expected struct {
	ID          string         `json:"id"`
	LineNumbers []int          `json:"line_numbers"`
	Sentences   []string       `json:"sentences"`
	Lines       []string       `json:"lines"`
	TagBlocks   [][]string     `json:"tag_blocks"`
	Unscaled    map[string]any `json:"unscaled"`
	Scaled      map[string]any `json:"scaled"`
}

// LoadExpected reads one expectation file, by its name under expected/.
func LoadExpected(tb testing.TB, name string) []Expected {
	tb.Helper()
	return loadJSONL[Expected](tb, filepath.Join("expected", name))
}

// ExpectedFiles lists the names of the expectation files.
func ExpectedFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(Path("expected/*.jsonl*"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no expectation files: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files
}

// BadCase is one labelled case of testdata/ais/bad-input.jsonl.
type BadCase struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Lines    []string `json:"lines"`
	Expect   string   `json:"expect"` // decode, reject or skip
	Error    *string  `json:"error"`  // error class, or nil
	Note     string   `json:"note"`
}

// LoadBadInput reads the 55 labelled bad-input cases.
func LoadBadInput(tb testing.TB) []BadCase {
	tb.Helper()
	return loadJSONL[BadCase](tb, "bad-input.jsonl")
}

func loadJSONL[T any](tb testing.TB, rel string) []T {
	tb.Helper()
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(ReadFile(tb, rel)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s: %v", rel, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// FramingRejected reports an expected message whose fill bits tidewatch's
// framer rejects although gpsd decodes it (a deliberate difference listed
// in the README): fill bits on a fragment other than the last (bad-input
// case SB-041), or a fill-bit count above 5 (SB-008). The real captures
// hold ten such messages.
func FramingRejected(sentences []string) bool {
	for i, s := range sentences {
		f := strings.Split(strings.SplitN(s, "*", 2)[0], ",")
		if len(f) < 7 || f[6] > "5" || i < len(sentences)-1 && f[6] != "0" {
			return true
		}
	}
	return false
}

// WithChecksum appends "*hh" to a sentence that starts with '!' or '$'.
func WithChecksum(s string) string {
	var c byte
	for i := 1; i < len(s); i++ {
		c ^= s[i]
	}
	return fmt.Sprintf("%s*%02X", s, c)
}

// Armour turns bits (one byte, 0 or 1, per bit) into an armoured payload,
// padding with fill bits to whole characters.
func Armour(bits []byte) (payload string, fill int) {
	fill = (6 - len(bits)%6) % 6
	var sb strings.Builder
	for i := 0; i < len(bits)+fill; i += 6 {
		v := byte(0)
		for j := range 6 {
			v <<= 1
			if i+j < len(bits) {
				v |= bits[i+j]
			}
		}
		if v < 40 {
			sb.WriteByte(v + 48)
		} else {
			sb.WriteByte(v + 56)
		}
	}
	return sb.String(), fill
}

// SplitChecksum is the floor of any NMEA decoder, used as the baseline of
// the decoding benchmarks: it splits data into lines and verifies the
// checksum of the sentence in each, returning how many are correct.
func SplitChecksum(data []byte) int {
	ok := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		start := bytes.IndexByte(line, '!')
		if start < 0 {
			start = bytes.IndexByte(line, '$')
		}
		if start < 0 {
			continue
		}
		star := bytes.IndexByte(line[start:], '*')
		if star < 0 || start+star+3 > len(line) {
			continue
		}
		var c byte
		for _, x := range line[start+1 : start+star] {
			c ^= x
		}
		hi, lo := unhex(line[start+star+1]), unhex(line[start+star+2])
		if hi <= 15 && lo <= 15 && hi<<4|lo == c {
			ok++
		}
	}
	return ok
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0xFF
}
