package nmea_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// rejected is an object of gpsdecode-rejected.jsonl.
type rejected struct {
	File        string   `json:"file"`
	LineNumbers []int    `json:"line_numbers"`
	Sentences   []string `json:"sentences"`
	Reason      string   `json:"likely_reason"`
}

// loadRejected returns gpsdecode-rejected.jsonl keyed by "raw/<file>:<last line>".
func loadRejected(tb testing.TB) map[string]rejected {
	tb.Helper()
	out := make(map[string]rejected)
	sc := bufio.NewScanner(bytes.NewReader(readFile(tb, "gpsdecode-rejected.jsonl")))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r rejected
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		out[fmt.Sprintf("%s:%d", r.File, r.LineNumbers[len(r.LineNumbers)-1])] = r
	}
	return out
}

// payloadLevel reports whether gpsdecode rejected a group for a reason that
// belongs to the AIS payload decoder (message length, undefined type), so
// that package nmea still produces the message.
func payloadLevel(reason string) bool {
	return strings.Contains(reason, "payload bits") || strings.Contains(reason, "not defined")
}

// TestReaderExpected reads every raw capture and checks that the messages
// match the expectations: every expected message comes out, with the
// payload of its sentences concatenated, at the line of its last sentence,
// and no other message comes out. Deliberate differences are counted and
// logged; any other is an error.
func TestReaderExpected(t *testing.T) {
	rej := loadRejected(t)
	var nonFinalFill, fillOver5, dashTalker int
	for _, f := range rawFiles {
		t.Run(f.raw, func(t *testing.T) {
			msgs, _, stats := readAll(t, readFile(t, "raw/"+f.raw), nmea.ReaderOptions{})
			exp := loadExpected(t, f.expected)
			got := make(map[int]nmea.Message, len(msgs))
			prev := 0
			for _, m := range msgs {
				if m.Line <= prev {
					t.Errorf("message at line %d after one at line %d", m.Line, prev)
				}
				prev = m.Line
				got[m.Line] = m
			}

			var missing []string
			seen := make(map[int]bool)
			for _, e := range exp {
				var payload strings.Builder
				fill := -1
				nonFinal, over5 := false, false
				for k, s := range e.Sentences {
					fs := sentenceFields(s)
					payload.WriteString(fs[5])
					fill, _ = strconv.Atoi(fs[6])
					nonFinal = nonFinal || k < len(e.Sentences)-1 && fill != 0
					over5 = over5 || fill > 5
				}
				last := e.LineNumbers[len(e.LineNumbers)-1]
				m, ok := got[last]
				switch {
				case !ok && nonFinal:
					// Policy: only the last fragment may carry fill bits.
					nonFinalFill++
					t.Logf("%s (lines %v): not produced: non-zero fill bits on a non-final fragment (deliberate)", e.ID, e.LineNumbers)
				case !ok && over5:
					// Policy: fill bits are 0..5 (bad-input SB-008).
					fillOver5++
					t.Logf("%s (lines %v): not produced: fill bits above 5 (deliberate)", e.ID, e.LineNumbers)
				case !ok:
					missing = append(missing, fmt.Sprintf("%s (lines %v) not produced", e.ID, e.LineNumbers))
				case string(m.Payload) != payload.String() || m.Fill != fill || m.Sentences != len(e.Sentences):
					missing = append(missing, fmt.Sprintf("%s (line %d): got payload %q fill %d in %d sentences; want %q fill %d in %d",
						e.ID, last, m.Payload, m.Fill, m.Sentences, payload.String(), fill, len(e.Sentences)))
				}
				seen[last] = true
			}
			var extra []string
			var payloadRejects int
			for _, m := range msgs {
				if seen[m.Line] {
					continue
				}
				r, ok := rej[fmt.Sprintf("raw/%s:%d", f.raw, m.Line)]
				if ok && payloadLevel(r.Reason) {
					payloadRejects++ // the ais decoder's business
					continue
				}
				if m.Talker == [2]byte{'-', '-'} {
					// The expectations skip the "--" talker; nmea accepts
					// every talker of [A-Z0-9-].
					dashTalker++
					continue
				}
				extra = append(extra, fmt.Sprintf("line %d: unexpected message %q (gpsdecode: %q)", m.Line, m.Payload, r.Reason))
			}
			for _, s := range append(missing, extra...) {
				t.Error(s)
			}
			t.Logf("%d lines, %d sentences, %d messages (%d expected, %d left to the payload decoder); stats %+v",
				stats.Lines, stats.Sentences, stats.Messages, len(exp), payloadRejects, stats)
		})
	}
	t.Logf("deliberate differences: %d expected messages not produced because a non-final fragment has fill bits, "+
		"%d because of fill bits above 5; %d extra messages from talker \"--\"", nonFinalFill, fillOver5, dashTalker)
	// The known deliberate differences (see the project README); a change
	// here is a change of behaviour.
	if nonFinalFill != 2 || fillOver5 != 8 || dashTalker != 19 {
		t.Errorf("deliberate differences changed: got %d, %d, %d; want 2, 8, 19", nonFinalFill, fillOver5, dashTalker)
	}
}

// TestReaderSequenceIDMismatch checks the group of aishub-3min.nmea lines
// 18536-18537 (fragment 1 with sequential id 4, fragment 2 with id 1), which
// gpsdecode joins and which must not join.
func TestReaderSequenceIDMismatch(t *testing.T) {
	raw := readFile(t, "raw/aishub-3min.nmea")
	lines := bytes.Split(raw, []byte("\n"))
	input := bytes.Join(lines[18535:18537], []byte("\n"))
	msgs, errs, stats := readAll(t, input, nmea.ReaderOptions{})
	if len(msgs) != 0 {
		t.Errorf("got %d messages from lines 18536-18537; want 0", len(msgs))
	}
	if stats.Fragment != 2 || len(errs) != 2 {
		t.Errorf("got %d fragment errors (%v); want 2 (orphan fragment 2, incomplete fragment 1)", stats.Fragment, errs)
	}
}
