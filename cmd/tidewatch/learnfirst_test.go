package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestEventsLearnFirstFiles: events --learn-first on files learns the
// anchorages of all the input before detecting. The file: a ship lying
// stopped for 6 hours at a spot in open water that no port list knows;
// from 8 h two more ships anchor within 150 m of it, which makes the spot
// an anchorage (three distinct vessels stopped). Read once, the first
// ship loiters (the anchorage is learned only after); with --learn-first
// the spot is known from the start: no loitering, and each of the three
// ships makes a port visit at the learned anchorage. The final
// events equal those of --data --learn-first on the same file ingested,
// and standard input, which cannot be read twice, is refused.
func TestEventsLearnFirstFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	spot := geo.Point{Lat: 30, Lon: -40}
	var b strings.Builder
	b.WriteString("mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n")
	row := func(m int, d time.Duration, p geo.Point, status string) {
		fmt.Fprintf(&b, "%d,%s,%.6f,%.6f,0.1,,,%s,,70\n", m, t0.Add(d).Format(time.RFC3339), p.Lat, p.Lon, status)
	}
	for d := time.Duration(0); d <= 11*time.Hour; d += 3 * time.Minute {
		if d <= 6*time.Hour {
			row(366000011, d, spot, "")
		}
		if d >= 8*time.Hour {
			row(366000012, d, geo.Destination(spot, 0, 150), "1")
			row(366000013, d, geo.Destination(spot, 120, 140), "1")
		}
	}
	csv := filepath.Join(dir, "anchorage.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func(out []byte, typ string) (n int) {
		for _, ev := range parseEvents(t, out) {
			if ev.Type == typ {
				n++
			}
		}
		return n
	}
	var plain, learned bytes.Buffer
	if err := runEvents(ctx, []string{"--land", "none", csv}, nil, &plain, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := runEvents(ctx, []string{"--land", "none", "--learn-first", csv}, nil, &learned, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, l := count(plain.Bytes(), "loitering"), count(learned.Bytes(), "loitering")
	pa, pl := count(plain.Bytes(), "port_visit"), count(learned.Bytes(), "port_visit")
	if a != 1 || l != 0 || pa != 0 || pl != 3 || len(parseEvents(t, learned.Bytes())) != 3 {
		t.Errorf("read once: %d loitering, %d port visits; with --learn-first: %d, %d (events %s); want 1 and 0, then 0 and 3 (every ship visits the learned anchorage)",
			a, pa, l, pl, learned.Bytes())
	}

	data := filepath.Join(dir, "data")
	if err := runIngest(ctx, []string{"--data", data, csv}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var fromStore, once bytes.Buffer
	if err := runEvents(ctx, []string{"--land", "none", "--learn-first", "--data", data}, nil, &fromStore, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := runEvents(ctx, []string{"--land", "none", "--data", data}, nil, &once, io.Discard); err != nil {
		t.Fatal(err)
	}
	x, y := summarize(parseEvents(t, learned.Bytes())), summarize(parseEvents(t, fromStore.Bytes()))
	if fmt.Sprint(x) != fmt.Sprint(y) || count(once.Bytes(), "loitering") != 1 {
		t.Errorf("--learn-first from the file:\n%v\nfrom the store:\n%v\n(store read once: %s)", x, y, once.Bytes())
	}

	var errb bytes.Buffer
	err := runEvents(ctx, []string{"--learn-first", "-"}, strings.NewReader(""), io.Discard, &errb)
	if err == nil || !strings.Contains(errb.String(), "standard input") {
		t.Errorf("--learn-first on standard input: %v, %q; want a usage error", err, errb.String())
	}
}
