package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func simulateCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runSimulate(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// expected counts what the simulator emits for the command's defaults and
// these settings.
func expected(t *testing.T, vessels int, d time.Duration, seed uint64, noise bool) (positions, classA, classB, withPos int) {
	t.Helper()
	cfg := simulate.Config{Vessels: vessels}
	if noise {
		cfg.Noise = simulate.DefaultNoise()
	}
	sim := simulate.New(cfg, rand.New(rand.NewPCG(seed, 0x7469646577617463)))
	classOf := map[vessel.MMSI]bool{}
	for _, v := range sim.Vessels() {
		classOf[v.MMSI] = v.ClassB
	}
	from := vessel.TimeOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	err := sim.Run(from, from+vessel.Time(d.Milliseconds()), func(o *vessel.Observation) error {
		switch {
		case o.Kind != vessel.KindPosition:
			if classOf[o.Static.MMSI] {
				classB++
			} else {
				classA++
			}
		default:
			positions++
			if o.Position.HasPosition() {
				withPos++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestSimulateNMEADecodes(t *testing.T) {
	for _, noise := range []bool{false, true} {
		args := []string{"--vessels", "80", "--duration", "2h", "--seed", "3"}
		if noise {
			args = append(args, "--noise")
		}
		out, stderr, err := simulateCmd(t, args...)
		if err != nil {
			t.Fatalf("simulate %v: %v (%s)", args, err, stderr)
		}
		wantPos, wantA, wantB, _ := expected(t, 80, 2*time.Hour, 3, noise)
		s := ingest.NewStream(strings.NewReader(out), ingest.Options{})
		counts := map[uint8]int{}
		var tagged int
		for {
			d, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			counts[d.Msg.Head().Type]++
			if !d.NMEA.Time.IsZero() && string(d.NMEA.Source) != "" {
				tagged++
			}
		}
		st := s.Stats()
		for class, n := range st.Errors {
			if n != 0 {
				t.Errorf("noise %v: decode rejected %d inputs as %s", noise, n, class)
			}
		}
		if st.NotAIS != 0 {
			t.Errorf("noise %v: %d lines not AIS", noise, st.NotAIS)
		}
		if got := counts[1] + counts[18]; got != wantPos || got == 0 {
			t.Errorf("noise %v: decoded %d positions (%d type 1, %d type 18); simulator emitted %d", noise, got, counts[1], counts[18], wantPos)
		}
		if counts[5] != wantA || counts[24] != 2*wantB {
			t.Errorf("noise %v: decoded %d type 5 and %d type 24; want %d and %d", noise, counts[5], counts[24], wantA, 2*wantB)
		}
		if total := counts[1] + counts[18] + counts[5] + counts[24]; tagged != total {
			t.Errorf("noise %v: %d of %d messages carry tag-block time and source", noise, tagged, total)
		}
	}
}

func TestSimulateNMEAValues(t *testing.T) {
	out, _, err := simulateCmd(t, "--vessels", "20", "--duration", "10m", "--from", "2025-06-01T12:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	s := ingest.NewStream(strings.NewReader(out), ingest.Options{})
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	for {
		d, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tm := d.NMEA.Time; tm.Before(start) || !tm.Before(start.Add(10*time.Minute)) {
			t.Fatalf("tag-block time %v outside the run", tm)
		}
		if p, ok := d.Msg.(*ais.PositionReport); ok {
			lat, ok1 := p.Lat.Degrees()
			lon, ok2 := p.Lon.Degrees()
			if !ok1 || !ok2 || lat == 0 && lon == 0 || !vessel.MMSI(p.MMSI).Valid() {
				t.Errorf("implausible position report %s", p.AppendJSON(nil, ais.JSONOptions{Scaled: true}))
			}
			if sec, ok := p.Second.Value(); !ok || sec != d.NMEA.Time.Second() {
				t.Errorf("second %d, tag-block time %v", p.Second, d.NMEA.Time)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no type 1 reports")
	}
}

func TestSimulateCSV(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tracks.csv.gz")
	_, stderr, err := simulateCmd(t, "--vessels", "50", "--duration", "1h", "--format", "csv", "--noise", "-o", file, "--seed", "9")
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(stderr, "50 vessels") {
		t.Errorf("summary %q", stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type" {
		t.Errorf("header %q", got)
	}
	_, _, _, want := expected(t, 50, time.Hour, 9, true)
	if len(rows)-1 != want {
		t.Errorf("%d rows; want %d positions with a position", len(rows)-1, want)
	}
	for _, r := range rows[1:] {
		if len(r[0]) != 9 || r[8] == "" || r[9] == "" {
			t.Fatalf("row %q", r)
		}
		if _, err := time.Parse(time.RFC3339, r[1]); err != nil {
			t.Fatalf("row %q: %v", r, err)
		}
	}
}

func TestSimulateUsage(t *testing.T) {
	tests := [][]string{
		{"--format", "json"},
		{"--vessels", "0"},
		{"--from", "yesterday"},
		{"--duration", "-1h"},
		{"--rate", "0"},
		{"--bogus"},
		{"extra"},
	}
	for _, args := range tests {
		if _, _, err := simulateCmd(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("simulate %q: error %v; want errUsage", args, err)
		}
	}
	out, stderr, err := simulateCmd(t, "-h")
	if err != nil || out != "" || !strings.Contains(stderr, "Usage: tidewatch simulate") || !strings.Contains(stderr, "-vessels") {
		t.Errorf("simulate -h: %v, stdout %q, stderr %q", err, out, stderr)
	}
	if _, _, err := simulateCmd(t, "-o", filepath.Join(t.TempDir(), "no", "such", "dir.nmea")); err == nil || errors.Is(err, errUsage) {
		t.Errorf("simulate -o into a missing directory: error %v", err)
	}
}

func TestSimulateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runSimulate(ctx, []string{"--vessels", "200", "--duration", "24h"}, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
}

// TestSimulateMessy: --scenario messy writes the messy scenario's reports
// (the same as simulate.Messy with the command's seed) and --truth its
// ground truth as JSON, which names vessels of the output.
func TestSimulateMessy(t *testing.T) {
	dir := t.TempDir()
	truthPath := filepath.Join(dir, "truth.json")
	out, _, err := simulateCmd(t, "--scenario", "messy", "--duration", "48h", "--format", "csv", "--truth", truthPath)
	if err != nil {
		t.Fatal(err)
	}
	sc := simulate.Messy(simulate.MessyConfig{Hours: 48, From: vessel.TimeOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))},
		rand.New(rand.NewPCG(1, 0x7469646577617463)))
	positions := 0
	for _, o := range sc.Observations {
		if o.Kind == vessel.KindPosition {
			positions++
		}
	}
	rows := strings.Count(out, "\n") - 1 // the header
	if rows != positions {
		t.Errorf("%d CSV rows; want the scenario's %d positions", rows, positions)
	}
	b, err := os.ReadFile(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Truth []struct {
			Type    string        `json:"type"`
			Vessels []vessel.MMSI `json:"vessels"`
			Start   *string       `json:"start"`
			End     *string       `json:"end"`
		} `json:"truth"`
		Quiet []json.RawMessage `json:"quiet"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Truth) != len(sc.Truth) || len(doc.Quiet) != len(sc.Quiet) {
		t.Fatalf("truth file: %d truths, %d quiet; want %d, %d", len(doc.Truth), len(doc.Quiet), len(sc.Truth), len(sc.Quiet))
	}
	open := 0
	for _, tr := range doc.Truth {
		if tr.Start == nil || !strings.Contains(out, "\n"+tr.Vessels[0].String()+",") {
			t.Errorf("truth %+v: no start or vessel not in the output", tr)
		}
		if tr.End == nil {
			open++
		}
	}
	if open == 0 {
		t.Error("no truth still going on at the end (the meeting at the end)")
	}
	if _, _, err := simulateCmd(t, "--scenario", "tidy"); err == nil {
		t.Error("--scenario tidy accepted")
	}
}
