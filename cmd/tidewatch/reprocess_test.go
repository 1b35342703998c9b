package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// borderPairs writes a track CSV of pairs of vessels drifting together
// (0.3 kn, 150 m apart, four hours, a report a minute) far out at sea,
// each pair straddling a border of every grid finer than a degree: the
// two ships on either side of a whole degree of latitude, of longitude,
// or both (the corner of four cells). It returns the file and the number
// of pairs.
func borderPairs(t *testing.T) (string, int) {
	t.Helper()
	t0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	type pair struct{ a, b geo.Point }
	var pairs []pair
	for k, c := range []geo.Point{{Lat: 30, Lon: -40}, {Lat: 28, Lon: -35}, {Lat: -20, Lon: -10}, {Lat: 10, Lon: -30}} {
		switch k % 3 {
		case 0: // across a parallel
			pairs = append(pairs, pair{geo.Destination(c, 0, 75), geo.Destination(c, 180, 75)})
		case 1: // across a meridian
			pairs = append(pairs, pair{geo.Destination(c, 90, 75), geo.Destination(c, 270, 75)})
		default: // across a corner
			pairs = append(pairs, pair{geo.Destination(c, 45, 75), geo.Destination(c, 225, 75)})
		}
	}
	var b strings.Builder
	b.WriteString("mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n")
	for d := time.Duration(0); d <= 4*time.Hour; d += time.Minute {
		drift := 0.3 * 1852 / 3600 * d.Seconds()
		for i, p := range pairs {
			for j, q := range []geo.Point{p.a, p.b} {
				q = geo.Destination(q, 10, drift)
				// the two report 20 s apart, so positions are compared
				// at common times
				at := t0.Add(d + time.Duration(j)*20*time.Second)
				fmt.Fprintf(&b, "%d,%s,%.6f,%.6f,0.3,10,,0,,\n", 367100000+10*i+j, at.Format(time.RFC3339), q.Lat, q.Lon)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "pairs.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, len(pairs)
}

// TestEventsStoreWorkers: tidewatch events --data prints byte for byte the
// same events with 1, 2 and 3 workers, on a store holding the real NOAA
// day and the Auckland days (thousands of vessels, every detector) and
// pairs of vessels meeting across grid cell borders, each of those
// encounters found exactly once, with the positions counted once.
func TestEventsStoreWorkers(t *testing.T) {
	pairsCSV, npairs := borderPairs(t)
	files := []string{pairsCSV, aistest.TrackPath(t, "noaa_us_coast_20220103.csv.gz"), aistest.TrackPath(t, "auckland_hauraki_20170907_09.csv.gz")}
	dir := t.TempDir()
	if err := runIngest(context.Background(), append([]string{"--data", dir, "--progress", "never"}, files...), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, window := range [][]string{{"--from", "2000-01-01", "--to", "2030-01-01"}, {"--from", "2024-06-01T00:00:00Z", "--to", "2024-06-01T04:00:00Z"}} {
		var want []byte
		var wantErr string
		for _, workers := range []string{"1", "2", "3"} {
			var out, errb bytes.Buffer
			args := append([]string{"--data", dir, "--workers", workers}, window...)
			if err := runEvents(context.Background(), args, nil, &out, &errb); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, errb.String())
			}
			if workers == "1" {
				want, wantErr = out.Bytes(), errb.String()
				evs := parseEvents(t, want)
				enc := map[string]int{}
				for _, ev := range evs {
					if ev.Type == "encounter" && len(ev.Vessels) == 2 && ev.Vessels[0] >= 367100000 && ev.Vessels[0] < 367200000 {
						enc[fmt.Sprint(ev.Vessels)]++
					}
				}
				if len(enc) != npairs {
					t.Errorf("%v: encounters across cell borders %v; want each of %d pairs", window, enc, npairs)
				}
				for p, n := range enc {
					if n != 1 {
						t.Errorf("%v: pair %s met %d times; want once", window, p, n)
					}
				}
				t.Logf("%v: %d events, %s", window, len(evs), strings.TrimSpace(wantErr))
				continue
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%v, %s workers: output differs from one worker's (%d bytes, %d)", window, workers, out.Len(), len(want))
			}
			if errb.String() != wantErr {
				t.Errorf("%v, %s workers: summary %q; one worker's %q", window, workers, errb.String(), wantErr)
			}
		}
	}
}

// BenchmarkEventsStore runs tidewatch events --data over a store of a
// simulated day (2,000 vessels at a tenth of the AIS rates, about 850,000
// positions, written by simulate and ingest once) with 1 and 2 workers:
// the whole reprocessing path (listing the vessels, reading their tracks,
// merging them in time order, the engines, the output). It reports
// positions per wall-clock second and per CPU-second of the process (the
// steadier measure on a shared machine; on an idle one with a core per
// worker, pos/s with 2 workers over pos/cpu-s with 1 is the scaling):
//
//	go test -run '^$' -bench BenchmarkEventsStore -benchtime 3x ./cmd/tidewatch
func BenchmarkEventsStore(b *testing.B) {
	dir := b.TempDir()
	sim := filepath.Join(dir, "day.csv.gz")
	if err := runSimulate(context.Background(), []string{"--vessels", "2000", "--duration", "24h", "--from", "2024-03-01T00:00:00Z",
		"--rate", "0.1", "--format", "csv", "-o", sim}, io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := runIngest(context.Background(), []string{"--data", data, "--progress", "never", sim}, nil, io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	for _, workers := range []string{"1", "2"} {
		b.Run("workers="+workers, func(b *testing.B) {
			var cpu time.Duration
			positions := 0
			for b.Loop() {
				var errb bytes.Buffer
				c0 := cpuTime()
				if err := runEvents(context.Background(), []string{"--data", data, "--workers", workers}, nil, io.Discard, &errb); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
				if _, err := fmt.Sscanf(errb.String(), "events: %d positions", &positions); err != nil {
					b.Fatalf("summary %q: %v", errb.String(), err)
				}
			}
			n := float64(positions * b.N)
			b.ReportMetric(n/b.Elapsed().Seconds(), "pos/s")
			if cpu > 0 {
				b.ReportMetric(n/cpu.Seconds(), "pos/cpu-s")
			}
			b.ReportMetric(float64(positions), "positions")
		})
	}
}

// TestEventsStoreResumesCollector: events --data pauses the garbage
// collector while it holds the window's positions, and restores it and the
// memory limit as they were whether it succeeds or stops at a mistake
// found while the window is read (a bad preset, a bad --from), with the
// right error.
func TestEventsStoreResumesCollector(t *testing.T) {
	pairsCSV, npairs := borderPairs(t)
	dir := t.TempDir()
	if err := runIngest(context.Background(), []string{"--data", dir, "--progress", "never", pairsCSV}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// borderPairs writes 241 reports of each ship (four hours, a minute
	// apart)
	summary := fmt.Sprintf("events: %d positions of %d vessels", 2*npairs*241, 2*npairs)
	percent := debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr error
		stderr  string
	}{
		{"reprocessed", []string{"--workers", "2"}, nil, summary},
		{"every version", []string{"--versions"}, nil, ""},
		{"bad preset", []string{"--preset", "nope"}, errUsage, "unknown --preset"},
		{"bad window", []string{"--from", "yesterday-ish"}, errUsage, "tidewatch events: "},
	} {
		var out, errb bytes.Buffer
		err := runEvents(context.Background(), append([]string{"--data", dir}, tc.args...), nil, &out, &errb)
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Errorf("%s: error %v, want %v\n%s", tc.name, err, tc.wantErr, errb.String())
		}
		if !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%s: stderr %q, want it to contain %q", tc.name, errb.String(), tc.stderr)
		}
		if p := debug.SetGCPercent(percent); p != percent {
			t.Errorf("%s: GC percent %d after, want %d", tc.name, p, percent)
		}
		if l := debug.SetMemoryLimit(-1); l != limit {
			t.Errorf("%s: memory limit %d after, want %d", tc.name, l, limit)
			debug.SetMemoryLimit(limit)
		}
	}
}
