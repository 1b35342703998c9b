package nmea_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// Two valid sentences put around every bad-input case.
const (
	before = "!AIVDM,1,1,,A,133sVfPP00PD>hRMDH@jNOvN20S8,0*7F"
	after  = "!AIVDM,1,1,,B,100h00PP0@PHFV`Mg5gTH?vNPUIp,0*3B"
)

// latin1 encodes the lines of a bad-input case as the bytes of
// bad-input.nmea (the JSON strings hold Latin-1 characters), one per line.
func latin1(lines ...string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		for _, r := range l {
			b.WriteByte(byte(r))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// nmeaOwned reports whether package nmea decides the outcome of a labelled
// error class. payload_too_short is ours only for an empty payload field;
// the other payload-level classes belong to the ais decoder.
func nmeaOwned(class string, lines []string) bool {
	switch class {
	case "checksum", "malformed_sentence", "payload_character", "fill_bits", "fragment",
		"line_too_long", "tag_block", "tag_block_checksum", "not_ais":
		return true
	case "payload_too_short":
		for _, l := range lines {
			if fs := sentenceFields(l); len(fs) == 7 && fs[5] == "" {
				return true
			}
		}
	}
	return false
}

// labelFixes overrides labels that the nmea level cannot reach: SB-054 is
// labelled payload_too_short, but its line's checksum is wrong (*67, the
// sentence sums to 7E), so it is rejected as a checksum error first.
var labelFixes = map[string]string{
	"SB-054": "checksum",
}

// TestBadInput feeds every case of bad-input.jsonl to a fresh Reader and
// checks the labelled outcome at the nmea level, then checks that the case
// costs nothing to valid sentences around it.
func TestBadInput(t *testing.T) {
	cases := aistest.LoadBadInput(t)
	if len(cases) != 55 {
		t.Fatalf("bad-input.jsonl has %d cases; want 55", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			class := ""
			if c.Error != nil {
				class = *c.Error
			}
			owned := nmeaOwned(class, c.Lines)
			if fix, ok := labelFixes[c.ID]; ok {
				class, owned = fix, true
			}
			msgs, errs, stats := readAll(t, latin1(c.Lines...), nmea.ReaderOptions{})

			// A payload-level rejection or skip is the ais decoder's: at
			// the nmea level the message comes through.
			wantMsg := c.Expect == "decode" || class != "" && !owned
			switch {
			case wantMsg && len(msgs) == 0:
				t.Errorf("%s (%s, expect %s, error %s): no message; want one (errors %v)", c.ID, c.Category, c.Expect, class, errs)
			case !wantMsg && len(msgs) != 0:
				t.Errorf("%s (%s, expect %s, error %s): got %d messages; want none", c.ID, c.Category, c.Expect, class, len(msgs))
			}
			if owned && stats.Count(class) == 0 {
				t.Errorf("%s (%s): %s not counted; stats %+v, errors %v", c.ID, c.Category, class, stats, errs)
			}
			if class == "" && stats.Rejected() != 0 {
				t.Errorf("%s (%s): unexpected errors %v", c.ID, c.Category, errs)
			}

			// The same case between two valid sentences.
			wrapped := latin1(append(append([]string{before}, c.Lines...), after)...)
			all, _, _ := readAll(t, wrapped, nmea.ReaderOptions{})
			if len(all) != len(msgs)+2 {
				t.Fatalf("%s wrapped: got %d messages; want %d", c.ID, len(all), len(msgs)+2)
			}
			if got, want := string(all[0].Payload), sentenceFields(before)[5]; got != want {
				t.Errorf("%s wrapped: first message %q; want %q", c.ID, got, want)
			}
			if got, want := string(all[len(all)-1].Payload), sentenceFields(after)[5]; got != want {
				t.Errorf("%s wrapped: last message %q; want %q", c.ID, got, want)
			}
		})
	}
}

// TestBadInputReassembly checks the multi-sentence cases exactly: which
// fragments make messages, and how many fragment errors are counted.
func TestBadInputReassembly(t *testing.T) {
	tests := []struct {
		id       string
		messages [][]int // indexes of the case's lines making each message
		fragment int64   // fragment errors, incomplete messages at the end included
		fillBits int64
	}{
		{"SB-034", [][]int{{0, 1}}, 0, 0},         // in order
		{"SB-035", nil, 2, 0},                     // fragment 2 orphan, then fragment 1 incomplete
		{"SB-036", [][]int{{1}}, 1, 0},            // fragment 1 incomplete, the single one decodes
		{"SB-037", nil, 1, 0},                     // fragment 2 alone
		{"SB-038", [][]int{{1, 2}}, 0, 0},         // an exact repeat of fragment 1 is harmless
		{"SB-039", nil, 2, 0},                     // sequence id mismatch: orphan + incomplete
		{"SB-040", nil, 2, 0},                     // channel mismatch: orphan + incomplete
		{"SB-041", nil, 1, 1},                     // fill bits on fragment 1: rejected, fragment 2 orphan
		{"SB-042", nil, 2, 0},                     // count mismatch + incomplete
		{"SB-043", [][]int{{0, 2}, {1, 3}}, 0, 0}, // interleaved on one channel
		{"SB-044", [][]int{{0, 2}, {1, 3}}, 0, 0}, // interleaved across channels
		{"SB-052", nil, 2, 0},                     // real mismatch: orphan + incomplete
	}
	cases := make(map[string]aistest.BadCase)
	for _, c := range aistest.LoadBadInput(t) {
		cases[c.ID] = c
	}
	for _, tt := range tests {
		c, ok := cases[tt.id]
		if !ok {
			t.Fatalf("case %s not in bad-input.jsonl", tt.id)
		}
		msgs, errs, stats := readAll(t, latin1(c.Lines...), nmea.ReaderOptions{})
		var got, want []string
		for _, m := range msgs {
			got = append(got, string(m.Payload))
		}
		for _, idx := range tt.messages {
			var p strings.Builder
			for _, i := range idx {
				p.WriteString(sentenceFields(c.Lines[i])[5])
			}
			want = append(want, p.String())
		}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("%s (%s): got messages %q; want %q", c.ID, c.Category, got, want)
		}
		if stats.Fragment != tt.fragment || stats.FillBits != tt.fillBits {
			t.Errorf("%s (%s): got %d fragment and %d fill_bits errors (%v); want %d and %d",
				c.ID, c.Category, stats.Fragment, stats.FillBits, errs, tt.fragment, tt.fillBits)
		}
	}
}
