package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/server"
)

// TestSensorFlags checks the radar inputs the serve flags make: UDP, TCP
// server and client for NMEA and ASTERIX, files with --replay-speed (not
// satellite files), and the flags' mistakes.
func TestSensorFlags(t *testing.T) {
	build := func(args ...string) (server.Config, error) {
		fs := newFlagSet("serve", "", io.Discard)
		nf := addNodeFlags(fs, "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		c, err := nf.build()
		if err == nil {
			err = c.Validate()
		}
		return c, err
	}
	c, err := build("--data", t.TempDir(), "--radar-tcp-listen", "127.0.0.1:10110", "--radar-tcp-connect", "radar.example:4001",
		"--asterix-tcp-listen", "127.0.0.1:8600", "--asterix-tcp-connect", "127.0.0.2:8600", "--radar-listen", "127.0.0.1:10110",
		"--radar-file", "r.nmea", "--asterix-file", "a.pcap", "--sar", "s.csv", "--replay-speed", "30", "--radar-site", "12.5,45.1")
	if err != nil {
		t.Fatal(err)
	}
	site := &server.SensorSite{Lat: 12.5, Lon: 45.1}
	want := []server.Input{
		{Type: "nmea-radar", Listen: "127.0.0.1:10110", Site: site, Name: "nmea-radar:127.0.0.1:10110"},
		{Type: "nmea-radar", File: "r.nmea", Speed: 30, Site: site, Name: "nmea-radar:r.nmea"},
		{Type: "asterix", Listen: "127.0.0.1:8600", Transport: "tcp-server", Site: site, Name: "asterix:tcp:127.0.0.1:8600"},
		{Type: "asterix", Address: "127.0.0.2:8600", Transport: "tcp-client", Site: site, Name: "asterix:127.0.0.2:8600"},
		{Type: "nmea-radar", Listen: "127.0.0.1:10110", Transport: "tcp-server", Site: site, Name: "nmea-radar:tcp:127.0.0.1:10110"},
		{Type: "nmea-radar", Address: "radar.example:4001", Transport: "tcp-client", Site: site, Name: "nmea-radar:radar.example:4001"},
		{Type: "asterix", File: "a.pcap", Speed: 30, Site: site, Name: "asterix:a.pcap"},
		{Type: "sar", File: "s.csv", Site: site, Name: "sar:s.csv"},
	}
	for _, w := range want {
		found := false
		for _, g := range c.Inputs {
			if reflect.DeepEqual(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no input %+v among %+v", w, c.Inputs)
		}
	}
	if len(c.Inputs) != len(want) {
		t.Errorf("%d inputs; want %d", len(c.Inputs), len(want))
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--radar-file", "r.nmea", "--replay-speed", "-1"}, "--replay-speed"},
		{[]string{"--radar-tcp-connect", "nohostport"}, "address"},
		{[]string{"--asterix-tcp-listen", "nohostport"}, "address"},
	} {
		if _, err := build(append([]string{"--data", t.TempDir()}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%v: %v; want an error mentioning %q", tc.args, err, tc.msg)
		}
	}
}
