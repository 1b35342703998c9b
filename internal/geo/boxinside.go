package geo

// BoxInside reports whether every point of the box from (minLon, minLat)
// to (maxLon, maxLat) (longitudes normalised, minLon <= maxLon) is inside
// an item of the index: no polygon edge meets the box (with the padding
// CellCache uses, so that a point on an edge is never missed) and its
// centre is inside one. False means that some point of the box is not,
// or that it is not known (an edge crosses the box). Callers use it to
// answer Any for many points at once exactly, as fusion does for the
// probes round a position on land.
func (x *Index) BoxInside(minLon, minLat, maxLon, maxLat float64) bool {
	if !(minLon <= maxLon && minLat <= maxLat) || x.crossesBox(minLon, minLat, maxLon, maxLat) {
		return false
	}
	return x.Any(Point{Lat: (minLat + maxLat) / 2, Lon: (minLon + maxLon) / 2})
}
