package aistest

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TrackRow is one row of a real track file in the common layout of
// testdata/tracks/README.md, parsed with encoding/csv and strconv only, so
// that tests have an expectation computed independently of the ingest
// package. Not-available values are NaN (SOG, COG) or -1 (Heading,
// Status, ShipType).
type TrackRow struct {
	MMSI     uint32
	Time     time.Time
	Lat, Lon float64
	SOG, COG float64
	Heading  int
	Status   int
	Name     string
	ShipType int
}

// TrackPath returns the path of a real track file: the repository's copy
// in testdata/tracks when there is one, else the shared workspace's (files
// with no clear licence stay out of the repository). The test skips when
// neither exists.
func TrackPath(tb testing.TB, name string) string {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	for _, dir := range []string{filepath.Join(root, "testdata", "tracks"), filepath.Join(root, "..", "shared", "testdata", "tracks")} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("%s: not in testdata/tracks nor in the shared workspace", name)
	return ""
}

// ReadTracks reads a gzip-compressed track file in the common layout.
func ReadTracks(tb testing.TB, path string) []TrackRow {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(zr)
	if _, err := r.Read(); err != nil {
		tb.Fatal(err)
	}
	var out []TrackRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		var row TrackRow
		m, err := strconv.ParseUint(rec[0], 10, 32)
		if err != nil {
			tb.Fatalf("%s: mmsi %q", path, rec[0])
		}
		row.MMSI = uint32(m)
		if row.Time, err = time.Parse(time.RFC3339, rec[1]); err != nil {
			tb.Fatal(err)
		}
		row.Lat, _ = strconv.ParseFloat(rec[2], 64)
		row.Lon, _ = strconv.ParseFloat(rec[3], 64)
		row.SOG, row.COG = optFloat(rec[4]), optFloat(rec[5])
		row.Heading, row.Status = optInt(rec[6]), optInt(rec[7])
		row.Name = rec[8]
		row.ShipType = optInt(rec[9])
		out = append(out, row)
	}
}

func optFloat(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func optInt(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return v
}
