package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
)

// runCmd runs the command line in-process and returns its exit status,
// standard output and standard error.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// objects parses JSON Lines output, failing on any invalid line.
func objects(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var o map[string]any
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("invalid JSON line %q: %v", sc.Text(), err)
		}
		objs = append(objs, o)
	}
	return objs
}

func TestDecodeFiles(t *testing.T) {
	tests := []struct {
		file string
		want int // messages, from testdata/ais/README.md (gpsdecode 3.22)
	}{
		{"gpsd-sample.aivdm", 102},
		{"amsa-2012.nmea.gz", 32501}, // gzip, detected by content
		{"amsa-exactearth-tagblock.nmea", 200},
		{"marinetraffic-sample.nmea", 778},
	}
	for _, tt := range tests {
		code, out, stderr := runCmd(t, "", "decode", filepath.Join("../../testdata/ais/raw", tt.file))
		if code != 0 {
			t.Fatalf("decode %s: exit %d, stderr %s", tt.file, code, stderr)
		}
		if objs := objects(t, out); len(objs) != tt.want {
			t.Errorf("decode %s: %d objects, want %d", tt.file, len(objs), tt.want)
		}
	}
}

func TestDecodeOutput(t *testing.T) {
	const in = "\\s:rEV02,c:1334337317*58\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
	code, out, _ := runCmd(t, in, "decode")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	const want = `{"class":"AIS","type":1,"repeat":0,"mmsi":227006760,"scaled":true,"status":0,"status_text":"Under way using engine","turn":"nan","speed":0.0,"accuracy":false,"lon":0.131380,"lat":49.475577,"course":36.7,"heading":511,"second":14,"maneuver":0,"raim":false,"radio":22136,"time":"2012-04-13T17:15:17Z","source":"rEV02"}` + "\n"
	if out != want {
		t.Errorf("decode output\n got %s\nwant %s", out, want)
	}
	code, out, _ = runCmd(t, in, "decode", "--unscaled", "-")
	if code != 0 || !strings.Contains(out, `"scaled":false`) || !strings.Contains(out, `"lon":78828,"lat":29685346`) || !strings.Contains(out, `"turn":-128`) {
		t.Errorf("decode --unscaled: exit %d, output %s", code, out)
	}
}

func TestDecodeStatsAndBadInput(t *testing.T) {
	code, out, stderr := runCmd(t, "", "decode", "--stats", "../../testdata/ais/bad-input.nmea")
	if code != 0 {
		t.Fatalf("exit %d on bad input; stderr %s", code, stderr)
	}
	objects(t, out) // every line valid JSON
	for _, want := range []string{"messages", "rejected checksum", "rejected line_too_long", "rejected fragment", "rejected unsupported_type", "rejected payload_too_short", "rejected fill_bits"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--stats output lacks %q:\n%s", want, stderr)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	if code, _, stderr := runCmd(t, "", "decode", "no-such-file.nmea"); code != 1 || !strings.Contains(stderr, "no-such-file.nmea") {
		t.Errorf("missing file: exit %d, stderr %q; want 1 and the file name", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "decode", "--no-such-flag"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, "", "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, ""); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code, out, _ := runCmd(t, "", "help"); code != 0 || !strings.Contains(out, "decode") {
		t.Errorf("help: exit %d, output %q", code, out)
	}
	if code, _, stderr := runCmd(t, "", "decode", "-h"); code != 0 || !strings.Contains(stderr, "--unscaled") && !strings.Contains(stderr, "-unscaled") {
		t.Errorf("decode -h: exit %d, stderr %q", code, stderr)
	}
}

// TestHostileShipName sends a real-format type 5 whose six-bit ship name
// and destination carry characters that matter in HTML and JSON; the output
// must stay valid JSON and carry the text unchanged.
func TestHostileShipName(t *testing.T) {
	name := `<SCRIPT>"\ALERT(1)` // fits the 20-character field
	dest := `\";ALERT(1)//`
	sentences := type5Sentences(366123456, name, dest)
	code, out, _ := runCmd(t, strings.Join(sentences, "\n")+"\n", "decode")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	objs := objects(t, out)
	if len(objs) != 1 || objs[0]["shipname"] != name || objs[0]["destination"] != dest {
		t.Fatalf("got %v, want shipname %q destination %q", objs, name, dest)
	}
}

// type5Sentences encodes a type 5 message (424 bits) with the given name
// and destination as two VDM sentences.
func type5Sentences(mmsi uint64, name, dest string) []string {
	var bits []byte
	put := func(v uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, byte(v>>uint(i)&1))
		}
	}
	text := func(s string, n int) {
		for i := range n {
			c := byte('@')
			if i < len(s) {
				c = s[i]
			}
			if c >= 64 {
				c -= 64
			}
			put(uint64(c), 6)
		}
	}
	put(5, 6)
	put(0, 2)
	put(mmsi, 30)
	put(0, 2)        // AIS version
	put(9074729, 30) // IMO
	text("TEST1", 7)
	text(name, 20)
	put(70, 8)
	put(100, 9)
	put(20, 9)
	put(10, 6)
	put(10, 6)
	put(1, 4)
	put(0, 20) // ETA
	put(50, 8)
	text(dest, 20)
	put(0, 2)                    // DTE, spare
	p, _ := aistest.Armour(bits) // 424 bits: 71 characters, 2 fill bits
	mk := func(frag int, payload string, fill int) string {
		return aistest.WithChecksum(fmt.Sprintf("!AIVDM,2,%d,3,B,%s,%d", frag, payload, fill))
	}
	return []string{mk(1, p[:60], 0), mk(2, p[60:], 2)}
}

func TestVersion(t *testing.T) {
	if code, out, _ := runCmd(t, "", "version"); code != 0 || !strings.HasPrefix(out, "tidewatch ") {
		t.Errorf("version: exit %d, output %q", code, out)
	}
}

// BenchmarkDecodeCommand measures "tidewatch decode" in-process on the real
// capture, JSON written to a discarding writer.
func BenchmarkDecodeCommand(b *testing.B) {
	const name = "../../testdata/ais/bench.nmea.gz"
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out countingWriter
		if code := run(context.Background(), []string{"decode", name}, nil, &out, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
