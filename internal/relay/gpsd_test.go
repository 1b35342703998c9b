package relay_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/relay"
)

// readCapture returns a real capture of the shared workspace, gunzipped,
// skipping the test without it.
func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(raw + name)
	if err != nil {
		t.Skipf("real capture %s not in the shared workspace: %v", name, err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// gpsdecodeArgs runs gpsdecode with args on in and returns its lines.
func gpsdecodeArgs(t *testing.T, in []byte, args ...string) []string {
	t.Helper()
	path, err := exec.LookPath("gpsdecode")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("gpsdecode required in CI (.ci/run installs gpsd-clients): %v", err)
		}
		t.Skip("gpsdecode not installed (Debian gpsd-clients)")
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gpsdecode: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// gpsdClient is a client of a gpsd-format relay reading line by line.
type gpsdClient struct {
	c  net.Conn
	sc *bufio.Scanner
}

func dialGPSD(t *testing.T, r *relay.Relay) *gpsdClient {
	t.Helper()
	c := connect(t, r)
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	g := &gpsdClient{c: c, sc: sc}
	if l := g.line(t); !strings.HasPrefix(l, `{"class":"VERSION",`) {
		t.Fatalf("first line %q; want gpsd's VERSION", l)
	}
	return g
}

// line reads one line, failing after a deadline.
func (g *gpsdClient) line(t *testing.T) string {
	t.Helper()
	g.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if !g.sc.Scan() {
		t.Fatalf("reading the gpsd relay: %v", g.sc.Err())
	}
	return g.sc.Text()
}

// until reads lines until one starts with prefix and returns it.
func (g *gpsdClient) until(t *testing.T, prefix string) string {
	t.Helper()
	for {
		if l := g.line(t); strings.HasPrefix(l, prefix) {
			return l
		}
	}
}

// watch asks for data and waits for gpsd's WATCH answer.
func (g *gpsdClient) watch(t *testing.T, req string) string {
	t.Helper()
	if _, err := fmt.Fprintf(g.c, "?WATCH=%s;\n", req); err != nil {
		t.Fatal(err)
	}
	return g.until(t, `{"class":"WATCH",`)
}

// framingRejected counts the messages of a capture's expectations (made
// by gpsdecode) that tidewatch's framer refuses by design.
func framingRejected(t *testing.T, file string) int {
	t.Helper()
	base, _, _ := strings.Cut(file, ".")
	n := 0
	for _, e := range aistest.ExpectedFiles(t) {
		if strings.HasPrefix(e, base+".jsonl") {
			for _, m := range aistest.LoadExpected(t, e) {
				if aistest.FramingRejected(m.Sentences) {
					n++
				}
			}
		}
	}
	return n
}

// gpsdAIS keeps gpsdecode's AIS objects (not the TPV and others it makes
// of GPS sentences in a capture) and splits a type 24 it aggregated (no
// "part") into its part A and part B, as a gpsd client gets them by
// default (split24 false).
func gpsdAIS(objs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		if _, line := o["_line"]; !line && o["class"] != "AIS" {
			continue
		}
		if _, part := o["part"]; o["type"] == 24.0 && !part {
			a := map[string]any{"part": "A", "_merged": true}
			b := map[string]any{"part": "B"}
			for k, v := range o {
				switch k {
				case "class", "device", "type", "repeat", "mmsi", "scaled":
					a[k], b[k] = v, v
				case "shipname":
					a[k] = v
				default:
					b[k] = v
				}
			}
			out = append(out, b, a) // the part A is looked for before its B (diffObjects)
			continue
		}
		out = append(out, o)
	}
	return out
}

// decodeObjects parses JSON lines; gpsd does not escape every string, so a
// line that is not JSON is kept as {"_line": line} and compared as text.
func decodeObjects(lines []string) []map[string]any {
	out := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			o = map[string]any{"_line": l}
		}
		out = append(out, o)
	}
	return out
}

// key ties a relayed message to gpsdecode's: type, MMSI and part.
func key(o map[string]any) string {
	return fmt.Sprint(o["type"], "/", o["mmsi"], "/", o["part"])
}

// diffObjects compares gpsdecode's messages with the relay's, field by
// field, "device" aside. Every message gpsdecode made must be relayed, in
// the same order and equal; the relay may also pass on messages gpsdecode
// made nothing of (tidewatch's decoder accepts some payloads of a length
// gpsd refuses, e.g. a 156-bit type 1): they are counted and returned.
// Scaled, gpsd 3.22 drops the sign of the rate of turn; like the ais
// package's differential tests, that one difference is excused when the
// raw value is negative.
func diffObjects(t *testing.T, what string, want, got, rawGot []map[string]any, device string) (extra, missing int) {
	t.Helper()
	bad, i := 0, 0
	used := make([]bool, len(got))
	keys := make([]string, len(got))
	for k, g := range got {
		keys[k] = key(g)
	}
	defer func() {
		extra = 0
		for _, u := range used {
			if !u {
				extra++
			}
		}
	}()
	for j, w := range want {
		if _, merged := w["_merged"]; merged {
			// gpsd kept this part A until its part B came and printed them
			// as one there: the relay sent it when it came, before the B.
			delete(w, "_merged")
			k, wk := -1, key(w)
			match := func(c int) bool { return !used[c] && keys[c] == wk && equalDeviceAside(got[c], w) }
			for c := i - 2; c >= 0 && k < 0; c-- { // the nearest before its part B, matched just before
				if match(c) {
					k = c
				}
			}
			if k < 0 {
				t.Logf("%s: gpsdecode's message #%d (%s) not relayed", what, j, key(w))
				missing++
				continue
			}
			used[k] = true
			continue
		}
		if l, ok := w["_line"].(string); ok {
			// gpsd 3.22 did not escape a string: tie it by type and MMSI only.
			m := lineKey.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: gpsdecode's line %q has no type and MMSI", what, l)
				continue
			}
			w = map[string]any{"type": json.Number(m[1]), "mmsi": json.Number(m[2])}
			k := i
			for k < len(got) && (used[k] || fmt.Sprint(got[k]["type"], "/", got[k]["mmsi"]) != m[1]+"/"+m[2]) {
				k++
			}
			if k == len(got) {
				t.Logf("%s: gpsdecode's message #%d (%s) not relayed in order", what, j, l)
				missing++
				continue
			}
			used[k] = true
			i = k + 1
			continue
		}
		// The next relayed message of the same type, MMSI and part, one
		// equal to gpsd's if any of the next few is.
		k, first, wk := i, -1, key(w)
		for ; k < len(got) && k < i+64; k++ {
			if used[k] || keys[k] != wk {
				continue
			}
			if first < 0 {
				first = k
			}
			if equalDeviceAside(got[k], w) {
				break
			}
		}
		if k == len(got) || k == i+64 {
			k = first
		}
		for c := i + 64; k < 0 && c < len(got) && c < i+1000; c++ { // after a run of messages gpsd refused
			if !used[c] && keys[c] == wk && equalDeviceAside(got[c], w) {
				k = c
			}
		}
		if k < 0 {
			t.Logf("%s: gpsdecode's message #%d (%s) not relayed in order", what, j, key(w))
			missing++
			continue
		}
		used[k] = true
		g := got[k]
		i = k + 1
		if d, _ := g["device"].(string); d != device {
			t.Errorf("%s #%d: device %q; want the input's name %q", what, k, d, device)
		}
		var diffs []string
		for f, wv := range w {
			if f == "device" {
				continue
			}
			gv, ok := g[f]
			switch {
			case !ok:
				diffs = append(diffs, f+": missing in the relay's")
			case reflect.DeepEqual(gv, wv):
			case f == "turn" && rawGot != nil && turnSignDropped(gv, wv, rawGot[k]["turn"]):
			default:
				diffs = append(diffs, fmt.Sprintf("%s: relay %v, gpsd %v", f, gv, wv))
			}
		}
		for f := range g {
			if _, ok := w[f]; !ok && f != "device" {
				diffs = append(diffs, f+": only in the relay's")
			}
		}
		if len(diffs) > 0 {
			bad++
			if bad <= 5 {
				slices.Sort(diffs)
				t.Errorf("%s #%d (%s): %s", what, j, key(w), strings.Join(diffs, "; "))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d messages differ", what, bad)
	}
	return extra, missing
}

// lineKey finds type and MMSI in a line of gpsdecode that is not JSON.
var lineKey = regexp.MustCompile(`"type":(\d+),"repeat":\d+,"mmsi":(\d+)`)

// equalDeviceAside compares two objects, "device" aside.
func equalDeviceAside(a, b map[string]any) bool {
	n := 0
	for k, v := range b {
		if k == "device" {
			continue
		}
		n++
		if !reflect.DeepEqual(a[k], v) {
			return false
		}
	}
	_, da := a["device"]
	if da {
		n++
	}
	return n == len(a)
}

// turnSignDropped reports whether gpsd's scaled turn is the relay's
// without its sign, the raw (unscaled) value being negative.
func turnSignDropped(got, want, raw any) bool {
	g, ok1 := got.(float64)
	w, ok2 := want.(float64)
	r, ok3 := raw.(float64)
	return ok1 && ok2 && ok3 && r < 0 && g == -w
}

// gpsdRun publishes a capture to a gpsd-format relay with one watching
// client and returns the AIS objects the client received.
func gpsdRun(t *testing.T, capture []byte, scaled bool) []map[string]any {
	t.Helper()
	lines := bytes.Split(capture, []byte("\n"))
	r, stop := start(t, relay.Config{Format: relay.FormatGPSD, Queue: len(lines) + 16})
	defer stop()
	g := dialGPSD(t, r)
	defer g.c.Close()
	w := g.watch(t, fmt.Sprintf(`{"enable":true,"json":true,"scaled":%v}`, scaled))
	if want := fmt.Sprintf(`"scaled":%v`, scaled); !strings.Contains(w, `"enable":true`) || !strings.Contains(w, want) {
		t.Fatalf("WATCH reply %s; want enable and %s", w, want)
	}
	for _, l := range lines {
		r.Publish("rx1", l)
	}
	n := r.Stats().Messages
	var out []string
	for uint64(len(out)) < n {
		l := g.line(t)
		if strings.HasPrefix(l, `{"class":"AIS",`) {
			out = append(out, l)
		}
	}
	if st := r.Stats(); st.SlowDropped != 0 {
		t.Fatalf("client dropped as slow: %+v", st)
	}
	return decodeObjects(out)
}

// TestGPSDMatchesGpsdecode relays every real capture of the shared
// corpus (all 27 message types) as gpsd JSON and compares each message,
// field by field, with gpsd's own gpsdecode of the same file: scaled
// (gpsdecode -j, a client asking "scaled":true) and unscaled (gpsdecode
// -u, gpsd's default for clients).
func TestGPSDMatchesGpsdecode(t *testing.T) {
	files := []string{"gpsd-sample.aivdm", "gpsd-ais-nmea.log", "gpsd-ais-nmea-type6-fid55.log", "gpsd-ais-raw-messages.log",
		"gpsd-ais-18-27.log", "gpsd-ais-unpack-sixbit.log", "aishub-3min.nmea", "amsa-2012.nmea.gz", "amsa-exactearth-tagblock.nmea",
		"amsa-timestamped-tagblock.nmea", "dma-small-cb-example.nmea", "dma-stream-example.nmea", "marinetraffic-sample.nmea", "pyais-mixed.nmea"}
	types := map[float64]int{}
	total, extras := 0, 0
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if testing.Short() && (f == "aishub-3min.nmea" || f == "amsa-2012.nmea.gz") {
				t.Skip("large capture in -short mode")
			}
			capture := readCapture(t, f)
			raw := gpsdRun(t, capture, false)
			scaled := gpsdRun(t, capture, true)
			if len(raw) != len(scaled) {
				t.Fatalf("%d messages unscaled, %d scaled", len(raw), len(scaled))
			}
			want := gpsdAIS(decodeObjects(gpsdecodeArgs(t, capture, "-j", "-u")))
			extra, missing := diffObjects(t, "unscaled", want, raw, nil, "rx1")
			if e, m := diffObjects(t, "scaled", gpsdAIS(decodeObjects(gpsdecodeArgs(t, capture, "-j"))), scaled, raw, "rx1"); e != extra || m != missing {
				t.Errorf("scaled: %d beyond gpsdecode's and %d missing; unscaled %d and %d", e, m, extra, missing)
			}
			// The one deliberate difference of the decoder (package ais):
			// fill bits on a fragment other than the last are refused.
			// gpsd joins fragments by channel alone, tidewatch by channel and
			// sequential id too: in aishub-3min.nmea gpsd makes a type 5 of
			// lines 18536 (2,1,4,A) and 18537 (2,2,1,A).
			crossJoined := map[string]int{"aishub-3min.nmea": 1}[f]
			if known := framingRejected(t, f); missing != known+crossJoined {
				t.Errorf("%d of gpsdecode's messages not relayed; want the %d with fill bits tidewatch's framer refuses and %d joined across sequential ids",
					missing, known, crossJoined)
			}
			for _, o := range want {
				if ty, ok := o["type"].(float64); ok {
					types[ty]++
				}
			}
			total += len(want)
			extras += extra
			t.Logf("%d messages relayed as gpsdecode made them, %d more that gpsdecode refused", len(want), extra)
		})
	}
	t.Logf("%d messages of %d types relayed as gpsdecode made them, %d more", total, len(types), extras)
	if !t.Failed() && !testing.Short() && len(types) < 27 {
		t.Errorf("message types relayed: %v; want all 27", types)
	}
}

// TestGPSDWithGpspipe has gpsd's own client, gpspipe -w, read the relay:
// it connects, sends its ?WATCH and prints what it gets, which must be the
// same AIS objects as a Go client asking for the same (unscaled) data.
func TestGPSDWithGpspipe(t *testing.T) {
	path, err := exec.LookPath("gpspipe")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("gpspipe required in CI (.ci/run installs gpsd-clients): %v", err)
		}
		t.Skip("gpspipe not installed (Debian gpsd-clients)")
	}
	capture := readCapture(t, "gpsd-sample.aivdm")
	lines := bytes.Split(capture, []byte("\n"))
	want := gpsdRun(t, capture, false)

	r, stop := start(t, relay.Config{Format: relay.FormatGPSD, Queue: len(lines) + 16})
	defer stop()
	host, port, _ := net.SplitHostPort(r.Addr().String())
	var out lockedBuffer
	cmd := exec.Command(path, "-w", host+":"+port)
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// gpspipe has watched once the relay has a watching client: poll by
	// publishing nothing and waiting for its WATCH line.
	poll(t, "gpspipe to send ?WATCH", func() bool { return strings.Contains(out.String(), `"class":"WATCH"`) })
	for _, l := range lines {
		r.Publish("rx1", l)
	}
	n := r.Stats().Messages
	poll(t, "gpspipe to print every message", func() bool { return uint64(strings.Count(out.String(), `{"class":"AIS"`)) >= n })
	cmd.Process.Kill()
	cmd.Wait()
	var got []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, `{"class":"AIS"`) {
			got = append(got, strings.TrimSpace(l))
		}
	}
	if len(got) != len(want) || len(got) < 90 {
		t.Fatalf("gpspipe printed %d AIS objects; want %d", len(got), len(want))
	}
	for i, o := range decodeObjects(got) {
		if !reflect.DeepEqual(o, want[i]) {
			t.Fatalf("gpspipe's #%d: %v; want %v", i, o, want[i])
		}
	}
	if !strings.HasPrefix(out.String(), `{"class":"VERSION"`) {
		t.Errorf("gpspipe's first line %.80q; want the VERSION banner", out.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestGPSDProtocol checks the client protocol: nothing before ?WATCH,
// gpsd's replies to its requests, ERROR for others, data stopped by
// "enable":false, and a client that never reads dropped (counted)
// without holding up the others.
func TestGPSDProtocol(t *testing.T) {
	lines := readLines(t, "gpsd-sample.aivdm")
	r, stop := start(t, relay.Config{Format: relay.FormatGPSD, Queue: 256})
	defer stop()
	idle := dialGPSD(t, r) // never watches: gets nothing
	defer idle.c.Close()
	slow := dialGPSD(t, r) // watches, never reads
	defer slow.c.Close()
	slow.c.(*net.TCPConn).SetReadBuffer(1024)
	fmt.Fprint(slow.c, "?WATCH={\"enable\":true,\"json\":true};")
	g := dialGPSD(t, r)
	defer g.c.Close()

	for _, tc := range []struct{ req, want string }{
		{"?VERSION;", `{"class":"VERSION","release":"tidewatch",`},
		{"?DEVICES;", `{"class":"DEVICES","devices":[]}`},
		{"?POLL;", `{"class":"POLL","time":"`},
		{"?FOO;", `{"class":"ERROR","message":"Unrecognized request '?FOO'"}`},
		{`?WATCH={"enable":tru;`, `{"class":"ERROR","message":"Invalid WATCH: `},
		{"?WATCH;", `{"class":"WATCH","enable":false,`},
	} {
		fmt.Fprint(g.c, tc.req)
		if l := g.line(t); !strings.HasPrefix(l, tc.want) {
			t.Errorf("%s answered %s; want %s...", tc.req, l, tc.want)
		}
	}
	// Publish enough for the slow client's 256-line queue to overflow,
	// round by round, the watching client reading each round.
	if w := g.watch(t, `{"enable":true,"json":true}`); !strings.Contains(w, `"enable":true`) {
		t.Fatalf("WATCH reply %s", w)
	}
	var received atomic.Uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for g.sc.Scan() {
			if strings.HasPrefix(g.sc.Text(), `{"class":"AIS","device":"rx1",`) {
				received.Add(1)
			}
		}
	}()
	// Until the socket buffers are full and the queue overflows.
	for round := 0; r.Stats().SlowDropped == 0; round++ {
		if round == 500 {
			t.Fatalf("the client that does not read is still connected: %+v", r.Stats())
		}
		for _, l := range lines {
			r.Publish("rx1", l)
		}
		poll(t, "the watching client to read the round", func() bool { return received.Load() >= r.Stats().Messages })
	}
	// The client is dropped only once its own queue (256 lines) is full;
	// how much the socket buffers took before that depends on when the
	// writer ran (under load it may have written nothing), so the queue is
	// the bound, not a number of rounds.
	n := r.Stats().Messages
	if n <= 256 {
		t.Fatalf("%d messages sent before the client that does not read was dropped; want more than its queue of 256", n)
	}
	fmt.Fprint(g.c, "?WATCH={\"enable\":false};")
	poll(t, "the watching client's data", func() bool { return r.Stats().Clients == 2 })
	g.c.Close()
	<-done
	if st := r.Stats(); st.SlowDropped != 1 || st.BadCommands != 2 {
		t.Errorf("stats %+v; want 1 slow client dropped, 2 bad commands", st)
	}
	if got := received.Load(); got != n {
		t.Errorf("the watching client received %d messages of %d sent", got, n)
	}
	// The idle client got nothing but the banner.
	idle.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if idle.sc.Scan() {
		t.Errorf("a client that never watched got %q", idle.sc.Text())
	}
}
