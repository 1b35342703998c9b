// Package geo is the geometry of the fusion centre: WGS-84 points,
// distances, bearings and great-circle paths, latitude/longitude boxes,
// polygons with holes and point-in-polygon tests, a static spatial index
// over many polygons, GeoJSON polygon loading, and a land mask.
//
// It imports nothing from the rest of tidewatch.
//
// # Usage
//
//	land, err := geo.DefaultLand() // embedded Natural Earth 1:50m; once, at start-up
//	...
//	if land.OnLand(p) { ... }      // ~25-110 ns, no allocation
//
//	d := geo.Distance(a, b)                 // metres
//	f, miss := geo.ClosestApproach(a, b, c) // closest point of a→b to c
//
//	features, err := geo.ReadGeoJSON(r) // zones: Polygon/MultiPolygon features
//	idx, err := geo.NewIndex(multiPolygons, geo.IndexOptions{})
//	for _, i := range idx.Containing(p) { ... }
//
// # Model
//
// Distances, bearings, destinations and interpolation are computed on a
// sphere of radius EarthRadius (the WGS-84 mean radius): fast, always
// defined, and within 0.57% of the ellipsoidal geodesic (see Distance).
// Polygon edges, by contrast, are straight lines in longitude and latitude,
// as in GeoJSON and on a web map, not great circles.
//
// # Antimeridian and poles
//
// Every function accepts any longitude and treats 180° and -180° (and any
// two longitudes 360° apart) as the same meridian; returned points have
// longitudes in [-180, 180). Boxes that cross the antimeridian have
// MinLon > MaxLon, the GeoJSON bounding-box convention. Polygon edges run
// the shorter way round in longitude, so zones may cross the antimeridian
// split or unsplit, and a ring that goes round the Earth, like Antarctica's
// coast, encloses the pole on its side (see Ring).
//
// # Index
//
// Index is a uniform grid whose cells are classified when it is built:
// empty, wholly covered, or crossed by edges (see Index). Over Natural
// Earth 1:10m land, 96% of the cells are empty or covered, so most lookups
// read one byte; a lookup near a coast counts edge crossings in a few
// cells. It gives exactly the answers of MultiPolygon.Contains.
//
// # Land
//
// LandMask tells land from sea with Natural Earth land polygons, in which
// lakes and rivers are land and harbours are not resolved: see DefaultLand
// for the resolutions, and TestRealPositionsOnLand for how many real AIS
// positions fall on land (most of the US traffic on rivers and in ports).
// LandMask.WithDetail adds a detailed land (OpenStreetMap's) for some
// boxes, with a margin of its own, which answers there instead: harbour
// basins become water. Index and CellCache do not see the detail: a mask
// with detail (Detailed) is asked with OnLand.
//
// CellCache answers Index.Any (or LandMask.OnLand) from a bounded table of
// fine cells (0.01°) known to be crossed by no edge, where every point has
// the answer of the cell's centre: ships report from the same places over
// and over, so most lookups near a coast cost a hash and an atomic load
// (TestCellCacheExact checks it against the index on real positions;
// BenchmarkLandLookup compares the two). Cells an edge crosses are looked
// up in the index each time. The table's slots are atomic words: the
// cache is safe for concurrent use and counts its misses, replacements
// and lookups in crossed cells. Index.BoxInside answers a whole box the
// same way (no edge meets it and its centre is inside: every point is),
// for callers that look many nearby points up at once (fusion's land
// margin; TestBoxInside).
//
// # Untrusted input
//
// ReadGeoJSON bounds its input (GeoJSONLimits), reports problems as
// *FeatureError values with the feature's position, and is fuzzed
// (FuzzReadGeoJSON), with an index built over every accepted document
// checked against Contains. NewIndex bounds the size of what it builds.
//
// # Allocation and concurrency
//
// Point, Rect, Ring, Polygon and MultiPolygon are plain values. Index and
// LandMask are immutable once built and safe for concurrent use, and so is
// CellCache (whose slots change, atomically); Any and
// OnLand never allocate, and AppendContaining allocates only to grow its
// destination. Nothing in the package starts goroutines, logs, or keeps
// state between calls.
package geo
