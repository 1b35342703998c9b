package store

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func trackFile(t testing.TB, name string) string { return aistest.TrackPath(t, name) }

func findTrack(name string) string {
	for _, dir := range []string{"../../testdata/tracks", "../../../shared/testdata/tracks"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// readTrackRows reads a common-layout track file (testdata/tracks/README.md)
// as positions.
func readTrackRows(t testing.TB, path string) []vessel.Position {
	t.Helper()
	var out []vessel.Position
	for _, r := range aistest.ReadTracks(t, path) {
		p := vessel.Position{MMSI: vessel.MMSI(r.MMSI), Time: vessel.TimeOf(r.Time), Lat: r.Lat, Lon: r.Lon,
			SOG: vessel.SpeedKnots(r.SOG), COG: vessel.CourseDegrees(r.COG), Heading: vessel.NoHeading, Status: vessel.NoStatus}
		if r.Heading >= 0 {
			p.Heading = vessel.Heading(r.Heading)
		}
		if r.Status >= 0 {
			p.Status = vessel.NavStatus(r.Status)
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
