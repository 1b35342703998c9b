package basemap_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

const geoDir = "../../../shared/testdata/geo"

// singapore is the detail area of the tests: the strait and the port.
var singapore = orb.Bound{Min: orb.Point{103.6, 1.15}, Max: orb.Point{104.1, 1.45}}

func open(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(geoDir, name))
	if err != nil {
		t.Skipf("shared geography not here: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// layers reads the real inputs of tidewatch basemap build.
func layers(t testing.TB) []basemap.Layer {
	t.Helper()
	land, err := basemap.ReadGeoJSON(open(t, "land/ne_land_10m.geojson.gz"), map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	countries, err := basemap.ReadGeoJSON(open(t, "land/ne_countries_50m.geojson.gz"), map[string]string{"name": "name"})
	if err != nil {
		t.Fatal(err)
	}
	ports, bad, err := basemap.ReadPointsCSV(open(t, "ports/wpi_ports.csv"), "label")
	if err != nil || bad != 0 || len(ports) != 3669 {
		t.Fatalf("wpi_ports.csv: %d ports, %d rejected, %v; want 3669, 0", len(ports), bad, err)
	}
	anch, bad, err := basemap.ReadPointsCSV(open(t, "ports/gfw_named_anchorages.csv"), "label")
	if err != nil || bad != 1 || len(anch) != 60409 {
		t.Fatalf("gfw_named_anchorages.csv: %d points, %d rejected, %v; want 60409, 1 (POINTE NOIRE at longitude 1001)", len(anch), bad, err)
	}
	return []basemap.Layer{
		{Name: "land", Features: land},
		{Name: "countries", Features: countries},
		{Name: "ports", MinZoom: 5, Features: ports},
		{Name: "anchorages", MinZoom: 9, Features: anch},
	}
}

// archive is a PMTiles archive read back with go-pmtiles' functions.
type archive struct {
	data   []byte
	header pmtiles.HeaderV3
}

func readArchive(t *testing.T, data []byte) archive {
	t.Helper()
	h, err := pmtiles.DeserializeHeader(data[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	return archive{data: data, header: h}
}

// tile returns the decoded layers of tile z/x/y (in WGS-84), nil when the
// archive has no such tile.
func (a archive) tile(t *testing.T, z uint8, x, y uint32) mvt.Layers {
	t.Helper()
	id := pmtiles.ZxyToID(z, x, y)
	h := a.header
	off, n := h.RootOffset, h.RootLength
	for depth := 0; depth < 4; depth++ {
		entries := pmtiles.DeserializeEntries(bytes.NewBuffer(a.data[off:off+n]), h.InternalCompression)
		e, ok := pmtiles.FindTile(entries, id)
		if !ok {
			return nil
		}
		if e.RunLength > 0 {
			start := h.TileDataOffset + e.Offset
			ls, err := mvt.UnmarshalGzipped(a.data[start : start+uint64(e.Length)])
			if err != nil {
				t.Fatalf("tile %d/%d/%d: %v", z, x, y, err)
			}
			ls.ProjectToWGS84(maptile.New(x, y, maptile.Zoom(z)))
			return ls
		}
		off, n = h.LeafDirectoryOffset+e.Offset, uint64(e.Length)
	}
	t.Fatalf("tile %d/%d/%d: directories nested too deep", z, x, y)
	return nil
}

func layer(ls mvt.Layers, name string) *mvt.Layer {
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func onLand(l *mvt.Layer, p orb.Point) bool {
	if l == nil {
		return false
	}
	for _, f := range l.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				return true
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				return true
			}
		}
	}
	return false
}

func TestBuildSingaporeHarbour(t *testing.T) {
	var buf bytes.Buffer
	st, err := basemap.Build(&buf, layers(t), basemap.Options{MaxZoom: 12, WorldMaxZoom: 4, Detail: []orb.Bound{singapore}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tiles, %d contents, %d bytes, per zoom %v", st.Tiles, st.Contents, st.Bytes, st.PerZoom)
	if st.Bytes != int64(buf.Len()) {
		t.Errorf("Stats.Bytes = %d; wrote %d", st.Bytes, buf.Len())
	}
	a := readArchive(t, buf.Bytes())
	if a.header.MaxZoom != 12 || a.header.TileType != pmtiles.Mvt || a.header.AddressedTilesCount != uint64(st.Tiles) {
		t.Errorf("header %+v; want max zoom 12, MVT, %d tiles", a.header, st.Tiles)
	}
	for z := range 13 {
		if st.PerZoom[z] == 0 {
			t.Errorf("no tile at zoom %d", z)
		}
	}

	// The harbour at z12: Singapore's land, the port and its anchorages.
	island := orb.Point{103.82, 1.35}  // Bukit Timah, inland
	strait := orb.Point{103.85, 1.215} // the Singapore Strait off Keppel
	tl := maptile.At(island, 12)
	ls := a.tile(t, 12, tl.X, tl.Y)
	if ls == nil {
		t.Fatalf("no tile 12/%d/%d over Singapore", tl.X, tl.Y)
	}
	if !onLand(layer(ls, "land"), island) {
		t.Errorf("tile 12/%d/%d: %v is not on a land polygon", tl.X, tl.Y, island)
	}
	ts := maptile.At(strait, 12)
	ls = a.tile(t, 12, ts.X, ts.Y)
	if onLand(layer(ls, "land"), strait) {
		t.Errorf("tile 12/%d/%d: the strait %v is on land", ts.X, ts.Y, strait)
	}
	var names []string
	for _, z := range []maptile.Zoom{12} {
		for x := maptile.At(singapore.Min, z).X; x <= maptile.At(singapore.Max, z).X; x++ {
			for y := maptile.At(singapore.Max, z).Y; y <= maptile.At(singapore.Min, z).Y; y++ {
				for _, name := range []string{"ports", "anchorages"} {
					if l := layer(a.tile(t, uint8(z), x, y), name); l != nil {
						for _, f := range l.Features {
							if _, ok := f.Geometry.(orb.Point); !ok {
								t.Errorf("%s: %T, want points", name, f.Geometry)
							}
							names = append(names, f.Properties.MustString("name", ""))
						}
					}
				}
			}
		}
	}
	if !slices.Contains(names, "KEPPEL - (EAST SINGAPORE)") || !slices.Contains(names, "SINGAPORE") {
		t.Errorf("port names at z12 over Singapore: %d, without KEPPEL - (EAST SINGAPORE) or SINGAPORE: %q", len(names), names[:min(len(names), 20)])
	}

	// Open ocean (the South Pacific between Pitcairn and Antarctica) has
	// no tile, and no tile outside the detail area is deeper than the
	// world's zoom.
	ocean := orb.Point{-125, -48}
	for z := maptile.Zoom(3); z <= 4; z++ {
		to := maptile.At(ocean, z)
		if ls := a.tile(t, uint8(z), to.X, to.Y); ls != nil {
			t.Errorf("open ocean tile %d/%d/%d has layers %v", z, to.X, to.Y, ls)
		}
	}
	if mum := maptile.At(orb.Point{72.85, 18.95}, 8); a.tile(t, 8, mum.X, mum.Y) != nil {
		t.Errorf("Mumbai has a z8 tile outside the detail area")
	}
	if mum := maptile.At(orb.Point{72.85, 18.95}, 4); layer(a.tile(t, 4, mum.X, mum.Y), "land") == nil {
		t.Errorf("Mumbai has no land at z4")
	}
	// Ports start at zoom 5, anchorages at 9.
	if z4 := maptile.At(island, 4); layer(a.tile(t, 4, z4.X, z4.Y), "ports") != nil {
		t.Errorf("ports at zoom 4")
	}

	info, err := basemap.Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxZoom != 12 || !slices.Equal(info.Layers, []string{"land", "countries", "ports", "anchorages"}) {
		t.Errorf("Inspect = %+v", info)
	}
}

// TestBuildDeterministic builds the same archive twice.
func TestBuildDeterministic(t *testing.T) {
	ls := layers(t)[1:3] // countries and ports: quick
	opt := basemap.Options{MaxZoom: 7, WorldMaxZoom: 3, Detail: []orb.Bound{singapore}}
	var a, b bytes.Buffer
	if _, err := basemap.Build(&a, ls, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := basemap.Build(&b, ls, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two builds differ: %d and %d bytes", a.Len(), b.Len())
	}
}

func TestBuildErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		layers []basemap.Layer
		opt    basemap.Options
		want   error
	}{
		{"zoom 15", nil, basemap.Options{MaxZoom: 15}, basemap.ErrOptions},
		{"bad detail", nil, basemap.Options{Detail: []orb.Bound{{Min: orb.Point{10, 0}, Max: orb.Point{0, 1}}}}, basemap.ErrOptions},
		{"repeated layer", []basemap.Layer{{Name: "a"}, {Name: "a"}}, basemap.Options{}, basemap.ErrOptions},
		{"repeated layer at meeting zooms", []basemap.Layer{{Name: "a", MaxZoom: 6}, {Name: "a", MinZoom: 6}}, basemap.Options{}, basemap.ErrOptions},
		{"max zoom under min zoom", []basemap.Layer{{Name: "a", MinZoom: 6, MaxZoom: 5}}, basemap.Options{}, basemap.ErrOptions},
		{"empty", []basemap.Layer{{Name: "a"}}, basemap.Options{}, basemap.ErrEmpty},
	} {
		if _, err := basemap.Build(&bytes.Buffer{}, c.layers, c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: Build = %v; want %v", c.name, err, c.want)
		}
	}
}

func TestReadPointsCSV(t *testing.T) {
	for _, c := range []struct {
		in             string
		points, reject int
		err            bool
	}{
		{"lat,lon,label\n1,2,x\n", 0, 0, true},
		{"latitude,longitude,label\n1,2,\"a,b\"\n91,2,x\nx,2,x\n3,1001,y\n", 1, 3, false},
		{"latitude,longitude,label\n1,2\n", 0, 0, true},
	} {
		ps, bad, err := basemap.ReadPointsCSV(bytes.NewReader([]byte(c.in)), "label")
		var ie *basemap.InputError
		if c.err != (errors.Is(err, basemap.ErrInput) && errors.As(err, &ie)) || len(ps) != c.points || bad != c.reject {
			t.Errorf("ReadPointsCSV(%q) = %d points, %d rejected, %v; want %d, %d, error %v", c.in, len(ps), bad, err, c.points, c.reject, c.err)
		}
		if len(ps) == 1 && ps[0].Properties["name"] != "a,b" {
			t.Errorf("ReadPointsCSV(%q): name %v", c.in, ps[0].Properties["name"])
		}
	}
}
