package basemap

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
	"github.com/protomaps/go-pmtiles/pmtiles"
)

// Limits of the builder.
const (
	// MaxZoom is the deepest zoom Build makes tiles for.
	MaxZoom = 14
	// DefaultWorldMaxZoom is the deepest zoom made for the whole world when
	// Options.WorldMaxZoom is zero; deeper tiles only cover Options.Detail.
	DefaultWorldMaxZoom = 6
	// DefaultBuffer is the tile buffer, in units of the 4096 extent, when
	// Options.Buffer is zero: 64 units, a quarter of a pixel of a 256-pixel
	// tile at 16x, enough for line joins at the tile edge.
	DefaultBuffer = 64
	extent        = 4096
)

// Layer is one layer of the archive: its name in the tiles, the first zoom
// at which its features appear, and its features (WGS-84 longitude and
// latitude). Properties are kept as they are (strings, numbers, booleans).
type Layer struct {
	Name    string
	MinZoom int
	// MaxZoom, when not zero, is the deepest zoom the layer is drawn at:
	// a coarse land to the world's zooms and a detailed one, of the same
	// name, below them.
	MaxZoom  int
	Features []*geojson.Feature
}

// Options tune Build. The zero value makes tiles of zoom 0 to 14 for the
// whole world up to DefaultWorldMaxZoom and none deeper (no Detail).
type Options struct {
	// MaxZoom is the deepest zoom (0 to 14); zero means MaxZoom. MapLibre
	// overzooms beyond it.
	MaxZoom int
	// WorldMaxZoom is the deepest zoom made for the whole world; zero
	// means DefaultWorldMaxZoom. Deeper tiles are made only where they
	// meet one of Detail.
	WorldMaxZoom int
	// Detail are the areas (harbours, approaches) made down to MaxZoom.
	Detail []orb.Bound
	// Buffer is the tile buffer in units of the 4096 extent; zero means
	// DefaultBuffer.
	Buffer int
	// Name and Attribution go into the archive's metadata.
	Name, Attribution string
}

// Stats tell what Build made.
type Stats struct {
	Tiles    int              // addressed tiles
	Contents int              // distinct tile contents (identical tiles are stored once)
	Bytes    int64            // size of the archive
	PerZoom  [MaxZoom + 1]int // addressed tiles by zoom
}

// Errors of Build.
var (
	ErrOptions = errors.New("basemap: invalid options")
	ErrEmpty   = errors.New("basemap: no tiles: the layers have no features")
)

type tileOut struct {
	id   uint64
	data []byte
}

type builder struct {
	opt    Options
	layers []Layer
	buffer float64
	out    []tileOut
	err    error
}

// feat is a feature clipped to the current tile (with its buffer).
type feat struct {
	geom  orb.Geometry
	props geojson.Properties
}

// Build writes a PMTiles v3 archive of gzip-compressed Mapbox Vector Tiles
// of layers to w. It clips every tile to its bound plus the buffer and
// simplifies the geometry to a tenth of a 256-pixel tile's pixel at each
// zoom (Douglas-Peucker in tile units). Tiles with no feature are left out
// (a reader shows the background: open sea), and so are the children of a
// tile whose layers are all empty. The output is deterministic: the same
// layers and options give the same bytes.
func Build(w io.Writer, layers []Layer, opt Options) (Stats, error) {
	if opt.MaxZoom == 0 {
		opt.MaxZoom = MaxZoom
	}
	if opt.WorldMaxZoom == 0 {
		opt.WorldMaxZoom = DefaultWorldMaxZoom
	}
	if opt.Buffer == 0 {
		opt.Buffer = DefaultBuffer
	}
	switch {
	case opt.MaxZoom < 0 || opt.MaxZoom > MaxZoom:
		return Stats{}, fmt.Errorf("%w: max zoom %d not in 0..%d", ErrOptions, opt.MaxZoom, MaxZoom)
	case opt.WorldMaxZoom < 0:
		return Stats{}, fmt.Errorf("%w: world max zoom %d", ErrOptions, opt.WorldMaxZoom)
	case opt.Buffer < 0 || opt.Buffer > extent/2:
		return Stats{}, fmt.Errorf("%w: buffer %d not in 0..%d", ErrOptions, opt.Buffer, extent/2)
	}
	for _, d := range opt.Detail {
		if d.Min[0] > d.Max[0] || d.Min[1] > d.Max[1] || d.Min[0] < -180 || d.Max[0] > 180 || d.Min[1] < -90 || d.Max[1] > 90 {
			return Stats{}, fmt.Errorf("%w: detail area %v", ErrOptions, d)
		}
	}
	names := map[string][][2]int{} // a name's zoom ranges: layers of one name must not meet
	for _, l := range layers {
		hi := l.MaxZoom
		if hi == 0 {
			hi = MaxZoom
		}
		if l.Name == "" || l.MaxZoom != 0 && l.MaxZoom < l.MinZoom {
			return Stats{}, fmt.Errorf("%w: layer name %q empty, or its zooms %d to %d", ErrOptions, l.Name, l.MinZoom, l.MaxZoom)
		}
		for _, r := range names[l.Name] {
			if l.MinZoom <= r[1] && r[0] <= hi {
				return Stats{}, fmt.Errorf("%w: layer name %q repeated at the same zooms", ErrOptions, l.Name)
			}
		}
		names[l.Name] = append(names[l.Name], [2]int{l.MinZoom, hi})
	}

	b := &builder{opt: opt, layers: layers, buffer: float64(opt.Buffer) / extent}
	root := make([][]feat, len(layers))
	for i, l := range layers {
		for _, f := range l.Features {
			if f == nil || f.Geometry == nil {
				continue
			}
			root[i] = append(root[i], feat{geom: f.Geometry, props: f.Properties})
		}
	}
	b.tile(maptile.New(0, 0, 0), root)
	if b.err != nil {
		return Stats{}, b.err
	}
	if len(b.out) == 0 {
		return Stats{}, ErrEmpty
	}
	return b.write(w)
}

// tile makes tile t from the features clipped to its parent, then its
// children.
func (b *builder) tile(t maptile.Tile, parent [][]feat) {
	if b.err != nil {
		return
	}
	bound := t.Bound(b.buffer)
	clipped := make([][]feat, len(parent))
	found := false
	for i, fs := range parent {
		for _, f := range fs {
			gb := f.geom.Bound()
			if !gb.Intersects(bound) {
				continue
			}
			g := f.geom
			if !bound.Contains(gb.Min) || !bound.Contains(gb.Max) {
				// clip uses its input as scratch space: clip a copy, so
				// that the parent's geometry stays whole for the siblings.
				g = clip.Geometry(bound, orb.Clone(f.geom))
			}
			if g == nil || isEmpty(g) {
				continue
			}
			clipped[i] = append(clipped[i], feat{geom: g, props: f.props})
			found = true
		}
	}
	if !found {
		return
	}
	z := int(t.Z)
	data, err := b.encode(t, clipped)
	if err != nil {
		b.err = err
		return
	}
	if data != nil {
		b.out = append(b.out, tileOut{id: pmtiles.ZxyToID(uint8(t.Z), t.X, t.Y), data: data})
	}
	if z >= b.opt.MaxZoom || (z >= b.opt.WorldMaxZoom && !b.detailed(t)) {
		return
	}
	for _, c := range t.Children() {
		b.tile(c, clipped)
	}
}

func (b *builder) detailed(t maptile.Tile) bool {
	tb := t.Bound()
	for _, d := range b.opt.Detail {
		if tb.Intersects(d) {
			return true
		}
	}
	return false
}

// encode makes the vector tile of t from the clipped features of the
// layers visible at its zoom; nil when none has a feature left.
func (b *builder) encode(t maptile.Tile, clipped [][]feat) ([]byte, error) {
	var ls mvt.Layers
	simp := simplify.DouglasPeucker(extent / 256 / 10.0)
	for i, fs := range clipped {
		l := b.layers[i]
		if int(t.Z) < l.MinZoom || l.MaxZoom > 0 && int(t.Z) > l.MaxZoom || len(fs) == 0 {
			continue
		}
		fc := geojson.NewFeatureCollection()
		for _, f := range fs {
			nf := geojson.NewFeature(orb.Clone(f.geom))
			nf.Properties = f.props
			fc.Append(nf)
		}
		layer := mvt.NewLayer(l.Name, fc)
		layer.ProjectToTile(t)
		layer.Simplify(simp)
		layer.RemoveEmpty(0.5, 0.5)
		for _, f := range layer.Features {
			f.Geometry = orient(f.Geometry)
		}
		if len(layer.Features) > 0 {
			ls = append(ls, layer)
		}
	}
	if len(ls) == 0 {
		return nil, nil
	}
	data, err := mvt.MarshalGzipped(ls)
	if err != nil {
		return nil, fmt.Errorf("basemap: tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
	}
	return data, nil
}

// orient gives polygons the winding the MVT specification asks for in
// tile coordinates: exterior rings of positive area, holes negative (orb
// calls positive CCW).
func orient(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		orientPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			orientPolygon(p)
		}
	}
	return g
}

func orientPolygon(p orb.Polygon) {
	for i, r := range p {
		want := orb.CCW
		if i > 0 {
			want = orb.CW
		}
		if o := r.Orientation(); o != 0 && o != want {
			r.Reverse()
		}
	}
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) < 2
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Ring:
		return len(g) < 4
	case orb.Polygon:
		return len(g) == 0 || len(g[0]) < 4
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.Collection:
		return len(g) == 0
	}
	return false
}

// write assembles the archive: header, root directory, metadata, leaf
// directories, tile data (in tile-id order, identical contents once).
func (b *builder) write(w io.Writer) (Stats, error) {
	slices.SortFunc(b.out, func(x, y tileOut) int {
		switch {
		case x.id < y.id:
			return -1
		case x.id > y.id:
			return 1
		}
		return 0
	})
	var st Stats
	var data bytes.Buffer
	offsets := map[[32]byte]uint64{}
	var entries []pmtiles.EntryV3
	for _, t := range b.out {
		z, _, _ := pmtiles.IDToZxy(t.id)
		st.PerZoom[z]++
		sum := sha256.Sum256(t.data)
		off, seen := offsets[sum]
		if !seen {
			off = uint64(data.Len())
			offsets[sum] = off
			data.Write(t.data)
		}
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if seen && last.Offset == off && last.TileID+uint64(last.RunLength) == t.id {
				last.RunLength++
				continue
			}
		}
		entries = append(entries, pmtiles.EntryV3{TileID: t.id, Offset: off, Length: uint32(len(t.data)), RunLength: 1})
	}
	st.Tiles, st.Contents = len(b.out), len(offsets)

	root, leaves, _ := pmtiles.BuildDirectories(entries, 16384-pmtiles.HeaderV3LenBytes, pmtiles.Gzip)
	meta, err := pmtiles.SerializeMetadata(b.metadata(), pmtiles.Gzip)
	if err != nil {
		return Stats{}, fmt.Errorf("basemap: metadata: %w", err)
	}
	h := pmtiles.HeaderV3{
		SpecVersion: 3, Clustered: true,
		InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.Gzip, TileType: pmtiles.Mvt,
		MinZoom: 0, MaxZoom: uint8(b.opt.MaxZoom),
		MinLonE7: -180 * 1e7, MinLatE7: -85051128 * 10, MaxLonE7: 180 * 1e7, MaxLatE7: 85051128 * 10,
		AddressedTilesCount: uint64(st.Tiles), TileEntriesCount: uint64(len(entries)), TileContentsCount: uint64(st.Contents),
	}
	if len(b.opt.Detail) > 0 {
		c := b.opt.Detail[0].Center()
		h.CenterLonE7, h.CenterLatE7 = int32(math.Round(c[0]*1e7)), int32(math.Round(c[1]*1e7))
		h.CenterZoom = uint8(min(b.opt.MaxZoom, 10))
	}
	h.RootOffset = pmtiles.HeaderV3LenBytes
	h.RootLength = uint64(len(root))
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(meta))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(data.Len())

	var n int64
	for _, part := range [][]byte{pmtiles.SerializeHeader(h), root, meta, leaves, data.Bytes()} {
		m, err := w.Write(part)
		n += int64(m)
		if err != nil {
			return Stats{}, fmt.Errorf("basemap: write: %w", err)
		}
	}
	st.Bytes = n
	return st, nil
}

func (b *builder) metadata() map[string]any {
	var vl []any
	seen := map[string]map[string]any{} // a name's entry: layers of one name share it
	for _, l := range b.layers {
		if v, ok := seen[l.Name]; ok {
			v["minzoom"] = min(v["minzoom"].(int), l.MinZoom)
			continue
		}
		fields := map[string]any{}
		for _, f := range l.Features {
			for k, v := range f.Properties {
				switch v.(type) {
				case string:
					fields[k] = "String"
				case float64, int, int64:
					fields[k] = "Number"
				case bool:
					fields[k] = "Boolean"
				}
			}
		}
		v := map[string]any{"id": l.Name, "minzoom": l.MinZoom, "maxzoom": b.opt.MaxZoom, "fields": fields}
		seen[l.Name] = v
		vl = append(vl, v)
	}
	m := map[string]any{"vector_layers": vl, "type": "baselayer", "generator": "tidewatch basemap"}
	if b.opt.Name != "" {
		m["name"] = b.opt.Name
	}
	if b.opt.Attribution != "" {
		m["attribution"] = b.opt.Attribution
	}
	return m
}
