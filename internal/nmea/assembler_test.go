package nmea_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// frag builds a valid VDM line: tag is a tag-block body without checksum
// (or ""), then talker, count, number, sequence id, channel, payload, fill.
func frag(tag, talker string, total, num int, seq, ch, payload string, fill int) string {
	line := withChecksum(fmt.Sprintf("!%sVDM,%d,%d,%s,%s,%s,%d", talker, total, num, seq, ch, payload, fill))
	if tag != "" {
		line = `\` + withChecksum(tag) + `\` + line
	}
	return line
}

// step is one line given to an Assembler and what it must return.
type step struct {
	line    string
	message string // payload of the message returned, "" for none
	err     string // class of the error returned, "" for none
}

func runSteps(t *testing.T, a *nmea.Assembler, steps []step) []nmea.Message {
	t.Helper()
	var out []nmea.Message
	for i, st := range steps {
		s, err := nmea.Parse([]byte(st.line))
		if err != nil {
			t.Fatalf("step %d: Parse(%q): %v", i+1, st.line, err)
		}
		m, err := a.Add(&s, i+1)
		got := ""
		if m != nil {
			got = string(m.Payload)
			out = append(out, *m)
		}
		if got != st.message || nmea.Class(err) != st.err {
			t.Errorf("step %d: Add(%q) = %q, %v; want %q, class %q", i+1, st.line, got, err, st.message, st.err)
		}
		var le *nmea.LineError
		if err != nil && !errors.As(err, &le) {
			t.Errorf("step %d: error %v is not a *LineError", i+1, err)
		}
	}
	return out
}

func TestAssembler(t *testing.T) {
	const (
		p1, p2, p3 = "53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp", "888888888888880", "1P00"
		q1, q2     = "56:fS:D0000000000008v0<QD4r0`T4v3400000t0`D147?ps1P00000", "000000000000008"
		single     = "13HOI:0P0000VOHLCnHQKwvL05Ip"
	)
	tests := []struct {
		name  string
		opt   nmea.AssemblerOptions
		steps []step
	}{
		{"single", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 1, 1, "", "A", single, 0), single, ""},
		}},
		{"three fragments", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 3, "3", "A", p3, 2), p1 + p2 + p3, ""},
		}},
		{"single sentences do not disturb a group", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 2, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 1, 1, "3", "A", single, 0), single, ""},
			{frag("", "AI", 2, 2, "3", "A", p2, 2), p1 + p2, ""},
		}},
		{"repeated middle fragment is ignored", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 3, "3", "A", p3, 2), p1 + p2 + p3, ""},
		}},
		{"different duplicate is rejected, group kept", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", "fragment"}, // restarts
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", "fragment"}, // restarts again
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", q2, 0), "", "fragment"}, // a different fragment 2
			{frag("", "AI", 3, 3, "3", "A", p3, 2), p1 + p2 + p3, ""},
		}},
		{"repeated last fragment is an orphan", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 2, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 2, 2, "3", "A", p2, 2), p1 + p2, ""},
			{frag("", "AI", 2, 2, "3", "A", p2, 2), "", "fragment"},
		}},
		{"missing middle fragment", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 3, 3, "3", "A", p3, 2), "", "fragment"},
			{frag("", "AI", 3, 2, "3", "A", p2, 0), "", "fragment"},
		}},
		{"fill bits before the last fragment", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 3, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AI", 3, 2, "3", "A", p2, 4), "", "fill_bits"},
			{frag("", "AI", 3, 3, "3", "A", p3, 2), "", "fragment"},
			{frag("", "AI", 2, 1, "4", "A", p1, 2), "", "fill_bits"},
			{frag("", "AI", 2, 2, "4", "A", p2, 2), "", "fragment"},
		}},
		{"talker mismatch", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 2, 1, "3", "A", p1, 0), "", ""},
			{frag("", "AB", 2, 2, "3", "A", p2, 2), "", "fragment"},
		}},
		{"empty sequence id and channel", nmea.AssemblerOptions{}, []step{
			{frag("", "AI", 2, 1, "", "", p1, 0), "", ""},
			{frag("", "AI", 2, 2, "", "A", p2, 2), "", "fragment"},
			{frag("", "AI", 2, 2, "1", "", p2, 2), "", "fragment"},
			{frag("", "AI", 2, 2, "", "", p2, 2), p1 + p2, ""},
		}},
		{"tag-block sources keep groups apart", nmea.AssemblerOptions{}, []step{
			{frag("s:X", "AI", 2, 1, "3", "A", p1, 0), "", ""},
			{frag("s:Y", "AI", 2, 1, "3", "A", q1, 0), "", ""},
			{frag("s:Y", "AI", 2, 2, "3", "A", q2, 2), q1 + q2, ""},
			{frag("s:X", "AI", 2, 2, "3", "A", p2, 2), p1 + p2, ""},
		}},
		{"tag-block group ids keep groups apart", nmea.AssemblerOptions{}, []step{
			{frag("g:1-2-10", "AI", 2, 1, "", "A", p1, 0), "", ""},
			{frag("g:2-2-11", "AI", 2, 2, "", "A", p2, 2), "", "fragment"},
			{frag("g:2-2-10", "AI", 2, 2, "", "A", p2, 2), p1 + p2, ""},
		}},
		{"eviction of the least recently extended group", nmea.AssemblerOptions{MaxGroups: 2}, []step{
			{frag("", "AI", 3, 1, "1", "A", p1, 0), "", ""},
			{frag("", "AI", 2, 1, "2", "A", q1, 0), "", ""},
			{frag("", "AI", 3, 2, "1", "A", p2, 0), "", ""},
			{frag("", "AI", 2, 1, "3", "A", p1, 0), "", "fragment"}, // evicts seq 2
			{frag("", "AI", 2, 2, "2", "A", q2, 2), "", "fragment"}, // orphan
			{frag("", "AI", 3, 3, "1", "A", p3, 2), p1 + p2 + p3, ""},
			{frag("", "AI", 2, 2, "3", "A", p2, 2), p1 + p2, ""},
		}},
		{"expiry", nmea.AssemblerOptions{MaxAge: 2}, []step{
			{frag("", "AI", 2, 1, "1", "A", p1, 0), "", ""},
			{frag("", "AI", 1, 1, "", "B", single, 0), single, ""},
			{frag("", "AI", 2, 2, "1", "A", p2, 2), p1 + p2, ""}, // 2 sentences later: in time
			{frag("", "AI", 2, 1, "1", "A", p1, 0), "", ""},
			{frag("", "AI", 1, 1, "", "B", single, 0), single, ""},
			{frag("", "AI", 1, 1, "", "B", single, 0), single, ""},
			{frag("", "AI", 2, 2, "1", "A", p2, 2), "", "fragment"}, // 3 sentences later: expired
		}},
		{"expired group is replaced first", nmea.AssemblerOptions{MaxGroups: 1, MaxAge: 1}, []step{
			{frag("", "AI", 2, 1, "1", "A", p1, 0), "", ""},
			{frag("", "AI", 1, 1, "", "B", single, 0), single, ""},
			{frag("", "AI", 1, 1, "", "B", single, 0), single, ""},
			{frag("", "AI", 2, 1, "2", "A", q1, 0), "", "fragment"},
			{frag("", "AI", 2, 2, "2", "A", q2, 2), q1 + q2, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, nmea.NewAssembler(tt.opt), tt.steps)
		})
	}
}

func TestAssemblerVDO(t *testing.T) {
	var a nmea.Assembler
	l1 := withChecksum("!AIVDO,2,1,5,A,53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp,0")
	l2 := withChecksum("!AIVDM,2,2,5,A,888888888888880,2")
	l3 := withChecksum("!AIVDO,2,2,5,A,888888888888880,2")
	ms := runSteps(t, &a, []step{
		{l1, "", ""},
		{l2, "", "fragment"},
		{l3, "53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp888888888888880", ""},
	})
	if len(ms) != 1 || !ms[0].Own || ms[0].Talker != [2]byte{'A', 'I'} || ms[0].Channel != 'A' || ms[0].Fill != 2 || ms[0].Sentences != 2 || ms[0].Line != 3 {
		t.Errorf("got %+v; want one own-ship message of 2 sentences from AI on A, fill 2, line 3", ms)
	}
}

// TestAssemblerMetadata checks which fragment's source and times a message
// gets.
func TestAssemblerMetadata(t *testing.T) {
	var a nmea.Assembler
	t1 := time.Date(2012, 4, 13, 17, 15, 17, 0, time.UTC)
	recv := time.Date(2016, 1, 10, 23, 29, 12, 0, time.UTC)
	lines := []string{
		`\` + withChecksum("g:1-2-3985,s:rEV02") + `\` + withChecksum("!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0T,0"),
		`1452468552 \` + withChecksum("g:2-2-3985,c:1334337317") + `\` + withChecksum("!AIVDM,2,2,9,B,PFRC88888888880,2"),
	}
	var m *nmea.Message
	for i, l := range lines {
		s, err := nmea.Parse([]byte(l))
		if err != nil {
			t.Fatalf("Parse(%q): %v", l, err)
		}
		if m, err = a.Add(&s, i+1); err != nil {
			t.Fatalf("Add(%q): %v", l, err)
		}
	}
	if m == nil {
		t.Fatal("no message")
	}
	if string(m.Source) != "rEV02" || !m.Time.Equal(t1) || !m.RecvTime.Equal(recv) {
		t.Errorf("got source %q, time %v, receive time %v; want rEV02 (first fragment), %v and %v (second fragment)", m.Source, m.Time, m.RecvTime, t1, recv)
	}

	// A message without a tag block has no source.
	s, _ := nmea.Parse([]byte("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"))
	if m, _ := a.Add(&s, 3); m.Source != nil || !m.Time.IsZero() || !m.RecvTime.IsZero() {
		t.Errorf("got source %q, time %v, receive time %v; want none", m.Source, m.Time, m.RecvTime)
	}
}

// TestAssemblerNoAliasing checks that a message does not alias the line.
func TestAssemblerNoAliasing(t *testing.T) {
	var a nmea.Assembler
	line := []byte(`\` + withChecksum("s:src") + `\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`)
	s, err := nmea.Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := a.Add(&s, 1)
	for i := range line {
		line[i] = 'x'
	}
	if string(m.Payload) != "13HOI:0P0000VOHLCnHQKwvL05Ip" || string(m.Source) != "src" {
		t.Errorf("message changed with its line: payload %q, source %q", m.Payload, m.Source)
	}
}

// TestAssemblerInvalidSentence checks sentences built by hand.
func TestAssemblerInvalidSentence(t *testing.T) {
	p := []byte("13HOI:0P0000VOHLCnHQKwvL05Ip")
	tests := []struct {
		s     nmea.Sentence
		class string
	}{
		{nmea.Sentence{Total: 0, Num: 0, SeqID: -1, Payload: p}, "fragment"},
		{nmea.Sentence{Total: 2, Num: 3, SeqID: -1, Payload: p}, "fragment"},
		{nmea.Sentence{Total: 1, Num: 1, SeqID: 12, Payload: p}, "fragment"},
		{nmea.Sentence{Total: 1, Num: 1, SeqID: -1}, "payload_too_short"},
		{nmea.Sentence{Total: 1, Num: 1, SeqID: -1, Payload: p, Fill: 6}, "fill_bits"},
		{nmea.Sentence{Total: 2, Num: 1, SeqID: -1, Payload: p, Fill: 1}, "fill_bits"},
	}
	var a nmea.Assembler
	for _, tt := range tests {
		m, err := a.Add(&tt.s, 1)
		if m != nil || nmea.Class(err) != tt.class {
			t.Errorf("Add(%+v) = %v, %v; want nil, class %s", tt.s, m, err, tt.class)
		}
	}
}

func TestAssemblerFlush(t *testing.T) {
	var a nmea.Assembler
	for i, l := range []string{
		frag("", "AI", 2, 1, "1", "A", "5", 0),
		frag("", "AI", 2, 1, "2", "A", "5", 0),
		frag("", "AI", 2, 1, "1", "B", "5", 0),
	} {
		s, _ := nmea.Parse([]byte(l))
		if _, err := a.Add(&s, 10*(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var lines []string
	for err := a.Flush(); err != nil; err = a.Flush() {
		var le *nmea.LineError
		if !errors.As(err, &le) || !errors.Is(err, nmea.ErrFragment) {
			t.Fatalf("Flush error %v; want a *LineError wrapping ErrFragment", err)
		}
		lines = append(lines, fmt.Sprint(le.Line))
	}
	if got := strings.Join(lines, ","); got != "10,20,30" {
		t.Errorf("Flush reported lines %s; want 10,20,30 (oldest first)", got)
	}
	a.Reset()
	if err := a.Flush(); err != nil {
		t.Errorf("Flush after Reset: %v", err)
	}
}

// TestAssemblerAllocs checks that reassembly allocates nothing once warm.
func TestAssemblerAllocs(t *testing.T) {
	var ss []nmea.Sentence
	for _, l := range []string{
		`\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216` + "`0`" + `cF5BF0RT13H0T,0*70`,
		`\g:2-2-3985*5A\!AIVDM,2,2,9,B,PFRC88888888880,2*29`,
		"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
		"!AIVDM,2,2,9,B,PFRC88888888880,2*29", // orphan: errors allocate
	} {
		s, err := nmea.Parse([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	var a nmea.Assembler
	for i := range ss[:3] {
		a.Add(&ss[i], i)
	}
	n := testing.AllocsPerRun(100, func() {
		for i := range ss[:3] {
			if m, err := a.Add(&ss[i], i); err != nil || (i > 0) != (m != nil) {
				t.Fatalf("Add %d: %v, %v", i, m, err)
			}
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per message; want 0", n)
	}
}
