package nmea_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// tagValues returns the s: source and c: time of the tag-block strings of
// an expectation ("g:1-2-3985,s:rEV02,c:1334337317*2D"), first fragment
// carrying each first.
func tagValues(t *testing.T, blocks [][]string) (source string, tm time.Time) {
	for _, sentence := range blocks {
		for _, b := range sentence {
			if k := strings.LastIndexByte(b, '*'); k >= 0 {
				b = b[:k]
			}
			for _, f := range strings.Split(b, ",") {
				switch {
				case strings.HasPrefix(f, "s:") && source == "":
					source = f[2:]
				case strings.HasPrefix(f, "c:") && tm.IsZero():
					v, err := strconv.ParseInt(f[2:], 10, 64)
					if err != nil {
						t.Fatalf("tag block %q: %v", b, err)
					}
					if v > 1e11 {
						tm = time.UnixMilli(v)
					} else {
						tm = time.Unix(v, 0)
					}
				}
			}
		}
	}
	return source, tm
}

// TestReaderTagBlocks checks the tag-block source and time of every message
// of the files with tag blocks against the expectations.
func TestReaderTagBlocks(t *testing.T) {
	tests := []struct {
		raw, expected string
		opt           nmea.ReaderOptions
		withTime      int   // messages with a tag-block time
		warnings      int64 // tag-block checksum warnings
	}{
		{"amsa-exactearth-tagblock.nmea", "amsa-exactearth-tagblock.jsonl", nmea.ReaderOptions{}, 200, 0},
		// Every tag block of this file is "\c:...*00\" with a wrong checksum:
		// kept only with TagChecksumKeep.
		{"amsa-timestamped-tagblock.nmea", "amsa-timestamped-tagblock.jsonl", nmea.ReaderOptions{TagChecksum: nmea.TagChecksumKeep}, 100, 100},
		{"dma-small-cb-example.nmea", "dma-small-cb-example.jsonl", nmea.ReaderOptions{}, 5, 0},
		{"pyais-mixed.nmea", "pyais-mixed.jsonl", nmea.ReaderOptions{TagChecksum: nmea.TagChecksumKeep}, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			msgs, _, stats := readAll(t, readFile(t, "raw/"+tt.raw), tt.opt)
			byLine := make(map[int]nmea.Message)
			for _, m := range msgs {
				byLine[m.Line] = m
			}
			withTime := 0
			for _, e := range loadExpected(t, tt.expected) {
				m, ok := byLine[e.LineNumbers[len(e.LineNumbers)-1]]
				if !ok {
					t.Errorf("%s: no message", e.ID)
					continue
				}
				src, tm := tagValues(t, e.TagBlocks)
				if string(m.Source) != src || !m.Time.Equal(tm) {
					t.Errorf("%s: got source %q time %v; want %q %v", e.ID, m.Source, m.Time, src, tm)
				}
				if !m.Time.IsZero() {
					withTime++
				}
			}
			if withTime != tt.withTime || stats.TagBlockChecksum != tt.warnings {
				t.Errorf("%d messages with a time, %d tag_block_checksum warnings; want %d and %d", withTime, stats.TagBlockChecksum, tt.withTime, tt.warnings)
			}
		})
	}

	// By default the wrong checksums of amsa-timestamped-tagblock.nmea drop
	// the times but keep the sentences.
	msgs, _, stats := readAll(t, readFile(t, "raw/amsa-timestamped-tagblock.nmea"), nmea.ReaderOptions{})
	for _, m := range msgs {
		if !m.Time.IsZero() {
			t.Fatalf("line %d: time %v from a tag block with a wrong checksum", m.Line, m.Time)
		}
	}
	if len(msgs) != 100 || stats.TagBlockChecksum != 100 {
		t.Errorf("default policy: %d messages, %d warnings; want 100 and 100", len(msgs), stats.TagBlockChecksum)
	}
}

// suffixTime returns the Unix time ending a raw line after the sentence's
// checksum (",1357134218" or ",...,1272415370"), if any.
func suffixTime(line, sentence string) (time.Time, bool) {
	k := strings.Index(line, sentence)
	if k < 0 {
		return time.Time{}, false
	}
	suffix := line[k+len(sentence):]
	if !strings.HasPrefix(suffix, ",") {
		return time.Time{}, false
	}
	f := suffix[strings.LastIndexByte(suffix, ',')+1:]
	v, err := strconv.ParseInt(f, 10, 64)
	switch {
	case err != nil:
		return time.Time{}, false
	case len(f) == 10:
		return time.Unix(v, 0), true
	case len(f) == 13:
		return time.UnixMilli(v), true
	}
	return time.Time{}, false
}

// TestReaderRecvTime checks receiver times from line suffixes, $PGHP lines
// and line prefixes.
func TestReaderRecvTime(t *testing.T) {
	t.Run("suffix", func(t *testing.T) {
		checked := 0
		for _, f := range rawFiles {
			if f.raw == "dma-stream-example.nmea" {
				continue // $PGHP, below
			}
			msgs, _, _ := readAll(t, readFile(t, "raw/"+f.raw), nmea.ReaderOptions{})
			byLine := make(map[int]nmea.Message)
			for _, m := range msgs {
				byLine[m.Line] = m
			}
			for _, e := range loadExpected(t, f.expected) {
				var want time.Time
				for i := range e.Lines {
					if tm, ok := suffixTime(e.Lines[i], e.Sentences[i]); ok {
						want = tm
						break
					}
				}
				if want.IsZero() {
					continue
				}
				checked++
				m := byLine[e.LineNumbers[len(e.LineNumbers)-1]]
				if !m.RecvTime.Equal(want) {
					t.Errorf("%s: receive time %v; want %v", e.ID, m.RecvTime, want)
				}
			}
		}
		if checked < 850 {
			t.Errorf("checked %d messages with a time suffix; want at least 850", checked)
		}
	})

	t.Run("PGHP", func(t *testing.T) {
		raw := readFile(t, "raw/dma-stream-example.nmea")
		lines := strings.Split(string(raw), "\n")
		msgs, _, _ := readAll(t, raw, nmea.ReaderOptions{})
		byLine := make(map[int]nmea.Message)
		for _, m := range msgs {
			byLine[m.Line] = m
		}
		exp := loadExpected(t, "dma-stream-example.jsonl")
		for _, e := range exp {
			// The $PGHP line before the first fragment holds the time.
			f := strings.Split(lines[e.LineNumbers[0]-2], ",")
			if f[0] != "$PGHP" {
				t.Fatalf("%s: line before the message is %q", e.ID, lines[e.LineNumbers[0]-2])
			}
			var v [8]int
			for i := range v {
				v[i], _ = strconv.Atoi(f[i+1])
			}
			want := time.Date(v[1], time.Month(v[2]), v[3], v[4], v[5], v[6], v[7]*1e6, time.UTC)
			if e.Lines != nil {
				// A time on the sentence's own line wins over $PGHP.
				if tm, ok := suffixTime(e.Lines[0], e.Sentences[0]); ok {
					want = tm
				}
			}
			m := byLine[e.LineNumbers[len(e.LineNumbers)-1]]
			if !m.RecvTime.Equal(want) {
				t.Errorf("%s: receive time %v; want %v", e.ID, m.RecvTime, want)
			}
		}
		if first := byLine[exp[0].LineNumbers[0]]; first.RecvTime != time.Date(2010, 6, 11, 11, 46, 11, 390e6, time.UTC) {
			t.Errorf("first message: receive time %v; want 2010-06-11 11:46:11.390 UTC", first.RecvTime)
		}
	})

	t.Run("PGHP only for the next sentence", func(t *testing.T) {
		input := "$PGHP,1,2012,12,6,9,53,48,612,244,,,1,02*21\n" +
			"$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67\n" +
			"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n" +
			"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n" +
			"$PGHP,1,2012,12,6,9,53,48,612,244,,,1,02*22\n" + // bad checksum: ignored
			"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
		msgs, _, _ := readAll(t, []byte(input), nmea.ReaderOptions{})
		want := []time.Time{time.Date(2012, 12, 6, 9, 53, 48, 612e6, time.UTC), {}, {}}
		if len(msgs) != len(want) {
			t.Fatalf("got %d messages; want %d", len(msgs), len(want))
		}
		for i, m := range msgs {
			if !m.RecvTime.Equal(want[i]) {
				t.Errorf("message %d: receive time %v; want %v", i+1, m.RecvTime, want[i])
			}
		}
	})

	t.Run("prefix", func(t *testing.T) {
		input := "1452468552.938 !AIVDM,2,1,9,B,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*09\n" +
			"1452468553.002 !AIVDM,2,2,9,B,888888888888880,2*2E\n"
		msgs, _, _ := readAll(t, []byte(input), nmea.ReaderOptions{})
		want := time.Date(2016, 1, 10, 23, 29, 12, 938e6, time.UTC)
		if len(msgs) != 1 || !msgs[0].RecvTime.Equal(want) {
			t.Errorf("got %+v; want one message received at %v", msgs, want)
		}
	})
}

// TestReaderArchivePrefix reads a go-ais style archive (a leading Unix time
// in nanoseconds, microseconds or milliseconds) mixed with lines carrying
// other text before the '!', and checks the receive times and the
// skipped_prefix counter.
func TestReaderArchivePrefix(t *testing.T) {
	const s = "!AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F"
	input := "1550303566167726840 " + s + "\n" + // ns
		"1550303567167726 " + s + "\n" + // µs
		"1550303568167 " + s + "\n" + // ms
		"Rx: " + s + "\n" + // other text: skipped, counted
		"# 1550303569167726840 " + s + "\n" + // comment
		"1550303570167726840 Rx: " + s + "\n" + // time, then text
		"1550303571167726840 garbage\n" // no sentence
	msgs, errs, st := readAll(t, []byte(input), nmea.ReaderOptions{})
	base := time.Date(2019, 2, 16, 7, 52, 46, 0, time.UTC)
	want := []time.Time{
		base.Add(167726840 * time.Nanosecond),
		base.Add(time.Second + 167726*time.Microsecond),
		base.Add(2*time.Second + 167*time.Millisecond),
		{},
		base.Add(4*time.Second + 167726840*time.Nanosecond),
	}
	if len(msgs) != len(want) || len(errs) != 0 {
		t.Fatalf("got %d messages and errors %v; want %d messages", len(msgs), errs, len(want))
	}
	for i, m := range msgs {
		if !m.RecvTime.Equal(want[i]) {
			t.Errorf("message %d: receive time %v; want %v", i+1, m.RecvTime, want[i])
		}
	}
	if st.SkippedPrefix != 2 || st.Count("skipped_prefix") != 2 || st.NotAIS != 2 || st.Rejected() != 0 {
		t.Errorf("stats %+v; want 2 skipped_prefix, 2 not_ais, nothing rejected", st)
	}
}

// TestReaderLineEndings checks LF, CRLF, a last line without terminator
// and empty input.
func TestReaderLineEndings(t *testing.T) {
	const a, b = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23", "!AIVDM,1,1,,B,100h00PP0@PHFV`Mg5gTH?vNPUIp,0*3B"
	tests := []struct {
		name, input string
		lines       []int
	}{
		{"LF", a + "\n" + b + "\n", []int{1, 2}},
		{"CRLF", a + "\r\n" + b + "\r\n", []int{1, 2}},
		{"no final terminator", a + "\r\n\n" + b, []int{1, 3}},
		{"empty", "", nil},
		{"blank lines only", "\n\r\n \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := nmea.NewReader(strings.NewReader(tt.input), nmea.ReaderOptions{})
			var lines []int
			for {
				m, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, m.Line)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("Next after EOF: %v; want io.EOF", err)
			}
			if len(lines) != len(tt.lines) || (len(lines) > 0 && (lines[0] != tt.lines[0] || lines[len(lines)-1] != tt.lines[len(tt.lines)-1])) {
				t.Errorf("messages at lines %v; want %v", lines, tt.lines)
			}
		})
	}
}

// TestReaderLineLength checks the line-length limit and that an over-long
// line never costs its neighbours.
func TestReaderLineLength(t *testing.T) {
	const good = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
	pad := func(n int) string { return good + "," + strings.Repeat("A", n-len(good)-1) }
	const max = 100
	tests := []struct {
		name  string
		line  string
		long  bool
		limit int
	}{
		{"at the limit", pad(max), false, max},
		{"at the limit with CRLF", pad(max) + "\r", false, max},
		{"one over", pad(max + 1), true, max},
		{"one over with CRLF", pad(max+1) + "\r", true, max},
		{"far over the buffer", pad(10 * max), true, max},
		{"100 kB at the default limit", pad(100_000), true, 0},
		{"2 kB at the default limit", pad(2048), true, 0},
		{"1 kB at the default limit", pad(nmea.DefaultMaxLineLength), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, last := range []bool{false, true} {
				input := good + "\n" + tt.line
				if !last {
					input += "\n" + good + "\n"
				}
				msgs, errs, stats := readAll(t, []byte(input), nmea.ReaderOptions{MaxLineLength: tt.limit})
				want := 3
				if last {
					want = 2
				}
				if tt.long {
					want--
				}
				if len(msgs) != want {
					t.Errorf("last=%v: %d messages; want %d (errors %v)", last, len(msgs), want, errs)
				}
				if gotLong := stats.LineTooLong == 1; gotLong != tt.long || stats.Lines != int64(want+b2i(tt.long)) {
					t.Errorf("last=%v: stats %+v; want line_too_long %v", last, stats, tt.long)
				}
				if tt.long && (len(errs) != 1 || !errors.Is(errs[0], nmea.ErrLineTooLong) || errs[0].(*nmea.LineError).Line != 2) {
					t.Errorf("last=%v: errors %v; want line 2: %v", last, errs, nmea.ErrLineTooLong)
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// endless yields a line of n bytes and then a valid sentence, without
// holding the line in memory.
type endless struct {
	n    int
	tail *strings.Reader
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n > 0 {
		k := min(len(p), e.n)
		for i := range k {
			p[i] = '0'
		}
		e.n -= k
		return k, nil
	}
	return e.tail.Read(p)
}

// TestReaderLongLineMemory reads a 64 MB line and checks that the Reader
// does not grow its memory with it.
func TestReaderLongLineMemory(t *testing.T) {
	src := &endless{n: 64 << 20, tail: strings.NewReader("\n!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")}
	r := nmea.NewReader(src, nmea.ReaderOptions{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := r.Next()
	m, err2 := r.Next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, nmea.ErrLineTooLong) || err2 != nil || m == nil {
		t.Fatalf("got %v, then %v, %v; want %v then a message", err, m, err2, nmea.ErrLineTooLong)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<10 {
		t.Errorf("reading a 64 MB line allocated %d bytes; want under 64 kB", grown)
	}
}

type failingReader struct {
	data io.Reader
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// TestReaderIOError checks that an error of the underlying reader is
// returned as is, after the complete lines before it, and stays.
func TestReaderIOError(t *testing.T) {
	boom := errors.New("connection reset")
	r := nmea.NewReader(&failingReader{
		data: strings.NewReader("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n!AIVDM,2,1,9,B,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*09\n!AIVDM,1,1,,A,13HOI:0P0"),
		err:  boom,
	}, nmea.ReaderOptions{})
	if m, err := r.Next(); m == nil || err != nil {
		t.Fatalf("first Next: %v, %v; want a message", m, err)
	}
	for range 2 {
		if m, err := r.Next(); m != nil || err != boom {
			t.Errorf("Next: %v, %v; want nil, %v", m, err, boom)
		}
	}
	if got := r.Stats().Lines; got != 2 {
		t.Errorf("%d lines counted; want 2 (the partial line is dropped)", got)
	}
}

// TestReaderStats checks the counters on a mixed input.
func TestReaderStats(t *testing.T) {
	input := strings.Join([]string{
		"# comment",
		"",
		"$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67",
		"$PGHP,1,2012,12,6,9,53,48,612,244,,,1,02*21",
		"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
		"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*22",
		"!AIVDM,1,1,,A,13HOI:0P0",
		`\s:rEV02,c:1334337317*00\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
		`\s:rEV02,c:1334337317*58!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
		"!AIVDM,1,1,,B,,0*25",
		withChecksum("!AIVDM,1,1,,A,13HOI:0P00X0VOHLCnHQKwvL05Ip,0"),
		withChecksum("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,6"),
		"!AIVDM,2,2,9,B,888888888888880,2*2E",
		"!AIVDM,2,1,9,B,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*09",
		strings.Repeat("x", 2000),
		"!AIVDM,2,1,9,A,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*0A",
		"!AIVDM,2,2,9,A,888888888888880,2*2D",
	}, "\n")
	msgs, errs, stats := readAll(t, []byte(input), nmea.ReaderOptions{})
	want := nmea.Stats{
		Lines: 17, Sentences: 6, Messages: 3, NotAIS: 4,
		Checksum: 1, MalformedSentence: 1, PayloadCharacter: 1, PayloadTooShort: 1, FillBits: 1,
		Fragment: 2, LineTooLong: 1, TagBlock: 1, TagBlockChecksum: 1,
	}
	if stats != want {
		t.Errorf("stats\n  %+v\nwant\n  %+v\nerrors %v", stats, want, errs)
	}
	if len(msgs) != 3 || stats.Rejected() != 9 || len(errs) != 9 {
		t.Errorf("%d messages, %d rejected, %d errors; want 3, 9, 9", len(msgs), stats.Rejected(), len(errs))
	}
	for _, class := range []string{"checksum", "malformed_sentence", "payload_character", "payload_too_short", "fill_bits",
		"fragment", "line_too_long", "tag_block", "tag_block_checksum", "not_ais"} {
		if stats.Count(class) == 0 {
			t.Errorf("Count(%q) = 0", class)
		}
	}
	// Columns point at the problem.
	wantCols := map[string]int{"checksum": 45, "malformed_sentence": 24, "payload_character": 25}
	for _, err := range errs {
		le := err.(*nmea.LineError)
		if c, ok := wantCols[nmea.Class(err)]; ok && le.Column != c {
			t.Errorf("%v: column %d; want %d", err, le.Column, c)
		}
	}
}

// TestReaderReset checks that a reset Reader starts afresh.
func TestReaderReset(t *testing.T) {
	in := "!AIVDM,2,1,9,B,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0*09\n"
	r := nmea.NewReader(strings.NewReader(in), nmea.ReaderOptions{})
	if m, err := r.Next(); m != nil || err == nil {
		t.Fatalf("Next = %v, %v; want the incomplete message error", m, err)
	}
	r.Reset(strings.NewReader("!AIVDM,2,2,9,B,888888888888880,2*2E\n!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"))
	_, err := r.Next()
	m, err2 := r.Next()
	if !errors.Is(err, nmea.ErrFragment) || err2 != nil || m == nil || m.Line != 2 {
		t.Errorf("after Reset: %v, then %v, %v; want an orphan fragment, then a message at line 2", err, m, err2)
	}
	if st := r.Stats(); st.Lines != 2 || st.Fragment != 1 || st.Messages != 1 {
		t.Errorf("stats after Reset %+v", st)
	}
}

// validLines returns a sample of real input without errors: single and
// multi-sentence messages, tag blocks, $PGHP and other non-AIS lines,
// suffixes.
func validLines(t testing.TB) []byte {
	var b bytes.Buffer
	for _, f := range []string{"raw/amsa-exactearth-tagblock.nmea", "raw/dma-stream-example.nmea", "raw/gpsd-ais-nmea.log"} {
		b.Write(readFile(t, f))
		b.WriteByte('\n')
	}
	b.WriteString("!AIVDM,1,1,,B,H52KsnQ8DDj1Lu9@PhE=>222220,2*30,1327664821\n")
	b.WriteString("1452468552.938 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
	return b.Bytes()
}

// TestReaderAllocs checks that reading valid input allocates nothing per
// line.
func TestReaderAllocs(t *testing.T) {
	data := validLines(t)
	src := bytes.NewReader(data)
	r := nmea.NewReader(src, nmea.ReaderOptions{})
	pass := func() int {
		src.Reset(data)
		r.Reset(src)
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				return n
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			n++
		}
	}
	if n := pass(); n < 4000 {
		t.Fatalf("%d messages; want over 4000", n)
	}
	if allocs := testing.AllocsPerRun(5, func() { pass() }); allocs != 0 {
		t.Errorf("%v allocations per pass over %d lines; want 0", allocs, r.Stats().Lines)
	}
}
