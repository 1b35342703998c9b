package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// runSensor runs a tracker and a sensor input on their own; stop ends
// both and returns the tracker's stats.
func runSensor(t *testing.T, cfg Input, setup func(*SensorInput)) (*SensorInput, *ContactTracker, func() ContactStats) {
	t.Helper()
	tr := NewContactTracker(ContactTrackerOptions{})
	in, err := NewSensorInput(cfg, tr, nil, func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(in)
	}
	ctx, cancel := context.WithCancel(context.Background())
	trDone, inDone := make(chan error, 1), make(chan error, 1)
	go func() { trDone <- tr.Run(ctx) }()
	go func() { inDone <- in.Run(ctx) }()
	var once sync.Once
	var st ContactStats
	return in, tr, func() ContactStats {
		once.Do(func() {
			cancel()
			if err := <-inDone; err != nil {
				t.Errorf("input: %v", err)
			}
			<-trDone
			in.close()
			st = tr.Stats()
		})
		return st
	}
}

// TestSensorTCPServerAsterix streams the real CAT 034/048 capture's data
// blocks to a tcp-server ASTERIX input in odd-sized pieces over two
// connections at once: every record is read (162, as over UDP), the
// plots become contacts; a third connection beyond MaxConns is refused
// and counted; a stream with a block length below its header is closed
// and counted, and the input goes on.
func TestSensorTCPServerAsterix(t *testing.T) {
	payloads, _ := asterixCapture(t)
	var stream []byte
	for _, p := range payloads {
		stream = append(stream, p...)
	}
	// What the same bytes give read as a recording: the records the
	// converter cannot place or date are errors there too.
	base, err := sensor.ReadAsterix(bytes.NewReader(stream), sensor.AsterixOptions{Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		func(*vessel.Detection) error { return nil })
	if err != nil || base.Lines != 162 || base.Detections != 18 {
		t.Fatalf("the capture read as a recording: %+v, %v; want 162 records, 18 detections", base, err)
	}
	in, tr, stop := runSensor(t, Input{Type: "asterix", Name: "ax", Transport: "tcp-server", Listen: "127.0.0.1:0", MaxConns: 2}, nil)
	defer stop()
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", in.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	waitFor(t, 10*time.Second, "two connections", func() bool { return in.Stats().Conns == 2 })
	extra, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the third refused", func() bool { return in.Stats().Refused == 1 })
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil {
		t.Error("the refused connection stayed open")
	}
	extra.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range conns {
		for b := stream; len(b) > 0; {
			k := min(len(b), 1+rng.IntN(40))
			if _, err := c.Write(b[:k]); err != nil {
				t.Fatal(err)
			}
			b = b[k:]
		}
		c.Close()
	}
	waitFor(t, 20*time.Second, "both streams read", func() bool { return in.Stats().Records >= 2*162 && tr.Stats().Contacts >= 2*18 })
	st := in.Stats()
	t.Logf("ASTERIX over TCP: %+v", st)
	if st.Records != 2*162 || st.Detections != 2*18 || st.Errors != 2*base.Errors || st.Bytes != int64(2*len(stream)) {
		t.Errorf("stats %+v; want 324 records, 36 detections, %d errors (as the recording), %d bytes", st, 2*base.Errors, 2*len(stream))
	}
	// A broken stream: a block whose length is 2.
	c, err := net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{48, 0, 2, 1, 2, 3})
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("a stream with a bad block length stayed open")
	}
	c.Close()
	waitFor(t, 10*time.Second, "the framing error counted", func() bool { return in.Stats().Errors == 2*base.Errors+1 })
	if got := stop(); got.Contacts != 2*18 {
		t.Errorf("tracker: %+v; want 36 contacts", got)
	}
}

// TestSensorTCPClientRadar serves the simulator's radar NMEA (30 minutes
// of the patrol ship's TTM with own ship and the fixed site's TLL) from a
// TCP server to a tcp-client input, which must make every detection the
// file holds; an over-long line and a bad sentence are counted as
// errors (a line that is no sentence at all is skipped as noise). The server then drops the connection: the input connects
// again and reads the next stream.
func TestSensorTCPClientRadar(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 30 * time.Minute}, rand.New(rand.NewPCG(1, 2)))
	var nmea bytes.Buffer
	if err := sc.WriteRadarNMEA(&nmea); err != nil {
		t.Fatal(err)
	}
	site := sc.Radars[1]
	lines := strings.SplitAfter(nmea.String(), "\n")
	half := len(lines) / 2
	for half < len(lines) && !strings.Contains(lines[half], "GPRMC") {
		half++ // the second stream starts with an own-ship fix
	}
	first := strings.Join(lines[:half], "") + "garbage\n" + strings.Repeat("x", 10000) + "\n$RATTM,not,a,target*00\n"
	second := strings.Join(lines[half:], "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		for _, s := range []string{first, second} {
			c, err := ln.Accept()
			if err != nil {
				served <- err
				return
			}
			_, err = io.WriteString(c, s)
			c.Close()
			if err != nil {
				served <- err
				return
			}
		}
		served <- nil
	}()
	in, tr, stop := runSensor(t, Input{Type: "nmea-radar", Name: "radar", Transport: "tcp-client", Address: ln.Addr().String(),
		Site: &SensorSite{Lat: site.Pos.Lat, Lon: site.Pos.Lon}}, nil)
	defer stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "every detection", func() bool { return in.Stats().Detections >= int64(len(sc.Radar)) })
	waitFor(t, 20*time.Second, "contacts", func() bool { return tr.Stats().Contacts >= int64(len(sc.Radar)) })
	st := in.Stats()
	t.Logf("radar NMEA over TCP: %+v; tracker %+v", st, tr.Stats())
	if st.Detections != int64(len(sc.Radar)) || st.Conns < 2 || st.Errors != 2 {
		t.Errorf("stats %+v; want %d detections, 2 connections or more, 2 errors (over-long, bad TTM)", st, len(sc.Radar))
	}
	if got := stop(); got.Contacts != int64(len(sc.Radar)) {
		t.Errorf("tracker %+v", got)
	}
}

// fakeClock is a replay's clock that moves only when the replay waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits int
}

func (c *fakeClock) clock() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits++
	return ctx.Err()
}

// TestSensorReplayPaced replays files at Speed by their own times, on a
// clock that moves only when the replay waits: a simulated radar NMEA
// file (tag-block times) and the real ASTERIX capture (its records'
// times of day) must take exactly their span divided by the speed, and
// lose nothing.
func TestSensorReplayPaced(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 10 * time.Minute}, rand.New(rand.NewPCG(1, 2)))
	var nmea bytes.Buffer
	if err := sc.WriteRadarNMEA(&nmea); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	radarFile := dir + "/radar.nmea"
	if err := os.WriteFile(radarFile, nmea.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	site := sc.Radars[1]
	cases := []struct {
		name  string
		in    Input
		read  func(t *testing.T, emit func(*vessel.Detection) error)
		speed float64
	}{
		{"radar NMEA", Input{Type: "nmea-radar", Name: "radar", File: radarFile, Site: &SensorSite{Lat: site.Pos.Lat, Lon: site.Pos.Lon}},
			func(t *testing.T, emit func(*vessel.Detection) error) {
				if _, err := sensor.ReadRadar(bytes.NewReader(nmea.Bytes()), sensor.RadarOptions{Sites: []sensor.Site{{Lat: site.Pos.Lat, Lon: site.Pos.Lon}}}, emit); err != nil {
					t.Fatal(err)
				}
			}, 60},
	}
	const capture = "../../../shared/testdata/radar/asterix/cat_034_048.pcap"
	if _, err := os.Stat(capture); err == nil {
		cases = append(cases, struct {
			name  string
			in    Input
			read  func(t *testing.T, emit func(*vessel.Detection) error)
			speed float64
		}{"ASTERIX capture", Input{Type: "asterix", Name: "ax", File: capture},
			func(t *testing.T, emit func(*vessel.Detection) error) {
				f, err := os.Open(capture)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := sensor.ReadAsterix(bufio.NewReader(f), sensor.AsterixOptions{Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, emit); err != nil {
					t.Fatal(err)
				}
			}, 0.01})
	} else {
		t.Log("the ASTERIX capture is not here: only the NMEA file is replayed")
	}
	for _, tc := range cases {
		var first, last vessel.Time
		n := 0
		tc.read(t, func(d *vessel.Detection) error {
			if n == 0 {
				first = d.Time
			}
			last = max(last, d.Time)
			n++
			return nil
		})
		start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		fc := &fakeClock{now: start}
		tc.in.Speed = tc.speed
		in, tr, stop := runSensor(t, tc.in, func(s *SensorInput) { s.clock, s.sleep = fc.clock, fc.sleep })
		waitFor(t, 30*time.Second, "the file replayed", func() bool { return tr.Stats().Contacts+tr.Stats().Rejected >= int64(n) })
		stop()
		want := time.Duration(float64(last-first) * float64(time.Millisecond) / tc.speed)
		got := fc.clock().Sub(start)
		t.Logf("%s: %d detections over %v of data, replayed at %v× in %v (%d waits)", tc.name, n, time.Duration(last-first)*time.Millisecond, tc.speed, got, fc.waits)
		if in.Stats().Detections != int64(n) || n == 0 {
			t.Errorf("%s: %d detections replayed; want %d", tc.name, in.Stats().Detections, n)
		}
		if d := got - want; d < -time.Millisecond || d > time.Millisecond || fc.waits == 0 {
			t.Errorf("%s: the replay took %v of its clock; want %v (the data's span / %v)", tc.name, got, want, tc.speed)
		}
	}
}

// TestSensorInputConfig checks the sensor inputs' transports in a
// configuration.
func TestSensorInputConfig(t *testing.T) {
	for _, tc := range []struct {
		in  Input
		err string // "" valid
	}{
		{Input{Type: "nmea-radar", Listen: "127.0.0.1:1"}, ""},
		{Input{Type: "nmea-radar", Transport: "udp", Listen: "127.0.0.1:1"}, ""},
		{Input{Type: "nmea-radar", Transport: "tcp-server", Listen: "127.0.0.1:1"}, ""},
		{Input{Type: "asterix", Transport: "tcp-client", Address: "127.0.0.1:1"}, ""},
		{Input{Type: "asterix", File: "a.pcap", Speed: 10}, ""},
		{Input{Type: "asterix", Transport: "tcp-client", Listen: "127.0.0.1:1"}, "not for transport tcp-client"},
		{Input{Type: "asterix", Transport: "tcp-server", Address: "127.0.0.1:1"}, "for transport tcp-client"},
		{Input{Type: "asterix", Transport: "sctp", Listen: "127.0.0.1:1"}, "unknown transport"},
		{Input{Type: "asterix", Transport: "tcp-client", File: "a.pcap"}, "not for a file"},
		{Input{Type: "asterix", Transport: "tcp-client", Address: "127.0.0.1:1", File: "a.pcap"}, "want a listen address, an address or a file"},
		{Input{Type: "nmea-radar", Transport: "tcp-server", File: "r.nmea"}, "not for a file"},
		{Input{Type: "nmea-radar", File: "r.nmea", Speed: -1}, "negative speed"},
		{Input{Type: "nmea-radar", Transport: "tcp-client", Address: "nohostport"}, "address"},
		{Input{Type: "sar", Transport: "tcp-client", Address: "127.0.0.1:1"}, "no file"},
	} {
		c := Config{Data: t.TempDir(), Inputs: []Input{tc.in}}
		err := c.Validate()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v: %v; want %q", tc.in, err, tc.err)
		}
	}
}
