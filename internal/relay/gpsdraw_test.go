package relay_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/relay"
)

// aisSentences returns the AIS sentences of a capture's lines as gpsd's
// raw mode passes them: tag block removed, comments and other sentences
// left out.
func aisSentences(lines [][]byte) []string {
	var out []string
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if bytes.HasPrefix(l, []byte(`\`)) {
			if i := bytes.IndexByte(l[1:], '\\'); i >= 0 {
				l = l[i+2:]
			}
		}
		if len(l) > 6 && l[0] == '!' && (bytes.Equal(l[3:6], []byte("VDM")) || bytes.Equal(l[3:6], []byte("VDO"))) {
			out = append(out, string(l))
		}
	}
	return out
}

// TestGPSDRawModes: a client that asks gpsd's "raw":1 gets the AIS
// sentences as received, in order, and no JSON; one that asks
// "nmea":true with "json":true gets both, each message's JSON after its
// sentences; the WATCH replies report each policy.
func TestGPSDRawModes(t *testing.T) {
	lines := readLines(t, "aishub-3min.nmea")
	want := aisSentences(lines)
	r, stop := start(t, relay.Config{Format: relay.FormatGPSD, Queue: 4 * len(lines)})
	defer stop()
	rawC := dialGPSD(t, r)
	defer rawC.c.Close()
	both := dialGPSD(t, r)
	defer both.c.Close()
	if w := rawC.watch(t, `{"enable":true,"raw":1}`); !strings.Contains(w, `"enable":true,"json":false,"nmea":false,"raw":1,`) {
		t.Errorf("WATCH raw reply %s", w)
	}
	if w := both.watch(t, `{"enable":true,"json":true,"nmea":true}`); !strings.Contains(w, `"enable":true,"json":true,"nmea":true,"raw":0,`) {
		t.Errorf("WATCH nmea reply %s", w)
	}
	for _, l := range lines {
		r.Publish("rx1", l)
	}
	read := func(g *gpsdClient, sentences int, messages uint64) (nmea []string, ais uint64, order bool) {
		order = true
		for len(nmea) < sentences || ais < messages {
			l := g.line(t)
			switch {
			case strings.HasPrefix(l, "!"):
				nmea = append(nmea, l)
			case strings.HasPrefix(l, `{"class":"AIS","device":"rx1",`):
				ais++
				if uint64(len(nmea)) < ais {
					order = false // a message's JSON before its sentences
				}
			}
		}
		return nmea, ais, order
	}
	got, _, _ := read(rawC, len(want), 0)
	if !slices.Equal(got, want) {
		t.Errorf("raw mode: %d sentences, first difference at %d; want the capture's %d", len(got), firstDiff(got, want), len(want))
	}
	n := r.Stats().Messages
	got, ais, order := read(both, len(want), n)
	if !slices.Equal(got, want) || ais != n || !order {
		t.Errorf("nmea+json: %d sentences (equal %v), %d AIS objects of %d, in order %v", len(got), slices.Equal(got, want), ais, n, order)
	}
	// The raw client got no JSON: the next line after everything is the
	// reply to a request.
	fmt.Fprint(rawC.c, "?VERSION;")
	if l := rawC.line(t); !strings.HasPrefix(l, `{"class":"VERSION"`) {
		t.Errorf("raw client: after the sentences %.80q; want only the VERSION reply", l)
	}
	// raw out of gpsd's range is refused.
	if l := (func() string { fmt.Fprint(rawC.c, `?WATCH={"raw":3};`); return rawC.line(t) })(); !strings.HasPrefix(l, `{"class":"ERROR","message":"Invalid WATCH: raw 3"`) {
		t.Errorf("raw 3 answered %s", l)
	}
	t.Logf("%d sentences, %d messages", len(want), n)
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestGPSDWithGps2udp: gpsd's gps2udp, the tool that feeds AIS from gpsd
// to aggregators over UDP (gpsd itself has no UDP output), connected to
// the gpsd port with --nmea, sends the capture's AIS sentences (its first
// 10,000 lines), every one, in order; gpspipe -r prints them too (the
// whole capture).
func TestGPSDWithGps2udp(t *testing.T) {
	// A sentence not in the capture, published until the tool gets one.
	const probe = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
	all := readLines(t, "aishub-3min.nmea")
	for _, tool := range []string{"gps2udp", "gpspipe"} {
		t.Run(tool, func(t *testing.T) {
			lines := all
			if tool == "gps2udp" {
				lines = all[:10000] // a datagram per sentence: paced, so slower
			}
			want := aisSentences(lines)
			path, err := exec.LookPath(tool)
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("%s required in CI (.ci/run installs gpsd-clients): %v", tool, err)
				}
				t.Skipf("%s not installed (Debian gpsd-clients)", tool)
			}
			r, stop := start(t, relay.Config{Format: relay.FormatGPSD, Queue: 4 * len(lines)})
			defer stop()
			var (
				mu  sync.Mutex
				got []string
			)
			add := func(b []byte) {
				mu.Lock()
				defer mu.Unlock()
				for _, l := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\n") {
					if l = strings.TrimRight(l, "\r"); strings.HasPrefix(l, "!") {
						got = append(got, l)
					}
				}
			}
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
			captured := func() int { // the capture's sentences received
				mu.Lock()
				defer mu.Unlock()
				return len(got) - strings.Count(strings.Join(got, "\n"), probe)
			}
			var cmd *exec.Cmd
			if tool == "gps2udp" {
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				pc.(*net.UDPConn).SetReadBuffer(8 << 20)
				go func() {
					buf := make([]byte, 65536)
					for {
						k, _, err := pc.ReadFrom(buf)
						if err != nil {
							return
						}
						add(buf[:k])
					}
				}()
				cmd = exec.Command(path, "--nmea", "--udp", pc.LocalAddr().String(), r.Addr().String())
			} else {
				cmd = exec.Command(path, "-r", r.Addr().String())
				cmd.Stdout = writerFunc(func(b []byte) (int, error) { add(b); return len(b), nil })
			}
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			// The tool watches once a sentence published reaches it: probes
			// (a sentence not in the capture) until one arrives; they are
			// left out of the comparison.
			if slices.Contains(want, probe) {
				t.Fatal("the probe is in the capture")
			}
			poll(t, tool+" to watch", func() bool { r.Publish("rx1", []byte(probe)); return count() > 0 })
			for i, l := range lines {
				r.Publish("rx1", l)
				if i%500 == 499 {
					// gps2udp sends a datagram per line: let the reader keep up.
					poll(t, "the datagrams", func() bool { return captured() >= len(aisSentences(lines[:i+1])) })
				}
			}
			poll(t, tool+" to pass every sentence", func() bool { return captured() >= len(want) })
			mu.Lock()
			defer mu.Unlock()
			got = slices.DeleteFunc(got, func(l string) bool { return l == probe })
			if !slices.Equal(got, want) {
				t.Errorf("%s passed %d sentences, first difference at %d; want the capture's %d (stderr %s)", tool, len(got), firstDiff(got, want), len(want), stderr.String())
			}
			t.Logf("%s: %d sentences", tool, len(got))
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
