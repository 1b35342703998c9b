package geo

import (
	"os"
	"sync"
)

// Land10m returns Natural Earth 1:10m land from testdata, read once per
// test binary (about 0.3 s) and shared by the tests of both packages.
var Land10m = sync.OnceValues(func() ([]MultiPolygon, error) {
	f, err := os.Open("../../testdata/geo/land/ne_land_10m.geojson.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	features, err := ReadGeoJSON(f)
	if err != nil {
		return nil, err
	}
	land := make([]MultiPolygon, len(features))
	for i, f := range features {
		land[i] = f.Geometry
	}
	return land, nil
})
