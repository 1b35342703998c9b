package basemap_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// small builds a small real archive: one island with a name.
func small(t testing.TB) []byte {
	t.Helper()
	f := geojson.NewFeature(orb.Polygon{{{103.6, 1.2}, {104.0, 1.2}, {104.0, 1.47}, {103.6, 1.47}, {103.6, 1.2}}})
	f.Properties = geojson.Properties{"name": "box"}
	var buf bytes.Buffer
	if _, err := basemap.Build(&buf, []basemap.Layer{{Name: "land", Features: []*geojson.Feature{f}}},
		basemap.Options{MaxZoom: 3, WorldMaxZoom: 3}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInspectRejects(t *testing.T) {
	good := small(t)
	if _, err := basemap.Inspect(bytes.NewReader(good), int64(len(good)), 0); err != nil {
		t.Fatalf("Inspect(small archive) = %v", err)
	}
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		size int64 // 0: len(data)
		max  int64
	}{
		{"empty", nil, 0, 0},
		{"short", good[:100], 0, 0},
		{"magic", edit(func(b []byte) { b[0] = 'X' }), 0, 0},
		{"version 2", edit(func(b []byte) { b[7] = 2 }), 0, 0},
		{"raster", edit(func(b []byte) { b[99] = 2 }), 0, 0},
		{"compression", edit(func(b []byte) { b[98] = 9 }), 0, 0},
		{"zooms", edit(func(b []byte) { b[100] = 5 }), 0, 0},
		{"truncated data", good[:len(good)-1], 0, 0},
		{"root beyond 16 KiB", edit(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 20000) }), 0, 0},
		{"metadata overflow", edit(func(b []byte) { binary.LittleEndian.PutUint64(b[32:], ^uint64(0)) }), 0, 0},
		{"over the size limit", good, 0, int64(len(good)) - 1},
		{"metadata not gzip", edit(func(b []byte) {
			off := binary.LittleEndian.Uint64(b[24:])
			b[off] = 0
		}), 0, 0},
	} {
		size := c.size
		if size == 0 {
			size = int64(len(c.data))
		}
		if _, err := basemap.Inspect(bytes.NewReader(c.data), size, c.max); !errors.Is(err, basemap.ErrArchive) {
			t.Errorf("%s: Inspect = %v; want ErrArchive", c.name, err)
		}
	}
}

// FuzzInspect: an archive a user supplies is untrusted; Inspect must
// never panic, and must accept only what lies inside the file.
func FuzzInspect(f *testing.F) {
	good := small(f)
	f.Add(good)
	f.Add(good[:127])
	f.Add([]byte("PMTiles\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := basemap.Inspect(bytes.NewReader(data), int64(len(data)), 1<<20)
		if err == nil && (info.MinZoom > info.MaxZoom || info.Size != int64(len(data))) {
			t.Errorf("Inspect accepted %+v", info)
		}
	})
}
