package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// radarTLL returns a radar TLL sentence of source src (tag block s:,
// with its time in c:) for target at (lat, lon) at t.
func radarTLL(src, target string, t vessel.Time, lat, lon float64) string {
	angle := func(v float64, digits int, pos, neg string) string {
		h := pos
		if v < 0 {
			h, v = neg, -v
		}
		m := int64(math.Round(v * 60e5))
		return fmt.Sprintf("%0*d%02d.%05d,%s", digits, m/6_000_000, (m%6_000_000)/100_000, m%100_000, h)
	}
	s := t.Std()
	body := fmt.Sprintf("RATLL,%s,%s,%s,,%02d%02d%02d.00,T,", target, angle(lat, 2, "N", "S"), angle(lon, 3, "E", "W"), s.Hour(), s.Minute(), s.Second())
	tag := "s:" + src + ",c:" + strconv.FormatInt(int64(t)/1000, 10)
	sum := func(x string) string {
		var c byte
		for i := range len(x) {
			c ^= x[i]
		}
		return fmt.Sprintf("*%02X", c)
	}
	return "\\" + tag + sum(tag) + "\\$" + body + sum(body) + "\n"
}

// TestContactsHarbours runs tidewatch contacts over a fixed radar's TLL
// file with three dark craft (no AIS), each circling 300 m round its
// spot for 40 minutes: at Mumbai's port reference point (a bundled
// port), at an anchorage the node learned (the data directory's
// anchorages.bin) 40 km out, and 60 km out at sea. As in a running node
// (TestNodeNoDarkTargetInPort), only the craft at sea raises a dark
// target by default; --anchorages none lets the one at the learned
// anchorage raise one too, and with --ports none as well all three do,
// so the filter, not the craft, keeps the alerts away.
func TestContactsHarbours(t *testing.T) {
	var port event.Port
	for _, p := range event.DefaultPorts() {
		if !p.Anchor && p.Name == "MUMBAI (BOMBAY)" {
			port = p
		}
	}
	if port.Name == "" {
		t.Fatal("MUMBAI (BOMBAY) is not among the bundled ports")
	}
	at := geo.Point{Lat: port.Lat, Lon: port.Lon}
	spots := map[string]geo.Point{
		"port":      at,
		"anchorage": geo.Destination(at, 240, 40000),
		"sea":       geo.Destination(at, 300, 60000),
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errOut := runCmd(t, "", "ingest", "--data", data, "--progress", "never", "../../testdata/ais/raw/dma-stream-example.nmea"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	a := spots["anchorage"]
	if err := event.SaveAnchorages(filepath.Join(data, "anchorages.bin"), []event.Anchorage{{Lat: a.Lat, Lon: a.Lon, Vessels: 5}}); err != nil {
		t.Fatal(err)
	}
	start := vessel.TimeOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	var b strings.Builder
	for s := 0; s < 2400; s += 10 {
		tm := start + vessel.Time(s*1000)
		for target, name := range []string{"port", "anchorage", "sea"} {
			p := geo.Destination(spots[name], float64(s%600)*0.6, 300)
			b.WriteString(radarTLL("vts", fmt.Sprintf("%02d", target+1), tm, p.Lat, p.Lon))
		}
	}
	file := filepath.Join(dir, "vts.nmea")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	site := geo.Destination(at, 270, 30000)
	siteOpt := "vts=" + strconv.FormatFloat(site.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(site.Lon, 'f', -1, 64)
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{nil, []string{"sea"}},
		{[]string{"--anchorages", "none"}, []string{"anchorage", "sea"}},
		{[]string{"--anchorages", "none", "--ports", "none"}, []string{"anchorage", "port", "sea"}},
	} {
		args := append([]string{"contacts", "--data", data, "--site", siteOpt, "--dark"}, c.flags...)
		code, out, errOut := runCmd(t, "", append(args, file)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.flags, code, errOut)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var ep struct {
				Kind string  `json:"kind"`
				Lat  float64 `json:"lat"`
				Lon  float64 `json:"lon"`
			}
			if err := json.Unmarshal([]byte(line), &ep); err != nil {
				t.Fatalf("%v: %q: %v", c.flags, line, err)
			}
			for name, p := range spots {
				if ep.Kind == "dark_target" && geo.Distance(p, geo.Point{Lat: ep.Lat, Lon: ep.Lon}) < 2000 {
					got = append(got, name)
				}
			}
		}
		slices.Sort(got)
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("contacts --dark %v: dark targets at %v; want %v\n%s", c.flags, got, c.want, out)
		}
		inHarbour := strings.Contains(errOut, "at a berth or anchorage raised no dark target")
		if inHarbour != (len(c.want) < 3) {
			t.Errorf("contacts --dark %v: summary %q; want the contacts in harbour counted: %v", c.flags, errOut, len(c.want) < 3)
		}
	}
}
