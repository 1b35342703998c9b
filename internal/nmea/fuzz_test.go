package nmea

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds returns lines and small inputs from the shared corpus.
func fuzzSeeds(f *testing.F) (lines [][]byte, inputs [][]byte) {
	const dir = "../../testdata/ais"
	for _, name := range []string{
		"raw/dma-small-cb-example.nmea", "raw/pyais-mixed.nmea", "raw/amsa-exactearth-tagblock.nmea",
		"raw/amsa-timestamped-tagblock.nmea", "raw/gpsd-ais-unpack-sixbit.log", "raw/gpsd-sample.aivdm",
		"raw/marinetraffic-sample.nmea", "raw/dma-stream-example.nmea", "raw/amsa-2012.nmea.gz",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				f.Fatal(err)
			}
			if b, err = io.ReadAll(io.LimitReader(zr, 64<<10)); err != nil {
				f.Fatal(err)
			}
		}
		all := bytes.Split(b, []byte("\n"))
		// A slice of each file as one input, a sample of its lines alone.
		inputs = append(inputs, bytes.Join(all[:min(len(all), 20)], []byte("\n")))
		for i := 0; i < len(all); i += 1 + len(all)/40 {
			lines = append(lines, all[i])
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "bad-input.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c struct{ Lines []string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			f.Fatal(err)
		}
		var in []byte
		for _, l := range c.Lines {
			if len(l) > 4096 {
				l = l[:4096]
			}
			lines = append(lines, []byte(l))
			in = append(append(in, l...), '\n')
		}
		inputs = append(inputs, in)
	}
	return lines, inputs
}

// FuzzParse checks that Parse never panics, that what it accepts is a valid
// sentence, and that the sentence survives a round trip.
func FuzzParse(f *testing.F) {
	lines, _ := fuzzSeeds(f)
	for _, l := range lines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := Parse(line)
		if err != nil && Class(err) == "" {
			t.Fatalf("Parse(%q): error %v has no class", line, err)
		}
		if err != nil && !errors.Is(err, ErrTagBlockChecksum) {
			return
		}
		checkSentence(t, line, &s)

		// Round trip through the canonical form.
		seq, ch := "", ""
		if s.SeqID >= 0 {
			seq = fmt.Sprint(s.SeqID)
		}
		if s.Channel != 0 {
			ch = string(s.Channel)
		}
		kind := "VDM"
		if s.Own {
			kind = "VDO"
		}
		body := fmt.Sprintf("%s%s,%d,%d,%s,%s,%s,%d", s.Talker[:], kind, s.Total, s.Num, seq, ch, s.Payload, s.Fill)
		var sum byte
		for i := 0; i < len(body); i++ {
			sum ^= body[i]
		}
		canon := fmt.Sprintf("!%s*%02X", body, sum)
		s2, err := Parse([]byte(canon))
		if err != nil {
			t.Fatalf("Parse(%q) accepted, canonical form %q rejected: %v", line, canon, err)
		}
		if s2.Talker != s.Talker || s2.Own != s.Own || s2.Total != s.Total || s2.Num != s.Num || s2.SeqID != s.SeqID ||
			s2.Channel != s.Channel || !bytes.Equal(s2.Payload, s.Payload) || s2.Fill != s.Fill {
			t.Fatalf("round trip of %q through %q: got %+v; want %+v", line, canon, s2, s)
		}
	})
}

func checkSentence(t *testing.T, line []byte, s *Sentence) {
	t.Helper()
	for _, c := range s.Talker {
		if !isTalker(c) {
			t.Fatalf("Parse(%q): talker %q", line, s.Talker[:])
		}
	}
	if s.Total < 1 || s.Total > 9 || s.Num < 1 || s.Num > s.Total || s.SeqID < -1 || s.SeqID > 9 || s.Fill < 0 || s.Fill > 5 {
		t.Fatalf("Parse(%q): fields out of range: %+v", line, s)
	}
	if s.Channel != 0 && !isTalker(s.Channel) {
		t.Fatalf("Parse(%q): channel %q", line, s.Channel)
	}
	if len(s.Payload) == 0 || !bytes.Contains(line, s.Payload) {
		t.Fatalf("Parse(%q): payload %q not in the line", line, s.Payload)
	}
	for _, c := range s.Payload {
		if !armour[c] {
			t.Fatalf("Parse(%q): payload character %q", line, c)
		}
	}
	if s.Tag.GroupTotal != 0 && (s.Tag.GroupNum < 1 || s.Tag.GroupNum > s.Tag.GroupTotal) {
		t.Fatalf("Parse(%q): tag group %d of %d", line, s.Tag.GroupNum, s.Tag.GroupTotal)
	}
}

// FuzzReader feeds arbitrary bytes to Readers with default and with tight
// options, and checks that they terminate, count every line once, return
// only valid messages and *LineErrors, and keep their memory bounded.
func FuzzReader(f *testing.F) {
	_, inputs := fuzzSeeds(f)
	for _, in := range inputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opt := range []ReaderOptions{
			{},
			{MaxLineLength: 40, TagChecksum: TagChecksumKeep, Assembler: AssemblerOptions{MaxGroups: 2, MaxAge: 3}},
		} {
			fuzzReader(t, data, opt)
		}
	})
}

func fuzzReader(t *testing.T, data []byte, opt ReaderOptions) {
	r := NewReader(bytes.NewReader(data), opt)
	lim := r.max
	lines := int64(bytes.Count(data, []byte("\n")))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	var msgs, errs int64
	prev := 0
	for calls := int64(0); ; calls++ {
		if calls > lines+int64(len(r.asm.groups))+2 {
			t.Fatalf("Next called %d times on %d lines without reaching EOF", calls, lines)
		}
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || Class(err) == "" || le.Line < 1 || le.Line > r.line {
				t.Fatalf("Next: error %v (%T) is not a classified *LineError on a line read", err, err)
			}
			errs++
			continue
		}
		msgs++
		if len(m.Payload) == 0 || m.Sentences < 1 || m.Sentences > 9 || m.Fill < 0 || m.Fill > 5 || m.Line <= prev || m.Line > r.line {
			t.Fatalf("Next: invalid message %+v after line %d", m, prev)
		}
		prev = m.Line
		for _, c := range m.Payload {
			if !armour[c] {
				t.Fatalf("Next: payload character %q in %q", c, m.Payload)
			}
		}
		if len(m.Payload) > m.Sentences*lim {
			t.Fatalf("Next: payload of %d bytes from %d lines of at most %d", len(m.Payload), m.Sentences, lim)
		}
	}
	st := r.Stats()
	if st.Lines != lines || st.Messages != msgs || st.Rejected() != errs {
		t.Fatalf("stats %+v; want %d lines, %d messages, %d errors", st, lines, msgs, errs)
	}
	if st.NotAIS+st.Sentences+st.Rejected() < st.Lines || st.NotAIS+st.Sentences > st.Lines {
		t.Fatalf("stats %+v: lines not accounted for", st)
	}

	// Memory: one fixed buffer, MaxGroups groups of at most 9 fragments.
	if want := max(readBufferSize, lim+2); r.br.Size() != want {
		t.Fatalf("line buffer of %d bytes; want %d", r.br.Size(), want)
	}
	if len(r.asm.groups) > max(r.asm.opt.MaxGroups, DefaultMaxGroups) {
		t.Fatalf("%d groups", len(r.asm.groups))
	}
	for _, g := range r.asm.groups {
		if cap(g.payload) > 2*9*lim+64 || cap(g.source) > 2*lim+64 {
			t.Fatalf("group buffers of %d and %d bytes for lines of at most %d", cap(g.payload), cap(g.source), lim)
		}
	}
	if cap(r.asm.buf) > 2*lim+64 || cap(r.asm.src) > 2*lim+64 {
		t.Fatalf("message buffers of %d and %d bytes", cap(r.asm.buf), cap(r.asm.src))
	}
}
