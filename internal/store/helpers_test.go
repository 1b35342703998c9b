package store

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// trackFile returns the path of a real track file: the repository's copy
// when there is one, else the shared workspace's (for files with no clear
// licence, which stay out of the repository); the test skips when neither
// exists.
func trackFile(t testing.TB, name string) string {
	t.Helper()
	p := findTrack(name)
	if p == "" {
		t.Skipf("%s: not in testdata/tracks nor in the shared workspace", name)
	}
	return p
}

func findTrack(name string) string {
	for _, dir := range []string{"../../testdata/tracks", "../../../shared/testdata/tracks"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// readTrackRows reads a common-layout track CSV (see testdata/tracks/README.md)
// with encoding/csv, independently of the ingest package.
func readTrackRows(t testing.TB, path string) []vessel.Position {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(zr)
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	var out []vessel.Position
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		mmsi, _ := strconv.ParseUint(rec[0], 10, 32)
		ts, err := time.Parse(time.RFC3339, rec[1])
		if err != nil {
			t.Fatal(err)
		}
		lat, _ := strconv.ParseFloat(rec[2], 64)
		lon, _ := strconv.ParseFloat(rec[3], 64)
		p := vessel.Position{MMSI: vessel.MMSI(mmsi), Time: vessel.TimeOf(ts), Lat: lat, Lon: lon,
			SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}
		if v, err := strconv.ParseFloat(rec[4], 64); err == nil {
			p.SOG = vessel.SpeedKnots(v)
		}
		if v, err := strconv.ParseFloat(rec[5], 64); err == nil {
			p.COG = vessel.CourseDegrees(v)
		}
		if v, err := strconv.Atoi(rec[6]); err == nil {
			p.Heading = vessel.Heading(v)
		}
		if v, err := strconv.Atoi(rec[7]); err == nil {
			p.Status = vessel.NavStatus(v)
		}
		out = append(out, p)
	}
	return out
}

// byVessel groups positions per MMSI in time order (stable for equal times).
func byVessel(pos []vessel.Position) map[vessel.MMSI][]point {
	m := make(map[vessel.MMSI][]point)
	for i := range pos {
		m[pos[i].MMSI] = append(m[pos[i].MMSI], pointOf(&pos[i], 0))
	}
	for _, pts := range m {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
	}
	return m
}
