package basemap

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/protomaps/go-pmtiles/pmtiles"
)

// Limits of Inspect on an archive it did not make.
const (
	// DefaultMaxArchive is the largest archive Inspect accepts when its
	// max is zero: 64 GiB, a large country's OpenStreetMap extract.
	DefaultMaxArchive = 64 << 30
	// maxMetadata caps the metadata read, compressed and not.
	maxMetadata = 1 << 20
)

// ErrArchive is returned (wrapped) for a file that is not a PMTiles v3
// archive of vector tiles this map can draw.
var ErrArchive = errors.New("basemap: not a usable PMTiles archive")

// Info describes an archive: what the map needs to draw it.
type Info struct {
	MinZoom int        `json:"minzoom"`
	MaxZoom int        `json:"maxzoom"`
	Bounds  [4]float64 `json:"bounds"` // west, south, east, north
	Center  [3]float64 `json:"center"` // longitude, latitude, zoom
	Layers  []string   `json:"layers"` // the vector layers' ids, from the metadata
	Size    int64      `json:"size"`
}

// Inspect reads and checks the header and metadata of the PMTiles archive
// r of size bytes, which may come from anyone: version 3, MVT tiles,
// known compressions, every section inside the file, the root directory
// in the first 16 KiB, size at most max bytes (zero: DefaultMaxArchive),
// metadata at most 1 MiB.
func Inspect(r io.ReaderAt, size, max int64) (Info, error) {
	if max <= 0 {
		max = DefaultMaxArchive
	}
	if size > max {
		return Info{}, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrArchive, size, max)
	}
	if size < pmtiles.HeaderV3LenBytes {
		return Info{}, fmt.Errorf("%w: %d bytes, shorter than a header", ErrArchive, size)
	}
	head := make([]byte, pmtiles.HeaderV3LenBytes)
	if _, err := r.ReadAt(head, 0); err != nil {
		return Info{}, fmt.Errorf("basemap: read header: %w", err)
	}
	h, err := pmtiles.DeserializeHeader(head)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrArchive, err)
	}
	switch {
	case h.SpecVersion != 3:
		return Info{}, fmt.Errorf("%w: version %d, want 3", ErrArchive, h.SpecVersion)
	case h.TileType != pmtiles.Mvt:
		return Info{}, fmt.Errorf("%w: tile type %d, want vector tiles (MVT)", ErrArchive, h.TileType)
	case !known(h.InternalCompression) || !known(h.TileCompression):
		return Info{}, fmt.Errorf("%w: compression %d/%d unknown", ErrArchive, h.InternalCompression, h.TileCompression)
	case h.MinZoom > h.MaxZoom || h.MaxZoom > 30:
		return Info{}, fmt.Errorf("%w: zooms %d to %d", ErrArchive, h.MinZoom, h.MaxZoom)
	case h.RootOffset < pmtiles.HeaderV3LenBytes || !inside(h.RootOffset, h.RootLength, 16384):
		return Info{}, fmt.Errorf("%w: root directory at %d+%d, not in the first 16 KiB", ErrArchive, h.RootOffset, h.RootLength)
	case !inside(h.MetadataOffset, h.MetadataLength, uint64(size)), !inside(h.LeafDirectoryOffset, h.LeafDirectoryLength, uint64(size)),
		!inside(h.TileDataOffset, h.TileDataLength, uint64(size)), !inside(h.RootOffset, h.RootLength, uint64(size)):
		return Info{}, fmt.Errorf("%w: a section lies beyond the end of the %d bytes", ErrArchive, size)
	case h.MetadataLength > maxMetadata:
		return Info{}, fmt.Errorf("%w: metadata of %d bytes", ErrArchive, h.MetadataLength)
	}
	info := Info{MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom), Size: size,
		Bounds: [4]float64{e7(h.MinLonE7), e7(h.MinLatE7), e7(h.MaxLonE7), e7(h.MaxLatE7)},
		Center: [3]float64{e7(h.CenterLonE7), e7(h.CenterLatE7), float64(h.CenterZoom)}}
	meta := make([]byte, h.MetadataLength)
	if _, err := r.ReadAt(meta, int64(h.MetadataOffset)); err != nil {
		return Info{}, fmt.Errorf("basemap: read metadata: %w", err)
	}
	var in io.Reader = bytes.NewReader(meta)
	if h.InternalCompression == pmtiles.Gzip {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return Info{}, fmt.Errorf("%w: metadata: %v", ErrArchive, err)
		}
		in = zr
	} else if h.InternalCompression != pmtiles.NoCompression {
		return info, nil // brotli or zstd metadata: the layers stay unknown
	}
	raw, err := io.ReadAll(io.LimitReader(in, maxMetadata+1))
	if err != nil || len(raw) > maxMetadata {
		return Info{}, fmt.Errorf("%w: metadata unreadable or over 1 MiB", ErrArchive)
	}
	var m struct {
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return Info{}, fmt.Errorf("%w: metadata: %v", ErrArchive, err)
		}
	}
	for _, l := range m.VectorLayers {
		info.Layers = append(info.Layers, l.ID)
	}
	return info, nil
}

func known(c pmtiles.Compression) bool {
	return c == pmtiles.NoCompression || c == pmtiles.Gzip || c == pmtiles.Brotli || c == pmtiles.Zstd
}

// inside reports whether off+n <= end without overflow.
func inside(off, n, end uint64) bool { return off <= end && n <= end-off }

func e7(v int32) float64 { return float64(v) / 1e7 }
