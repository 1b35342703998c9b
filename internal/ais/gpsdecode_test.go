package ais_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
)

// Differential testing against gpsd's gpsdecode, the reference decoder.
// CI installs Debian's gpsd-clients and sets TIDEWATCH_REQUIRE_GPSDECODE=1,
// so these tests cannot silently skip there.

func needGpsdecode(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("gpsdecode")
	if err != nil {
		if os.Getenv("TIDEWATCH_REQUIRE_GPSDECODE") != "" {
			t.Fatalf("gpsdecode required but not found: %v", err)
		}
		t.Skip("gpsdecode not installed (apt-get install gpsd-clients)")
	}
	return path
}

// gpsdecode runs gpsdecode over single-sentence messages and returns one
// object per input sentence (nil where gpsdecode printed nothing), with
// "class", "device" and "scaled" removed. gpsd 3.22 does not escape every
// string; a line that is not valid JSON comes back as {"_invalid_json": line}.
func gpsdecode(t *testing.T, sentences []string, scaled bool) []map[string]any {
	t.Helper()
	lines := gpsdecodeLines(t, sentences, scaled)
	res := make([]map[string]any, len(lines))
	for i, l := range lines {
		if l == "" {
			continue
		}
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			res[i] = map[string]any{"_invalid_json": l}
			continue
		}
		delete(o, "class")
		delete(o, "device")
		delete(o, "scaled")
		res[i] = o
	}
	return res
}

// gpsdecodeLines runs gpsdecode once over single-sentence messages and
// returns its raw output line for each ("" where it printed nothing), so
// that key order and number formatting can be compared exactly. A marker
// message after each sentence ties the output to the input.
func gpsdecodeLines(t *testing.T, sentences []string, scaled bool) []string {
	t.Helper()
	bin := needGpsdecode(t)
	mk := aistest.WithChecksum("!AIVDM,1,1,,A,:00000000000,0") // type 10 from MMSI 0, 72 bits
	var in bytes.Buffer
	for _, s := range sentences {
		in.WriteString(s + "\r\n" + mk + "\r\n")
	}
	args := []string{"-s"}
	if !scaled {
		args = append(args, "-u")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gpsdecode: %v", err)
	}
	res := make([]string, len(sentences))
	i, pending := 0, ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"class":"AIS","device":"stdin","type":10,"repeat":0,"mmsi":0,`) {
			if i < len(res) {
				res[i] = pending
			}
			i++
			pending = ""
			continue
		}
		pending = sc.Text()
	}
	if i != len(sentences) {
		t.Fatalf("gpsdecode: matched %d of %d markers", i, len(sentences))
	}
	return res
}

// bitWriter builds AIS payloads bit by bit for synthetic test messages.
type bitWriter struct {
	bits []byte // one byte per bit, 0 or 1
}

func (w *bitWriter) put(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		w.bits = append(w.bits, byte(v>>uint(i)&1))
	}
}

// random appends n random bits.
func (w *bitWriter) random(r *rand.Rand, n int) {
	for range n {
		w.bits = append(w.bits, byte(r.IntN(2)))
	}
}

// set overwrites n bits at offset off (the writer must already be long
// enough).
func (w *bitWriter) set(off int, v uint64, n int) {
	for i := range n {
		w.bits[off+i] = byte(v >> uint(n-1-i) & 1)
	}
}

// armour returns the armoured payload and fill-bit count.
func (w *bitWriter) armour() (string, int) { return aistest.Armour(w.bits) }

// sentence wraps the payload in one VDM sentence (gpsdecode accepts long
// single sentences up to 204 characters).
func (w *bitWriter) sentence() string {
	p, fill := w.armour()
	return aistest.WithChecksum(fmt.Sprintf("!AIVDM,1,1,,A,%s,%d", p, fill))
}
