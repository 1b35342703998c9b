package geo_test

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// Test data lives at the module root; the auckland tracks carry no licence
// and are read from the shared workspace only, when present.
const (
	tracksDir      = "../../testdata/tracks"
	sharedTracks   = "../../../shared/testdata/tracks"
	aucklandTracks = "auckland_hauraki_20170907_09.csv.gz"
)

var mask10m = sync.OnceValues(func() (*geo.LandMask, error) {
	land, err := geo.Land10m()
	if err != nil {
		return nil, err
	}
	return geo.NewLandMask(land, geo.IndexOptions{})
})

var mask50m = sync.OnceValues(geo.DefaultLand)

func loadLand10m(tb testing.TB) []geo.MultiPolygon {
	tb.Helper()
	land, err := geo.Land10m()
	if err != nil {
		tb.Fatal(err)
	}
	return land
}

func loadMask10m(tb testing.TB) *geo.LandMask {
	tb.Helper()
	m, err := mask10m()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func loadMask50m(tb testing.TB) *geo.LandMask {
	tb.Helper()
	m, err := mask50m()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// trackFix is one row of a tracks CSV file (testdata/tracks/README.md).
type trackFix struct {
	MMSI     string
	Pos      geo.Point
	SOG      float64 // knots, NaN when not available
	Status   int     // AIS navigational status, -1 when unknown
	ShipType int     // 0 when unknown
}

// readTracks reads a gzipped tracks CSV file. A missing file skips the test
// when skipMissing is set.
func readTracks(tb testing.TB, path string, skipMissing bool) []trackFix {
	tb.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && skipMissing {
		tb.Skipf("%s not present", path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(zr)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, h := range []string{"mmsi", "lat", "lon", "sog_knots", "nav_status", "ship_type"} {
		if _, ok := col[h]; !ok {
			tb.Fatalf("%s: no column %q", path, h)
		}
	}
	var out []trackFix
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		lat, err1 := strconv.ParseFloat(rec[col["lat"]], 64)
		lon, err2 := strconv.ParseFloat(rec[col["lon"]], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("%s: bad position %q,%q", path, rec[col["lat"]], rec[col["lon"]])
		}
		fx := trackFix{MMSI: rec[col["mmsi"]], Pos: geo.Point{Lat: lat, Lon: lon}, SOG: math.NaN(), Status: -1}
		if s := rec[col["sog_knots"]]; s != "" {
			fx.SOG, _ = strconv.ParseFloat(s, 64)
		}
		if s := rec[col["nav_status"]]; s != "" {
			fx.Status, _ = strconv.Atoi(s)
		}
		if s := rec[col["ship_type"]]; s != "" {
			fx.ShipType, _ = strconv.Atoi(s)
		}
		out = append(out, fx)
	}
	return out
}

func trackPath(name string) string { return filepath.Join(tracksDir, name) }

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
